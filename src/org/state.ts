/**
 * What is deployed in AWS Organizations, as one value: the tree of root, OUs and accounts, and every
 * SCP and RCP with its content and the targets it is attached to directly. `guardrails org export`
 * writes it to a file, so that a pull request can be diffed and planned without credentials.
 */
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import type { PolicyType } from '../policy/index.js';

export const ORG_STATE_FORMAT = 1;

export interface OrgStateAccount {
  id: string;
  name: string;
}

export interface OrgStateOu {
  id: string;
  name: string;
  ous: OrgStateOu[];
  accounts: OrgStateAccount[];
}

export interface DeployedPolicy {
  id: string;
  name: string;
  type: PolicyType;
  description: string;
  awsManaged: boolean;
  /** Read only for policies that may be ours (see ownership.ts); empty for the others. */
  tags: Record<string, string>;
  /** The content exactly as AWS returns it. */
  content: string;
  /** Ids of the roots, OUs and accounts it is attached to directly, sorted. */
  targets: string[];
}

export interface OrgState {
  format: typeof ORG_STATE_FORMAT;
  /** Where the state was read from: an Organizations endpoint, or a file. */
  source: string;
  readAt: string;
  organization: { id: string; managementAccount: string };
  /**
   * Policy types enabled at the root, as ListRoots reports them; absent when it reports none (moto,
   * older snapshot files): enabledPolicyTypes() then infers them.
   */
  enabledPolicyTypes?: PolicyType[];
  root: OrgStateOu;
  policies: DeployedPolicy[];
}

/**
 * The policy types in force. Enabling a type attaches its AWS-managed full-access policy to the root,
 * and a type cannot be disabled while policies of it are attached, so a root holding a policy of a
 * type says the type is enabled when ListRoots does not.
 */
export function enabledPolicyTypes(state: OrgState): Set<PolicyType> {
  if (state.enabledPolicyTypes?.length) return new Set(state.enabledPolicyTypes);
  return new Set(state.policies.filter((p) => p.targets.includes(state.root.id)).map((p) => p.type));
}

/** The deployed tree as the model the rest of the pipeline works on. */
export function treeOfState(state: OrgState): OrgTree {
  const tree = new OrgTree(state.root.name, state.root.id);
  const addChildren = (ou: OrgStateOu, parent: OrgNode) => {
    for (const a of ou.accounts) tree.add({ kind: 'account', name: a.name, id: a.id, parent });
    for (const child of ou.ous) addChildren(child, tree.add({ kind: 'ou', name: child.name, id: child.id, parent }));
  };
  addChildren(state.root, tree.root);
  return tree;
}

/** Sorts OUs, accounts, policies and targets so that two reads of the same organization are equal. */
export function normalizeState(state: OrgState): OrgState {
  const sortOu = (ou: OrgStateOu): OrgStateOu => ({
    id: ou.id,
    name: ou.name,
    ous: ou.ous.map(sortOu).sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id)),
    accounts: [...ou.accounts].sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id)),
  });
  return {
    ...state,
    root: sortOu(state.root),
    policies: state.policies
      .map((p) => ({ ...p, targets: [...p.targets].sort(), tags: Object.fromEntries(Object.entries(p.tags).sort(([a], [b]) => compare(a, b))) }))
      .sort((a, b) => compare(a.type, b.type) || compare(a.name, b.name) || compare(a.id, b.id)),
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
