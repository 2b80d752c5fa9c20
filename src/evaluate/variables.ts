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
    const m = /^([^,]+?)\s*(?:,\s*'([^']*)')?$/.exec(body);
    const key = m?.[1]?.trim() ?? body;
    const entry = ctx.get(key);
    if (entry && !entry.multivalued && entry.values.length === 1) return entry.values[0]!;
    if (m?.[2] !== undefined) return m[2];
    missing = true;
    return '';
  });
  return missing ? undefined : { text };
}
