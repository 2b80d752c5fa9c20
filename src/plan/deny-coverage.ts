/**
 * Whether a new version of a policy denies everything the old one did ("nothing becomes allowed"):
 * then old and new attached together mean exactly the new version, and a rollout may stage the new
 * one beside the old (additive staging) instead of pushing the old one down.
 *
 * The check must be sound: "yes" only when it is proven, "no" (with the reason) whenever unsure. The
 * rule, statement by statement: every statement of the old version must be covered by the new one's
 * Deny statements that match at least whenever it matches:
 *
 *  - both versions are Deny-only (an SCP Allow means something different at each level of the tree);
 *  - a covering statement has the same Principal and NotPrincipal, or Principal "*";
 *  - its Resource covers the old one's (each old pattern inside one of its patterns, ARN component by
 *    component), or it has Resource "*";
 *  - each of its condition clauses (operator, key) is implied by the same clause of the old statement:
 *    the same operator and key, with values that match at least as much (a superset for positive string
 *    and ARN operators, a subset for negated ones, each pattern inside another for the Like ones, a bound
 *    at least as wide for numeric ones, equal values otherwise); the old statement may have more clauses;
 *  - its actions cover the old one's: each old pattern lies inside one of its patterns for every name
 *    it may ever match (glob inclusion), or, with the service reference, the actions the old statement
 *    matches today are all matched by the covering statements together. The latter is what the compact
 *    wildcards compile writes mean (and what the semantic diff computes with), as of the pinned reference.
 *
 * A policy variable (`${...}`) in a condition value makes the clause count only when equal.
 */
import type { Condition, Principal, Statement } from '../policy/index.js';
import { foldCase } from '../policy/index.js';
import { isPatternError, parseActionPattern, type ActionSet, type ReferenceIndex } from '../reference/index.js';
import { statementsOf } from '../semantic-diff/index.js';

/** `statement`: the index of the old version's statement found not covered, when one is. */
export type DenyCoverage = { covers: true } | { covers: false; why: string; statement?: number };

/** Whether `newer` (policy text) denies everything `older` denies. */
export function deniesEverythingOf(newer: string, older: string, reference?: ReferenceIndex): DenyCoverage {
  const o = statementsOf(older);
  const n = statementsOf(newer);
  if (!o.ok) return { covers: false, why: `the old version cannot be read (${o.problem})` };
  if (!n.ok) return { covers: false, why: `the new version cannot be read (${n.problem})` };
  if (o.statements.some((s) => s.effect !== 'Deny')) return { covers: false, why: 'the old version has an Allow statement' };
  if (n.statements.some((s) => s.effect !== 'Deny')) return { covers: false, why: 'the new version has an Allow statement' };
  const actions = reference ? new ReferenceActions(reference) : undefined;
  for (const [i, s] of o.statements.entries()) {
    const covering = n.statements.filter((t) => sameWho(t, s) && resourcesCover(t, s) && conditionCovers(t.condition, s.condition));
    const missing = uncoveredActions(s, covering, actions);
    if (missing !== undefined) {
      const name = s.sid ? `statement ${s.sid}` : `statement ${i + 1}`;
      return { covers: false, statement: i, why: covering.length ? `${name} of the old version denies ${missing}, which the new version does not deny under the same conditions` : `no statement of the new version denies what ${name} of the old version does under the same or weaker conditions` };
    }
  }
  return { covers: true };
}

/** Remembers answers per pair of canonical texts: the planner asks about the same pairs again and again. */
export class DenyCoverageCache {
  private readonly answers = new Map<string, DenyCoverage>();

  constructor(readonly reference?: ReferenceIndex) {}

  check(newer: string, older: string): DenyCoverage {
    if (newer === older) return { covers: true };
    const key = `${newer}\u0000${older}`;
    let a = this.answers.get(key);
    if (!a) this.answers.set(key, (a = deniesEverythingOf(newer, older, this.reference)));
    return a;
  }
}

function sameWho(t: Statement, s: Statement): boolean {
  if (!samePrincipal(t.notPrincipal, s.notPrincipal)) return false;
  return t.principal === '*' || samePrincipal(t.principal, s.principal);
}

function samePrincipal(a: Principal | undefined, b: Principal | undefined): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return JSON.stringify(value.map(canonical).sort());
  if (value && typeof value === 'object') return JSON.stringify(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  return JSON.stringify(value);
}

function resourcesCover(t: Statement, s: Statement): boolean {
  const all = (list: string[] | undefined) => list?.includes('*') === true;
  if (all(t.resource)) return true;
  if (t.resource && s.resource) return s.resource.every((r) => t.resource!.some((q) => arnInside(r, q)));
  // Deny everything but fewer resources: matches at least where the old one did.
  if (t.notResource && s.notResource) return t.notResource.every((q) => s.notResource!.some((r) => arnInside(q, r)));
  return false;
}

function conditionCovers(t: Condition | undefined, s: Condition | undefined): boolean {
  for (const [op, keys] of Object.entries(t ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      const theirs = clauseOf(s, op, key);
      if (!theirs || !valuesCover(op, values, theirs)) return false;
    }
  }
  return true;
}

function clauseOf(c: Condition | undefined, op: string, key: string): string[] | undefined {
  const keys = c?.[op];
  if (!keys) return undefined;
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(keys)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/**
 * Whether clause `op key: t` matches whenever `op key: s` does. Set qualifiers (ForAnyValue,
 * ForAllValues) and IfExists keep the direction: both clauses share them.
 */
function valuesCover(op: string, t: string[], s: string[]): boolean {
  const base = op.replace(/^For(Any|All)Value:/, '').replace(/IfExists$/, '');
  const equalSets = () => sameSet(t, s);
  if ([...t, ...s].some((v) => v.includes('${'))) return equalSets();
  switch (base) {
    case 'StringEquals':
      return s.every((v) => t.includes(v));
    case 'StringEqualsIgnoreCase':
      return s.every((v) => t.some((w) => foldCase(w) === foldCase(v)));
    case 'StringLike':
      return s.every((v) => t.some((w) => globInside(v, w, false)));
    case 'ArnEquals':
    case 'ArnLike':
      return s.every((v) => t.some((w) => arnInside(v, w)));
    case 'StringNotEquals':
      return t.every((w) => s.includes(w));
    case 'StringNotEqualsIgnoreCase':
      return t.every((w) => s.some((v) => foldCase(w) === foldCase(v)));
    case 'StringNotLike':
      return t.every((w) => s.some((v) => globInside(w, v, false)));
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return t.every((w) => s.some((v) => arnInside(w, v)));
    case 'NumericLessThan':
    case 'NumericLessThanEquals':
      return numbers(t, s, (tn, sn) => Math.max(...tn) >= Math.max(...sn));
    case 'NumericGreaterThan':
    case 'NumericGreaterThanEquals':
      return numbers(t, s, (tn, sn) => Math.min(...tn) <= Math.min(...sn));
    default:
      return equalSets();
  }
}

function numbers(t: string[], s: string[], test: (t: number[], s: number[]) => boolean): boolean {
  const tn = t.map(Number);
  const sn = s.map(Number);
  if (!tn.length || !sn.length || [...tn, ...sn].some((x) => !Number.isFinite(x))) return sameSet(t, s);
  return test(tn, sn);
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
}

/**
 * Whether every ARN `inner` matches is matched by `outer`: ARN patterns match component by component
 * (the first five colons split them), so each component must lie inside the other's.
 */
function arnInside(inner: string, outer: string): boolean {
  if (outer === '*') return true;
  const a = arnComponents(inner);
  const b = arnComponents(outer);
  if (!a || !b) return inner === outer;
  return a.every((x, i) => globInside(x, b[i]!, false));
}

function arnComponents(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/**
 * Glob inclusion: every string `inner` (with `*` and `?`) may match is matched by `outer`. A `*` of
 * `outer` may stand for any run of `inner`'s characters and wildcards, a `?` for one character or `?`;
 * a `*` of `inner` can only be matched by a `*` of `outer`. Sufficient, and exact for the patterns
 * policies use.
 */
export function globInside(inner: string, outer: string, ignoreCase: boolean): boolean {
  return ignoreCase ? globInsideAsIs(foldCase(inner), foldCase(outer)) : globInsideAsIs(inner, outer);
}

/**
 * globInside of two patterns as they are. Most are names or a name with one `*`, compared by the
 * thousand when a policy's statements move to others: a name inside a pattern is a plain match, and
 * only two patterns both with wildcards take the search below.
 */
function globInsideAsIs(p: string, q: string): boolean {
  if (q === '*' || p === q) return true;
  // A name (or a pattern) is inside no other name.
  if (!WILDCARD.test(q)) return false;
  if (!WILDCARD.test(p)) return globMatches(q, p);
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (p.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let r: boolean;
    if (i === q.length) r = j === p.length;
    else if (q[i] === '*') r = go(i + 1, j) || (j < p.length && go(i, j + 1));
    else if (j === p.length || p[j] === '*') r = false;
    else if (q[i] === '?') r = go(i + 1, j + 1);
    else r = p[j] !== '?' && p[j] === q[i] && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

const WILDCARD = /[*?]/;

/** Whether the glob `pattern` (`*` any run, `?` one character) matches the string `text`. */
function globMatches(pattern: string, text: string): boolean {
  let i = 0;
  let j = 0;
  // Where the last `*` was, and where in `text` it stands for the run up to.
  let star = -1;
  let from = 0;
  while (j < text.length) {
    if (i < pattern.length && (pattern[i] === '?' || pattern[i] === text[j])) {
      i++;
      j++;
    } else if (i < pattern.length && pattern[i] === '*') {
      star = i++;
      from = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++from;
    } else return false;
  }
  while (i < pattern.length && pattern[i] === '*') i++;
  return i === pattern.length;
}

/** The actions of `s` no covering statement denies, described; undefined when all are. */
function uncoveredActions(s: Statement, covering: Statement[], actions: ReferenceActions | undefined): string | undefined {
  if (!covering.length) return 'its actions';
  if (s.action) {
    // Case folded once per pattern, not once per pair.
    const patterns = covering.flatMap((t) => (t.action ?? []).map(foldCase));
    const left = s.action.filter((p) => {
      const folded = foldCase(p);
      return !patterns.some((q) => globInsideAsIs(folded, q));
    });
    if (!left.length) return undefined;
    if (actions) {
      const wanted = actions.ofList(left);
      const have = actions.ofStatements(covering);
      if (wanted && have && wanted.isSubsetOf(have)) return undefined;
    }
    return left.join(', ');
  }
  // NotAction: denies everything but a list; covered by Action "*", or by a NotAction excepting less.
  const except = s.notAction ?? [];
  if (covering.some((t) => t.action?.includes('*') || (t.notAction && t.notAction.every((q) => except.some((p) => globInside(q, p, true)))))) return undefined;
  if (actions) {
    const wanted = actions.ofStatements([s]);
    const have = actions.ofStatements(covering);
    if (wanted && have && wanted.isSubsetOf(have)) return undefined;
  }
  return `every action but ${except.join(', ')}`;
}

/** Action sets of the pinned reference; undefined for a pattern it cannot read. */
class ReferenceActions {
  constructor(private readonly reference: ReferenceIndex) {}

  ofList(patterns: readonly string[]): ActionSet | undefined {
    const set = this.reference.emptySet();
    for (const text of patterns) {
      const p = parseActionPattern(text);
      if (isPatternError(p)) return undefined;
      this.reference.matchInto(p, set);
    }
    return set;
  }

  ofStatements(statements: readonly Statement[]): ActionSet | undefined {
    const set = this.reference.emptySet();
    for (const t of statements) {
      const own = t.action ? this.ofList(t.action) : this.ofList(t.notAction ?? []);
      if (!own) return undefined;
      set.addAll(t.action ? own : this.reference.allActions().minus(own));
    }
    return set;
  }
}
