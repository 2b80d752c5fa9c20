/**
 * The order of a wave's operations within the slots of each target. Attaches come before detaches, so
 * no account is ever left without a guardrail. When an attach would overfill a target:
 *
 *  1. a detach from the same target that breaks nothing is brought forward;
 *  2. else one of guardrails' policies leaving the target in this wave is pushed down to the target's
 *     children (attached to each child OU and account, then detached from the target), the attach is
 *     made, and the pushed-down copies are removed with the wave's other detaches; only where every
 *     child has a free slot;
 *  3. else the attach is refused, naming the target.
 *
 * Every operation is applied to a copy of the model through the invariant checker; what breaks an
 * invariant is reported with its step.
 */
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import type { OrgOperation, TargetRef } from '../org/index.js';
import type { AttachmentModel, ModelPolicy } from './attachment-model.js';
import type { InvariantChecker, Violation } from './invariants.js';
import type { Leaves } from './leaves.js';

type Attach = Extract<OrgOperation, { op: 'attach' }>;

export interface OrderedWave {
  order: OrgOperation[];
  problems: { step: number; violation: Violation }[];
  notes: string[];
  /** The model once every operation is applied. */
  end: AttachmentModel;
}

export function orderWithinSlots(start: AttachmentModel, ops: readonly OrgOperation[], checker: InvariantChecker, leaves: Leaves): OrderedWave {
  const pending = [...ops];
  const order: OrgOperation[] = [];
  const problems: { step: number; violation: Violation }[] = [];
  const notes: string[] = [];
  const current = start.clone();
  const run = (op: OrgOperation, explain?: string) => {
    const violations = checker.apply(current, op);
    order.push(op);
    for (const v of violations) problems.push({ step: order.length, violation: explain && v.code === 'slots' ? { ...v, message: `${v.message}; ${explain}` } : v });
  };
  const take = (match: (o: OrgOperation) => boolean): OrgOperation | undefined => {
    const i = pending.findIndex(match);
    return i >= 0 ? pending.splice(i, 1)[0] : undefined;
  };

  /** Brings forward a detach from the attach's target that breaks nothing, if there is one. */
  const detachFirst = (attach: Attach): boolean => {
    const detach = take((p) => p.op === 'detach' && p.type === attach.type && p.target.id === attach.target.id && checker.wouldBreak(current, p).length === 0);
    if (detach) run(detach);
    return detach !== undefined;
  };

  /** Pushes one of the policies leaving the target down to its children; says why not when none can go. */
  const pushDown = (attach: Attach): string | undefined => {
    const node = current.tree.node(attach.target.id);
    const children = node ? node.children.filter((c) => !leaves.isManagement(c)) : [];
    const leaving = current.attachedAt(attach.target.id, attach.type).filter((p) => p.owned && pending.some((o) => isDetach(o, p, attach.target.id)));
    if (!leaving.length) return 'no policy of guardrails leaves it in this wave to make room';
    if (!children.length) return `none of the policies leaving it (${names(leaving)}) can be detached first without a gap, and nothing is below it to push one down to`;
    const quota = checker.quotas[attach.type].maxPerTarget;
    const blocked: string[] = [];
    for (const p of leaving) {
      const full = children.filter((c) => !p.targets.has(c.id!) && current.attachedAt(c.id!, p.type).length >= quota);
      if (full.length) {
        blocked.push(`${p.name}: ${full.map((c) => OrgTree.describe(c)).join(', ')} ${full.length === 1 ? 'has' : 'have'} no free slot`);
        continue;
      }
      const cleanups: OrgOperation[] = [];
      for (const c of children) {
        if (p.targets.has(c.id!)) continue;
        // Where the wave attaches the policy to the child anyway, that attach comes now and stays.
        const planned = take((o) => o.op === 'attach' && o.policy === p.name && o.type === p.type && o.target.id === c.id);
        run(planned ?? { op: 'attach', policy: p.name, type: p.type, target: ref(c) });
        if (!planned) cleanups.push({ op: 'detach', policy: p.name, type: p.type, target: ref(c) });
      }
      run(take((o) => isDetach(o, p, attach.target.id))!);
      const at = pending.findIndex((o) => o.op === 'detach' || o.op === 'delete' || (o.op === 'update' && o.rename !== undefined));
      pending.splice(at < 0 ? pending.length : at, 0, ...cleanups);
      notes.push(`${p.name} is pushed down from ${attach.target.label} to the OUs and accounts below it to free a slot for ${attach.policy}; accounts created in or moved to ${attach.target.label} until it is removed from them later in the wave do not get it`);
      return undefined;
    }
    return `none of the policies leaving it can be detached first without a gap, nor pushed down to the OUs and accounts below it (${blocked.join('; ')})`;
  };

  while (pending.length) {
    const op = pending.shift()!;
    let explain: string | undefined;
    if (op.op === 'attach' && current.attachedAt(op.target.id, op.type).length >= checker.quotas[op.type].maxPerTarget && !detachFirst(op)) explain = pushDown(op);
    run(op, explain);
  }
  return { order, problems, notes, end: current };
}

function isDetach(o: OrgOperation, p: ModelPolicy, targetId: string): boolean {
  return o.op === 'detach' && o.policy === p.name && o.type === p.type && o.target.id === targetId;
}

function ref(node: OrgNode): TargetRef {
  return { id: node.id!, label: OrgTree.describe(node) };
}

function names(policies: readonly ModelPolicy[]): string {
  return policies.map((p) => p.name).join(', ');
}
