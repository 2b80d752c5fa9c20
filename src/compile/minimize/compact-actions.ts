/**
 * Compaction of an exact action set into the fewest characters of IAM patterns that match exactly that
 * set within the pinned reference. Per service, a weighted set cover over candidate patterns:
 *
 *   literal          GetObject
 *   prefix           Describe*          every action starting with the prefix is wanted
 *   suffix           *Tagging
 *   prefix + suffix  Get*Policy
 *   infix            *Vpc*              (CamelCase words and word runs of the wanted names)
 *   prefix + infix   Create*Vpc*
 *   one ?            ?etObject          two wanted names that differ in one letter
 *   given patterns   whatever the intent wrote, when it is exact
 *
 * A candidate is only admitted when everything it matches in the reference is wanted, so the result is
 * exact by construction (and proven again afterwards). `exact` mode admits only literals and the given
 * patterns: no wildcard the intent did not write, hence no drift.
 */
import { globToRegExp, hasWildcard, type ActionSet, type ReferenceIndex, type ServiceInfo } from '../../reference/index.js';

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

interface Candidate {
  text: string;
  /** Local indexes (into the service's name list) of the wanted actions it matches. */
  cover: number[];
  cost: number;
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
  const perService = (svc: ServiceInfo, covered: ActionSet | undefined) => compactService(ref, svc, wanted, covered, options, givenByService.get(svc.prefix.toLowerCase()) ?? []);
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
function compactService(ref: ReferenceIndex, svc: ServiceInfo, wanted: ActionSet, covered: ActionSet | undefined, options: CompactionOptions, given: string[]): string[] {
  const mode = options.mode;
  const n = svc.endId - svc.firstId;
  const names: string[] = [];
  const lower: string[] = [];
  const want: boolean[] = [];
  const wantedLocal: number[] = [];
  let required = 0;
  for (let i = 0; i < n; i++) {
    const a = ref.actions[svc.firstId + i]!;
    names.push(a.name);
    lower.push(a.name.toLowerCase());
    const w = wanted.has(a.id);
    want.push(w);
    if (w) wantedLocal.push(i);
    if (w && !covered?.has(a.id)) required++;
  }
  if (required === 0) return [];
  const prefix = svc.prefix;
  if (wantedLocal.length === n && (mode === 'compact' || options.wholeServices || given.some((g) => g.toLowerCase() === `${prefix.toLowerCase()}:*`))) return [`${prefix}:*`];
  const isRequired = (i: number) => !covered?.has(svc.firstId + i);

  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  const add = (text: string, matches: number[]) => {
    const key = text.toLowerCase();
    const cover = matches.filter(isRequired);
    if (seen.has(key) || cover.length === 0) return;
    seen.add(key);
    candidates.push({ text, cover, cost: patternCost(text) });
  };
  for (const i of wantedLocal) add(`${prefix}:${names[i]}`, [i]);
  for (const g of given) {
    if (!hasWildcard(g)) continue;
    const re = globToRegExp(g.slice(g.indexOf(':') + 1));
    const cover: number[] = [];
    let exact = true;
    for (let i = 0; i < n && exact; i++) {
      if (!re.test(names[i]!)) continue;
      if (!want[i]) exact = false;
      else cover.push(i);
    }
    if (exact) add(g.slice(0, g.indexOf(':')).toLowerCase() + g.slice(g.indexOf(':')), cover);
  }
  (add as Add).seen = (text: string) => seen.has(text.toLowerCase());
  if (mode === 'compact') generateWildcards(prefix, names, lower, want, wantedLocal, add);
  return solveCover(candidates, wantedLocal.filter(isRequired));
}

type Add = ((text: string, cover: number[]) => void) & { seen?: (text: string) => boolean };

function generateWildcards(prefix: string, names: string[], lower: string[], want: boolean[], wantedLocal: number[], add: Add): void {
  const n = names.length;
  const seenText = (t: string) => add.seen?.(t) ?? false;
  const all = Array.from({ length: n }, (_, i) => i);
  // Prefixes and suffixes: the shortest "pure" ones (everything under them wanted) dominate longer ones.
  for (const node of pureAffixes(all, lower, want, false)) add(`${prefix}:${names[node.example]!.slice(0, node.depth)}*`, node.members);
  for (const node of pureAffixes(all, lower, want, true)) add(`${prefix}:*${names[node.example]!.slice(names[node.example]!.length - node.depth)}`, node.members);

  // prefix + suffix: within the names under an impure prefix, the pure suffixes of what follows it.
  const prefixGroups = impurePrefixGroups(all, lower, want);
  for (const g of prefixGroups) {
    if (g.depth === 0) continue;
    const rests = g.members.map((i) => lower[i]!.slice(g.depth));
    const local = g.members.map((_, k) => k);
    for (const node of pureAffixes(local, rests, g.members.map((i) => want[i]!), true)) {
      if (node.depth === 0) continue;
      const ex = g.members[node.example]!;
      add(`${prefix}:${names[ex]!.slice(0, g.depth)}*${names[ex]!.slice(names[ex]!.length - node.depth)}`, node.members.map((k) => g.members[k]!));
    }
  }

  // Infixes from the words of wanted names, alone and after short impure prefixes.
  const words = new Set<string>();
  for (const i of wantedLocal) for (const w of wordRuns(names[i]!)) words.add(w);
  const wordList = [...words];
  for (const w of wordList) {
    const lw = w.toLowerCase();
    const cover = pureCover(all, (i) => lower[i]!.includes(lw), want);
    if (cover && cover.length > 1) add(`${prefix}:*${w}*`, cover);
  }
  for (const g of prefixGroups) {
    if (g.depth === 0 || g.depth > 8 || g.members.length < 2) continue;
    const ex = names[g.members[0]!]!.slice(0, g.depth);
    for (const w of wordList) {
      const lw = w.toLowerCase();
      const cover = pureCover(g.members, (i) => lower[i]!.indexOf(lw, g.depth) >= 0, want);
      if (cover && cover.length > 1) add(`${prefix}:${ex}*${w}*`, cover);
    }
  }

  // Infix then suffix (`*Vpc*Attachment`), and two words in order (`*Route*Table*`).
  const suffixGroups = impurePrefixGroups(all, lower.map((l) => [...l].reverse().join('')), want);
  for (const g of suffixGroups) {
    if (g.depth === 0 || g.depth > 12 || g.members.length < 2) continue;
    const ex = names[g.members[0]!]!;
    const suffix = ex.slice(ex.length - g.depth);
    for (const w of wordList) {
      const lw = w.toLowerCase();
      const cover = pureCover(g.members, (i) => {
        const at = lower[i]!.indexOf(lw);
        return at >= 0 && at + lw.length <= lower[i]!.length - g.depth;
      }, want);
      if (cover && cover.length > 1) add(`${prefix}:*${w}*${suffix}`, cover);
    }
  }
  const singleWords = wordList.filter((w) => !/[a-z][A-Z]/.test(w));
  for (const i of wantedLocal) {
    const ws = (names[i]!.match(/[A-Z0-9]+(?![a-z])|[A-Z0-9]?[a-z]+|[0-9]+/g) ?? []).filter((w) => singleWords.includes(w));
    for (let a = 0; a < ws.length; a++) {
      for (let b = a + 2; b < ws.length; b++) {
        const la = ws[a]!.toLowerCase();
        const lb = ws[b]!.toLowerCase();
        const text = `${prefix}:*${ws[a]}*${ws[b]}*`;
        if (seenText(text)) continue;
        const cover = pureCover(all, (k) => {
          const at = lower[k]!.indexOf(la);
          return at >= 0 && lower[k]!.indexOf(lb, at + la.length) >= 0;
        }, want);
        if (cover && cover.length > 1) add(text, cover);
      }
    }
  }

  // One '?': two wanted names of equal length that differ in one letter.
  const byMask = new Map<string, number[]>();
  for (const i of wantedLocal) {
    const l = lower[i]!;
    for (let p = 0; p < l.length; p++) {
      const key = `${l.length}:${l.slice(0, p)}?${l.slice(p + 1)}`;
      byMask.set(key, [...(byMask.get(key) ?? []), i]);
    }
  }
  for (const [key, members] of byMask) {
    if (members.length < 2) continue;
    const mask = key.slice(key.indexOf(':') + 1);
    const re = globToRegExp(mask);
    const cover = pureCover(all, (i) => re.test(lower[i]!), want);
    if (!cover) continue;
    const at = mask.indexOf('?');
    const ex = names[members[0]!]!;
    add(`${prefix}:${ex.slice(0, at)}?${ex.slice(at + 1)}`, cover);
  }
}

/** The members matched by `test` among `pool`, or undefined when one of them is not wanted. */
function pureCover(pool: number[], test: (i: number) => boolean, want: boolean[]): number[] | undefined {
  const cover: number[] = [];
  for (const i of pool) {
    if (!test(i)) continue;
    if (!want[i]) return undefined;
    cover.push(i);
  }
  return cover;
}

interface AffixNode {
  depth: number;
  members: number[];
  /** A member whose original spelling gives the pattern its casing. */
  example: number;
}

/**
 * Maximal pure nodes of the prefix (or suffix) trie over `pool`: affixes under which every name is
 * wanted, whose parent affix is not. `keys` are lower-cased; `want` is indexed like `keys`.
 */
function pureAffixes(pool: number[], keys: string[], want: boolean[], reverse: boolean): AffixNode[] {
  const out: AffixNode[] = [];
  const visit = (members: number[], depth: number) => {
    if (members.every((i) => want[i])) {
      out.push({ depth, members, example: members[0]! });
      return;
    }
    const children = new Map<string, number[]>();
    for (const i of members) {
      const k = keys[i]!;
      if (k.length <= depth) continue; // a name equal to the affix: its literal covers it
      const ch = reverse ? k[k.length - 1 - depth]! : k[depth]!;
      const list = children.get(ch);
      if (list) list.push(i);
      else children.set(ch, [i]);
    }
    for (const list of children.values()) visit(list, depth + 1);
  };
  visit(pool, 0);
  return out;
}

/** Prefix-trie nodes whose names are not all wanted: where combined patterns are worth looking for. */
function impurePrefixGroups(pool: number[], keys: string[], want: boolean[]): { depth: number; members: number[] }[] {
  const out: { depth: number; members: number[] }[] = [];
  const visit = (members: number[], depth: number) => {
    if (members.every((i) => want[i]) || !members.some((i) => want[i])) return;
    out.push({ depth, members });
    const children = new Map<string, number[]>();
    for (const i of members) {
      const k = keys[i]!;
      if (k.length <= depth) continue;
      const list = children.get(k[depth]!);
      if (list) list.push(i);
      else children.set(k[depth]!, [i]);
    }
    for (const list of children.values()) if (list.length > 1) visit(list, depth + 1);
  };
  visit(pool, 0);
  return out;
}

/** CamelCase words and runs of two or three consecutive words: `DescribeVpcEndpoints` -> Describe, Vpc, Endpoints, DescribeVpc, ... */
function wordRuns(name: string): string[] {
  const words = name.match(/[A-Z0-9]+(?![a-z])|[A-Z0-9]?[a-z]+|[0-9]+/g) ?? [name];
  const out: string[] = [];
  for (let len = 1; len <= 3; len++) {
    for (let i = 0; i + len <= words.length; i++) {
      const run = words.slice(i, i + len).join('');
      if (run.length >= 2) out.push(run);
    }
  }
  return out;
}

/**
 * Weighted set cover: greedy by characters per newly covered action, then local search with two moves,
 * each kept when it saves characters: take a chosen pattern out and cover what only it covered again
 * from the other candidates; put an unchosen pattern in and drop what it makes redundant (one broader
 * pattern replacing several). Candidates are indexed by the actions they cover, so a re-cover only
 * looks at the few that matter.
 */
function solveCover(candidates: Candidate[], wanted: number[]): string[] {
  const alive = candidates.filter((c) => c.cover.length > 0);
  const byAction = new Map<number, Candidate[]>();
  for (const c of alive) for (const i of c.cover) byAction.set(i, [...(byAction.get(i) ?? []), c]);
  const relevant = (uncovered: Set<number>) => {
    const set = new Set<Candidate>();
    for (const i of uncovered) for (const c of byAction.get(i) ?? []) set.add(c);
    return [...set];
  };
  const recover = (chosen: Candidate[], removed: Candidate[]): Candidate[] => {
    const rest = chosen.filter((c) => !removed.includes(c));
    const covered = new Set<number>();
    for (const c of rest) for (const i of c.cover) covered.add(i);
    const uncovered = new Set(wanted.filter((i) => !covered.has(i)));
    const trial = greedy(relevant(uncovered), uncovered, rest, new Set(removed));
    return trial ? dropRedundant(trial) : chosen;
  };
  // Every wanted action has at least its literal, so the unconstrained greedy always succeeds. A few
  // restarts with jittered costs (a fixed seed: the output is deterministic) escape greedy's traps.
  let chosen = dropRedundant(greedy(alive, new Set(wanted), [])!);
  let cost = totalCost(chosen);
  const random = seededRandom(wanted.length * 7919 + alive.length);
  for (let restart = 0; restart < RESTARTS && alive.length > wanted.length; restart++) {
    const jitter = new Map(alive.map((c) => [c, c.cost * (0.85 + 0.3 * random())]));
    const trial = greedy(alive, new Set(wanted), [], undefined, jitter);
    if (!trial) continue;
    const kept = dropRedundant(trial);
    if (totalCost(kept) < cost) {
      chosen = kept;
      cost = totalCost(kept);
    }
  }
  for (let round = 0; round < 4; round++) {
    let improved = false;
    for (const out of [...chosen].sort((a, b) => b.cost - a.cost)) {
      if (!chosen.includes(out)) continue;
      const trial = recover(chosen, [out]);
      if (totalCost(trial) < cost) {
        chosen = trial;
        cost = totalCost(trial);
        improved = true;
      }
    }
    // Insertion: a broader pattern may make several chosen ones redundant.
    const inSolution = new Set(chosen);
    for (const c of alive) {
      if (inSolution.has(c) || c.cover.length < 2) continue;
      const trial = dropRedundant([...chosen, c]);
      if (totalCost(trial) < cost) {
        chosen = trial;
        cost = totalCost(trial);
        inSolution.clear();
        for (const x of chosen) inSolution.add(x);
        improved = true;
      }
    }
    if (!improved) break;
  }
  return chosen.map((c) => c.text).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
}

function totalCost(list: Candidate[]): number {
  return list.reduce((n, c) => n + c.cost, 0);
}

const RESTARTS = 12;

/** A small deterministic generator (mulberry32): the same input always compacts the same way. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Undefined when some action has no candidate left (possible only with `banned`). */
function greedy(candidates: Candidate[], uncovered: Set<number>, chosen: Candidate[], banned?: Set<Candidate>, weights?: Map<Candidate, number>): Candidate[] | undefined {
  const out = [...chosen];
  const left = new Set(uncovered);
  const pool = banned ? candidates.filter((c) => !banned.has(c)) : candidates;
  while (left.size > 0) {
    let best: Candidate | undefined;
    let bestRatio = Infinity;
    for (const c of pool) {
      let gain = 0;
      for (const i of c.cover) if (left.has(i)) gain++;
      if (gain === 0) continue;
      const ratio = (weights?.get(c) ?? c.cost) / gain;
      if (ratio < bestRatio - 1e-9 || (Math.abs(ratio - bestRatio) < 1e-9 && best && c.cost < best.cost)) {
        best = c;
        bestRatio = ratio;
      }
    }
    if (!best) return undefined;
    out.push(best);
    for (const i of best.cover) left.delete(i);
  }
  return out;
}

/** Drops patterns whose actions the others already cover, most expensive first. */
function dropRedundant(chosen: Candidate[]): Candidate[] {
  const count = new Map<number, number>();
  for (const c of chosen) for (const i of c.cover) count.set(i, (count.get(i) ?? 0) + 1);
  const kept: Candidate[] = [];
  for (const c of [...chosen].sort((a, b) => b.cost - a.cost)) {
    if (c.cover.every((i) => count.get(i)! > 1)) {
      for (const i of c.cover) count.set(i, count.get(i)! - 1);
      continue;
    }
    kept.push(c);
  }
  return kept;
}
