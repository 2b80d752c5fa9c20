/**
 * The part of the OU tree a change touches, as a picture small enough to read: each OU and group of
 * accounts with what the change does to its accounts (stricter, looser, mixed, unchanged) and the
 * rollout waves that reach them. Only changed subtrees are opened: a node's unchanged child OUs are
 * folded into one node, its accounts grouped by verdict and wave, and past `maxNodes` the deeper levels
 * are summed up in the label of the last node drawn, so that a 2,010-OU organization still gives a
 * picture of a few dozen nodes. Which subtrees are opened first: those the earliest wave reaches (the
 * canary's path stays in the picture), then those with the most changed accounts.
 *
 * The names here are the organization's, untrusted: the renderer (diff-mermaid.ts) escapes them.
 */
import type { OrgNode, OrgTree } from '../model/org-tree.js';
import type { Direction, SemanticGroup } from '../semantic-diff/index.js';

/** What the change does to an account, or to the accounts of a node together. */
export type TreeVerdict = 'stricter' | 'looser' | 'mixed' | 'unchanged';

export interface TreePictureInput {
  tree: OrgTree;
  /** The intent's waves in order, with the nodes each targets; empty when the intent declares none. */
  waves: readonly { name: string; targets: readonly OrgNode[] }[];
}

export interface PictureNode {
  /** `n0`, `n1`, ...: never a name. */
  id: string;
  parent?: string;
  kind: 'root' | 'ou' | 'accounts' | 'unchanged-ous' | 'more-ous';
  /** The OU's or the single account's name; absent for a group. */
  name?: string;
  verdict: TreeVerdict;
  /** Accounts the node stands for, and how many of them the change changes. */
  accounts: number;
  changed: number;
  /** OUs a folded node stands for. */
  ous: number;
  /** The waves that reach its changed accounts, in rollout order. */
  waves: string[];
  /** What is below it and not drawn (the cap was reached). */
  hidden?: { ous: number; accounts: number };
}

export interface TreePicture {
  nodes: PictureNode[];
  /** OUs and accounts of the whole organization. */
  totals: { ous: number; accounts: number; changed: number };
  /** The rollout's first wave (the canary), when the intent declares waves: its nodes are drawn highlighted. */
  firstWave?: string;
}

/** The most nodes a picture draws: past it, deeper levels are summarized. */
export const MAX_PICTURE_NODES = 40;

/** The wave that takes what no declared wave reaches (the planner's name for it). */
const REST_WAVE = 'rest';

interface Stats {
  counts: Record<TreeVerdict, number>;
  ous: number;
  /** Indices of the waves reaching changed accounts below. */
  waves: Set<number>;
}

/** Per account id, what the semantic diff's groups do to it, all changes of all groups together. */
export function accountVerdicts(groups: readonly SemanticGroup[]): Map<string, TreeVerdict> {
  const directions = new Map<string, Set<Direction>>();
  for (const g of groups) {
    const ds = new Set(g.changes.map((c) => c.direction));
    for (const a of g.accounts) {
      let set = directions.get(a);
      if (!set) directions.set(a, (set = new Set()));
      for (const d of ds) set.add(d);
    }
  }
  const out = new Map<string, TreeVerdict>();
  for (const [a, ds] of directions) {
    // A change of form only ("same effect") changes nothing an account can or cannot do.
    ds.delete('same');
    if (ds.size) out.set(a, ds.size === 1 ? ([...ds][0] as TreeVerdict) : 'mixed');
  }
  return out;
}

export function changeTreePicture(input: TreePictureInput, verdicts: ReadonlyMap<string, TreeVerdict>, maxNodes = MAX_PICTURE_NODES): TreePicture {
  const { tree } = input;
  const order = tree.preOrder;
  const waveNames = input.waves.length ? [...input.waves.map((w) => w.name), REST_WAVE] : [];
  // The first wave whose targets hold each node (by its index in pre-order); the rest wave otherwise.
  const waveAt = new Int32Array(order.length).fill(input.waves.length);
  for (let w = input.waves.length - 1; w >= 0; w--) {
    for (const t of input.waves[w]!.targets) {
      const range = tree.subtreeRange(t);
      if (range) waveAt.fill(w, range.start, range.end);
    }
  }
  const index = new Map<OrgNode, number>(order.map((n, i) => [n, i]));
  const verdictOf = (n: OrgNode): TreeVerdict => (n.id !== undefined ? verdicts.get(n.id) : undefined) ?? 'unchanged';
  const stats = new Map<OrgNode, Stats>();
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!;
    if (n.kind === 'account') continue;
    const s: Stats = { counts: { stricter: 0, looser: 0, mixed: 0, unchanged: 0 }, ous: 0, waves: new Set() };
    for (const c of n.children) {
      if (c.kind === 'account') {
        const v = verdictOf(c);
        s.counts[v]++;
        if (v !== 'unchanged' && waveNames.length) s.waves.add(waveAt[index.get(c)!]!);
      } else {
        const cs = stats.get(c)!;
        for (const k of VERDICTS) s.counts[k] += cs.counts[k];
        s.ous += 1 + cs.ous;
        for (const w of cs.waves) s.waves.add(w);
      }
    }
    stats.set(n, s);
  }
  const changedOf = (s: Stats) => s.counts.stricter + s.counts.looser + s.counts.mixed;
  const accountsOf = (s: Stats) => changedOf(s) + s.counts.unchanged;
  const names = (waves: Iterable<number>) => [...waves].sort((a, b) => a - b).map((w) => waveNames[w]!);
  const earliest = (s: Stats) => (s.waves.size ? Math.min(...s.waves) : Number.MAX_SAFE_INTEGER);

  const nodes: PictureNode[] = [];
  const add = (node: Omit<PictureNode, 'id'>): PictureNode => {
    const made = { id: `n${nodes.length}`, ...node };
    nodes.push(made);
    return made;
  };
  const ofStats = (s: Stats) => ({ verdict: overall(s.counts), accounts: accountsOf(s), changed: changedOf(s), waves: names(s.waves) });
  const ouNode = (n: OrgNode, parent: string | undefined) => add({ ...(parent ? { parent } : {}), kind: n.kind === 'root' ? 'root' : 'ou', name: n.name, ous: 0, ...ofStats(stats.get(n)!) });

  /** The nodes drawn when `n` is opened: its changed child OUs, one for its unchanged ones, its groups of accounts. */
  const expansion = (n: OrgNode) => {
    const touched: OrgNode[] = [];
    const untouched: OrgNode[] = [];
    const groups = new Map<string, { verdict: TreeVerdict; wave: number; accounts: OrgNode[] }>();
    for (const c of n.children) {
      if (c.kind === 'account') {
        const verdict = verdictOf(c);
        const wave = verdict === 'unchanged' || !waveNames.length ? -1 : waveAt[index.get(c)!]!;
        const key = `${verdict}|${wave}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { verdict, wave, accounts: [] }));
        g.accounts.push(c);
      } else if (changedOf(stats.get(c)!)) touched.push(c);
      else untouched.push(c);
    }
    const accountGroups = [...groups.values()].sort((a, b) => (a.verdict === 'unchanged' ? 1 : 0) - (b.verdict === 'unchanged' ? 1 : 0) || a.wave - b.wave || VERDICTS.indexOf(a.verdict) - VERDICTS.indexOf(b.verdict));
    // A leaf OU whose accounts are all alike says it in its own label: no node for the group.
    const ownGroups = !touched.length && !untouched.length && accountGroups.length <= 1 ? [] : accountGroups;
    return { touched, untouched, groups: ownGroups, size: touched.length + (untouched.length ? 1 : 0) + ownGroups.length };
  };
  const drawRest = (parent: PictureNode, x: ReturnType<typeof expansion>) => {
    if (x.untouched.length === 1) ouNode(x.untouched[0]!, parent.id);
    else if (x.untouched.length) {
      const s = sumOf(x.untouched.map((u) => stats.get(u)!));
      add({ parent: parent.id, kind: 'unchanged-ous', ous: x.untouched.length, ...ofStats(s) });
    }
    for (const g of x.groups) {
      const one = g.accounts.length === 1 ? { name: g.accounts[0]!.name } : {};
      add({ parent: parent.id, kind: 'accounts', ...one, verdict: g.verdict, accounts: g.accounts.length, changed: g.verdict === 'unchanged' ? 0 : g.accounts.length, ous: 0, waves: g.wave >= 0 ? [waveNames[g.wave]!] : [] });
    }
  };
  /** Opened first: what the earliest wave reaches, then the shallowest, then the most changed. */
  const priority = (a: OrgNode, b: OrgNode) => {
    const [sa, sb] = [stats.get(a)!, stats.get(b)!];
    return earliest(sa) - earliest(sb) || a.depth - b.depth || changedOf(sb) - changedOf(sa) || index.get(a)! - index.get(b)!;
  };

  // Each node drawn is opened in turn: whole if its nodes fit, else in part (its first changed OUs by
  // the same priority, the others summed up in one node), else it sums up what is below it in its label.
  let budget = Math.max(0, maxNodes - 1);
  const candidates = [{ node: tree.root, drawn: ouNode(tree.root, undefined) }];
  while (candidates.length) {
    candidates.sort((a, b) => priority(a.node, b.node));
    const item = candidates.shift()!;
    const x = expansion(item.node);
    if (!x.size) continue;
    const fixed = x.size - x.touched.length;
    const whole = x.size <= budget;
    const room = whole ? x.touched.length : budget - fixed - 1;
    if (!whole && room < 1) {
      const s = stats.get(item.node)!;
      if (s.ous) item.drawn.hidden = { ous: s.ous, accounts: accountsOf(s) };
      continue;
    }
    const shown = new Set([...x.touched].sort(priority).slice(0, room));
    for (const c of x.touched) if (shown.has(c)) candidates.push({ node: c, drawn: ouNode(c, item.drawn.id) });
    const rest = x.touched.filter((c) => !shown.has(c));
    if (rest.length) add({ parent: item.drawn.id, kind: 'more-ous', ous: rest.length, ...ofStats(sumOf(rest.map((r) => stats.get(r)!))) });
    drawRest(item.drawn, x);
    budget -= shown.size + (rest.length ? 1 : 0) + fixed;
  }
  const all = stats.get(tree.root)!;
  return { nodes, totals: { ous: all.ous, accounts: accountsOf(all), changed: changedOf(all) }, ...(input.waves.length ? { firstWave: input.waves[0]!.name } : {}) };
}

const VERDICTS: readonly TreeVerdict[] = ['stricter', 'looser', 'mixed', 'unchanged'];

function overall(counts: Record<TreeVerdict, number>): TreeVerdict {
  const changed = (['stricter', 'looser', 'mixed'] as const).filter((k) => counts[k] > 0);
  if (!changed.length) return 'unchanged';
  return changed.length === 1 ? changed[0]! : 'mixed';
}

function sumOf(all: readonly Stats[]): Stats {
  const s: Stats = { counts: { stricter: 0, looser: 0, mixed: 0, unchanged: 0 }, ous: 0, waves: new Set() };
  for (const x of all) {
    for (const k of VERDICTS) s.counts[k] += x.counts[k];
    s.ous += 1 + x.ous;
    for (const w of x.waves) s.waves.add(w);
  }
  return s;
}
