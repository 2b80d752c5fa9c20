import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attachmentPoints } from '../../src/compile/targets.js';
import { OrgTree, type OrgNode } from '../../src/model/org-tree.js';

/** The definition, written as plainly as it reads: the reference the indexed version must agree with. */
function naiveAttachmentPoints(attach: OrgNode[], exclude: OrgNode[], managementAccount: string): OrgNode[] {
  const points: OrgNode[] = [];
  const excluded = (n: OrgNode) => exclude.some((x) => OrgTree.contains(x, n));
  const exclusionBelow = (n: OrgNode) => exclude.some((x) => x !== n && OrgTree.contains(n, x));
  const place = (n: OrgNode) => {
    if (excluded(n)) return;
    if (n.kind === 'account' && n.id === managementAccount) return;
    if (!exclusionBelow(n)) return void points.push(n);
    for (const child of n.children) place(child);
  };
  for (const a of attach.filter((a) => !attach.some((b) => b !== a && OrgTree.contains(b, a)))) place(a);
  return [...new Set(points)];
}

/** A tree from a list of parent choices: node k hangs under an earlier non-account node. */
function buildTree(shape: { account: boolean; parent: number }[]): OrgTree {
  const tree = new OrgTree('Root', 'r-root');
  shape.forEach((s, k) => {
    const containers = tree.nodes.filter((n) => n.kind !== 'account');
    const parent = containers[s.parent % containers.length]!;
    tree.add(s.account ? { kind: 'account', name: `a${k}`, id: String(100000000000 + k), parent } : { kind: 'ou', name: `ou${k}`, id: `ou-${k}`, parent });
  });
  return tree;
}

describe('attachmentPoints', () => {
  it('agrees with the plain definition on random trees, attachments and exclusions', () => {
    const shape = fc.array(fc.record({ account: fc.boolean(), parent: fc.nat(40) }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(shape, fc.array(fc.nat(), { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 6 }), fc.nat(), (s, at, ex, mgmt) => {
        const tree = buildTree(s);
        const pick = (k: number) => tree.nodes[k % tree.nodes.length]!;
        const attach = at.length ? at.map(pick) : [tree.root];
        const exclude = ex.map(pick);
        const management = pick(mgmt).kind === 'account' ? pick(mgmt).id! : 'none';
        const got = attachmentPoints({ attach, exclude, managementAccount: management }).map((n) => n.path).sort();
        expect(got).toEqual(naiveAttachmentPoints(attach, exclude, management).map((n) => n.path).sort());
      }),
      { numRuns: 500 },
    );
  });

  it('places a Root control that excludes one account in each of 1,000 OUs on every other account and on no OU', () => {
    const tree = new OrgTree('Root', 'r-root');
    const excluded: OrgNode[] = [];
    for (let o = 0; o < 1000; o++) {
      const ou = tree.add({ kind: 'ou', name: `ou${o}`, id: `ou-${o}`, parent: tree.root });
      for (let a = 0; a < 20; a++) {
        const account = tree.add({ kind: 'account', name: `a${o}-${a}`, id: String(100000000000 + o * 100 + a), parent: ou });
        if (a === 0) excluded.push(account);
      }
    }
    const points = attachmentPoints({ attach: [tree.root], exclude: excluded, managementAccount: '999999999999' });
    expect(points).toHaveLength(1000 * 19);
    expect(points.every((p) => p.kind === 'account' && !p.name.endsWith('-0'))).toBe(true);
  });
});
