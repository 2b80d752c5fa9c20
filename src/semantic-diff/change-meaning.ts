/**
 * What a change of conditions means, said the way a reviewer thinks of it, for the shapes the controls
 * write: a TLS floor ("S3 TLS floor 1.1 -> 1.2"), a Region allow-list ("allowed Regions + eu-west-1"),
 * a protected tag key, a condition whose values change. Anything else is left to the raw conditions,
 * which the report always shows under the meaning.
 */
import type { SemanticChangeKind } from './types.js';

export interface Clause {
  operator: string;
  key: string;
  values: string[];
}

/**
 * The clauses of a signature (`Deny when Op key [values] and ...`, evaluate/partial.ts signatureOf); the
 * resource element and errors are not clauses. Undefined when the text is not of that form.
 */
export function clausesOf(signature: string): Clause[] | undefined {
  const m = /^(?:unless )?(?:Deny|Allow) when (.*)$/.exec(signature);
  if (!m) return undefined;
  const text = m[1]!;
  if (text === 'always') return [];
  const out: Clause[] = [];
  let i = 0;
  while (i < text.length) {
    const resource = /^the resource (is not|is) /.exec(text.slice(i));
    if (resource) {
      const start = i + resource[0].length;
      const end = jsonEnd(text, start);
      if (end === undefined) return undefined;
      const values: unknown = JSON.parse(text.slice(start, end));
      out.push({ operator: resource[1] === 'is not' ? 'NotResource' : 'Resource', key: RESOURCE_KEY, values: Array.isArray(values) ? values.map(String) : [String(values)] });
      i = end;
      if (text.startsWith(' and ', i)) i += 5;
      continue;
    }
    if (text.startsWith('cannot be evaluated', i)) return out;
    const op = /^(\S+) (\S+) /.exec(text.slice(i));
    if (!op) return undefined;
    i += op[0].length;
    const end = jsonEnd(text, i);
    if (end === undefined) return undefined;
    let values: unknown;
    try {
      values = JSON.parse(text.slice(i, end));
    } catch {
      return undefined;
    }
    out.push({ operator: op[1]!, key: op[2]!, values: Array.isArray(values) ? values.map(String) : [String(values)] });
    i = end;
    if (text.startsWith(' and ', i)) i += 5;
    else if (i < text.length) return undefined;
  }
  return out;
}

/** Where the JSON value (array or string) that starts at `i` ends. */
function jsonEnd(text: string, i: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let j = i; j < text.length; j++) {
    const c = text[j]!;
    if (inString) {
      if (c === '\\') j++;
      else if (c === '"') {
        inString = false;
        if (depth === 0) return j + 1;
      }
    } else if (c === '"') inString = true;
    else if (c === '[') depth++;
    else if (c === ']') {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return undefined;
}

const RESOURCE_KEY = '(resource)';
const TLS_KEY = /^([a-z0-9-]+):TlsVersion$/i;

/**
 * The meaning of one control's part in a change: its removed and added conditions read together.
 * Undefined when they are of no known shape.
 */
export function meaningOf(kind: SemanticChangeKind, removed: readonly string[], added: readonly string[]): string | undefined {
  const was = removed.flatMap((s) => clausesOf(s) ?? []);
  const now = added.flatMap((s) => clausesOf(s) ?? []);
  const phrases: string[] = [];
  const used = new Set<Clause>();
  // A clause of the same operator and key on both sides: its values changed.
  for (const a of now) {
    const b = was.find((x) => !used.has(x) && x.operator === a.operator && x.key.toLowerCase() === a.key.toLowerCase());
    if (!b) continue;
    if (sameValues(a.values, b.values)) {
      used.add(a).add(b);
      continue;
    }
    const phrase = changed(b, a);
    if (!phrase) continue;
    used.add(a).add(b);
    phrases.push(phrase);
  }
  for (const a of now) if (!used.has(a)) phrases.push(...(introduced(a, kind) ?? []));
  for (const b of was) if (!used.has(b)) phrases.push(...(dropped(b) ?? []));
  return phrases.length ? [...new Set(phrases)].join('; ') : undefined;
}

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
}

function changed(from: Clause, to: Clause): string | undefined {
  if (to.key === RESOURCE_KEY) return `resource patterns ${from.values.length} -> ${to.values.length}`;
  const tls = TLS_KEY.exec(to.key);
  if (tls && /^NumericLessThan$/i.test(to.operator)) return `${tls[1]!.toUpperCase()} TLS floor ${from.values.join(', ')} -> ${to.values.join(', ')}`;
  if (/^aws:RequestedRegion$/i.test(to.key) && /^StringNotEquals/i.test(to.operator)) {
    const plus = to.values.filter((v) => !from.values.includes(v));
    const minus = from.values.filter((v) => !to.values.includes(v));
    return `allowed Regions ${[...plus.map((r) => `+ ${r}`), ...minus.map((r) => `- ${r}`)].join(', ')}`;
  }
  return `${to.key} ${to.operator} ${values(from.values)} -> ${values(to.values)}`;
}

function introduced(c: Clause, kind: SemanticChangeKind): string[] | undefined {
  if (c.key === RESOURCE_KEY) return [c.operator === 'NotResource' ? `denied on resources other than ${c.values.length} ARN pattern${c.values.length === 1 ? '' : 's'}` : `denied on ${c.values.length} ARN pattern${c.values.length === 1 ? '' : 's'}`];
  const tls = TLS_KEY.exec(c.key);
  if (tls && /^NumericLessThan$/i.test(c.operator)) return [`${tls[1]!.toUpperCase()} TLS floor ${c.values.join(', ')}`];
  if (/^aws:TagKeys$/i.test(c.key) && /^ForAnyValue:StringEquals/i.test(c.operator)) return c.values.map((k) => `tag key ${k} protected`);
  if (/^aws:RequestedRegion$/i.test(c.key) && /^StringNotEquals/i.test(c.operator)) return [`only Regions ${c.values.join(', ')}`];
  if (kind === 'newly-conditional' || kind === 'conditions-changed') return [`denied when ${c.key} ${c.operator} ${values(c.values)}`];
  return undefined;
}

function dropped(c: Clause): string[] | undefined {
  if (c.key === RESOURCE_KEY) return [`no longer denied by resource (${c.values.length} ARN pattern${c.values.length === 1 ? '' : 's'})`];
  const tls = TLS_KEY.exec(c.key);
  if (tls && /^NumericLessThan$/i.test(c.operator)) return [`${tls[1]!.toUpperCase()} TLS floor ${c.values.join(', ')} removed`];
  if (/^aws:TagKeys$/i.test(c.key) && /^ForAnyValue:StringEquals/i.test(c.operator)) return c.values.map((k) => `tag key ${k} no longer protected`);
  return [`no longer denied when ${c.key} ${c.operator} ${values(c.values)}`];
}

/** A value or two as they are; more, or long ones, as a count: the raw condition is shown under the meaning. */
function values(vs: readonly string[]): string {
  const text = vs.join(', ');
  return vs.length <= 2 && text.length <= 24 ? text : `${vs.length} value${vs.length === 1 ? '' : 's'}`;
}
