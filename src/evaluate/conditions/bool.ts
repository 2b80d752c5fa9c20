/** Bool: the policy value is "true" or "false" (any case); anything else cannot be evaluated. */
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

export const boolFamily: OperatorFamily<boolean> = {
  parse(value) {
    const v = value.trim().toLowerCase();
    if (v !== 'true' && v !== 'false') throw new EvaluationError(`"${value}" is not a boolean (true or false)`);
    return v === 'true';
  },
  matches: (_base, v, p) => v.trim().toLowerCase() === String(p),
};
