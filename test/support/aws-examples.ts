/**
 * AWS's example policies keep placeholders for the reader to fill in (`<my-org-id>`, `${Account}`,
 * `[PRIVILEGED_ROLE]`); guardrails refuses them. A test that imports an example for another purpose
 * fills them in first, as a user would: organization ids, 12-digit accounts, identity providers' host
 * names (an OIDC provider's keys are prefixed with its host), names.
 */
const PLACEHOLDER = /<[A-Za-z][A-Za-z0-9_-]*>|\[[A-Z][A-Z0-9_-]*\]|\$\{Account\}/g;

export function filledExample(text: string): string {
  const values = new Map<string, string>();
  return text.replace(PLACEHOLDER, (p) => {
    let v = values.get(p);
    if (v === undefined) {
      const n = values.size + 1;
      v = /org-id|org_id/i.test(p) ? 'o-abcdefghij' : /account/i.test(p) ? String(999999999900 + n) : /provider/i.test(p) ? `oidc${n}.example.com` : `example${n}`;
      values.set(p, v);
    }
    return v;
  });
}
