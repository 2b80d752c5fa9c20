/**
 * DateEquals, DateNotEquals, DateLessThan(Equals), DateGreaterThan(Equals): ISO 8601 (W3C profile) or
 * epoch seconds ("Date condition operators", IAM User Guide). A date that does not exist
 * (`2024-02-30`, which JavaScript would roll over to March 1) or a time out of range is malformed: in
 * the policy and in the request it is an error, never a comparison.
 */
import { conditionValueProblem, parseDateValue } from '../../policy/index.js';
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

export const dateFamily: OperatorFamily<number> = {
  parse(value) {
    const t = parseDateValue(value);
    if (t === undefined) throw new EvaluationError(conditionValueProblem('Date', value)!);
    return t;
  },
  matches(base, v, p) {
    const t = parseDateValue(v);
    if (t === undefined) throw new EvaluationError(`the request value "${v}" is not a date (ISO 8601 or epoch seconds)`);
    switch (base) {
      case 'DateLessThan':
        return t < p;
      case 'DateLessThanEquals':
        return t <= p;
      case 'DateGreaterThan':
        return t > p;
      case 'DateGreaterThanEquals':
        return t >= p;
      default:
        return t === p;
    }
  },
};
