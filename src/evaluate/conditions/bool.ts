/** Bool: the policy value is "true" or "false" (any case); anything else cannot be evaluated. */
import { conditionValueProblem, parseBoolValue } from '../../policy/index.js';
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

export const boolFamily: OperatorFamily<boolean> = {
  parse(value) {
    const b = parseBoolValue(value);
    if (b === undefined) throw new EvaluationError(conditionValueProblem('Bool', value)!);
    return b;
  },
  matches: (_base, v, p) => v.trim().toLowerCase() === String(p),
};
