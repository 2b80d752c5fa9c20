/** StringEquals, StringNotEquals, StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, StringLike, StringNotLike. */
import { globMatcher, type Matcher } from '../glob.js';
import { plainText } from '../variables.js';
import type { OperatorFamily } from './family.js';

interface ParsedString {
  value: string;
  lower: string;
  like: Matcher;
}

export const stringFamily: OperatorFamily<ParsedString> = {
  parse: (value) => {
    const literal = plainText(value);
    return { value: literal, lower: literal.toLowerCase(), like: globMatcher(value, false) };
  },
  matches(base, v, p) {
    switch (base) {
      case 'StringEqualsIgnoreCase':
      case 'StringNotEqualsIgnoreCase':
        return v.toLowerCase() === p.lower;
      case 'StringLike':
      case 'StringNotLike':
        return p.like(v);
      default:
        return v === p.value;
    }
  },
};
