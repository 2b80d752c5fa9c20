/** BinaryEquals: base64 values compared byte for byte. */
import { conditionValueProblem, parseBase64Value } from '../../policy/index.js';
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

export const binaryFamily: OperatorFamily<string> = {
  parse(value) {
    const hex = parseBase64Value(value);
    if (hex === undefined) throw new EvaluationError(conditionValueProblem('Binary', value)!);
    return hex;
  },
  // A request value is compared by what it decodes to, padded or not.
  matches: (_base, v, p) => /^[A-Za-z0-9+/]*={0,2}$/.test(v.trim()) && Buffer.from(v.trim(), 'base64').toString('hex') === p,
};
