/**
 * A synthetic organization at the scale of the largest customers (2,000 OUs, 10,000 accounts) and a
 * fake Organizations API that serves it page by page as AWS does, counting calls.
 */
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
} from '@aws-sdk/client-organizations';
import type { OrganizationsApi } from '../src/org/index.js';
import type { DeployedPolicy, OrgState, OrgStateOu } from '../src/org/index.js';

export const MANAGEMENT = '100000000000';

/**
 * Root -> 10 OUs -> 20 each -> 9 each: 2,010 OUs; `accounts` accounts (10,000 by default) spread over
 * the 1,800 deepest. OU ids have AWS's shape (ou-<root>-<8 or more>), so that a snapshot of this state
 * reads back as `guardrails org export` writes one.
 */
export function syntheticState(policies: (all: string[], top: string[]) => DeployedPolicy[], accounts = 10_000): OrgState {
  let account = 1;
  let ous = 0;
  const ouId = () => `ou-synt-${String(++ous).padStart(8, '0')}`;
  const root: OrgStateOu = { id: 'r-synt', name: 'Root', ous: [], accounts: [{ id: MANAGEMENT, name: 'management' }] };
  const leaves: OrgStateOu[] = [];
  for (let a = 0; a < 10; a++) {
    const top: OrgStateOu = { id: ouId(), name: `Division${a}`, ous: [], accounts: [] };
    root.ous.push(top);
    for (let b = 0; b < 20; b++) {
      const mid: OrgStateOu = { id: ouId(), name: `Unit${b}`, ous: [], accounts: [] };
      top.ous.push(mid);
      for (let c = 0; c < 9; c++) {
        const leaf: OrgStateOu = { id: ouId(), name: `Team${c}`, ous: [], accounts: [] };
        mid.ous.push(leaf);
        leaves.push(leaf);
      }
    }
  }
  for (let i = 0; i < accounts; i++) {
    const id = String(200000000000 + account++);
    leaves[i % leaves.length]!.accounts.push({ id, name: `account-${id}` });
  }
  const all: string[] = [];
  const walk = (ou: OrgStateOu) => {
    all.push(ou.id, ...ou.accounts.map((a) => a.id));
    ou.ous.forEach(walk);
  };
  walk(root);
  return { format: 1, source: 'synthetic', readAt: '2026-11-23T00:00:00.000Z', organization: { id: 'o-synthetic0', managementAccount: MANAGEMENT }, root, policies: policies(all, root.ous.map((o) => o.id)) };
}

const PAGE = 20;

/** Serves a state like Organizations: 20 items a page, NextToken as the offset. */
export function fakeOrganizations(state: OrgState): OrganizationsApi & { calls: number } {
  const parents = new Map<string, OrgStateOu>();
  const index = (ou: OrgStateOu) => {
    parents.set(ou.id, ou);
    ou.ous.forEach(index);
  };
  index(state.root);
  const page = <T>(items: T[], token: string | undefined) => {
    const from = Number(token ?? 0);
    const next = from + PAGE < items.length ? String(from + PAGE) : undefined;
    return { items: items.slice(from, from + PAGE), next };
  };
  const api = {
    calls: 0,
    async send(command: unknown): Promise<unknown> {
      api.calls++;
      const input = (command as { input: Record<string, string | undefined> }).input;
      if (command instanceof DescribeOrganizationCommand) return { Organization: { Id: state.organization.id, MasterAccountId: state.organization.managementAccount } };
      if (command instanceof ListRootsCommand) return { Roots: [{ Id: state.root.id, Name: state.root.name }] };
      if (command instanceof ListOrganizationalUnitsForParentCommand) {
        const p = page(parents.get(input.ParentId!)!.ous, input.NextToken);
        return { OrganizationalUnits: p.items.map((o) => ({ Id: o.id, Name: o.name })), NextToken: p.next };
      }
      if (command instanceof ListAccountsForParentCommand) {
        const p = page(parents.get(input.ParentId!)!.accounts, input.NextToken);
        return { Accounts: p.items.map((a) => ({ Id: a.id, Name: a.name })), NextToken: p.next };
      }
      if (command instanceof ListPoliciesCommand) {
        const type = input.Filter === 'SERVICE_CONTROL_POLICY' ? 'scp' : 'rcp';
        const p = page(state.policies.filter((x) => x.type === type), input.NextToken);
        return { Policies: p.items.map((x) => ({ Id: x.id, Name: x.name, AwsManaged: x.awsManaged, Description: x.description })), NextToken: p.next };
      }
      const policy = state.policies.find((x) => x.id === (input.PolicyId ?? input.ResourceId))!;
      if (command instanceof DescribePolicyCommand) return { Policy: { Content: policy.content } };
      if (command instanceof ListTargetsForPolicyCommand) {
        const p = page(policy.targets, input.NextToken);
        return { Targets: p.items.map((t) => ({ TargetId: t })), NextToken: p.next };
      }
      if (command instanceof ListTagsForResourceCommand) return { Tags: Object.entries(policy.tags).map(([Key, Value]) => ({ Key, Value })) };
      throw new Error(`fake Organizations: ${(command as object).constructor.name} is not served`);
    },
  };
  return api;
}
