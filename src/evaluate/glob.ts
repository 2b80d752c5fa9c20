/**
 * Wildcard matching as IAM does it (`*` any run of characters, `?` exactly one; see
 * policy/wildcard.ts, linear, no regular expressions), with the escapes of policy variables: `${*}`
 * and `${?}` reach here as LITERAL_STAR / LITERAL_QUESTION and match the characters themselves.
 */
import { wildcardTest } from '../policy/index.js';
import { plainText } from './variables.js';

export type Matcher = (value: string) => boolean;

export function globMatcher(pattern: string, ignoreCase: boolean): Matcher {
  if (pattern === '*') return () => true;
  return wildcardTest(pattern, { ignoreCase, literal: plainText });
}
