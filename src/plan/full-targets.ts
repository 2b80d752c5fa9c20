/**
 * Targets full of policies guardrails does not own. Another actor (a team's own SCPs, an AWS service)
 * can take every direct slot of an OU; guardrails never detaches what it does not own, so it cannot
 * make room there. A guardrails policy that must reach such an OU's subtree is attached at each of
 * its direct children instead (child OUs and accounts), and further down where a child is full too:
 * every account under the OU is still governed by it. What that cannot reach are accounts created in
 * or moved to the full OU itself later, which the plan says.
 *
 * Foreign policies never change during a plan (the planner writes only its own), so whether a target
 * is full is a property of the deployed state: planned again once a slot is free, the policy moves
 * back up to the OU and the children's copies go.
 *
 * Only foreign policies make a target full here: when guardrails' own policies overfill it, the plan
 * stays refused (slots), since compile or the intent must change.
 */
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import type { AttachmentModel } from './attachment-model.js';
import type { Leaves } from './leaves.js';

/** A full target and the nodes that stand in for it. */
export interface FullTarget {
  node: OrgNode;
  type: PolicyType;
  /** Foreign policies of the type attached to it directly. */
  foreign: number;
  quota: number;
  /** Where a policy that must reach its subtree is attached instead (its children, or further down). */
  instead: OrgNode[];
  /** Full targets below it, whose children stand in for them in turn. */
  below: FullTarget[];
  /** The lineages (stable names) placed around it so far. */
  movedFor: Set<string>;
}

export class FullTargets {
  private readonly memo = new Map<string, FullTarget | null>();

  /** `deployed`: the model before the first wave (its foreign policies are those of every later state). */
  constructor(
    private readonly deployed: AttachmentModel,
    private readonly quotas: Quotas,
    private readonly leaves: Leaves,
  ) {}

  /**
   * The node as a full target of the type, when it is one and its subtree can be reached another way;
   * undefined when it has a slot guardrails can use, or when some account below it is full too (the
   * attach is then planned at the node, and refused for its slots).
   */
  of(node: OrgNode, type: PolicyType): FullTarget | undefined {
    const key = `${type}:${node.id}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known ?? undefined;
    const found = this.find(node, type);
    this.memo.set(key, found ?? null);
    return found;
  }

  /**
   * Attachment points reaching what `nodes` reach, full targets replaced by what stands in for them.
   * Allow-bearing SCPs mean something else at each level of the tree, so they are never moved.
   */
  around(nodes: readonly OrgNode[], type: PolicyType, hasAllow: boolean, lineage: string): OrgNode[] {
    if (hasAllow) return [...nodes];
    const out = new Map<string, OrgNode>();
    const moved = (f: FullTarget) => {
      f.movedFor.add(lineage);
      f.below.forEach(moved);
    };
    for (const n of nodes) {
      const full = this.of(n, type);
      if (full) moved(full);
      for (const m of full?.instead ?? [n]) out.set(m.id!, m);
    }
    return [...out.values()];
  }

  /** The full targets found so far (by the placements asked for). */
  known(): FullTarget[] {
    return [...this.memo.values()].filter((f): f is FullTarget => f !== null);
  }

  /** What the plan says when policy `name` is attached around `full`. */
  static note(full: FullTarget, name: string): string {
    const where = OrgTree.describe(full.node);
    const type = full.type.toUpperCase();
    const instead = full.instead.length
      ? `attached at ${full.instead.length === 1 ? 'the one OU or account' : `the ${full.instead.length} OUs and accounts`} below it instead (${full.instead.map((n) => OrgTree.describe(n)).join(', ')})`
      : 'nothing is below it, so it is attached nowhere for it';
    return `${name}: ${where} holds ${full.foreign} ${type}s not owned by guardrails (quota ${full.quota}), so guardrails cannot free a slot there: ${instead}; accounts created in or moved to ${where} later will not get ${name} until a slot is free there and the rollout is planned again`;
  }

  private find(node: OrgNode, type: PolicyType): FullTarget | undefined {
    if (node.kind === 'account') return undefined;
    const quota = this.quotas[type].maxPerTarget;
    const foreign = this.foreignAt(node, type);
    if (foreign < quota) return undefined;
    const instead: OrgNode[] = [];
    const below: FullTarget[] = [];
    for (const c of node.children) {
      if (this.leaves.isManagement(c)) continue;
      if (this.foreignAt(c, type) < quota) {
        instead.push(c);
        continue;
      }
      const full = this.of(c, type);
      // An account full of foreign policies cannot be reached at all: the attach at the node stays, refused.
      if (!full) return undefined;
      below.push(full);
      instead.push(...full.instead);
    }
    return { node, type, foreign, quota, instead, below, movedFor: new Set() };
  }

  private foreignAt(node: OrgNode, type: PolicyType): number {
    return this.deployed.attachedAt(node.id!, type).filter((p) => !p.owned).length;
  }
}
