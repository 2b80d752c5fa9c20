/**
 * ArnEquals, ArnNotEquals, ArnLike, ArnNotLike: per colon-delimited component, wildcards allowed in
 * both. A policy value that is not an ARN of six components cannot be evaluated (fail closed): see
 * arnPatternMatcher.
 */
import { conditionValueProblem } from '../../policy/index.js';
import { arnPatternMatcher } from '../arn.js';
import { EvaluationError } from '../errors.js';
import type { Matcher } from '../glob.js';
import type { OperatorFamily } from './family.js';

export const arnFamily: OperatorFamily<Matcher> = {
  parse(value) {
    const m = arnPatternMatcher(value);
    if (!m) throw new EvaluationError(conditionValueProblem('Arn', value)!);
    return m;
  },
  matches: (_base, v, p) => p(v),
};
