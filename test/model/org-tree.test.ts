import { describe, expect, it } from 'vitest';
import { OrgTree, type OrgNode } from '../../src/model/org-tree.js';

/** Root with OUs Workloads (Prod: 2 accounts, Dev: 1 account, Empty: none), Sandbox (1 account), and an account at the root. */
function sampleTree() {
  const tree = new OrgTree('Root', 'r-root');
  const ou = (name: string, parent: OrgNode) => tree.add({ kind: 'ou', name, id: `ou-${name.toLowerCase()}`, parent });
  const account = (id: string, parent: OrgNode) => tree.add({ kind: 'account', name: `acct-${id}`, id, parent });
  const workloads = ou('Workloads', tree.root);
  const prod = ou('Prod', workloads);
  account('111111111101', prod);
  account('111111111102', prod);
  const dev = ou('Dev', workloads);
  account('111111111103', dev);
  const empty = ou('Empty', workloads);
  const sandbox = ou('Sandbox', tree.root);
  account('111111111104', sandbox);
  account('111111111100', tree.root);
  return { tree, workloads, prod, dev, empty, sandbox };
}

/** The recursive walk the pre-order must agree with. */
function walk(node: OrgNode): OrgNode[] {
  return [node, ...node.children.flatMap(walk)];
}

describe('OrgTree pre-order queries', () => {
  it('preOrder lists a node before its subtree, children in order, as descendants does', () => {
    const { tree } = sampleTree();
    expect(tree.preOrder.map((n) => n.name)).toEqual(walk(tree.root).map((n) => n.name));
    expect([...OrgTree.descendants(tree.root)]).toEqual(walk(tree.root));
    expect(tree.preOrder).toHaveLength(tree.nodes.length);
  });

  it('subtreeRange spans exactly a node and its descendants', () => {
    const { tree } = sampleTree();
    for (const n of tree.nodes) {
      const r = tree.subtreeRange(n)!;
      expect(tree.preOrder.slice(r.start, r.end)).toEqual(walk(n));
    }
    const stranger: OrgNode = { kind: 'ou', name: 'Elsewhere', id: undefined, path: 'Elsewhere', parent: undefined, children: [], depth: 0 };
    expect(tree.subtreeRange(stranger)).toBeUndefined();
  });

  it('contains agrees with the ancestor walk for every pair of nodes', () => {
    const { tree } = sampleTree();
    for (const a of tree.nodes) for (const b of tree.nodes) expect(tree.contains(a, b), `${a.path} contains ${b.path}`).toBe(OrgTree.contains(a, b));
  });

  it('a node added after a query is in the next one', () => {
    const { tree, empty, workloads } = sampleTree();
    expect(tree.subtreeRange(workloads)!.end - tree.subtreeRange(workloads)!.start).toBe(7);
    const late = tree.add({ kind: 'account', name: 'late', id: '111111111105', parent: empty });
    expect(tree.contains(workloads, late)).toBe(true);
    expect(tree.contains(tree.root, late)).toBe(true);
    expect(tree.preOrder.map((n) => n.name)).toEqual(walk(tree.root).map((n) => n.name));
    expect(OrgTree.accountsUnder(workloads).map((a) => a.id)).toEqual(['111111111101', '111111111102', '111111111103', '111111111105']);
  });
});
