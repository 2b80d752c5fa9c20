/**
 * Placeholders left in a policy: `${Account}`, `[PRIVILEGED_ROLE]`, `<ORG_ID>`, `{{team}}` are what
 * examples and templates write for the reader to replace. IAM does not replace them: a Resource or a
 * condition value holding one matches nothing (or, under a negated operator, everything). IAM
 * substitutes policy variables only: `${key}` of a request context key (`${aws:username}`,
 * `${aws:PrincipalTag/team}`, `${s3:prefix}`), with an optional default (`${aws:username, 'none'}`),
 * and the literal characters `${*}`, `${?}`, `${$}` (IAM User Guide, policy variables).
 */

export type PlaceholderCode = 'unknown-policy-variable' | 'unresolved-placeholder';
export const PLACEHOLDER_CODES: ReadonlySet<string> = new Set<PlaceholderCode>(['unknown-policy-variable', 'unresolved-placeholder']);

export interface PlaceholderProblem {
  code: PlaceholderCode;
  message: string;
  hint?: string;
}

const SPECIAL = new Set(['*', '?', '$']);
const VARIABLE = /\$\{([^}]*)\}/g;
const LEFT_OVER = [/\[[A-Z][A-Z0-9_-]*\]/, /\{\{[^}]*\}\}/, /<[A-Za-z][A-Za-z0-9_-]*>/];

/** The first placeholder of `value` that IAM would not substitute; `isKey` says whether a name is a request context key. */
export function placeholderProblem(value: string, isKey: (name: string) => boolean): PlaceholderProblem | undefined {
  for (const m of value.matchAll(VARIABLE)) {
    const body = m[1]!;
    if (SPECIAL.has(body)) continue;
    const comma = body.indexOf(',');
    const name = (comma >= 0 ? body.slice(0, comma) : body).trim();
    if (name.includes(':') && isKey(name)) continue;
    return {
      code: 'unknown-policy-variable',
      message: `"${m[0]}" in "${value}" is not an IAM policy variable: IAM leaves it as written, so the value never matches what was meant`,
      hint: name.includes(':') ? `a policy variable names a request context key the service reference knows, e.g. \${aws:PrincipalAccount}` : `replace the placeholder with its value, or use a policy variable such as \${aws:PrincipalAccount}`,
    };
  }
  for (const re of LEFT_OVER) {
    const m = re.exec(value);
    if (m) return { code: 'unresolved-placeholder', message: `"${m[0]}" in "${value}" looks like a placeholder left to be filled in: IAM compares it as written`, hint: 'replace it with the value it stands for' };
  }
  return undefined;
}
