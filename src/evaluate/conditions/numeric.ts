/**
 * NumericEquals, NumericNotEquals, NumericLessThan(Equals), NumericGreaterThan(Equals). A value that
 * is not a number, in the policy or in the request, cannot be compared: an error, never a match or a
 * non-match (a negated operator would otherwise turn garbage into a match).
 */
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export const numericFamily: OperatorFamily<number> = {
  parse(value) {
    if (!NUMBER.test(value.trim())) throw new EvaluationError(`"${value}" is not a number`);
    return Number(value);
  },
  matches(base, v, p) {
    if (!NUMBER.test(v.trim())) throw new EvaluationError(`the request value "${v}" is not a number`);
    const n = Number(v);
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
