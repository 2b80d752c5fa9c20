/**
 * Policy chains: the policies in force at each level from the root down to an account, of one type, on
 * one side of the change. Accounts whose chains hold the same texts in the same order share one Chain
 * object (a chain is interned from its parent's and its own level), so what the diff computes per
 * chain it computes once however many accounts hold it.
 */
import type { OrgNode } from '../model/org-tree.js';
import type { PolicyType } from '../policy/index.js';
import type { PreparedPolicies, PreparedPolicy } from './prepared-policies.js';
import type { PolicyAttachments } from './types.js';

export interface Chain {
  readonly id: number;
  readonly type: PolicyType;
  /** From the root down: the policies attached at each level, in the order Organizations lists them. */
  readonly levels: readonly (readonly PreparedPolicy[])[];
}

/**
 * One side of the change. `fullAccessEverywhere`: the policy type is not enabled yet, so the side is
 * what enabling it does (the AWS-managed full-access policy on every node) with its policies attached.
 */
export interface ChainSide {
  attachments: PolicyAttachments;
  fullAccessEverywhere: ReadonlySet<PolicyType>;
}

export class Chains {
  private readonly interned = new Map<string, Chain>();
  private readonly memo = new Map<ChainSide, Record<PolicyType, Map<OrgNode, Chain>>>();

  constructor(private readonly policies: PreparedPolicies) {}

  /** The chain of `node` (a root, OU or account) on `side`. */
  of(node: OrgNode, side: ChainSide, type: PolicyType): Chain {
    let bySide = this.memo.get(side);
    if (!bySide) this.memo.set(side, (bySide = { scp: new Map(), rcp: new Map() }));
    const known = bySide[type];
    const found = known.get(node);
    if (found) return found;
    const parent = node.parent ? this.of(node.parent, side, type) : undefined;
    const level = side.attachments.attachedAt(node.id!, type).map((p) => this.policies.of(p, type));
    if (side.fullAccessEverywhere.has(type)) level.unshift(this.policies.fullAccess[type]);
    const key = `${type}|${parent?.id ?? ''}|${level.map((p) => p.id).join(',')}`;
    let chain = this.interned.get(key);
    if (!chain) this.interned.set(key, (chain = { id: this.interned.size, type, levels: [...(parent?.levels ?? []), level] }));
    known.set(node, chain);
    return chain;
  }

  /** How many distinct chains the accounts asked about so far hold. */
  get size(): number {
    return this.interned.size;
  }
}
