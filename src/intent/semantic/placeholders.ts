/**
 * Placeholders left in the values the controls write into policies (`${Account}`, `[PRIVILEGED_ROLE]`,
 * `<my-org-id>`, `{{team}}`): IAM compares them as written, so a resource ARN or a condition value
 * holding one matches nothing, and under a negated operator (the principal exceptions' ArnNotLike,
 * StringNotEquals) everything. Custom, templated and imported statements are checked by the policy
 * grammar (src/policy/grammar.ts); these are the parameters of the other control kinds. A value that
 * fails its own shape (an account id, a Marketplace product id, an ARN whose account is `${Account}`, a
 * model or profile id) is reported by that check, once.
 */
import { placeholderProblem } from '../../policy/placeholders.js';
import { modelIdShape } from '../../reference/bedrock-models.js';
import { ARN_PATTERN, PRINCIPAL_ARN_PATTERN } from '../formats.js';
import type { Control } from '../types.js';
import { isAcceptedKey } from './accepted-keys.js';
import { isObject, type CheckContext } from './context.js';

/**
 * What a value is: one whose `${...}` may be a policy variable (a condition value, an ARN) or not (a
 * tag key, a path); ARNs and principal ARNs that fail the schema's format are the schema's to report.
 */
type Kind = 'value' | 'literal' | 'arn' | 'principal' | 'inference-profile';

export function checkControlPlaceholders(ctx: CheckContext, c: Control): void {
  const what = `control ${c.id}`;
  const check = (holder: unknown, key: string, label: string, kind: Kind = 'value') => checkValues(ctx, holder, key, `${what}: ${label}`, kind);
  switch (c.kind) {
    case 'deny-actions':
      check(c, 'resources', 'resources', 'arn');
      check(c, 'notResources', 'notResources', 'arn');
      check(c, 'exceptPrincipals', 'exceptPrincipals', 'principal');
      checkConditions(ctx, c.conditions, `${what}: conditions`);
      break;
    case 'region-deny':
      check(c, 'exceptPrincipals', 'exceptPrincipals', 'principal');
      break;
    case 'bedrock-model-allowlist':
      check(c, 'approvedModelArns', 'approvedModelArns', 'arn');
      check(c, 'inferenceProfiles', 'inferenceProfiles', 'inference-profile');
      check(c, 'exceptPrincipals', 'exceptPrincipals', 'principal');
      break;
    case 'partner-tag-exception':
      checkException(ctx, c, what);
      break;
    case 'identity-perimeter':
      check(c, 'orgPaths', 'orgPaths', 'literal');
      (Array.isArray(c.partnerExceptions) ? c.partnerExceptions : []).forEach((p, i) => checkException(ctx, p, `${what}: partnerExceptions[${i}]`));
      if (isObject(c.resourceTagException)) {
        check(c.resourceTagException, 'key', 'resourceTagException.key', 'literal');
        check(c.resourceTagException, 'value', 'resourceTagException.value');
        check(c.resourceTagException, 'adminRoles', 'resourceTagException.adminRoles', 'principal');
      }
      break;
    default:
      break;
  }
}

/** A partner exception: its tag becomes aws:ResourceTag/<key> = <value>, its admin roles ArnNotLike values. */
function checkException(ctx: CheckContext, p: unknown, what: string): void {
  if (!isObject(p)) return;
  if (isObject(p.tag)) {
    checkValues(ctx, p.tag, 'key', `${what}: tag.key`, 'literal');
    checkValues(ctx, p.tag, 'value', `${what}: tag.value`, 'value');
  }
  checkValues(ctx, p, 'adminRoles', `${what}: adminRoles`, 'principal');
}

function checkValues(ctx: CheckContext, holder: unknown, key: string, what: string, kind: Kind): void {
  if (!isObject(holder)) return;
  const v = holder[key];
  if (Array.isArray(v)) v.forEach((x, i) => report(ctx, x, what, kind, ctx.at(v, i)));
  else report(ctx, v, what, kind, ctx.at(holder, key));
}

/** An IAM Condition block as written: a placeholder in a key is never a policy variable, in a value it may be. */
function checkConditions(ctx: CheckContext, block: unknown, what: string): void {
  if (!isObject(block)) return;
  for (const [op, keys] of Object.entries(block)) {
    if (!isObject(keys)) continue;
    for (const [key, values] of Object.entries(keys)) {
      report(ctx, key, `${what}: ${op}: the key`, 'literal', ctx.atKey(keys, key));
      checkValues(ctx, keys, key, `${what}: ${op} ${key}`, 'value');
    }
  }
}

function report(ctx: CheckContext, value: unknown, what: string, kind: Kind, at: ReturnType<CheckContext['at']>): void {
  if (typeof value !== 'string' || reportedElsewhere(value, kind)) return;
  const p = placeholderProblem(value, kind === 'literal' ? () => false : (name) => isContextKey(ctx, name));
  if (p) ctx.error(p.code, `${what}: ${p.message}`, at, p.hint);
}

function reportedElsewhere(value: string, kind: Kind): boolean {
  switch (kind) {
    case 'arn':
      return !ARN_PATTERN.test(value);
    case 'principal':
      return !PRINCIPAL_ARN_PATTERN.test(value);
    case 'inference-profile': {
      // A profile id, or the id ending a system-defined profile ARN, is checked for its shape (models.ts).
      if (!value.startsWith('arn:')) return true;
      const id = /:inference-profile\/(.+)$/.exec(value)?.[1];
      return id !== undefined && modelIdShape(id).kind !== 'profile';
    }
    default:
      return false;
  }
}

/** Without a reference every key-shaped variable is taken as one: only placeholders that cannot be keys are reported. */
function isContextKey(ctx: CheckContext, name: string): boolean {
  return !ctx.reference || ctx.reference.conditionKey(name) !== undefined || isAcceptedKey(ctx.intent, name);
}
