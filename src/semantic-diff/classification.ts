/**
 * What a chain does to every action of the universe for one persona (partial evaluation, then the
 * chain rule: evaluate/partial.ts), and how two such classifications differ, as the changes a reviewer
 * reads: actions that become denied, denied under conditions, allowed, or denied under other conditions.
 */
import { classifyActions, partialStatement, signatureOf, type ActionClassification, type PartialLevel, type PartialRequest, type PartialStatement } from '../evaluate/index.js';
import type { PolicyType } from '../policy/index.js';
import { PackedActionSet, scratchSets, type ActionSet, type ReferenceIndex } from '../reference/index.js';
import { AccountClauses } from './account-clauses.js';
import type { Chain } from './chains.js';
import { compareDenials, type DenialComparison, type Denial } from './denial-comparison.js';
import type { PreparedPolicy } from './prepared-policies.js';
import type { ControlDirection, Direction, SemanticChange, SemanticChangeKind, ServiceCount } from './types.js';

const MAX_LISTED = 100;

/** The actions of each change the classifier made: attribution reads them, the report does not. */
const actionsOfChange = new WeakMap<SemanticChange, ActionSet>();
export function actionsOf(change: SemanticChange): ActionSet | undefined {
  return actionsOfChange.get(change);
}

/** What may deny a change's actions, whole, on each side: ALWAYS for an unconditional denial. */
const sidesOfChange = new WeakMap<SemanticChange, { before: string[]; after: string[] }>();
export const ALWAYS = '';

/** A copy of a change with more said about it, with the same actions. */
export function withActionsOf(change: SemanticChange, copy: SemanticChange): SemanticChange {
  const set = actionsOfChange.get(change);
  if (set) actionsOfChange.set(copy, set);
  const sides = sidesOfChange.get(change);
  if (sides) sidesOfChange.set(copy, sides);
  return copy;
}

/**
 * What each signature a classification names stands for (its open clauses and resources), so that two
 * sets of them can be compared by meaning (denial-comparison.ts), and the comparisons, once each.
 */
class Denials {
  private readonly bySignature = new Map<string, Denial>();
  private readonly compared = new Map<string, DenialComparison>();

  record(statements: readonly PartialStatement[]): void {
    for (const s of statements) {
      const signature = signatureOf(s);
      const denial: Denial = { residual: s.residual, ...(s.resourceElement ? { resourceElement: s.resourceElement } : {}), ...(s.error ? { error: s.error } : {}) };
      if (s.effect === 'Deny') this.bySignature.set(signature, denial);
      else this.bySignature.set(`unless ${signature}`, { ...denial, negated: true });
    }
  }

  /** Signatures of what may deny, ALWAYS for what denies every request. */
  compare(before: readonly string[], after: readonly string[]): DenialComparison {
    const key = JSON.stringify([before, after]);
    let found = this.compared.get(key);
    if (!found) {
      const of = (signatures: readonly string[]) => signatures.map((x): Denial => (x === ALWAYS ? { residual: {} } : (this.bySignature.get(x) ?? { residual: {}, error: 'unknown condition' })));
      this.compared.set(key, (found = compareDenials(of(before), of(after))));
    }
    return found;
  }
}

export class Classifier {
  private readonly classified = new Map<string, ActionClassification>();
  private readonly compared = new Map<ActionClassification, Map<ActionClassification, SemanticChange[]>>();
  private readonly partials = new Map<AccountClauses, Map<string, { statements: PartialStatement[]; key: string }>>();
  private readonly denials = new Denials();

  constructor(
    private readonly reference: ReferenceIndex,
    private readonly universes: Record<PolicyType, ActionSet>,
  ) {}

  /** What a policy type the organization has not enabled decides: nothing. */
  notEnabled(type: PolicyType): ActionClassification {
    const key = `${type}\nnot enabled`;
    let c = this.classified.get(key);
    if (!c) this.classified.set(key, (c = classifyActions([], this.universes[type])));
    return c;
  }

  /**
   * How `chain` treats every action for `request` (one persona asking about one account). A policy's
   * partial statements depend on the request only through its clauses that vary by account, so they
   * are computed once per policy and outcome of those clauses.
   */
  classify(chain: Chain, request: PartialRequest, clauses: AccountClauses): ActionClassification {
    let partials = this.partials.get(clauses);
    if (!partials) this.partials.set(clauses, (partials = new Map()));
    const levels: PartialLevel[] = [];
    const keyParts: string[] = [];
    for (const level of chain.levels) {
      const statements: PartialStatement[] = [];
      const keys: string[] = [];
      for (const policy of level) {
        const varying = clauses.inPolicy(policy);
        const id = varying.length ? `${policy.id}|${AccountClauses.outcomes(varying, request)}` : `${policy.id}`;
        let partial = partials.get(id);
        if (!partial) {
          partials.set(id, (partial = partialPolicy(policy, request)));
          this.denials.record(partial.statements);
        }
        statements.push(...partial.statements);
        if (partial.key) keys.push(partial.key);
      }
      levels.push({ label: '', statements });
      keyParts.push(keys.join(','));
    }
    const key = `${chain.type}\n${keyParts.join('\n')}`;
    let c = this.classified.get(key);
    if (!c) this.classified.set(key, (c = classifyActions(levels, this.universes[chain.type])));
    return c;
  }

  /**
   * How each control among a change's sources changes what is denied on its own: the denials before,
   * against those before with only that control's removed and added statements swapped.
   */
  controlDirections(change: SemanticChange): ControlDirection[] {
    const sides = sidesOfChange.get(change);
    if (!sides || !change.sources?.length) return [];
    const controls = [...new Set(change.sources.flatMap((s) => s.origins.map((o) => o.control)))].sort();
    return controls.map((control) => {
      const mine = change.sources!.filter((s) => s.origins.some((o) => o.control === control));
      const removed = new Set(mine.filter((s) => s.side === 'removed').map((s) => s.signature ?? ALWAYS));
      const added = mine.filter((s) => s.side === 'added').map((s) => s.signature ?? ALWAYS);
      const after = [...new Set([...sides.before.filter((x) => !removed.has(x)), ...added])];
      const judged = this.denials.compare(sides.before, after);
      return { control, direction: judged.direction, ...(judged.allowedExample ? { allowedExample: judged.allowedExample } : {}) };
    });
  }

  /** The changes from `old` to `now`, computed once per pair. */
  changes(old: ActionClassification, now: ActionClassification, type: PolicyType): SemanticChange[] {
    let row = this.compared.get(old);
    if (!row) this.compared.set(old, (row = new Map()));
    let changes = row.get(now);
    if (!changes) row.set(now, (changes = compare(old, now, this.universes[type], this.reference, this.denials)));
    return changes;
  }
}

/**
 * A policy's statements for one request, and what classification reads of them as text: two chains
 * whose statements evaluate alike classify alike.
 */
function partialPolicy(policy: PreparedPolicy, request: PartialRequest): { statements: PartialStatement[]; key: string } {
  const statements = policy.statements.flatMap((s) => partialStatement(s, request));
  if (policy.unreadable) statements.push(policy.unreadable);
  const key = statements.map((s) => `${s.effect}${s.condition}${s.resources}|${JSON.stringify(s.residual)}|${JSON.stringify(s.resourceElement ?? null)}|${s.error ?? ''}#${actionKey(s.actions)}`).join(',');
  return { statements, key };
}

/** Owns the sets compare works in (scratchSets): add copies what it keeps. */
const COMPARE_SCRATCH = {};

/** A block of a classification, or the actions in none of them (`rest`). */
interface Part {
  actions: PackedActionSet | ActionSet;
  signatures: string[];
}

/** Fills `out` with the actions of both parts; false when they share none. */
function intersectParts(a: Part, b: Part, out: ActionSet): boolean {
  // Most pairs of blocks share nothing: that is found on the packed block's few words, without
  // clearing `out` (every word of the universe).
  if (a.actions instanceof PackedActionSet) return a.actions.intersects(b.actions) && a.actions.intersectionInto(b.actions, out);
  if (b.actions instanceof PackedActionSet) return b.actions.intersects(a.actions) && b.actions.intersectionInto(a.actions, out);
  if (!a.actions.intersects(b.actions)) return false;
  out.copyFrom(a.actions).retainAll(b.actions);
  return true;
}

function compare(old: ActionClassification, now: ActionClassification, universe: ActionSet, reference: ReferenceIndex, denials: Denials): SemanticChange[] {
  const [wasAllowed, isAllowed, oldRest, newRest, both, was, set] = scratchSets(COMPARE_SCRATCH, universe, 7) as [ActionSet, ActionSet, ActionSet, ActionSet, ActionSet, ActionSet, ActionSet];
  const parts = (c: ActionClassification, rest: ActionSet): Part[] => {
    rest.copyFrom(universe);
    for (const b of c.blocks) b.actions.removeFrom(rest);
    return [...c.blocks, { actions: rest, signatures: [] }];
  };
  const found = new Map<string, SemanticChange & { set: ActionSet }>();
  /** `judged`: how the denials compare, for the kinds whose direction depends on the conditions. */
  const sides = new Map<string, { before: string[]; after: string[] }>();
  let current = { before: [] as string[], after: [] as string[] };
  const add = (kind: SemanticChangeKind, set: ActionSet, before?: string[], after?: string[], judged?: DenialComparison) => {
    if (set.isEmpty()) return;
    const direction: Direction = judged?.direction ?? (kind === 'newly-denied' || kind === 'newly-conditional' ? 'stricter' : 'looser');
    const key = `${kind}|${JSON.stringify(before ?? null)}|${JSON.stringify(after ?? null)}|${direction}`;
    const existing = found.get(key);
    if (!sides.has(key)) sides.set(key, current);
    if (existing) existing.set.addAll(set);
    else found.set(key, { kind, count: 0, services: [], ...(before ? { before } : {}), ...(after ? { after } : {}), direction, ...(judged?.allowedExample ? { allowedExample: judged.allowedExample } : {}), set: set.clone() });
  };
  wasAllowed.copyFrom(universe).removeAll(old.denied);
  isAllowed.copyFrom(universe).removeAll(now.denied);
  const newParts = parts(now, newRest);
  for (const bo of parts(old, oldRest)) {
    for (const bn of newParts) {
      if (!intersectParts(bo, bn, both)) continue;
      for (const wasDenied of [true, false]) {
        was.copyFrom(both).retainAll(wasDenied ? old.denied : wasAllowed);
        if (was.isEmpty()) continue;
        for (const isDenied of [true, false]) {
          set.copyFrom(was).retainAll(isDenied ? now.denied : isAllowed);
          if (set.isEmpty()) continue;
          current = { before: wasDenied ? [ALWAYS] : bo.signatures, after: isDenied ? [ALWAYS] : bn.signatures };
          if (!wasDenied && isDenied) add('newly-denied', set);
          else if (wasDenied && !isDenied) {
            if (bn.signatures.length) add('now-conditional', set, undefined, bn.signatures, { ...denials.compare([ALWAYS], bn.signatures), direction: 'looser' });
            else add('newly-allowed', set, undefined, undefined, { direction: 'looser', allowedExample: 'any request', decided: true });
          } else if (!wasDenied && !isDenied) {
            const removed = bo.signatures.filter((x) => !bn.signatures.includes(x));
            const added = bn.signatures.filter((x) => !bo.signatures.includes(x));
            if (!removed.length && !added.length) continue;
            if (!bo.signatures.length) add('newly-conditional', set, undefined, added);
            else if (!bn.signatures.length) add('newly-allowed', set, removed, undefined, { ...denials.compare(bo.signatures, []), direction: 'looser' });
            else add('conditions-changed', set, removed, added, denials.compare(bo.signatures, bn.signatures));
          }
        }
      }
    }
  }
  const order: SemanticChangeKind[] = ['newly-denied', 'newly-conditional', 'conditions-changed', 'now-conditional', 'newly-allowed'];
  return [...found.entries()]
    .sort(([, a], [, b]) => order.indexOf(a.kind) - order.indexOf(b.kind) || b.set.size - a.set.size)
    .map(([key, { set, ...change }]) => {
      const out: SemanticChange = { ...change, count: set.size, services: byService(set, reference) };
      actionsOfChange.set(out, set);
      sidesOfChange.set(out, sides.get(key)!);
      return out;
    });
}

/** Each action's service and access level, numbered in the order byService lists them. */
interface ServiceGroups {
  of: Int32Array;
  groups: { service: string; accessLevel: ServiceCount['accessLevel'] }[];
}
const serviceGroups = new WeakMap<ReferenceIndex, ServiceGroups>();

function serviceGroupsOf(reference: ReferenceIndex): ServiceGroups {
  let found = serviceGroups.get(reference);
  if (found) return found;
  const keys = new Map<string, { service: string; accessLevel: ServiceCount['accessLevel'] }>();
  for (const a of reference.actions) {
    const key = `${a.service}|${a.accessLevel}`;
    if (!keys.has(key)) keys.set(key, { service: a.service, accessLevel: a.accessLevel });
  }
  const groups = [...keys.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.accessLevel < b.accessLevel ? -1 : a.accessLevel > b.accessLevel ? 1 : 0));
  const index = new Map(groups.map((g, i) => [`${g.service}|${g.accessLevel}`, i]));
  const of = new Int32Array(reference.actions.length);
  for (const a of reference.actions) of[a.id] = index.get(`${a.service}|${a.accessLevel}`)!;
  serviceGroups.set(reference, (found = { of, groups }));
  return found;
}

/**
 * A set's actions counted by service and access level, each listing its first MAX_LISTED by id. The
 * semantic diff lists every change of every pair of chains it compares, and of every control's share:
 * the groups are numbered once per reference, and the set read word by word.
 */
export function byService(set: ActionSet, reference: ReferenceIndex): ServiceCount[] {
  const { of, groups } = serviceGroupsOf(reference);
  const counted = new Map<number, ServiceCount>();
  const words = set.words;
  for (let w = 0; w < words.length; w++) {
    let x = words[w]!;
    while (x !== 0) {
      const low = x & -x;
      const id = (w << 5) + (31 - Math.clz32(low));
      x ^= low;
      const g = of[id]!;
      let c = counted.get(g);
      if (!c) counted.set(g, (c = { service: groups[g]!.service, accessLevel: groups[g]!.accessLevel, count: 0, actions: [], more: 0 }));
      c.count++;
      if (c.actions.length < MAX_LISTED) c.actions.push(reference.actions[id]!.qualified);
      else c.more++;
    }
  }
  return [...counted.keys()].sort((a, b) => a - b).map((g) => counted.get(g)!);
}

const actionKeys = new WeakMap<ActionSet, string>();
let nextActionKey = 0;
/** Statements share action sets (prepared once per policy text), so identity is a cheap, exact key. */
function actionKey(set: ActionSet): string {
  let k = actionKeys.get(set);
  if (k === undefined) actionKeys.set(set, (k = String(nextActionKey++)));
  return k;
}
