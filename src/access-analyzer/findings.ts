/**
 * A ValidatePolicy finding as a Diagnostic located in the intent. AWS locates a finding in the text it
 * was sent, by a path through the JSON (`Statement`, index 2, `Action`, index 0) and a span (offsets);
 * the path names the statement when it has one, else the span's start falls inside one. The compiler
 * knows where each statement of a policy comes from (its origins: the controls' statements it carries,
 * each with its line in the intent), so the diagnostic sits on that line, and its message names the
 * policy, its file in out/ and the statement. A finding on the policy as a whole (its Version), or one
 * AWS locates nowhere in the text, sits on the policy's first control and says so.
 *
 * Severity: ERROR (a part of the policy is not functional) is an error and fails the run; SECURITY_WARNING,
 * WARNING and SUGGESTION are warnings (SUGGESTION is stylistic and never fails a run, but a reviewer
 * should see it beside the others; diagnostics have no lower level). A type the API does not list is
 * a warning that names it.
 */
import { quoteUntrusted, SourceIndex, type Diagnostic, type Severity, type SourceLocation } from '../diagnostics/index.js';
import type { CompiledPolicy } from '../compile/index.js';
import type { Intent } from '../intent/index.js';
import { parseJsonWithPositions } from '../policy/index.js';
import type { Finding, FindingLocation, FindingPosition, PathStep } from './validate-policies.js';

const KINDS: Readonly<Record<string, { severity: Severity; words: string }>> = {
  ERROR: { severity: 'error', words: 'error' },
  SECURITY_WARNING: { severity: 'warning', words: 'security warning' },
  WARNING: { severity: 'warning', words: 'warning' },
  SUGGESTION: { severity: 'warning', words: 'suggestion' },
};

export function severityOf(findingType: string): Severity {
  return KINDS[findingType]?.severity ?? 'warning';
}

/** `access-analyzer-<issue code>` in kebab case; only letters and digits of what AWS sent survive. */
export function diagnosticCode(issueCode: string): string {
  const words = issueCode.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '');
  return `access-analyzer-${words || 'finding'}`;
}

export interface FindingContext {
  intent: Intent;
  /** The policy's file as shown (`out/guardrails-scp-x.json`); undefined when nothing is written (validate). */
  file?: string;
}

/** Where the statements of a text are: start offsets, each ending where the next starts. */
interface TextLayout {
  statementStarts: number[];
  /** Offset just past the Statement array (or the text's end). */
  end: number;
  lineStarts: number[];
  /** 1-based line of each statement, in the text as parsed. */
  statementLines: number[];
  /** Statement is one object, not a list (AWS's path then has no index). */
  single: boolean;
}

function layoutOf(text: string): TextLayout {
  const sources = new SourceIndex();
  const doc = parseJsonWithPositions('policy', text, sources).value as { Statement?: unknown } | undefined;
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const list = doc?.Statement;
  const at = (l: SourceLocation | undefined) => (l ? lineStarts[l.line - 1]! + l.col - 1 : -1);
  const located = Array.isArray(list) ? list.map((_, i) => sources.locate(list, i)) : list && typeof list === 'object' ? [sources.locate(doc as object, 'Statement')] : [];
  return { statementStarts: located.map(at), end: text.lastIndexOf(']') >= 0 ? text.lastIndexOf(']') : text.length, lineStarts, statementLines: located.map((l) => l?.line ?? 1), single: !Array.isArray(list) && located.length === 1 };
}

/** The offset a position names in the text, or undefined when it names none. */
function offsetOf(p: FindingPosition | undefined, text: string, layout: TextLayout): number | undefined {
  if (!p) return undefined;
  if (p.offset >= 0 && p.offset <= text.length) return p.offset;
  const lineStart = layout.lineStarts[p.line - 1];
  if (lineStart !== undefined && p.column >= 0 && lineStart + p.column <= text.length) return lineStart + p.column;
  return undefined;
}

/** Statement index (0-based) a location names: by its path first, else by where its span starts. */
function statementOf(loc: FindingLocation, text: string, layout: TextLayout): number | undefined {
  const [first, second] = loc.path;
  const named = first && ('value' in first ? first.value : 'key' in first ? first.key : undefined);
  if (named === 'Statement') {
    if (second && 'index' in second && second.index >= 0 && second.index < layout.statementStarts.length) return second.index;
    if (layout.single && !(second && 'index' in second)) return 0;
  }
  const offset = offsetOf(loc.start, text, layout);
  if (offset === undefined || offset > layout.end) return undefined;
  let index: number | undefined;
  layout.statementStarts.forEach((s, i) => {
    if (s >= 0 && s <= offset) index = i;
  });
  return index;
}

/** The string a path leads to in the policy text (an action, a condition value), if it leads to one. */
function valueAt(text: string, path: readonly PathStep[]): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  for (const step of path) {
    if ('index' in step) v = Array.isArray(v) ? v[step.index] : undefined;
    else if ('value' in step) v = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step.value) ? (v as Record<string, unknown>)[step.value] : undefined;
    else return undefined;
  }
  return typeof v === 'string' ? v : undefined;
}

/** Where a control's parameters write `value` (case aside, as IAM compares actions), searched to a bounded depth. */
function findWritten(control: object, value: string, sources: SourceIndex): SourceLocation | undefined {
  const wanted = value.toLowerCase();
  const visit = (node: unknown, depth: number): SourceLocation | undefined => {
    if (node === null || typeof node !== 'object' || depth > 6) return undefined;
    for (const [key, child] of Array.isArray(node) ? node.entries() : Object.entries(node)) {
      if (typeof child === 'string' && child.toLowerCase() === wanted) {
        const at = sources.locate(node as object, key);
        if (at) return at;
      }
      const inner = visit(child, depth + 1);
      if (inner) return inner;
    }
    return undefined;
  };
  return visit(control, 0);
}

/** A path as a reader finds it in the policy: Statement[1].Action[0]. */
export function describePath(path: readonly PathStep[]): string {
  let out = '';
  for (const step of path) {
    if ('index' in step) out += `[${step.index}]`;
    else if ('value' in step) out += `${out ? '.' : ''}${step.value}`;
    else if ('key' in step) out += `${out ? '.' : ''}${step.key} (the key)`;
    else out += ` (characters ${step.substring.start} to ${step.substring.start + step.substring.length})`;
  }
  return quoteUntrusted(out, 200);
}

/** An https link as a link; anything else quoted as the text it is. */
function learnMore(link: string): string {
  if (!link) return '';
  try {
    const url = new URL(link);
    if (url.protocol === 'https:' && !/\s/.test(link)) return `; learn more: ${quoteUntrusted(url.href, 500)}`;
  } catch {
    // not a URL: quoted below
  }
  return `; AWS's link, which is not an https URL: "${quoteUntrusted(link, 200)}"`;
}

export function findingDiagnostics(policy: CompiledPolicy, findings: readonly Finding[], context: FindingContext): Diagnostic[] {
  if (findings.length === 0) return [];
  const layout = layoutOf(policy.text);
  const fileLines = context.file ? layoutOf(policy.fileText).statementLines : [];
  const controlLocation = (id: string | undefined) => {
    const control = context.intent.controls.find((c) => c.id === id);
    return control ? context.intent.sources.locate(control as object) : undefined;
  };
  const type = policy.type.toUpperCase();
  const shownFile = context.file ? ` (${context.file})` : '';
  return findings.map((f) => {
    const kind = KINDS[f.findingType];
    const words = kind ? kind.words : `finding of type "${quoteUntrusted(f.findingType, 40)}"`;
    const loc = f.locations[0];
    const index = loc ? statementOf(loc, policy.text, layout) : undefined;
    const statement = index !== undefined ? policy.statements[index] : undefined;
    const at = loc && loc.path.length ? `, at ${describePath(loc.path)}` : '';
    let where: string;
    let location: SourceLocation | undefined;
    if (statement) {
      const origins = statement.origins;
      const controls = [...new Set(origins.map((o) => o.draft.control.id))];
      const sid = statement.statement.sid ? ` (Sid ${statement.statement.sid})` : '';
      const inFile = context.file ? ` (${context.file}:${fileLines[index!] ?? 1})` : '';
      where = `statement ${index! + 1}${sid} of policy ${policy.name}${inFile}${at}, from control${controls.length > 1 ? 's' : ''} ${controls.join(', ')}`;
      // Where the intent wrote the very value AWS points at (an action, a principal ARN), when it did; else the statement's line.
      const named = loc ? valueAt(policy.text, loc.path) : undefined;
      const written = named !== undefined ? origins.map((o) => findWritten(o.draft.control, named, context.intent.sources)).find((l) => l !== undefined) : undefined;
      location = written ?? origins.find((o) => o.draft.location)?.draft.location ?? controlLocation(controls[0]);
    } else {
      const outside = loc?.start && offsetOf(loc.start, policy.text, layout) === undefined ? ` (AWS located it at offset ${loc.start.offset}, outside the ${policy.text.length} characters sent)` : '';
      where = `policy ${policy.name}${shownFile} as a whole${at}${outside}, control${policy.controls.length > 1 ? 's' : ''} ${policy.controls.join(', ')}`;
      location = controlLocation(policy.controls[0]);
    }
    const d: Diagnostic = {
      severity: kind?.severity ?? 'warning',
      code: diagnosticCode(f.issueCode),
      message: `IAM Access Analyzer ${words} on ${where} (${type}): ${quoteUntrusted(f.findingDetails, 1000) || 'no details given'}`,
      hint: `AWS's issue code ${quoteUntrusted(f.issueCode, 100) || '(none)'}${learnMore(f.learnMoreLink)}`,
    };
    if (location) d.location = location;
    return d;
  });
}
