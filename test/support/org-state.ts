/** Small deployed organizations for planner and diff tests, written as data. */
import type { OrgNode } from '../../src/model/org-tree.js';
import { OWNER_TAG, CONTROLS_TAG, treeOfState, type DeployedPolicy, type OrgState, type OrgStateOu } from '../../src/org/index.js';
import { resolveQuotas, type PolicyType, type Quotas } from '../../src/policy/index.js';
import type { Deployment, DesiredPolicy } from '../../src/plan/index.js';

export const MANAGEMENT = '111111111111';

export interface OuSpec {
  accounts?: string[];
  ous?: Record<string, OuSpec>;
}

/** Root r-test; OU ids are `ou-<name>`; accounts are named `acct-<id>`. */
export function stateOf(ous: Record<string, OuSpec>, policies: DeployedPolicy[], rootAccounts: string[] = [MANAGEMENT]): OrgState {
  const build = (name: string, id: string, spec: OuSpec): OrgStateOu => ({
    id,
    name,
    accounts: (spec.accounts ?? []).map((a) => ({ id: a, name: `acct-${a}` })),
    ous: Object.entries(spec.ous ?? {}).map(([n, s]) => build(n, `ou-${n.toLowerCase()}`, s)),
  });
  return { format: 1, source: 'test', readAt: '2026-11-23T00:00:00.000Z', organization: { id: 'o-test000000', managementAccount: MANAGEMENT }, root: build('Root', 'r-test', { accounts: rootAccounts, ous }), policies };
}

export function denyPolicy(actions: string[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: actions, Resource: '*' }] });
}

export const FULL_ACCESS = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

/** FullAWSAccess attached to every node, as AWS does for new OUs and accounts. */
export function fullAccessEverywhere(ous: Record<string, OuSpec>, rootAccounts: string[] = [MANAGEMENT]): DeployedPolicy {
  const state = stateOf(ous, [], rootAccounts);
  return { id: 'p-FullAWSAccess', name: 'FullAWSAccess', type: 'scp', description: '', awsManaged: true, tags: {}, content: FULL_ACCESS, targets: treeOfState(state).nodes.map((n) => n.id!) };
}

export function owned(name: string, content: string, targets: string[], type: PolicyType = 'scp', controls = [name.replace(/^guardrails-(scp|rcp)-/, '')]): DeployedPolicy {
  return { id: `p-${name}`, name, type, description: '', awsManaged: false, tags: { [OWNER_TAG.key]: OWNER_TAG.value, [CONTROLS_TAG]: controls.join(' ') }, content, targets };
}

export function deploymentOf(state: OrgState, desired: { name: string; type?: PolicyType; content: string; targets: string[]; controls?: string[] }[], quotas: Quotas = resolveQuotas('aws-2026-05')!): Deployment {
  const tree = treeOfState(state);
  const node = (id: string): OrgNode => {
    const n = tree.byAwsId(id) ?? tree.account(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  };
  const wanted: DesiredPolicy[] = desired.map((d) => ({ name: d.name, type: d.type ?? 'scp', content: d.content, controls: d.controls ?? [d.name.replace(/^guardrails-(scp|rcp)-/, '')], targets: d.targets.map(node) }));
  return { state, tree, managementAccount: state.organization.managementAccount, quotas, deployed: state.policies, desired: wanted };
}
