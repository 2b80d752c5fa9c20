/**
 * Checks the rollout's guarantees on the organization as moto holds it, after every write the fault
 * proxy lets through: no root, OU or account without an SCP (nor without RCPFullAWSAccess once RCPs are
 * enabled), none holding more policies of a type than its slots, and, while a wave is set, the owned
 * policy contents reaching every account outside the wave as they were when the wave was set.
 * It reads moto directly (never through the proxy), with the project's own reader.
 */
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { OrgNode } from '../../src/model/org-tree.js';
import { enabledPolicyTypes, isOwned, readOrganization, treeOfState, type OrgState } from '../../src/org/index.js';
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

  constructor(
    private readonly moto: OrganizationsClient,
    private readonly quotas: Quotas,
  ) {}

  /**
   * From now on, accounts outside `accountIds` must keep the owned contents they have now. Reads the
   * organization, so call it between writes (before the wave's first).
   */
  async setWave(accountIds: Iterable<string>): Promise<void> {
    this.wave = { accounts: new Set(accountIds), before: effectiveOwnedContents(await this.read()) };
  }

  clearWave(): void {
    this.wave = undefined;
  }

  /** Forgets the violations, the audit count and the wave, for the next test. */
  clear(): void {
    this.violations.length = 0;
    this.audits = 0;
    this.wave = undefined;
  }

  /** Records a broken guarantee seen outside the organization's state (a call that must never be made). */
  report(violation: string): void {
    this.violations.push(violation);
  }

  /** Audits the organization now; `after` says which write it follows, for the violations' lines. */
  async audit(after: string): Promise<string[]> {
    this.audits++;
    const state = await this.read();
    const found = [...slotViolations(state, this.quotas), ...this.waveViolations(state)].map((v) => `after ${after}: ${v}`);
    this.violations.push(...found);
    return found;
  }

  private async read(): Promise<OrgState> {
    // moto on loopback has no rate limit to respect: the audit after every write is the tests' main wait.
    return (await readOrganization(this.moto, { concurrency: 12, source: 'moto (auditor)' })).state;
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
