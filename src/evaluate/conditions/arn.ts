/** ArnEquals, ArnNotEquals, ArnLike, ArnNotLike: per colon-delimited component, wildcards allowed in both. */
import { arnMatcher } from '../arn.js';
import type { Matcher } from '../glob.js';
import type { OperatorFamily } from './family.js';

export const arnFamily: OperatorFamily<Matcher> = {
  parse: (value) => arnMatcher(value),
  matches: (_base, v, p) => p(v),
};
