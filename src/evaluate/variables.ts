/**
 * Policy variables in Resource and condition values: `${aws:username}`, `${aws:PrincipalTag/team}`,
 * `${key, 'default'}`, and the escapes `${*}`, `${?}`, `${$}` for literal wildcard characters.
 * A variable whose key the request does not carry (and that has no default) cannot be resolved: the
 * value it appears in then matches nothing.
 */
import type { RequestContext } from './context.js';

const VARIABLE = /\$\{([^}]*)\}/g;

export function hasVariables(value: string): boolean {
  return value.includes('${');
}

/** Stand-ins for `${*}` and `${?}`: literal characters that glob matching must not read as wildcards. */
export const LITERAL_STAR = '\u0001';
export const LITERAL_QUESTION = '\u0002';

export interface Resolved {
  /** The value with variables replaced; escaped wildcards appear as LITERAL_STAR / LITERAL_QUESTION. */
  text: string;
}

/** The value as plain text (escapes back to the characters they stand for). */
export function plainText(s: string): string {
  return s.replaceAll(LITERAL_STAR, '*').replaceAll(LITERAL_QUESTION, '?');
}

/** Resolves the variables of a value against the request, or undefined when one has no value. */
export function resolveVariables(value: string, ctx: RequestContext): Resolved | undefined {
  let missing = false;
  const text = value.replace(VARIABLE, (_, inner: string) => {
    const body = inner.trim();
    if (body === '*') return LITERAL_STAR;
    if (body === '?') return LITERAL_QUESTION;
    if (body === '$') return '$';
    const { key, fallback } = keyAndDefault(body);
    const entry = ctx.get(key);
    if (entry && !entry.multivalued && entry.values.length === 1) return entry.values[0]!;
    if (fallback !== undefined) return fallback;
    missing = true;
    return '';
  });
  return missing ? undefined : { text };
}

/**
 * `key` or `key, 'default'` (the body of `${...}`, trimmed); anything else is a key as written. Read
 * by hand in linear time: the regular expression it replaces, `^([^,]+?)\s*(?:,\s*'([^']*)')?$`,
 * backtracked quadratically over a run of spaces (half a second at 10,000 characters, about what an
 * SCP holds; 9 s at 60,000).
 */
export function keyAndDefault(body: string): { key: string; fallback?: string } {
  const comma = body.indexOf(',');
  if (comma < 0) return { key: body.trim() };
  const key = body.slice(0, comma).trim();
  const rest = body.slice(comma + 1).trim();
  if (key === '' || rest.length < 2 || !rest.startsWith("'") || !rest.endsWith("'") || rest.indexOf("'", 1) !== rest.length - 1) return { key: body };
  return { key, fallback: rest.slice(1, -1) };
}
