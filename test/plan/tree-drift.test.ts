/** treeDrift: the deployed tree against the tree the policies were compiled for. */
import { describe, expect, it } from 'vitest';
import { OrgTree } from '../../src/model/org-tree.js';
import { treeOfState } from '../../src/org/index.js';
import { treeDrift } from '../../src/plan/index.js';
import { MANAGEMENT, stateOf } from '../support/org-state.js';

const deployed = treeOfState(stateOf({ Workloads: { ous: { Prod: { accounts: ['333333333301'] } } }, Sandbox: { accounts: ['666666666601'] } }, []));

/** Root r-test with Workloads (ou-workloads, unless `workloadsId` is given) > Prod and Sandbox, as an intent writes it. */
function written(options: { workloadsId?: string | null; prodId?: string | null; management?: boolean } = {}): OrgTree {
  const tree = new OrgTree('Root', 'r-test');
  if (options.management !== false) tree.add({ kind: 'account', name: 'management', id: MANAGEMENT, parent: tree.root });
  const workloads = tree.add({ kind: 'ou', name: 'Workloads', id: options.workloadsId === null ? undefined : (options.workloadsId ?? 'ou-workloads'), parent: tree.root });
  const prod = tree.add({ kind: 'ou', name: 'Prod', id: options.prodId === null ? undefined : (options.prodId ?? 'ou-prod'), parent: workloads });
  tree.add({ kind: 'account', name: 'payments-prod', id: '333333333301', parent: prod });
  const sandbox = tree.add({ kind: 'ou', name: 'Sandbox', id: 'ou-sandbox', parent: tree.root });
  tree.add({ kind: 'account', name: 'sandbox-1', id: '666666666601', parent: sandbox });
  return tree;
}

const declared = { kind: 'declared' } as const;

describe('treeDrift', () => {
  it('is empty when the trees hold the same nodes under the same parents, OUs without ids matched by path', () => {
    expect(treeDrift(written(), deployed, MANAGEMENT, declared)).toEqual({ compiledFor: 'organization.tree', entries: [], fix: [] });
    expect(treeDrift(written({ workloadsId: null, prodId: null }), deployed, MANAGEMENT, declared).entries).toEqual([]);
  });

  it('leaves the management account out: no organization policy affects it', () => {
    expect(treeDrift(written({ management: false }), deployed, MANAGEMENT, declared).entries).toEqual([]);
  });

  it('an OU recreated with another id is new, and what moved into it is moved', () => {
    const d = treeDrift(written({ prodId: 'ou-old-prod' }), deployed, MANAGEMENT, declared);
    expect(d.entries).toEqual([
      { change: 'new', kind: 'ou', id: 'ou-prod', name: 'Prod', parent: 'Root/Workloads' },
      { change: 'moved', kind: 'account', id: '333333333301', name: 'acct-333333333301', parent: 'Root/Workloads/Prod', compiledParent: 'Root/Workloads/Prod' },
    ]);
  });

  it('names the snapshot and the export that fixes drift when the tree came from one', () => {
    const d = treeDrift(written({ workloadsId: 'ou-other' }), deployed, MANAGEMENT, { kind: 'snapshot', path: 'guardrails/org.json', readAt: '2026-12-01T00:00:00.000Z' });
    expect(d.compiledFor).toBe('the org snapshot guardrails/org.json (read 2026-12-01T00:00:00.000Z)');
    expect(d.entries.map((e) => `${e.change} ${e.id}`)).toEqual(['new ou-workloads', 'moved ou-prod']);
    expect(d.fix).toEqual(['guardrails org export --out guardrails/org.json', 'guardrails compile', 'commit guardrails/org.json and out/ with the intent']);
  });
});
