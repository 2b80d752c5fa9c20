/**
 * Policy chains: the policies in force at each level from the root down to an account, of one type, on
 * one side of the change. Accounts whose chains hold the same texts in the same order share one Chain
 * object (a chain is interned from its parent's and its own level), so what the diff computes per
 * chain it computes once however many accounts hold it.
 */
import type { OrgNode } from '../model/org-tree.js';
import type { PolicyType } from '../policy/index.js';
import type { PreparedPolicies, PreparedPolicy } from './prepared-policies.js';
import type { AttachedPolicy, PolicyAttachments } from './types.js';

export interface Chain {
  readonly id: number;
  readonly type: PolicyType;
  /** From the root down: the policies attached at each level, in the order Organizations lists them. */
  readonly levels: readonly (readonly PreparedPolicy[])[];
  /** The chains one level deeper, by the ids of their last level's policies. */
  readonly children: Map<string, Chain>;
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
  private count = 0;
  private readonly roots: Record<PolicyType, Map<string, Chain>> = { scp: new Map(), rcp: new Map() };
  private readonly memo = new Map<ChainSide, Record<PolicyType, Map<OrgNode, Chain>>>();
  /** The chains one level below a chain, by the attachment key of the nodes that hold them. */
  private readonly byAttachment = new Map<ChainSide, Record<PolicyType, Map<Chain | undefined, Map<string, Chain>>>>();

  constructor(private readonly policies: PreparedPolicies) {}

  /**
   * The chain of `node` on `side`. Those of the root and OUs are remembered (every account under them
   * asks); an account's is not: the caller asks once per account and type.
   */
  of(node: OrgNode, side: ChainSide, type: PolicyType): Chain {
    if (node.kind === 'account') return this.extend(node.parent ? this.of(node.parent, side, type) : undefined, node, side, type);
    let bySide = this.memo.get(side);
    if (!bySide) this.memo.set(side, (bySide = { scp: new Map(), rcp: new Map() }));
    const known = bySide[type];
    let found = known.get(node);
    if (!found) known.set(node, (found = this.extend(node.parent ? this.of(node.parent, side, type) : undefined, node, side, type)));
    return found;
  }

  private extend(parent: Chain | undefined, node: OrgNode, side: ChainSide, type: PolicyType): Chain {
    // Most accounts hold what their siblings hold directly: their chain is the one found for the first.
    const same = side.attachments.attachmentKey?.(node.id!);
    let bySame: Map<string, Chain> | undefined;
    if (same !== undefined) {
      let bySide = this.byAttachment.get(side);
      if (!bySide) this.byAttachment.set(side, (bySide = { scp: new Map(), rcp: new Map() }));
      bySame = bySide[type].get(parent);
      if (!bySame) bySide[type].set(parent, (bySame = new Map()));
      const found = bySame.get(same);
      if (found) return found;
    }
    const chain = this.extendBy(parent, side.attachments.attachedAt(node.id!, type), side, type);
    bySame?.set(same!, chain);
    return chain;
  }

  private extendBy(parent: Chain | undefined, attached: readonly AttachedPolicy[], side: ChainSide, type: PolicyType): Chain {
    const full = side.fullAccessEverywhere.has(type) ? this.policies.fullAccess[type] : undefined;
    let key = full ? `${full.id},` : '';
    for (const p of attached) key += `${this.policies.of(p, type).id},`;
    const siblings = parent ? parent.children : this.roots[type];
    let chain = siblings.get(key);
    if (!chain) {
      const level = [...(full ? [full] : []), ...attached.map((p) => this.policies.of(p, type))];
      siblings.set(key, (chain = { id: this.count++, type, levels: [...(parent?.levels ?? []), level], children: new Map() }));
    }
    return chain;
  }

  /** How many distinct chains the nodes asked about so far hold. */
  get size(): number {
    return this.count;
  }
}
