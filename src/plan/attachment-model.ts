/**
 * The organization's policies and their direct attachments as a value the planner can change step by
 * step, the way Organizations would: create, update, attach, detach, delete. The planner walks every
 * planned operation through it, and the invariants are checked on each state it passes through.
 */
import type { OrgNode, OrgTree } from '../model/org-tree.js';
import { CONTROLS_TAG, controlsOf, isOwned, parseControlsTag, stableNameOf, STAGING_OF_TAG, type DeployedPolicy, type OrgOperation } from '../org/index.js';
import type { PolicyType } from '../policy/index.js';
import { canonicalPolicyText } from '../policy/index.js';

export interface ModelPolicy {
  /** Stable within one model (a rename keeps it). */
  readonly uid: number;
  name: string;
  readonly type: PolicyType;
  content: string;
  /** Canonical text: what "same content" means. */
  canonical: string;
  readonly owned: boolean;
  /**
   * The stable name of what the policy is a version of (its own name for foreign policies): the
   * staging-of tag, else the name without its staging suffix. A rename keeps it.
   */
  lineage: string;
  controls: string[] | undefined;
  /**
   * An SCP with an Allow statement means something different at each level of the tree (every level
   * must allow), so moving it between levels is a change even for accounts that still inherit it.
   */
  hasAllow: boolean;
  readonly targets: Set<string>;
}

export class PlanStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanStepError';
  }
}

/** The policies attached directly to a node, never changed in place (copies of the model share them), and their uids as a string. */
class Attached {
  private joined: string | undefined;

  constructor(readonly uids: readonly number[]) {}

  get key(): string {
    return (this.joined ??= this.uids.join(','));
  }
}

export class AttachmentModel {
  private readonly policies = new Map<number, ModelPolicy>();
  /** Uids attached to each node, in the order attached. */
  private readonly byNode = new Map<string, Attached>();
  private nextUid = 1;

  private constructor(readonly tree: OrgTree) {}

  static fromDeployed(tree: OrgTree, deployed: readonly DeployedPolicy[]): AttachmentModel {
    const m = new AttachmentModel(tree);
    // Built in place, then frozen: FullAWSAccess alone is attached to every node.
    const at = new Map<string, number[]>();
    for (const p of deployed) {
      const owned = isOwned(p);
      const mp = m.addPolicy({ name: p.name, type: p.type, content: p.content, owned, lineage: owned ? stableNameOf(p) : p.name, controls: controlsOf(p) });
      for (const t of p.targets) {
        if (mp.targets.has(t)) continue;
        mp.targets.add(t);
        const uids = at.get(t);
        if (uids) uids.push(mp.uid);
        else at.set(t, [mp.uid]);
      }
    }
    for (const [node, uids] of at) m.byNode.set(node, new Attached(uids));
    return m;
  }

  clone(): AttachmentModel {
    const m = new AttachmentModel(this.tree);
    m.nextUid = this.nextUid;
    // Foreign policies never change (apply refuses them), so both models share them: FullAWSAccess is
    // attached to every node, and copying its targets was most of a copy's cost.
    for (const p of this.policies.values()) m.policies.set(p.uid, p.owned ? { ...p, targets: new Set(p.targets) } : p);
    for (const [node, attached] of this.byNode) m.byNode.set(node, attached);
    return m;
  }

  /**
   * Saves what `op` can change (the policy it names, the attachments of its target, the set of
   * policies) and returns what puts it back exactly, order included: an operation tried and rejected
   * is applied to the model itself and undone, instead of to a copy of the whole organization.
   */
  checkpoint(op: OrgOperation): () => void {
    const nextUid = this.nextUid;
    const p = this.find(op.type, op.policy);
    const fields = p && { name: p.name, content: p.content, canonical: p.canonical, lineage: p.lineage, controls: p.controls, hasAllow: p.hasAllow, targets: [...p.targets] };
    const targetId = op.op === 'attach' || op.op === 'detach' ? op.target.id : undefined;
    const attached = targetId === undefined ? undefined : this.byNode.get(targetId);
    const policies = op.op === 'create' || op.op === 'delete' ? [...this.policies] : undefined;
    return () => {
      this.nextUid = nextUid;
      if (policies) {
        this.policies.clear();
        for (const [uid, q] of policies) this.policies.set(uid, q);
      }
      if (p && fields) {
        Object.assign(p, { name: fields.name, content: fields.content, canonical: fields.canonical, lineage: fields.lineage, controls: fields.controls, hasAllow: fields.hasAllow });
        p.targets.clear();
        for (const t of fields.targets) p.targets.add(t);
      }
      if (targetId !== undefined) {
        if (attached) this.byNode.set(targetId, attached);
        else this.byNode.delete(targetId);
      }
    };
  }

  all(): ModelPolicy[] {
    return [...this.policies.values()];
  }

  find(type: PolicyType, name: string): ModelPolicy | undefined {
    for (const p of this.policies.values()) if (p.type === type && p.name === name) return p;
    return undefined;
  }

  get(uid: number): ModelPolicy | undefined {
    return this.policies.get(uid);
  }

  /** Policies of a type attached directly to a node. */
  attachedAt(nodeId: string, type: PolicyType): ModelPolicy[] {
    const out: ModelPolicy[] = [];
    for (const uid of this.byNode.get(nodeId)?.uids ?? []) {
      const p = this.policies.get(uid)!;
      if (p.type === type) out.push(p);
    }
    return out;
  }

  /** The policies attached directly to a node (of every type), as a string: nodes with the same one hold the same policies directly. */
  attachmentKey(nodeId: string): string {
    return this.byNode.get(nodeId)?.key ?? '';
  }

  /** Policies that reach an account: attached to it or to any node above it, with the depth of attachment. */
  effective(account: OrgNode, type: PolicyType): { policy: ModelPolicy; depth: number }[] {
    const out: { policy: ModelPolicy; depth: number }[] = [];
    for (let n: OrgNode | undefined = account; n; n = n.parent) {
      for (const p of this.attachedAt(n.id!, type)) out.push({ policy: p, depth: n.depth });
    }
    return out;
  }

  count(type: PolicyType): number {
    let n = 0;
    for (const p of this.policies.values()) if (p.type === type) n++;
    return n;
  }

  apply(o: OrgOperation): void {
    switch (o.op) {
      case 'create': {
        if (this.find(o.type, o.policy)) throw new PlanStepError(`cannot create ${o.policy}: a ${o.type.toUpperCase()} of that name exists`);
        this.addPolicy({ name: o.policy, type: o.type, content: o.content, owned: true, lineage: stableNameOf({ name: o.policy, tags: o.tags }), controls: o.tags[CONTROLS_TAG] === undefined ? undefined : parseControlsTag(o.tags[CONTROLS_TAG]) });
        return;
      }
      case 'update': {
        const p = this.mustFind(o);
        if (o.content !== undefined) {
          p.content = o.content;
          p.canonical = canonicalPolicyText(o.content);
          p.hasAllow = hasAllowStatement(p.canonical);
        }
        if (o.rename) {
          if (this.find(o.type, o.rename)) throw new PlanStepError(`cannot rename ${o.policy} to ${o.rename}: the name is taken`);
          p.name = o.rename;
        }
        return;
      }
      case 'attach': {
        const p = this.mustFind(o);
        if (p.targets.has(o.target.id)) throw new PlanStepError(`${o.policy} is already attached to ${o.target.label}`);
        this.link(p, o.target.id);
        return;
      }
      case 'detach': {
        const p = this.mustFind(o);
        if (!p.targets.has(o.target.id)) throw new PlanStepError(`${o.policy} is not attached to ${o.target.label}`);
        p.targets.delete(o.target.id);
        this.byNode.set(o.target.id, new Attached(this.byNode.get(o.target.id)?.uids.filter((u) => u !== p.uid) ?? []));
        return;
      }
      case 'tag': {
        const p = this.mustFind(o);
        const controls = o.tags[CONTROLS_TAG];
        if (controls !== undefined) p.controls = parseControlsTag(controls);
        if (o.tags[STAGING_OF_TAG]) p.lineage = o.tags[STAGING_OF_TAG];
        return;
      }
      case 'delete': {
        const p = this.mustFind(o);
        if (p.targets.size) throw new PlanStepError(`cannot delete ${o.policy}: it is still attached to ${p.targets.size} target(s)`);
        this.policies.delete(p.uid);
        return;
      }
    }
  }

  private mustFind(o: OrgOperation): ModelPolicy {
    const p = this.find(o.type, o.policy);
    if (!p) throw new PlanStepError(`no ${o.type.toUpperCase()} named ${o.policy}`);
    if (!p.owned) throw new PlanStepError(`${o.policy} is not managed by guardrails and is never changed`);
    return p;
  }

  private addPolicy(spec: { name: string; type: PolicyType; content: string; owned: boolean; lineage: string; controls: string[] | undefined }): ModelPolicy {
    const canonical = canonicalPolicyText(spec.content);
    const p: ModelPolicy = { uid: this.nextUid++, name: spec.name, type: spec.type, content: spec.content, canonical, owned: spec.owned, lineage: spec.lineage, controls: spec.controls, hasAllow: hasAllowStatement(canonical), targets: new Set() };
    this.policies.set(p.uid, p);
    return p;
  }

  private link(p: ModelPolicy, nodeId: string): void {
    p.targets.add(nodeId);
    const uids = this.byNode.get(nodeId)?.uids ?? [];
    if (!uids.includes(p.uid)) this.byNode.set(nodeId, new Attached([...uids, p.uid]));
  }
}

/** A lineage key unique across policy types. */
export function lineageKey(type: PolicyType, stableName: string): string {
  return `${type}:${stableName}`;
}

export function lineageOfPolicy(p: ModelPolicy): string {
  return lineageKey(p.type, p.lineage);
}

/** Whether a policy text has an Allow statement (SCPs with one mean something different at each level). */
export function hasAllowStatement(canonical: string): boolean {
  try {
    const doc = JSON.parse(canonical) as { Statement?: { Effect?: string }[] | { Effect?: string } };
    const list = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
    return list.some((s) => s.Effect === 'Allow');
  } catch {
    return false;
  }
}
