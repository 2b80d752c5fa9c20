/**
 * The organization as the evaluation engine sees it: for every account, the SCP chain of its
 * principals (root -> OUs -> account) and the RCP chain of its resources, with the compiled policies
 * attached at each level plus the AWS-managed FullAWSAccess / RCPFullAWSAccess and declared foreign
 * policies (whose content is unknown: they deny nothing here).
 */
import { foreignPoliciesAt, type CompileResult } from '../compile/index.js';
import { compilePolicy, type CompiledPolicy, type Decision, type OrgChain, type RequestSpec } from '../evaluate/index.js';
import type { Intent } from '../intent/index.js';
import type { OrgNode, OrgTree } from '../model/org-tree.js';
import type { PolicyType } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { AccountScope } from './account-scope.js';

/** What a compiled statement carries into decisions: the controls it implements. */
export interface StatementTag {
  controls: string[];
}

export class World {
  /** Compiled on first use: a simulation reaches the policies of a few representative accounts. */
  private readonly compiled = new Map<string, CompiledPolicy>();
  private readonly virtualAccounts = new Map<string, OrgNode>();
  private readonly chains: Record<PolicyType, Map<string, OrgChain | undefined>> = { scp: new Map(), rcp: new Map() };
  private readonly fullAccess: Record<PolicyType, CompiledPolicy>;
  private readonly scopes = new Map<string, AccountScope>();
  /** The local engine's decisions by request (evaluateScenario): chains do not change, nor do requests. */
  readonly decisions = new WeakMap<RequestSpec, Decision>();
  /** Our policies by the node they are attached to, in the order of the compile result. */
  private attached: Record<PolicyType, Map<OrgNode, CompileResult['policies']>> | undefined;
  private readonly atNode: Record<PolicyType, Map<OrgNode, CompiledPolicy[]>> = { scp: new Map(), rcp: new Map() };

  constructor(
    readonly intent: Intent,
    readonly tree: OrgTree,
    readonly result: CompileResult,
    readonly reference: ReferenceIndex,
  ) {
    this.fullAccess = {
      scp: compilePolicy('FullAWSAccess', [{ effect: 'Allow', action: ['*'], resource: ['*'] }], reference),
      rcp: compilePolicy('RCPFullAWSAccess', [{ effect: 'Allow', principal: '*', action: ['*'], resource: ['*'] }], reference),
    };
  }

  private compiledPolicy(p: CompileResult['policies'][number]): CompiledPolicy {
    let compiled = this.compiled.get(p.name);
    if (!compiled) {
      const tags = p.statements.map((s) => ({ controls: [...new Set(s.origins.map((o) => o.draft.control.id))] }) satisfies StatementTag);
      compiled = compilePolicy(p.name, p.statements.map((s) => s.statement), this.reference, (i) => tags[i], { controls: p.controls });
      this.compiled.set(p.name, compiled);
    }
    return compiled;
  }

  get orgId(): string {
    return this.intent.organization.id;
  }

  get managementAccount(): string {
    return this.intent.organization.managementAccount;
  }

  /** An account of the tree, or a stand-in created for an OU that lists no account. */
  nodeOfAccount(account: string): OrgNode | undefined {
    return this.tree.account(account) ?? this.virtualAccounts.get(account);
  }

  /** A stand-in account id for simulations in an OU without accounts. */
  virtualAccountIn(ou: OrgNode): string {
    for (const [id, node] of this.virtualAccounts) if (node.parent === ou) return id;
    const id = String(900000000000 + this.virtualAccounts.size + 1);
    const node: OrgNode = { kind: 'account', name: `an account in ${ou.path}`, id, path: `${ou.path}/${id}`, parent: ou, children: [], depth: ou.depth + 1 };
    this.virtualAccounts.set(id, node);
    return id;
  }

  /** The nodes target references (a control's exclude, say) name; those that name none are left out. */
  nodesOf(refs: readonly string[] | undefined): OrgNode[] {
    return (refs ?? []).flatMap((r) => {
      const x = this.tree.resolve(r);
      return x.ok ? [x.node] : [];
    });
  }

  /** The accounts a set of attachment points reaches, real ones first, the management account left out. */
  accountsUnder(nodes: readonly OrgNode[], exclude: readonly OrgNode[] = []): string[] {
    return this.scopeOf(nodes, exclude).accounts;
  }

  /**
   * The accounts a set of attachment points reaches (accountsUnder), to ask for the first or whether
   * one is in it without listing them all. Built once per set of nodes and kept.
   */
  scopeOf(nodes: readonly OrgNode[], exclude: readonly OrgNode[] = []): AccountScope {
    const key = this.scopeKey(nodes, exclude);
    let scope = key === undefined ? undefined : this.scopes.get(key);
    if (!scope) {
      scope = new AccountScope(this.tree, nodes, exclude, this.managementAccount, (ou) => this.virtualAccountIn(ou));
      if (key !== undefined) this.scopes.set(key, scope);
    }
    return scope;
  }

  /** The nodes by their place in the tree's pre-order; undefined (not kept) when one is not of the tree. */
  private scopeKey(nodes: readonly OrgNode[], exclude: readonly OrgNode[]): string | undefined {
    const at = (n: OrgNode) => this.tree.subtreeRange(n)?.start;
    const a = nodes.map(at);
    const x = exclude.map(at);
    if (a.includes(undefined) || x.includes(undefined)) return undefined;
    return `${a.join(',')}|${x.join(',')}`;
  }

  orgPathsOf(account: string): string[] | undefined {
    const node = this.nodeOfAccount(account);
    if (!node) return undefined;
    const ids: string[] = [];
    for (let n: OrgNode | undefined = node.parent; n; n = n.parent) {
      const id = n.kind === 'root' ? (n.id ?? this.intent.organization.rootId) : n.id;
      if (!id) return undefined;
      ids.unshift(id);
    }
    return [`${this.orgId}/${ids.join('/')}/`];
  }

  /**
   * The chain of an account (root -> OUs -> account), built once per account and type and shared by
   * every caller: do not change it (mutableChain gives a copy to change).
   */
  chain(account: string | undefined, type: PolicyType): OrgChain | undefined {
    if (!account) return undefined;
    const chains = this.chains[type];
    let chain = chains.get(account);
    if (chain === undefined && !chains.has(account)) {
      chain = this.buildChain(account, type);
      chains.set(account, chain);
    }
    return chain;
  }

  /** A copy of the chain whose level lists the caller may change (tests add policies to a level). */
  mutableChain(account: string | undefined, type: PolicyType): OrgChain | undefined {
    const chain = this.chain(account, type);
    return chain ? { levels: chain.levels.map((l) => ({ label: l.label, policies: [...l.policies] })) } : undefined;
  }

  private buildChain(account: string, type: PolicyType): OrgChain | undefined {
    const node = this.nodeOfAccount(account);
    if (!node) return undefined;
    const path: OrgNode[] = [];
    for (let n: OrgNode | undefined = node; n; n = n.parent) path.unshift(n);
    return {
      levels: path.map((level) => ({
        label: level.kind === 'account' ? `account ${level.id}` : level.path,
        policies: this.policiesAt(level, type),
      })),
    };
  }

  private policiesAt(node: OrgNode, type: PolicyType): CompiledPolicy[] {
    let policies = this.atNode[type].get(node);
    if (!policies) {
      const ours = (this.attachedPolicies()[type].get(node) ?? []).map((p) => this.compiledPolicy(p));
      const foreign = foreignPoliciesAt(this.intent, this.tree, node, type).map((name) =>
        name === 'FullAWSAccess' || name === 'RCPFullAWSAccess' ? this.fullAccess[type] : { name: `${name} (content not known)`, statements: [] },
      );
      policies = [...ours, ...foreign];
      this.atNode[type].set(node, policies);
    }
    // Chains of accounts under one OU share its level: each gets its own list.
    return [...policies];
  }

  private attachedPolicies(): Record<PolicyType, Map<OrgNode, CompileResult['policies']>> {
    if (this.attached) return this.attached;
    const attached: Record<PolicyType, Map<OrgNode, CompileResult['policies']>> = { scp: new Map(), rcp: new Map() };
    for (const p of this.result.policies) {
      const byNode = attached[p.type];
      for (const t of new Set(p.targets)) {
        const list = byNode.get(t);
        if (list) list.push(p);
        else byNode.set(t, [p]);
      }
    }
    return (this.attached = attached);
  }
}
