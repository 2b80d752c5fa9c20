/**
 * What must hold in every state a rollout passes through, checked after each planned operation:
 *
 *  slots            no target holds more policies of a type than its quota (foreign ones count);
 *  no-scp           no root, OU or account is left without an SCP (AWS refuses to detach the last one);
 *  size             no policy is larger than the quota;
 *  policy-count     the organization holds no more policies of a type than its quota;
 *  names            no policy is created or renamed with a name longer than AWS allows, and no tag
 *                   value is longer than AWS allows;
 *  continuity       an account never lacks a guardrail (policy lineage, and control where policies
 *                   record them) that it has at the start of the wave and must have after it; what it
 *                   must have comes from the required state (required-state.ts), not from the planner;
 *  wave-isolation   accounts outside the wave see no change at all: the same policy contents reach them
 *                   (SCPs with Allow statements at the same levels), whatever moved in the tree;
 *
 * and at the end of each wave:
 *
 *  wave-result      every account the rollout has reached holds exactly the contents compile wants, and
 *                   every other account exactly what it held when the wave began.
 *
 * Continuity, isolation and the wave's result judge what an account may do, not which policies are
 * attached: a version of a policy reaching an account beside a version of the same lineage that denies
 * everything it does adds nothing (required-state.ts leaves it out), so an account holding the old and
 * the new version of an additively staged policy holds exactly the new one.
 *
 * An operation the model cannot apply at all (detaching what is not attached, creating a name that is
 * taken) is reported as `invalid-step`: it is not an invariant, but the plan cannot be run either.
 */
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { describeOperation, nameProblem, type OrgOperation } from '../org/index.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import { PlanStepError, type AttachmentModel } from './attachment-model.js';
import type { Leaf, Leaves } from './leaves.js';
import { POLICY_TYPES, Views, type AccountView, type ContentIds, type Holdings, type RequiredState, type RequiredView } from './required-state.js';

export type InvariantCode = 'slots' | 'no-scp' | 'size' | 'policy-count' | 'names' | 'continuity' | 'wave-isolation' | 'wave-result' | 'invalid-step';

export interface Violation {
  code: InvariantCode;
  message: string;
}

export interface StageContext {
  /** The model before the wave's first operation. */
  start: AttachmentModel;
  required: RequiredState;
  /** Leaves the rollout has reached once this wave is done: earlier waves', this one's, and those already as compile wants. */
  scope: ReadonlySet<Leaf>;
  /** Accounts the wave may change (its own targets' accounts not reached before). */
  changing: ReadonlySet<string>;
  quotas: Quotas;
  leaves: Leaves;
}

export class InvariantChecker {
  private readonly startViews: Views;
  /** Nodes some operation of the wave was attached to or detached from, or updated at: the accounts under none of them end the wave as they began it. */
  private readonly touched = new Set<OrgNode>();

  constructor(private readonly ctx: StageContext) {
    this.startViews = new Views(ctx.start, ctx.required.ids);
  }

  get quotas(): Quotas {
    return this.ctx.quotas;
  }

  /** Applies `op` to `m` and returns what it breaks, looking at the accounts it reaches before and after. */
  apply(m: AttachmentModel, op: OrgOperation): Violation[] {
    return this.applyTo(m, op, true);
  }

  /** What `op` would break if applied to `model` now; the model is left as it is (the operation is applied, then undone). */
  wouldBreak(model: AttachmentModel, op: OrgOperation): Violation[] {
    const undo = model.checkpoint(op);
    try {
      return this.applyTo(model, op, false);
    } finally {
      undo();
    }
  }

  private applyTo(m: AttachmentModel, op: OrgOperation, record: boolean): Violation[] {
    const reached = this.reached(m, op);
    const before = this.affected(m, op);
    try {
      m.apply(op);
    } catch (e) {
      if (!(e instanceof PlanStepError)) throw e;
      return [{ code: 'invalid-step', message: `${describeOperation(op)}: ${e.message}` }];
    }
    // Kept as the nodes reached (a few), not their accounts (at the root, every account of the organization).
    if (record) for (const n of [...reached, ...this.reached(m, op)]) this.touched.add(n);
    const after = this.affected(m, op);
    // Attaches and detaches reach the same accounts before and after (the same list, kept per node).
    const affected = after === before || !after.length ? before : !before.length ? after : [...new Set([...before, ...after])];
    return this.check(m, op, affected);
  }

  /** The accounts an operation can change, found on the model before it is applied. */
  affected(model: AttachmentModel, op: OrgOperation): readonly OrgNode[] {
    const nodes = this.reached(model, op);
    if (nodes.length === 1) return this.ctx.leaves.accountsUnder(nodes[0]!);
    const out = new Set<OrgNode>();
    for (const node of nodes) for (const a of this.ctx.leaves.accountsUnder(node)) out.add(a);
    return [...out];
  }

  /** The nodes whose accounts an operation can change: its target, or where the policy it updates is attached. */
  private reached(model: AttachmentModel, op: OrgOperation): OrgNode[] {
    const tree = model.tree;
    if (op.op === 'attach' || op.op === 'detach') {
      const node = tree.node(op.target.id);
      return node ? [node] : [];
    }
    if (op.op === 'update' || op.op === 'tag') {
      const p = model.find(op.type, op.policy);
      if (!p) return [];
      return [...p.targets].map((t) => tree.node(t)).filter((n): n is OrgNode => n !== undefined);
    }
    return [];
  }

  /** Whether some operation of the wave reached the account (it is under a node one was made at). */
  private wasTouched(account: OrgNode): boolean {
    for (let n: OrgNode | undefined = account; n; n = n.parent) if (this.touched.has(n)) return true;
    return false;
  }

  /**
   * Checks the state `model` reached by applying `op`, looking at the accounts it could change. Accounts
   * that see the same now, saw the same at the start and must see the same (the same view objects: most
   * accounts under an OU hold only FullAWSAccess directly) get one verdict, worked out once.
   */
  check(model: AttachmentModel, op: OrgOperation, affected: readonly OrgNode[]): Violation[] {
    const out: Violation[] = [];
    const what = describeOperation(op);
    const quota = this.ctx.quotas[op.type];
    const badName = nameProblem(op);
    if (badName) out.push({ code: 'names', message: `${what}: ${badName}` });
    if (op.op === 'attach') {
      const n = model.attachedAt(op.target.id, op.type).length;
      if (n > quota.maxPerTarget) out.push({ code: 'slots', message: `${what}: ${op.target.label} would hold ${n} ${op.type.toUpperCase()}s directly, over the quota of ${quota.maxPerTarget} (foreign policies included)` });
    }
    if (op.op === 'detach' && op.type === 'scp' && model.attachedAt(op.target.id, 'scp').length === 0) {
      out.push({ code: 'no-scp', message: `${what}: ${op.target.label} would be left with no SCP attached, which AWS refuses (and which would deny everything below it)` });
    }
    if ((op.op === 'create' || (op.op === 'update' && op.content !== undefined)) && op.content!.length > quota.maxChars) {
      out.push({ code: 'size', message: `${what}: ${op.content!.length.toLocaleString('en-US')} characters, over the quota of ${quota.maxChars.toLocaleString('en-US')}` });
    }
    if (op.op === 'create' && quota.maxPerOrganization !== undefined && model.count(op.type) > quota.maxPerOrganization) {
      out.push({ code: 'policy-count', message: `${what}: the organization would hold ${model.count(op.type)} ${op.type.toUpperCase()}s, over the quota of ${quota.maxPerOrganization.toLocaleString('en-US')}` });
    }
    const views = new Views(model, this.ctx.required.ids);
    const verdicts = new Memo<AccountProblem[]>();
    for (const account of affected) {
      const now = views.of(account);
      const start = this.startViews.of(account);
      const required = this.ctx.required.of(account, this.ctx.scope.has(account.id!));
      const changing = this.ctx.changing.has(account.id!);
      const problems = verdicts.get([now, start, required, changing], () => accountProblems(start, required, now, changing));
      if (!problems.length) continue;
      const label = OrgTree.describe(account);
      for (const p of problems) out.push(describeAccountProblem(p, what, label));
    }
    return out;
  }

  /**
   * The state a wave ends in: every account the rollout has reached holds exactly the contents compile
   * wants (guardrails' policies; foreign ones never change), every other account what it held when the
   * wave began. `everyAccount` checks all accounts; else only those the wave's operations could change
   * or that it reaches (an account neither touched nor newly reached ends the wave as the last one left it,
   * and that wave checked it against the same requirement).
   */
  waveResult(model: AttachmentModel, everyAccount: boolean): Violation[] {
    const out: Violation[] = [];
    const views = new Views(model, this.ctx.required.ids);
    const verdicts = new Memo<ResultProblem[]>();
    for (const account of this.ctx.leaves.accountsUnder(model.tree.root)) {
      if (!everyAccount && !this.ctx.changing.has(account.id!) && !this.wasTouched(account)) continue;
      const inScope = this.ctx.scope.has(account.id!);
      const want = inScope ? this.ctx.required.desired(account) : this.startViews.of(account);
      const now = views.of(account);
      const problems = verdicts.get([want, now, inScope], () => resultProblems(want, now, this.ctx.required.ids));
      if (!problems.length) continue;
      const label = OrgTree.describe(account);
      for (const p of problems) {
        const list = [...(p.missing.length ? [`lacks the content of ${p.missing.join(', ')}`] : []), ...(p.extra.length ? [`holds the content of ${p.extra.join(', ')} too`] : [])];
        out.push({
          code: 'wave-result',
          message: `${label} ${inScope ? 'has been reached by the rollout, but its' : 'is not reached yet, but its'} ${p.type.toUpperCase()}s are not ${inScope ? 'what compile wants' : 'what it held when the wave began'}: it ${list.join(' and ')}`,
        });
      }
    }
    return out;
  }
}

/** What breaks continuity or isolation for one account, by policy type. */
export type AccountProblem = { code: 'continuity'; lost: string[] } | { code: 'wave-isolation'; type: PolicyType };

/**
 * Continuity and isolation for an account that saw `start` when the wave began, must see `required`
 * and sees `now` (`changing`: the wave may change it).
 */
export function accountProblems(start: AccountView, required: RequiredView, now: AccountView, changing: boolean): AccountProblem[] {
  const out: AccountProblem[] = [];
  for (const type of POLICY_TYPES) {
    const lost = lostGuardrails(start[type], required[type], now[type]);
    if (lost.length) out.push({ code: 'continuity', lost });
    if (!changing && now[type].signature !== start[type].signature) out.push({ code: 'wave-isolation', type });
  }
  return out;
}

export function describeAccountProblem(p: AccountProblem, what: string, label: string): Violation {
  return p.code === 'continuity'
    ? { code: 'continuity', message: `${what}: ${label} would have neither the old nor the new version of ${p.lost.join(', ')}` }
    : { code: 'wave-isolation', message: `${what}: ${label} is not in this wave, but the ${p.type.toUpperCase()}s reaching it would change` };
}

interface ResultProblem {
  type: PolicyType;
  /** Sorted names. */
  missing: string[];
  extra: string[];
}

/** The contents an account lacks or holds too, against what it must hold at the end of the wave. */
function resultProblems(want: RequiredView, now: AccountView, ids: ContentIds): ResultProblem[] {
  const out: ResultProblem[] = [];
  for (const type of POLICY_TYPES) {
    // Contents compared by what they deny: an equivalent content written otherwise is the same.
    const holds = (set: ReadonlyMap<number, string>, id: number) => set.has(id) || [...set.keys()].some((other) => ids.equivalent(other, id));
    const missing = [...want[type].owned].filter(([id]) => !holds(now[type].owned, id)).map(([, name]) => name);
    const extra = [...now[type].owned].filter(([id]) => !holds(want[type].owned, id)).map(([, name]) => name);
    if (missing.length || extra.length) out.push({ type, missing: missing.sort(), extra: extra.sort() });
  }
  return out;
}

/** Verdicts kept by the identity of what they were worked out from (views, flags). */
class Memo<T> {
  private readonly root = new Map<unknown, unknown>();

  get(key: readonly unknown[], make: () => T): T {
    let level = this.root;
    for (const k of key.slice(0, -1)) {
      let next = level.get(k) as Map<unknown, unknown> | undefined;
      if (!next) level.set(k, (next = new Map()));
      level = next;
    }
    const last = key[key.length - 1];
    if (level.has(last)) return level.get(last) as T;
    const value = make();
    level.set(last, value);
    return value;
  }
}

/** Guardrails the account holds at the start and must hold after the wave, but does not hold now. */
function lostGuardrails(start: Holdings, required: Holdings, now: Holdings): string[] {
  // A policy that does not record its controls may carry any of them: controls are then known by lineage only.
  const controls = now.untracked ? [] : [...start.controls].filter((c) => required.controls.has(c) && !now.controls.has(c));
  const lineages = [...start.lineages].filter((l) => required.lineages.has(l) && !now.lineages.has(l));
  return [...controls.map((c) => `control ${c}`), ...lineages.map((l) => `policy ${l.slice(l.indexOf(':') + 1)}`)];
}
