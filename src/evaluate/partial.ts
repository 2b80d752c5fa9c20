/**
 * Partial evaluation (as Cedar does it with unknowns): what a policy chain decides for every action of
 * the universe when only part of the request is known. A persona fixes who asks and whose resource it
 * is (aws:PrincipalArn, aws:PrincipalOrgID, aws:ResourceAccount, ...); everything else (the Region,
 * TLS, tags, the resource itself) is unknown. Each statement's condition then evaluates to yes, no, or
 * "depends on" the clauses left over, and each action of the universe to denied, denied under
 * conditions, or allowed. The operators are the engine's own: a clause whose keys are all known is
 * evaluated by compileCondition, exactly as a full request would be.
 *
 * The result is computed with action-set algebra (one bitset per statement), so a whole chain over
 * 22,000 actions costs a few hundred set operations, not 22,000 evaluations.
 */
import type { Condition, Statement } from '../policy/index.js';
import type { ActionSet, ReferenceIndex } from '../reference/index.js';
import { compileCondition } from './conditions/index.js';
import type { RequestContext } from './context.js';
import { EvaluationError } from './errors.js';

export type Tri = 'yes' | 'no' | 'maybe';

export interface PartialRequest {
  context: RequestContext;
  /** Lower-case keys whose value (or absence) is known; a known key missing from `context` is absent. */
  known: ReadonlySet<string>;
}

export interface PartialStatement {
  effect: 'Allow' | 'Deny';
  /** The actions it governs within the reference (NotAction already complemented). */
  actions: ActionSet;
  condition: Tri;
  /** The clauses still undecided (all of them when `condition` is maybe), canonical order. */
  residual: Condition;
  /** Whether it applies to every resource ("*"), or only to some (a Resource list or NotResource). */
  resources: 'all' | 'some';
  /** The Resource or NotResource element when it limits the resources. */
  resourceElement?: { not: boolean; values: string[] };
  /** Why the statement could not be evaluated (then it counts as maybe). */
  error?: string;
}

/** A statement as partial evaluation needs it: action sets are expanded once and shared by all personas. */
export interface PreparedStatement {
  statement: Statement;
  actions: ActionSet;
}

export function prepareStatement(s: Statement, reference: ReferenceIndex, universe: ActionSet): PreparedStatement {
  const patterns = s.action ?? s.notAction ?? [];
  const matched = patterns.includes('*') ? reference.allActions() : reference.expandList(patterns.filter((p) => /^[^:]+:[^:]+$/.test(p))).actions;
  const actions = s.notAction ? universe.minus(matched) : matched.intersect(universe);
  return { statement: s, actions };
}

const VARIABLE_KEYS = /\$\{\s*([^},'\s]+)/g;

export function partialStatement(p: PreparedStatement, request: PartialRequest): PartialStatement {
  const s = p.statement;
  const resources = (s.resource ?? []).includes('*') && !s.notResource ? 'all' : 'some';
  // A Principal other than "*" (resource policies) depends on who asks: treated as unknown.
  const principalKnown = !s.notPrincipal && (s.principal === undefined || s.principal === '*');
  let condition: Tri = principalKnown ? 'yes' : 'maybe';
  let error: string | undefined;
  const residual: Condition = {};
  for (const op of Object.keys(s.condition ?? {}).sort()) {
    for (const key of Object.keys(s.condition![op]!).sort()) {
      const values = s.condition![op]![key]!;
      const referenced = [key, ...values.flatMap((v) => [...v.matchAll(VARIABLE_KEYS)].map((m) => m[1]!))];
      let outcome: Tri;
      if (referenced.every((k) => request.known.has(k.toLowerCase()))) {
        try {
          outcome = compileCondition({ [op]: { [key]: values } })(request.context) ? 'yes' : 'no';
        } catch (e) {
          if (!(e instanceof EvaluationError)) throw e;
          error ??= e.message;
          outcome = 'maybe';
        }
      } else outcome = 'maybe';
      if (outcome === 'no') condition = 'no';
      else if (outcome === 'maybe') {
        if (condition === 'yes') condition = 'maybe';
        (residual[op] ??= {})[key] = values;
      }
    }
  }
  const out: PartialStatement = { effect: s.effect, actions: p.actions, condition, residual: condition === 'no' ? {} : residual, resources };
  if (resources === 'some') out.resourceElement = s.notResource ? { not: true, values: [...s.notResource].sort() } : { not: false, values: [...(s.resource ?? [])].sort() };
  if (error) out.error = error;
  return out;
}

/** How a chain treats the actions of the universe for one persona. */
export interface ActionClassification {
  /** Denied for every request of the persona. */
  denied: ActionSet;
  /** Denied for some requests, depending on what the persona leaves unknown. */
  conditional: ActionSet;
  /** Not denied by any statement, whatever the rest of the request. */
  allowed: ActionSet;
  /**
   * Every action some statement may deny depending on the request (denied ones included), split into
   * blocks that the same statements may deny; each statement is named by its signature (effect,
   * residual condition, resources), comparable across chains. Actions in no block have none.
   */
  blocks: { actions: ActionSet; signatures: string[] }[];
}

export interface PartialLevel {
  label: string;
  /** Statements of every policy attached at this level. */
  statements: PartialStatement[];
}

/**
 * The chain rule (REFERENCE.md section 2): a Deny anywhere denies; every level must allow. Allow
 * statements that depend on unknowns make the level's allow conditional.
 */
export function classifyActions(levels: readonly PartialLevel[], universe: ActionSet): ActionClassification {
  const empty = () => universe.minus(universe);
  const denied = empty();
  const maybe: { actions: ActionSet; signature: string }[] = [];
  for (const level of levels) {
    const allowYes = empty();
    const allowMaybe: { actions: ActionSet; signature: string }[] = [];
    for (const s of level.statements) {
      if (s.condition === 'no') continue;
      const sure = s.condition === 'yes' && s.resources === 'all';
      if (s.effect === 'Deny') {
        if (sure) denied.addAll(s.actions);
        else maybe.push({ actions: s.actions, signature: signatureOf(s) });
      } else if (sure) allowYes.addAll(s.actions);
      else allowMaybe.push({ actions: s.actions, signature: signatureOf(s) });
    }
    const allowedSomehow = allowYes.clone();
    for (const a of allowMaybe) allowedSomehow.addAll(a.actions);
    // Nothing at this level can allow these: an implicit deny.
    denied.addAll(universe.minus(allowedSomehow));
    for (const a of allowMaybe) maybe.push({ actions: a.actions.minus(allowYes), signature: `unless ${a.signature}` });
  }
  const conditional = empty();
  for (const m of maybe) conditional.addAll(m.actions);
  conditional.removeAll(denied);
  const allowed = universe.minus(denied).minus(conditional);
  // Partition refinement: split the actions by which statements may deny them.
  const maybeAll = empty();
  for (const m of maybe) maybeAll.addAll(m.actions);
  let blocks: { actions: ActionSet; signatures: string[] }[] = maybeAll.isEmpty() ? [] : [{ actions: maybeAll, signatures: [] }];
  for (const m of maybe) {
    const next: typeof blocks = [];
    for (const b of blocks) {
      const inside = b.actions.intersect(m.actions);
      if (inside.isEmpty()) {
        next.push(b);
        continue;
      }
      const outside = b.actions.minus(m.actions);
      next.push({ actions: inside, signatures: b.signatures.includes(m.signature) ? b.signatures : [...b.signatures, m.signature] });
      if (!outside.isEmpty()) next.push({ actions: outside, signatures: b.signatures });
    }
    blocks = next;
  }
  for (const b of blocks) b.signatures.sort();
  return { denied, conditional, allowed, blocks };
}

/** What makes a statement's effect depend on the request, as text that two chains can compare. */
export function signatureOf(s: PartialStatement): string {
  const parts: string[] = [];
  for (const op of Object.keys(s.residual)) {
    for (const key of Object.keys(s.residual[op]!)) parts.push(`${op} ${key} ${JSON.stringify(s.residual[op]![key])}`);
  }
  if (s.resourceElement) parts.push(`${s.resourceElement.not ? 'the resource is not' : 'the resource is'} ${JSON.stringify(s.resourceElement.values.length === 1 ? s.resourceElement.values[0] : s.resourceElement.values)}`);
  if (s.error) parts.push(`cannot be evaluated: ${s.error}`);
  return `${s.effect === 'Deny' ? 'Deny' : 'Allow'} when ${parts.join(' and ') || 'always'}`;
}
