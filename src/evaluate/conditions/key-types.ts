/**
 * Which operator families fit which condition key types, checked when a policy is compiled against a
 * reference ("an unknown key type is an error"). Types come from the service reference (`Types` of a
 * service's ConditionKeys) and the global keys data; ArrayOf<T> is T for this purpose.
 *
 * - String operators fit String keys and ARN keys: the global keys page gives ARN keys such as
 *   aws:SourceArn the data type "ARN operators and string operators. AWS recommends that you use ARN
 *   operators instead of string operators when comparing ARNs."
 *   (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
 * - Every other family fits only its own type (Numeric, Date, Bool, IPAddress, Binary, ARN).
 * - Null fits every key: it tests presence, not a value.
 * - A type this table does not know (a future type name) fits no typed operator: the engine cannot
 *   know how AWS compares it, so the statement is an error (fail closed).
 */
import type { OperatorFamily } from '../../policy/index.js';
import { EvaluationError } from '../errors.js';

const FITS: Record<string, readonly OperatorFamily[]> = {
  String: ['String'],
  ARN: ['Arn', 'String'],
  Numeric: ['Numeric'],
  Date: ['Date'],
  Bool: ['Bool'],
  IPAddress: ['IpAddress'],
  Binary: ['Binary'],
};

export const KNOWN_KEY_TYPES: readonly string[] = Object.keys(FITS);

/** Throws EvaluationError when no type of the key fits the operator family. */
export function checkKeyType(operator: string, family: OperatorFamily, key: string, types: readonly string[]): void {
  if (family === 'Null' || types.length === 0) return;
  const bases = types.map((t) => t.replace(/^ArrayOf/, ''));
  if (bases.some((b) => FITS[b]?.includes(family))) return;
  const unknown = bases.filter((b) => !FITS[b]);
  if (unknown.length === bases.length) {
    throw new EvaluationError(`condition ${operator} on "${key}": the key's type ${unknown.join(', ')} is one the engine does not know, so it cannot say how AWS compares it`, 'unknown-key-type', { operator, key });
  }
  throw new EvaluationError(`condition ${operator} cannot compare "${key}", a ${types.join(' or ')} key: use a ${bases.map((b) => FITS[b]?.[0]).filter(Boolean).join(' or ')} operator`, 'condition-type-mismatch', { operator, key });
}
