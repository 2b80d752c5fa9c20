/**
 * The fewest tree nodes that name a set of accounts, and the accounts' ids in order, as the review reads
 * them for every merged change: against walking up from each account and counting (what naming did
 * before sets of accounts were bits), on trees with empty OUs, a management account and ids out of tree
 * order.
 */
import { describe, expect, it } from 'vitest';
import { OrgTree, type OrgNode } from '../../src/model/org-tree.js';
import { Accounts } from '../../src/semantic-diff/accounts.js';

const MANAGEMENT = '100000000000';

/** Integers below n, the same for the same seed (mulberry32). */
function randomOf(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

/** A tree of `ous` OUs under the root or one another, each with a few accounts (some none), ids shuffled. */
function randomTree(seed: number, ous: number): OrgTree {
  const next = randomOf(seed);
  const tree = new OrgTree('Root', 'r-test');
  const parents: OrgNode[] = [tree.root];
  tree.add({ kind: 'account', name: 'management', id: MANAGEMENT, parent: tree.root });
  let account = 0;
  for (let i = 0; i < ous; i++) {
    const ou = tree.add({ kind: 'ou', name: `ou${i}`, id: `ou-${i}`, parent: parents[next(parents.length)]! });
    parents.push(ou);
    for (let k = next(4); k > 0; k--) tree.add({ kind: 'account', name: `a${account}`, id: String(200000000000 + ((account++ * 7919) % 1000)), parent: ou });
  }
  return tree;
}

/** Naming by walking up from each account and counting, against the accounts under each node. */
function bruteName(tree: OrgTree, accounts: readonly OrgNode[]): string[] {
  const under = new Map<OrgNode, number>();
  const count = (n: OrgNode): number => {
    let total = n.kind === 'account' && n.id !== MANAGEMENT ? 1 : 0;
    for (const c of n.children) total += count(c);
    under.set(n, total);
    return total;
  };
  count(tree.root);
  const inside = new Map<OrgNode, number>();
  for (const a of accounts) for (let n: OrgNode | undefined = a; n; n = n.parent) inside.set(n, (inside.get(n) ?? 0) + 1);
  const out: string[] = [];
  const visit = (n: OrgNode) => {
    const held = inside.get(n) ?? 0;
    if (held === 0) return;
    if (held === under.get(n)) {
      out.push(OrgTree.describe(n));
      return;
    }
    for (const c of n.children) visit(c);
  };
  visit(tree.root);
  return out;
}

describe('naming sets of accounts', () => {
  it.each([1, 2, 3, 4, 5])('names each set as the fewest nodes, and lists its ids sorted (tree %i)', (seed) => {
    const tree = randomTree(seed, 40);
    const accounts = new Accounts(tree, MANAGEMENT);
    expect(accounts.all.length).toBeGreaterThan(20);
    expect(accounts.all.map((a) => a.id)).not.toContain(MANAGEMENT);
    const next = randomOf(seed * 31);
    const pick = () => next(3) === 0;
    const subsets = [[], accounts.all, accounts.all.filter(() => pick()), accounts.all.filter(() => pick()), accounts.all.slice(0, 5), [accounts.all[accounts.all.length - 1]!]];
    for (const subset of subsets) {
      const expected = bruteName(tree, subset);
      expect(accounts.name(subset)).toEqual(expected);
      const set = accounts.setOfIds(subset.map((a) => a.id!));
      expect(accounts.nameSet(set)).toEqual(expected);
      expect(accounts.sortedIds(set)).toEqual(subset.map((a) => a.id!).sort());
    }
    // Sets merged as the review merges the accounts of changes.
    const merged = accounts.setOfIds(subsets[2]!.map((a) => a.id!)).addAll(accounts.setOfIds(subsets[4]!.map((a) => a.id!)));
    const union = [...new Set([...subsets[2]!, ...subsets[4]!])];
    expect(accounts.nameSet(merged)).toEqual(bruteName(tree, union));
    expect(accounts.sortedIds(merged)).toEqual(union.map((a) => a.id!).sort());
  });

  it('names the root when every account is in the set, and an OU with no accounts never', () => {
    const tree = new OrgTree('Root', 'r-test');
    const prod = tree.add({ kind: 'ou', name: 'Prod', id: 'ou-prod', parent: tree.root });
    tree.add({ kind: 'ou', name: 'Empty', id: 'ou-empty', parent: tree.root });
    const a = tree.add({ kind: 'account', name: 'a', id: '200000000002', parent: prod });
    const b = tree.add({ kind: 'account', name: 'b', id: '200000000001', parent: prod });
    tree.add({ kind: 'account', name: 'management', id: MANAGEMENT, parent: tree.root });
    const accounts = new Accounts(tree, MANAGEMENT);
    expect(accounts.name([a, b])).toEqual(['root Root']);
    expect(accounts.name([a])).toEqual(['account 200000000002 (a)']);
    expect(accounts.sortedIds(accounts.setOfIds(['200000000002', '200000000001', 'unknown']))).toEqual(['200000000001', '200000000002']);
  });
});
