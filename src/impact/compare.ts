/**
 * A shape's actions decided before and after the change, and what the change does to each: newly
 * denied, newly allowed, may deny (a key CloudTrail does not record decides, or an action the call only
 * sometimes needs is newly denied), or already denied (denied before, and still not allowed).
 */
import type { ActionInfo, ReferenceIndex } from '../reference/index.js';
import type { ShapeRequest } from './context-keys.js';
import type { Decision, ShapeDecider } from './decide.js';
import type { ImpactChange } from './report-types.js';
import type { EventActions, ShapeRow } from './types.js';

export type Outcome = ImpactChange | 'already-denied';

export interface ActionOutcome {
  action: string;
  outcome: Outcome;
  /** The decision that makes it: after's for a denial, before's for what was denied. */
  decision: Decision;
  unknownKeys: string[];
}

/** The outcomes of a shape's actions (none for an action the change does not touch); undefined when an action is not in the reference. */
export function compareShape(decider: ShapeDecider, reference: ReferenceIndex, row: ShapeRow, shape: ShapeRequest, actions: EventActions): ActionOutcome[] | undefined {
  const out: ActionOutcome[] = [];
  for (const name of actions.required) {
    const action = reference.action(name);
    if (!action) return undefined;
    const o = outcomeOf(decider, row, shape, action);
    if (o) out.push(o);
  }
  // A call whose own action is denied (now or already) is decided: what else it might need adds nothing.
  if (out.some((o) => o.outcome === 'newly-denied' || o.outcome === 'already-denied')) return out;
  for (const c of actions.conditional) {
    const action = reference.action(c.action);
    if (!action) continue;
    const o = outcomeOf(decider, row, shape, action);
    // Denying an action the call may not need: the call may be denied, never surely. Only a sure denial
    // of that action counts: one that also hangs on a key CloudTrail lacks (ECR's BatchGetImage may
    // create a repository, whose aws:TagKeys no record of the pull holds) would flag every such call.
    if (o?.outcome === 'newly-denied') out.push({ ...o, outcome: 'may-deny', unknownKeys: [...o.unknownKeys, `only if the call needs ${action.qualified}`] });
  }
  return out;
}

function outcomeOf(decider: ShapeDecider, row: ShapeRow, shape: ShapeRequest, action: ActionInfo): ActionOutcome | undefined {
  const before = decider.decide(row, shape, action, 'before');
  const after = decider.decide(row, shape, action, 'after');
  const of = (outcome: Outcome, decision: Decision): ActionOutcome => ({ action: action.qualified, outcome, decision, unknownKeys: decision.unknownKeys });
  switch (before.decision) {
    case 'allow':
      return after.decision === 'deny' ? of('newly-denied', after) : after.decision === 'may-deny' ? of('may-deny', after) : undefined;
    case 'deny':
      return after.decision === 'allow' ? of('newly-allowed', before) : of('already-denied', before);
    case 'may-deny': {
      if (after.decision === 'deny') return of('newly-denied', after);
      if (after.decision === 'allow') return of('newly-allowed', before);
      // Both depend on what the record lacks: a change only when a statement after may deny that none before did.
      const was = new Set(before.statements.map(statementKey));
      const added = after.statements.filter((s) => !was.has(statementKey(s)));
      return added.length ? { ...of('may-deny', after), decision: { ...after, statements: added } } : undefined;
    }
  }
}

function statementKey(s: Decision['statements'][number]): string {
  return `${s.type}|${s.policy}|${s.sid ?? ''}|${s.implicit ? 'implicit' : ''}`;
}
