/**
 * Compaction of an exact action set into the fewest characters of IAM patterns that match exactly that
 * set within the pinned reference. Per service, a weighted set cover (characters) over candidates:
 *
 *   literal            GetObject
 *   given patterns     whatever the intent wrote, when it matches only wanted actions
 *   generated (compact mode only, pattern-candidates.ts), segments being arbitrary substrings:
 *     P*  *S  *I*        Describe*   *Tagging   *Vpn*
 *     P*S  P*I*  *I*S    Get*Policy  C*Route*   *Vpc*n
 *     P*I*S  *A*B*       A*so*s      *te*Tra*
 *     one ?              ?etObject
 *
 * A candidate is only admitted when everything it matches in the service is wanted, so any cover is
 * exact by construction (and proven again afterwards, independently). The cover is solved exactly
 * (set-cover.ts: reductions, components, branch and bound on a Lagrangian bound) within a work cap;
 * on equal characters it prefers cuts on CamelCase word boundaries. `exact` mode admits only literals
 * and the given patterns: no wildcard the intent did not write, hence no drift.
 *
 * Results are cached per service and wanted set: compile minimizes each target group twice (Sids kept
 * and dropped), and a service often recurs with the same actions.
 */
import { actionGlob, hasWildcard, type ActionSet, type ReferenceIndex, type ServiceInfo } from '../../reference/index.js';
import { generatePatternCandidates, NameIndex } from './pattern-candidates.js';
import { solveSetCover } from './set-cover.js';

export type WildcardMode = 'exact' | 'compact';

export interface CompactionOptions {
  mode: WildcardMode;
  /** Patterns the intent wrote (or the control generated from data); reused when exact. */
  given?: readonly string[];
  /**
   * Write `svc:*` for a service whose every action is wanted even in exact mode: for the complement
   * list of a NotAction, where it is what the reference holds today.
   */
  wholeServices?: boolean;
}

/** Characters a pattern adds to a JSON list: the pattern, two quotes and a comma. */
function patternCost(text: string): number {
  return text.length + 3;
}

export function compactActions(ref: ReferenceIndex, wanted: ActionSet, options: CompactionOptions): string[] {
  if (wanted.isEmpty()) return [];
  const given = options.given ?? [];
  if (wanted.size === ref.size && (options.mode === 'compact' || given.includes('*'))) return ['*'];
  const givenByService = new Map<string, string[]>();
  // Given patterns with a wildcard in the service part (`*:Describe*`) match actions of many services:
  // kept whole as candidates, they also keep matching what AWS adds later, as the intent wrote.
  const crossService: { text: string; matched: ActionSet }[] = [];
  for (const g of given) {
    const colon = g.indexOf(':');
    if (colon < 0) continue;
    const svc = g.slice(0, colon).toLowerCase();
    if (hasWildcard(svc)) {
      const matched = ref.expandList([g]).actions;
      if (!matched.isEmpty() && matched.isSubsetOf(wanted)) crossService.push({ text: svc + g.slice(colon), matched });
      continue;
    }
    givenByService.set(svc, [...(givenByService.get(svc) ?? []), g]);
  }
  const services = ref.services.filter((svc) => {
    for (let id = svc.firstId; id < svc.endId; id++) if (wanted.has(id)) return true;
    return false;
  });
  // One budget for the whole list: a list touching hundreds of services stays within seconds.
  const budget = { tests: GENERATION_BUDGET };
  const perService = (svc: ServiceInfo, covered: ActionSet | undefined) => compactService(ref, svc, wanted, covered, options, givenByService.get(svc.prefix.toLowerCase()) ?? [], budget);
  const solve = (cross: typeof crossService) => {
    const covered = cross.length ? ref.emptySet() : undefined;
    for (const c of cross) covered!.addAll(c.matched);
    return [...cross.map((c) => c.text), ...services.flatMap((svc) => perService(svc, covered))];
  };
  // Every cross-service pattern the intent wrote starts in; each is dropped only when the services it
  // touches cover its actions in fewer characters without it.
  let chosen = crossService;
  let out = solve(chosen);
  for (const c of crossService) {
    const without = chosen.filter((x) => x !== c);
    const trial = solve(without);
    if (listCost(trial) < listCost(out)) {
      chosen = without;
      out = trial;
    }
  }
  // The list as the intent wrote it is exact too when it means exactly the wanted actions: never emit
  // more characters than that.
  if (given.length) {
    const written = [...new Map(given.map((g) => [g.toLowerCase(), g])).values()];
    if (listCost(written) < listCost(out) && written.every((g) => !g.includes('{')) && ref.expandList(written).actions.equals(wanted)) return written;
  }
  return out;
}

export function listCost(list: readonly string[]): number {
  return list.reduce((n, t) => n + patternCost(t), 0);
}

/**
 * One service's share of the cover. `covered` holds actions that cross-service patterns already match:
 * they need no pattern of their own, but this service's patterns may match them too.
 */
function compactService(ref: ReferenceIndex, svc: ServiceInfo, wanted: ActionSet, covered: ActionSet | undefined, options: CompactionOptions, given: string[], budget: { tests: number }): string[] {
  const mode = options.mode;
  const n = svc.endId - svc.firstId;
  const want: boolean[] = [];
  const wantedLocal: number[] = [];
  const required: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = wanted.has(svc.firstId + i);
    want.push(w);
    if (w) wantedLocal.push(i);
    if (w && !covered?.has(svc.firstId + i)) required.push(i);
  }
  if (required.length === 0) return [];
  const prefix = svc.prefix;
  if (wantedLocal.length === n && (mode === 'compact' || options.wholeServices || given.some((g) => g.toLowerCase() === `${prefix.toLowerCase()}:*`))) return [`${prefix}:*`];
  const cacheKey = `${mode}|${given.join(',')}|${required.join(',')}|${wantedLocal.length === required.length ? '' : wantedLocal.join(',')}`;
  const cache = cacheFor(ref, svc);
  const known = cache.results.get(cacheKey);
  if (known) return known;

  const names = cache.names;
  const position = new Map(required.map((i, k) => [i, k]));
  const sets: { text: string; elements: number[]; weight: number }[] = [];
  const seen = new Set<string>();
  const add = (text: string, matches: readonly number[], offWord: number) => {
    const key = text.toLowerCase();
    if (seen.has(key)) return;
    const elements = matches.filter((i) => position.has(i)).map((i) => position.get(i)!);
    if (elements.length === 0) return;
    seen.add(key);
    // Characters first; on equal characters, fewer cuts off CamelCase word boundaries.
    sets.push({ text: `${prefix}:${text}`, elements, weight: patternCost(`${prefix}:${text}`) * TIE_SCALE + Math.min(offWord, MAX_OFF_WORD) });
  };
  for (const i of required) add(names[i]!, [i], 0);
  for (const g of given) {
    if (!hasWildcard(g)) continue;
    const body = g.slice(g.indexOf(':') + 1);
    const glob = actionGlob(body);
    const cover: number[] = [];
    let exact = true;
    for (let i = 0; i < n && exact; i++) {
      if (!glob.test(names[i]!)) continue;
      if (!want[i]) exact = false;
      else cover.push(i);
    }
    if (exact) add(body, cover, 0);
  }
  let complete = true;
  if (mode === 'compact') {
    const generated = generatePatternCandidates((cache.index ??= new NameIndex(cache.names)), { required, want, budget });
    for (const c of generated.candidates) add(c.text, c.cover, c.offWord);
    complete = generated.complete;
  }
  const { chosen } = solveSetCover(required.length, sets, WORK_BUDGET);
  const result = chosen.map((k) => sets[k]!.text).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  // Only a result of the full candidate set is cached: one cut short by the budget depends on what the
  // statement's other services used, and must not stand in for the full one elsewhere.
  if (complete) {
    if (cache.results.size > CACHE_ENTRIES) cache.results.clear();
    cache.results.set(cacheKey, result);
  }
  return result;
}

/** Weights are characters times this plus the off-word cuts (capped below it): characters always win. */
const TIE_SCALE = 1024;
const MAX_OFF_WORD = 3;
/**
 * Pattern tests for the two- and three-segment shapes per action list (about a second's work). The
 * pre-processor's example uses 3 million over all its statements; a list of nearly every action of
 * every service would use far more, and gets single-segment shapes once this runs out.
 */
const GENERATION_BUDGET = 4_000_000;
/** Branch-and-bound work per service problem (set visits): caps the time of a hard problem. */
const WORK_BUDGET = 20_000_000;
/** Results kept per service (compile minimizes each group twice: Sids kept and dropped). */
const CACHE_ENTRIES = 256;

interface ServiceCache {
  names: string[];
  /** Built on the first compact-mode compaction of the service. */
  index?: NameIndex;
  results: Map<string, string[]>;
}

const caches = new WeakMap<ReferenceIndex, Map<string, ServiceCache>>();

/** Forgets cached compactions (and name indexes) of a reference: benchmarks measure the work itself. */
export function clearCompactionCache(ref: ReferenceIndex): void {
  caches.delete(ref);
}

function cacheFor(ref: ReferenceIndex, svc: ServiceInfo): ServiceCache {
  let byService = caches.get(ref);
  if (!byService) caches.set(ref, (byService = new Map()));
  let c = byService.get(svc.prefix);
  if (!c) {
    const names: string[] = [];
    for (let id = svc.firstId; id < svc.endId; id++) names.push(ref.actions[id]!.name);
    byService.set(svc.prefix, (c = { names, results: new Map() }));
  }
  return c;
}
