/**
 * The exact string sent to AWS: minified JSON in a fixed element order, so that key order and
 * whitespace never show up as a change (Terraform's endless diff), and its size is what AWS counts.
 */
import { POLICY_VERSION, type Condition, type PolicyDocument, type Principal, type Statement } from './model.js';

/** One-element lists are written as a plain string: same meaning, fewer characters. */
function list(values: readonly string[]): string | string[] {
  return values.length === 1 ? values[0]! : [...values];
}

function principal(p: Principal): unknown {
  if (p === '*') return '*';
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(p).sort()) out[k] = list(p[k]!);
  return out;
}

function condition(c: Condition): Record<string, Record<string, string | string[]>> {
  const out: Record<string, Record<string, string | string[]>> = {};
  for (const op of Object.keys(c).sort()) {
    const block: Record<string, string | string[]> = {};
    for (const key of Object.keys(c[op]!).sort()) block[key] = list(c[op]![key]!);
    out[op] = block;
  }
  return out;
}

export function statementJson(s: Statement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.sid) out.Sid = s.sid;
  out.Effect = s.effect;
  if (s.principal) out.Principal = principal(s.principal);
  if (s.notPrincipal) out.NotPrincipal = principal(s.notPrincipal);
  if (s.action) out.Action = list(s.action);
  if (s.notAction) out.NotAction = list(s.notAction);
  if (s.resource) out.Resource = list(s.resource);
  if (s.notResource) out.NotResource = list(s.notResource);
  if (s.condition && Object.keys(s.condition).length) out.Condition = condition(s.condition);
  return out;
}

/** The canonical minified text of a policy. */
export function renderPolicy(statements: readonly Statement[], id?: string): string {
  const doc: Record<string, unknown> = { Version: POLICY_VERSION };
  if (id) doc.Id = id;
  doc.Statement = statements.map(statementJson);
  return JSON.stringify(doc);
}

export function renderDocument(doc: PolicyDocument): string {
  return renderPolicy(doc.statements, doc.id);
}

/** Characters as AWS counts them: the length of exactly the string sent. */
export function policySize(text: string): number {
  return text.length;
}
