/**
 * The exact string sent to AWS: minified JSON in a fixed element order, so that key order and
 * whitespace never show up as a change (Terraform's endless diff), and its size is what AWS counts.
 */
import { POLICY_VERSION, readPolicyDocument, type Condition, type PolicyDocument, type Principal, type Statement } from './model.js';

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

/**
 * The canonical text of a policy given as any JSON: equal meaning-preserving JSON gives equal text,
 * so key order and whitespace (AWS returns what it was sent; moto re-indents) never look like a change.
 * Text that is not a policy document is returned as it is.
 */
export function canonicalPolicyText(content: string): string {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return content;
  }
  const { document } = readPolicyDocument(value, undefined);
  const canonical = document ? renderDocument(document) : JSON.stringify(value);
  // A text that is canonical already (every policy guardrails deployed) is returned itself: the copy
  // would be kept beside it, once more for every model of the organization a plan makes.
  return canonical === content ? content : canonical;
}

/**
 * The elements of a statement in the order a reviewer reads them: what it does (Effect), to which
 * actions, on which resources, for whom, when. The minified text keeps its own order (what AWS has
 * been sent so far); both parse to the same values.
 */
const READING_ORDER = ['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition'] as const;

function inReadingOrder(statement: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of READING_ORDER) if (statement[k] !== undefined) out[k] = statement[k];
  return out;
}

/**
 * The text of out/<policy>.json: the canonical policy indented by two spaces, one list element (one
 * action) per line, keys in reading order, with a trailing newline, so that a change to one action is
 * one line of the pull request's diff. Its size is not what AWS counts: that is renderPolicy's.
 */
export function renderPolicyFile(statements: readonly Statement[], id?: string): string {
  const doc: Record<string, unknown> = { Version: POLICY_VERSION };
  if (id) doc.Id = id;
  doc.Statement = statements.map((s) => inReadingOrder(statementJson(s)));
  return JSON.stringify(doc, null, 2) + '\n';
}

/**
 * Any policy JSON laid out as out/ files are (renderPolicyFile, without the trailing newline), for a
 * line diff a reviewer can read next to the file. Text that is not a policy document is indented as
 * it is; text that is not JSON is returned unchanged.
 */
export function readablePolicyText(content: string): string {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return content;
  }
  const { document } = readPolicyDocument(value, undefined);
  return document ? renderPolicyFile(document.statements, document.id).trimEnd() : JSON.stringify(value, null, 2);
}
