/**
 * The order of a wave's operations within the slots of each target. Attaches come before detaches, so
 * no account is ever left without a guardrail. When an attach would overfill a target, a detach from
 * the same target that breaks nothing is brought forward.
 *
 * Every operation is applied to a copy of the model through the invariant checker; what breaks an
 * invariant is reported with its step.
 */
import type { OrgOperation } from '../org/index.js';
import type { AttachmentModel } from './attachment-model.js';
import type { InvariantChecker, Violation } from './invariants.js';

type Attach = Extract<OrgOperation, { op: 'attach' }>;

export interface OrderedWave {
  order: OrgOperation[];
  problems: { step: number; violation: Violation }[];
  notes: string[];
  /** The model once every operation is applied. */
  end: AttachmentModel;
}

export function orderWithinSlots(start: AttachmentModel, ops: readonly OrgOperation[], checker: InvariantChecker): OrderedWave {
  const pending = [...ops];
  const order: OrgOperation[] = [];
  const problems: { step: number; violation: Violation }[] = [];
  const notes: string[] = [];
  const current = start.clone();
  const run = (op: OrgOperation) => {
    const violations = checker.apply(current, op);
    order.push(op);
    for (const v of violations) problems.push({ step: order.length, violation: v });
  };
  const take = (match: (o: OrgOperation) => boolean): OrgOperation | undefined => {
    const i = pending.findIndex(match);
    return i >= 0 ? pending.splice(i, 1)[0] : undefined;
  };

  /** Brings forward a detach from the attach's target that breaks nothing, if there is one. */
  const detachFirst = (attach: Attach): void => {
    const detach = take((p) => p.op === 'detach' && p.type === attach.type && p.target.id === attach.target.id && checker.apply(current.clone(), p).length === 0);
    if (detach) run(detach);
  };

  while (pending.length) {
    const op = pending.shift()!;
    if (op.op === 'attach' && current.attachedAt(op.target.id, op.type).length >= checker.quotas[op.type].maxPerTarget) detachFirst(op);
    run(op);
  }
  return { order, problems, notes, end: current };
}

