/**
 * Whether one set of conditional denials denies more or less than another, decided with the engine on
 * requests built from the conditions' own values. Actions that "change the conditions under which they
 * are denied" were denied when any of the old conditions held and are now denied when any of the new
 * ones holds. The change is looser when some request was denied and is allowed now, stricter when some
 * request was allowed and is denied now, mixed when both happen, and the same when neither does.
 *
 * Each condition key is given the values that tell its clauses apart: every value the clauses name
 * (wildcards filled in, case changed for the IgnoreCase operators), the numbers and dates between and
 * around them, another value, and no value at all; a multivalued key the empty set, each value alone and
 * beside another. Every combination over the keys is evaluated (up to MAX_REQUESTS; beyond that the
 * change is not decided and counts as mixed). For equality, numeric, date, Boolean, Null and IP
 * comparisons these values meet every case a clause can tell apart; for Like patterns that overlap in
 * other ways, a difference may go unseen. A request found is a real one: "looser" is never a guess.
 */
import { compileCondition, EvaluationError, RequestContext, resourceArnMatcher, type ConditionEvaluator } from '../evaluate/index.js';
import { parseOperator, type Condition } from '../policy/index.js';
import type { Direction } from './types.js';

/** A statement that may deny, as partial evaluation leaves it: the clauses still open and its resources. */
export interface Denial {
  residual: Condition;
  resourceElement?: { not: boolean; values: string[] };
  /** Set when the statement could not be evaluated: then nothing can be decided. */
  error?: string;
  /** An Allow that may not apply ("unless ..."): the actions are denied when it does not hold. */
  negated?: boolean;
}

export interface DenialComparison {
  direction: Direction;
  /** A request denied before and allowed after, as `key=value` pairs. */
  allowedExample?: string;
  /** A request allowed before and denied after. */
  deniedExample?: string;
  /** False when the requests could not be built or evaluated: the direction is then "mixed". */
  decided: boolean;
}

const MAX_REQUESTS = 20_000;
const RESOURCE = '(resource)';
const OTHER = 'guardrails-other-value';

interface Tested {
  test: (ctx: RequestContext, resource: string | undefined) => boolean;
}

export function compareDenials(before: readonly Denial[], after: readonly Denial[]): DenialComparison {
  if ([...before, ...after].some((d) => d.error)) return { direction: 'mixed', decided: false };
  let tests: { before: Tested[]; after: Tested[] };
  let variables: Variable[];
  try {
    tests = { before: before.map(tested), after: after.map(tested) };
    variables = variablesOf([...before, ...after]);
  } catch (e) {
    if (e instanceof EvaluationError) return { direction: 'mixed', decided: false };
    throw e;
  }
  let total = 1;
  for (const v of variables) total *= v.candidates.length;
  if (total > MAX_REQUESTS) return { direction: 'mixed', decided: false };
  let allowedExample: string | undefined;
  let deniedExample: string | undefined;
  const choice = variables.map(() => 0);
  for (let n = 0; n < total; n++) {
    let rest = n;
    for (let i = 0; i < variables.length; i++) {
      choice[i] = rest % variables[i]!.candidates.length;
      rest = Math.floor(rest / variables[i]!.candidates.length);
    }
    const ctx = new RequestContext();
    let resource: string | undefined;
    for (let i = 0; i < variables.length; i++) {
      const v = variables[i]!;
      const value = v.candidates[choice[i]!]!;
      if (v.key === RESOURCE) resource = value as string | undefined;
      else if (value !== undefined) ctx.set(v.key, value);
    }
    let was: boolean;
    let now: boolean;
    try {
      was = tests.before.some((t) => t.test(ctx, resource));
      now = tests.after.some((t) => t.test(ctx, resource));
    } catch (e) {
      if (e instanceof EvaluationError) return { direction: 'mixed', decided: false };
      throw e;
    }
    if (was && !now) allowedExample ??= describe(variables, minimal(variables, choice, tests, true));
    if (now && !was) deniedExample ??= describe(variables, minimal(variables, choice, tests, false));
    if (allowedExample && deniedExample) break;
  }
  const direction: Direction = allowedExample ? (deniedExample ? 'mixed' : 'looser') : deniedExample ? 'stricter' : 'same';
  return { direction, decided: true, ...(allowedExample ? { allowedExample } : {}), ...(deniedExample ? { deniedExample } : {}) };
}

function tested(d: Denial): Tested {
  const condition: ConditionEvaluator = compileCondition(d.residual);
  const element = d.resourceElement;
  const matchers = element?.values.map(resourceArnMatcher);
  const inResources = (resource: string | undefined) => {
    if (!element || !matchers) return true;
    const hit = resource !== undefined && matchers.some((m) => m(resource));
    return element.not ? !hit : hit;
  };
  return { test: (ctx, resource) => (condition(ctx) && inResources(resource)) !== Boolean(d.negated) };
}

type Value = string | string[] | undefined;

interface Variable {
  key: string;
  candidates: Value[];
}

/** The keys the denials read, each with the values that tell their clauses apart. */
function variablesOf(denials: readonly Denial[]): Variable[] {
  const byKey = new Map<string, { key: string; families: Set<string>; values: Set<string>; multivalued: boolean; ignoreCase: boolean }>();
  for (const d of denials) {
    for (const [opText, keys] of Object.entries(d.residual)) {
      const parsed = parseOperator(opText);
      if (!parsed.ok) throw new EvaluationError(parsed.message);
      for (const [key, values] of Object.entries(keys)) {
        const lower = key.toLowerCase();
        let v = byKey.get(lower);
        if (!v) byKey.set(lower, (v = { key, families: new Set(), values: new Set(), multivalued: false, ignoreCase: false }));
        v.families.add(parsed.operator.family);
        for (const x of values) v.values.add(x);
        if (parsed.operator.set) v.multivalued = true;
        if (/IgnoreCase$/i.test(parsed.operator.base)) v.ignoreCase = true;
      }
    }
  }
  const out: Variable[] = [...byKey.values()].map((v) => {
    const scalars = new Set<string>();
    for (const f of v.families) for (const s of scalarCandidates(f, [...v.values], v.ignoreCase)) scalars.add(s);
    const list = [...scalars];
    const candidates: Value[] = [undefined];
    if (v.multivalued) {
      candidates.push([]);
      for (const s of list) candidates.push([s], [s, OTHER]);
      if (list.length > 1) candidates.push(list);
    } else candidates.push(...list);
    return { key: v.key, candidates };
  });
  const resources = denials.flatMap((d) => d.resourceElement?.values ?? []);
  // First no resource to name (it matches no pattern, as another resource would): what an example leaves out.
  if (resources.length) out.push({ key: RESOURCE, candidates: [undefined, ...new Set([...resources.flatMap(filled), `arn:aws:${OTHER}:::${OTHER}`])] });
  return out;
}

function scalarCandidates(family: string, values: string[], ignoreCase: boolean): string[] {
  switch (family) {
    case 'Numeric': {
      const ns = [...new Set(values.map(Number).filter(Number.isFinite))].sort((a, b) => a - b);
      const out = new Set<number>();
      ns.forEach((n, i) => {
        out.add(n);
        if (i + 1 < ns.length) out.add((n + ns[i + 1]!) / 2);
      });
      if (ns.length) out.add(ns[0]! - 1).add(ns[ns.length - 1]! + 1);
      return [...out].map(String);
    }
    case 'Date': {
      const ms = [...new Set(values.map((v) => (/^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v))).filter(Number.isFinite))];
      const out = new Set<string>();
      for (const m of ms) for (const d of [m - 1000, m, m + 1000]) out.add(new Date(d).toISOString());
      return [...out];
    }
    case 'Bool':
      return ['true', 'false'];
    case 'IpAddress':
      return [...new Set(values.flatMap(ipCandidates))];
    case 'Null':
      return [OTHER];
    default: {
      const out = new Set<string>([OTHER]);
      for (const v of values) for (const f of filled(v)) out.add(f).add(ignoreCase ? f.toUpperCase() : f);
      return [...out];
    }
  }
}

/** Values a pattern matches: its wildcards as nothing and as one character. */
function filled(pattern: string): string[] {
  return [...new Set([pattern.replace(/\*/g, '').replace(/\?/g, 'x'), pattern.replace(/[*?]/g, 'x')])];
}

/** The network's first address, and one outside it. */
function ipCandidates(cidr: string): string[] {
  const [address] = cidr.split('/');
  if (!address) return [];
  return address.includes(':') ? [address, '::1'] : [address, address.startsWith('255.') ? '1.1.1.1' : '255.255.255.254'];
}

function evaluate(variables: readonly Variable[], choice: readonly number[], tests: { before: Tested[]; after: Tested[] }): { was: boolean; now: boolean } {
  const ctx = new RequestContext();
  let resource: string | undefined;
  variables.forEach((v, i) => {
    const value = v.candidates[choice[i]!];
    if (v.key === RESOURCE) resource = value as string | undefined;
    else if (value !== undefined) ctx.set(v.key, value);
  });
  return { was: tests.before.some((t) => t.test(ctx, resource)), now: tests.after.some((t) => t.test(ctx, resource)) };
}

/** The request with every key that does not tell left out (absent): what the example names. */
function minimal(variables: readonly Variable[], found: readonly number[], tests: { before: Tested[]; after: Tested[] }, allowed: boolean): number[] {
  const choice = [...found];
  for (let i = 0; i < choice.length; i++) {
    if (choice[i] === 0) continue;
    const kept = choice[i]!;
    choice[i] = 0;
    const { was, now } = evaluate(variables, choice, tests);
    if (!(allowed ? was && !now : now && !was)) choice[i] = kept;
  }
  return choice;
}

/** The keys with a value (the others absent), as `key=value`. */
function describe(variables: readonly Variable[], choice: readonly number[]): string {
  const parts: string[] = [];
  variables.forEach((v, i) => {
    const value = v.candidates[choice[i]!];
    if (value === undefined) return;
    parts.push(`${v.key === RESOURCE ? 'resource' : v.key}=${Array.isArray(value) ? `[${value.join(', ')}]` : value}`);
  });
  return parts.join(', ') || 'every key absent';
}
