/** NumericEquals, NumericNotEquals, NumericLessThan(Equals), NumericGreaterThan(Equals). */
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export const numericFamily: OperatorFamily<number> = {
  parse(value) {
    if (!NUMBER.test(value.trim())) throw new EvaluationError(`"${value}" is not a number`);
    return Number(value);
  },
  matches(base, v, p) {
    if (!NUMBER.test(v.trim())) return false; // a request value that is not a number matches nothing
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
