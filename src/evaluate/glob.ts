/**
 * Wildcard matching as IAM does it: `*` any run of characters (including none), `?` exactly one.
 * Compiled once per pattern; literals become plain comparisons.
 */
import { LITERAL_QUESTION, LITERAL_STAR } from './variables.js';

export type Matcher = (value: string) => boolean;

export function globMatcher(pattern: string, ignoreCase: boolean): Matcher {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  if (!p.includes('*') && !p.includes('?')) {
    const literal = p.replaceAll(LITERAL_STAR, '*').replaceAll(LITERAL_QUESTION, '?');
    return ignoreCase ? (v) => v.toLowerCase() === literal : (v) => v === literal;
  }
  if (p === '*') return () => true;
  const star = p.indexOf('*');
  if (!p.includes('?') && star === p.length - 1 && p.indexOf('*') === p.lastIndexOf('*')) {
    const prefix = p.slice(0, -1).replaceAll(LITERAL_STAR, '*').replaceAll(LITERAL_QUESTION, '?');
    return ignoreCase ? (v) => v.toLowerCase().startsWith(prefix) : (v) => v.startsWith(prefix);
  }
  let re = '^';
  for (const ch of p) {
    if (ch === '*') re += '[\\s\\S]*';
    else if (ch === '?') re += '[\\s\\S]';
    else if (ch === LITERAL_STAR) re += '\\*';
    else if (ch === LITERAL_QUESTION) re += '\\?';
    else re += ch.replace(/[.+^${}()|[\]\\-]/g, '\\$&');
  }
  const regex = new RegExp(re + '$', ignoreCase ? 'i' : '');
  return (v) => regex.test(v);
}
