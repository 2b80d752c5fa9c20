/**
 * NumericEquals, NumericNotEquals, NumericLessThan(Equals), NumericGreaterThan(Equals). A value that
 * is not a number, in the policy or in the request, cannot be compared: an error, never a match or a
 * non-match (a negated operator would otherwise turn garbage into a match).
 */
import { conditionValueProblem, parseNumberValue } from '../../policy/index.js';
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

export const numericFamily: OperatorFamily<number> = {
  parse(value) {
    const n = parseNumberValue(value);
    if (n === undefined) throw new EvaluationError(conditionValueProblem('Numeric', value)!);
    return n;
  },
  matches(base, v, p) {
    const n = parseNumberValue(v);
    if (n === undefined) throw new EvaluationError(`the request value "${v}" is not a number`);
    switch (base) {
      case 'NumericLessThan':
        return n < p;
      case 'NumericLessThanEquals':
        return n <= p;
      case 'NumericGreaterThan':
        return n > p;
      case 'NumericGreaterThanEquals':
        return n >= p;
      default:
        return n === p;
    }
  },
};
