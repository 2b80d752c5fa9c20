/**
 * Checks the rollout's guarantees on the organization as moto holds it, after every write the fault
 * proxy lets through: no root, OU or account without an SCP (nor without RCPFullAWSAccess once RCPs are
 * enabled), none holding more policies of a type than its slots, and, while a wave is set, the owned
 * policy contents reaching every account outside the wave as they were when the wave was set.
 * It reads moto directly (never through the proxy). While a wave is set it reads everything with the
 * project's own reader (the owned contents need each policy's text and tags); otherwise it reads only
 * what the slot checks look at: the policy types enabled, the policies of each type and their targets,
 * and the tree, which it reads once until clear(), setWave() or treeChanged(): the fault proxy calls
 * that when it passes a call that changes the tree (the policy writes it audits cannot), and so must a
 * test that changes the tree straight in moto between two audits. That is a third of the calls, and
 * the audit after every write is the rollout tests' main cost.
 */
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { OrgNode } from '../../src/model/org-tree.js';
import { AWS_POLICY_TYPE, enabledPolicyTypes, isOwned, normalizeState, ORG_STATE_FORMAT, readOrganization, treeOfState, type DeployedPolicy, type OrgState, type OrgStateOu } from '../../src/org/index.js';
import { canonicalPolicyText } from '../../src/policy/index.js';
import type { Quotas } from '../../src/policy/quotas.js';

/** Per account, the owned contents (`scp <canonical text>`) reaching it through its chain, sorted. */
export type AccountContents = Map<string, string[]>;

export class OrgAuditor {
  /** One line per broken guarantee, naming the write after which it was seen. */
  readonly violations: string[] = [];
  /** How many times the organization was audited. */
  audits = 0;
  private wave: { accounts: Set<string>; before: AccountContents } | undefined;
  /** The tree as last read for the slot checks, with the organization it belongs to. */
  private tree: { organization: OrgState['organization']; root: OrgStateOu } | undefined;
  /** Counts treeChanged() calls: a tree read that one overlapped is used once, not kept. */
  private treeGeneration = 0;

  constructor(
    private readonly moto: OrganizationsClient,
    private readonly quotas: Quotas,
  ) {}

  /**
   * From now on, accounts outside `accountIds` must keep the owned contents they have now. Reads the
   * organization, so call it between writes (before the wave's first).
   */
  async setWave(accountIds: Iterable<string>): Promise<void> {
    this.treeChanged();
    this.wave = { accounts: new Set(accountIds), before: effectiveOwnedContents(await this.read()) };
  }

  clearWave(): void {
    this.wave = undefined;
  }

  /** Forgets the violations, the audit count and the wave, for the next test. */
  clear(): void {
    this.treeChanged();
    this.violations.length = 0;
    this.audits = 0;
    this.wave = undefined;
  }

  /** The tree may have changed (an OU or account created, moved or removed): the next audit reads it again. */
  treeChanged(): void {
    this.tree = undefined;
    this.treeGeneration++;
  }

  /** Records a broken guarantee seen outside the organization's state (a call that must never be made). */
  report(violation: string): void {
    this.violations.push(violation);
  }

  /** Audits the organization now; `after` says which write it follows, for the violations' lines. */
  async audit(after: string): Promise<string[]> {
    this.audits++;
    const state = this.wave ? await this.read() : await this.readForSlots();
    const found = [...slotViolations(state, this.quotas), ...this.waveViolations(state)].map((v) => `after ${after}: ${v}`);
    this.violations.push(...found);
    return found;
  }

  private async read(): Promise<OrgState> {
    // moto on loopback has no rate limit to respect: the audit after every write is the tests' main wait.
    return (await readOrganization(this.moto, { concurrency: 12, source: 'moto (auditor)' })).state;
  }

  /**
   * The organization as slotViolations sees it: the tree, the policy types enabled at the root, and
   * every policy's type, AWS-managed flag and targets, read as readOrganization reads them (every page,
   * RCPs absent when the type is not enabled); each policy's text and tags are left empty.
   */
  private async readForSlots(): Promise<OrgState> {
    const send = <T>(command: unknown): Promise<T> => this.moto.send(command as never) as Promise<T>;
    const roots = await send<{ Roots?: { Id?: string; Name?: string; PolicyTypes?: { Type?: string; Status?: string }[] }[] }>(new ListRootsCommand({}));
    const found = roots.Roots?.[0];
    if (roots.Roots?.length !== 1 || !found?.Id) throw new Error(`the auditor expected one root, found ${roots.Roots?.length ?? 0}`);
    const enabled = (['scp', 'rcp'] as const).filter((t) => (found.PolicyTypes ?? []).some((p) => p.Type === AWS_POLICY_TYPE[t] && p.Status === 'ENABLED'));
    let tree = this.tree;
    if (tree?.root.id !== found.Id) {
      const generation = this.treeGeneration;
      tree = await this.readTree(found.Id, found.Name ?? 'Root');
      if (generation === this.treeGeneration) this.tree = tree;
    }
    const { organization, root } = tree;
    const policies: DeployedPolicy[] = [];
    for (const type of ['scp', 'rcp'] as const) {
      let summaries: { Id?: string; Name?: string; AwsManaged?: boolean }[];
      try {
        summaries = await pages(async (NextToken) => {
          const o = await send<{ Policies?: { Id?: string; Name?: string; AwsManaged?: boolean }[]; NextToken?: string }>(new ListPoliciesCommand({ Filter: AWS_POLICY_TYPE[type], NextToken, MaxResults: 20 }));
          return { NextToken: o.NextToken, items: o.Policies };
        });
      } catch (e) {
        if (type === 'rcp' && /PolicyTypeNotEnabled|PolicyTypeNotAvailable/.test(`${(e as Error).name} ${(e as Error).message}`)) continue;
        throw e;
      }
      policies.push(
        ...(await Promise.all(
          summaries.map(async (p): Promise<DeployedPolicy> => {
            const targets = await pages<{ TargetId?: string }>(async (NextToken) => {
              const o = await send<{ Targets?: { TargetId?: string }[]; NextToken?: string }>(new ListTargetsForPolicyCommand({ PolicyId: p.Id!, NextToken, MaxResults: 20 }));
              return { NextToken: o.NextToken, items: o.Targets };
            });
            return { id: p.Id!, name: p.Name ?? p.Id!, type, description: '', awsManaged: p.AwsManaged === true, tags: {}, content: '', targets: targets.map((t) => t.TargetId!).filter(Boolean) };
          }),
        )),
      );
    }
    return normalizeState({ format: ORG_STATE_FORMAT, source: 'moto (auditor, slots only)', readAt: new Date().toISOString(), organization, ...(enabled.length ? { enabledPolicyTypes: [...enabled] } : {}), root, policies });
  }

  /** The organization and its tree of OUs and accounts under the root, every page, parents read side by side. */
  private async readTree(rootId: string, rootName: string): Promise<{ organization: OrgState['organization']; root: OrgStateOu }> {
    const send = <T>(command: unknown): Promise<T> => this.moto.send(command as never) as Promise<T>;
    const described = await send<{ Organization?: { Id?: string; MasterAccountId?: string } }>(new DescribeOrganizationCommand({}));
    const root: OrgStateOu = { id: rootId, name: rootName, ous: [], accounts: [] };
    let level = [root];
    while (level.length) {
      const next = await Promise.all(
        level.map(async (parent) => {
          const [ous, accounts] = await Promise.all([
            pages<{ Id?: string; Name?: string }>(async (NextToken) => {
              const o = await send<{ OrganizationalUnits?: { Id?: string; Name?: string }[]; NextToken?: string }>(new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, NextToken, MaxResults: 20 }));
              return { NextToken: o.NextToken, items: o.OrganizationalUnits };
            }),
            pages<{ Id?: string; Name?: string }>(async (NextToken) => {
              const o = await send<{ Accounts?: { Id?: string; Name?: string }[]; NextToken?: string }>(new ListAccountsForParentCommand({ ParentId: parent.id, NextToken, MaxResults: 20 }));
              return { NextToken: o.NextToken, items: o.Accounts };
            }),
          ]);
          parent.ous = ous.map((o) => ({ id: o.Id!, name: o.Name ?? o.Id!, ous: [], accounts: [] }));
          parent.accounts = accounts.map((a) => ({ id: a.Id!, name: a.Name ?? a.Id! }));
          return parent.ous;
        }),
      );
      level = next.flat();
    }
    return { organization: { id: described.Organization?.Id ?? '', managementAccount: described.Organization?.MasterAccountId ?? '' }, root };
  }

  private waveViolations(state: OrgState): string[] {
    if (!this.wave) return [];
    const out: string[] = [];
    const now = effectiveOwnedContents(state);
    for (const [account, before] of this.wave.before) {
      if (this.wave.accounts.has(account)) continue;
      const after = now.get(account) ?? [];
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        const gone = before.filter((c) => !after.includes(c)).length;
        const added = after.filter((c) => !before.includes(c)).length;
        out.push(`account ${account} is outside the wave but the owned policies reaching it changed (${gone} contents gone, ${added} new)`);
      }
    }
    return out;
  }
}

/** Every item of a paged list, page after page. */
async function pages<T>(read: (token: string | undefined) => Promise<{ NextToken?: string; items?: T[] }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await read(token);
    out.push(...(page.items ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

/** Targets without their type's minimum, or holding more than its slots, in the state read. */
export function slotViolations(state: OrgState, quotas: Quotas): string[] {
  const out: string[] = [];
  const enabled = enabledPolicyTypes(state);
  const tree = treeOfState(state);
  const nodes: OrgNode[] = [];
  const walk = (n: OrgNode) => {
    nodes.push(n);
    n.children.forEach(walk);
  };
  walk(tree.root);
  for (const node of nodes) {
    const label = `${node.kind === 'root' ? 'root' : node.kind === 'ou' ? 'OU' : 'account'} ${node.id} (${node.name})`;
    for (const type of ['scp', 'rcp'] as const) {
      if (!enabled.has(type)) continue;
      const held = state.policies.filter((p) => p.type === type && p.targets.includes(node.id!));
      if (type === 'scp' && held.length === 0) out.push(`${label} holds no SCP`);
      if (type === 'rcp' && !held.some((p) => p.awsManaged)) out.push(`${label} lost RCPFullAWSAccess`);
      if (held.length > quotas[type].maxPerTarget) out.push(`${label} holds ${held.length} ${type.toUpperCase()}s, over its ${quotas[type].maxPerTarget} slots`);
    }
  }
  return out;
}

/** What the rollout's waves are judged on: per member account, the owned contents reaching it. */
export function effectiveOwnedContents(state: OrgState): AccountContents {
  const tree = treeOfState(state);
  const out: AccountContents = new Map();
  for (const account of tree.accounts) {
    if (account.id === state.organization.managementAccount) continue;
    const chain = new Set<string>();
    for (let n: OrgNode | undefined = account; n; n = n.parent) chain.add(n.id!);
    const contents = state.policies.filter((p) => isOwned(p) && p.targets.some((t) => chain.has(t))).map((p) => `${p.type} ${canonicalPolicyText(p.content)}`);
    out.set(account.id!, [...new Set(contents)].sort());
  }
  return out;
}
