import { describe, expect, it } from 'vitest';
import { OrgTree, type OrgNode } from '../../src/model/org-tree.js';
import { AccountScope } from '../../src/simulate/account-scope.js';

const MANAGEMENT = '111111111100';

/**
 * Root (management account) with Workloads (Prod: 2 accounts, Dev: 1, Empty: no account, Nested:
 * an OU Inner without accounts) and Sandbox (1 account, Lab: no account).
 */
function sampleTree() {
  const tree = new OrgTree('Root', 'r-root');
  const ou = (name: string, parent: OrgNode) => tree.add({ kind: 'ou', name, id: `ou-${name.toLowerCase()}`, parent });
  const account = (id: string, parent: OrgNode) => tree.add({ kind: 'account', name: `acct-${id}`, id, parent });
  account(MANAGEMENT, tree.root);
  const workloads = ou('Workloads', tree.root);
  const prod = ou('Prod', workloads);
  const p1 = account('111111111101', prod);
  account('111111111102', prod);
  const dev = ou('Dev', workloads);
  account('111111111103', dev);
  const empty = ou('Empty', workloads);
  const nested = ou('Nested', workloads);
  ou('Inner', nested);
  const sandbox = ou('Sandbox', tree.root);
  account('111111111104', sandbox);
  const lab = ou('Lab', sandbox);
  return { tree, workloads, prod, p1, dev, empty, nested, sandbox, lab, management: tree.account(MANAGEMENT)! };
}

/** Stand-in accounts numbered by creation, one per OU, as World.virtualAccountIn makes them. */
function standIns() {
  const made = new Map<OrgNode, string>();
  return {
    made,
    virtualAccountIn: (ou: OrgNode) => {
      if (!made.has(ou)) made.set(ou, String(900000000000 + made.size + 1));
      return made.get(ou)!;
    },
  };
}

/** The former World.accountsUnder, by whole-subtree walks: what the scope must answer. */
function formerAccountsUnder(nodes: readonly OrgNode[], exclude: readonly OrgNode[], virtualAccountIn: (ou: OrgNode) => string): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const accounts = OrgTree.accountsUnder(n).filter((a) => a.id && a.id !== MANAGEMENT && !exclude.some((x) => OrgTree.contains(x, a)));
    if (accounts.length) out.push(...accounts.map((a) => a.id!));
    else if (n.kind === 'account' && n.id && n.id !== MANAGEMENT) out.push(n.id);
    else if (n.kind !== 'account') {
      const ou = [...OrgTree.descendants(n)].find((d) => d.kind !== 'account' && d.children.every((c) => c.kind !== 'account') && !exclude.some((x) => OrgTree.contains(x, d)));
      if (ou) out.push(virtualAccountIn(ou));
    }
  }
  return [...new Set(out)];
}

describe('AccountScope', () => {
  it('lists, first and has agree with whole-subtree walks for every target and exclusion of a small tree', () => {
    const t = sampleTree();
    const all = t.tree.nodes;
    const cases: [OrgNode[], OrgNode[]][] = [];
    for (const a of all) {
      cases.push([[a], []]);
      for (const x of all) cases.push([[a], [x]]);
      for (const b of all) cases.push([[a, b], []]);
    }
    cases.push([[t.sandbox, t.prod, t.workloads], [t.dev]], [[t.empty, t.lab, t.nested], [t.lab]], [[t.tree.root], [t.workloads, t.sandbox]]);
    const ids = [...all.flatMap((n) => (n.kind === 'account' ? [n.id!] : [])), '900000000001', '900000000002', '999999999999'];
    for (const [nodes, exclude] of cases) {
      const what = `${nodes.map((n) => n.path).join(', ')} minus ${exclude.map((n) => n.path).join(', ') || 'nothing'}`;
      const former = standIns();
      const expected = formerAccountsUnder(nodes, exclude, former.virtualAccountIn);
      const now = standIns();
      const scope = new AccountScope(t.tree, nodes, exclude, MANAGEMENT, now.virtualAccountIn);
      expect(scope.accounts, what).toEqual(expected);
      expect(scope.first, what).toBe(expected[0]);
      for (const id of ids) expect(scope.has(id), `${what}: ${id}`).toBe(expected.includes(id));
      expect([...now.made], `${what}: stand-ins`).toEqual([...former.made]);
    }
  });

  it('the management account is never in a scope, and an OU without accounts is represented by a stand-in in its first OU without accounts', () => {
    const t = sampleTree();
    const made = standIns();
    expect(new AccountScope(t.tree, [t.tree.root], [], MANAGEMENT, made.virtualAccountIn).has(MANAGEMENT)).toBe(false);
    const nested = new AccountScope(t.tree, [t.nested], [], MANAGEMENT, made.virtualAccountIn);
    expect(nested.accounts).toEqual(['900000000001']);
    expect(made.made.get(t.nested)).toBe('900000000001');
    expect(nested.has('900000000001')).toBe(true);
  });

  it('an excluded account named as a target is still the scope (the control names it)', () => {
    const t = sampleTree();
    const scope = new AccountScope(t.tree, [t.p1], [t.prod], MANAGEMENT, standIns().virtualAccountIn);
    expect(scope.accounts).toEqual(['111111111101']);
    expect(scope.has('111111111101')).toBe(true);
  });
});
