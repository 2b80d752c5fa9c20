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
 *
 * Some condition keys are in the request only for some actions: the Service Authorization Reference
 * lists, per action, the condition keys it supports (its "Condition keys" column, and the keys of the
 * resource types it acts on; https://docs.aws.amazon.com/service-authorization/latest/reference/reference.html,
 * read here from the service reference files' ActionConditionKeys and Resources). A key an action never
 * carries is absent from its requests, which is known, not unknown: a statement is split by which of
 * its action-scoped keys each action carries, and each part is evaluated with the others absent.
 */
import type { Condition, Statement } from '../policy/index.js';
import { PackedActionSet, scratchSets, type ActionInfo, type ActionSet, type ReferenceIndex } from '../reference/index.js';
import { blocksOf, type MaybeDenied } from './action-blocks.js';
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
  /**
   * `actions` split by which of the statement's action-scoped condition keys they carry; each part
   * names (lower case) the keys absent from every request for its actions. One part when the
   * statement has no such key.
   */
  parts: { actions: ActionSet; absent: ReadonlySet<string> }[];
}

export function prepareStatement(s: Statement, reference: ReferenceIndex, universe: ActionSet): PreparedStatement {
  const patterns = s.action ?? s.notAction ?? [];
  const matched = patterns.includes('*') ? reference.allActions() : reference.expandList(patterns.filter((p) => /^[^:]+:[^:]+$/.test(p))).actions;
  // `matched` is this call's own: narrowed in place.
  const actions = s.notAction ? universe.minus(matched) : matched.retainAll(universe);
  const presence = keyPresence(reference);
  let parts: PreparedStatement['parts'] = [{ actions, absent: new Set() }];
  const keys = new Set<string>();
  for (const op of Object.keys(s.condition ?? {})) for (const key of Object.keys(s.condition![op]!)) keys.add(key.toLowerCase());
  for (const key of [...keys].sort()) {
    const carriers = presence.carriers(key);
    if (!carriers) continue;
    const next: typeof parts = [];
    for (const part of parts) {
      const carrying = part.actions.intersect(carriers);
      const lacking = part.actions.minus(carriers);
      if (!carrying.isEmpty()) next.push({ actions: carrying, absent: part.absent });
      if (!lacking.isEmpty()) next.push({ actions: lacking, absent: new Set([...part.absent, key]) });
    }
    parts = next;
  }
  return { statement: s, actions, parts };
}

/**
 * Keys the reference omits on an action although AWS documents them there. The Amazon Bedrock user
 * guide ("Grant permissions to ... subscribe to ... models": aws-marketplace:ProductId on
 * aws-marketplace:Subscribe) conditions Subscribe on the product id, which the reference lists only on
 * the agreement actions.
 */
const DOCUMENTED_ELSEWHERE: Record<string, readonly string[]> = {
  'aws-marketplace:subscribe': ['aws-marketplace:productid'],
};

/**
 * Which actions carry a condition key, for the keys only some actions carry: aws:TagKeys and
 * aws:RequestTag/... (global keys AWS sets only on requests that pass tags), and service keys (any
 * prefix other than aws). Other global keys (aws:RequestedRegion, aws:SecureTransport, aws:ResourceTag/...)
 * are not listed per action consistently enough to conclude anything from their absence, and stay
 * unknown. A service key its own service attributes to none of its actions nor resource types
 * (ec2:SourceInstanceARN, lambda:SourceFunctionArn: keys of the credentials, present on any request)
 * stays unknown too, as does a key of no service (an identity provider's, a misspelling).
 */
export class KeyPresence {
  private readonly cache = new Map<string, ActionSet | null>();
  private keysOf: string[][] | undefined;

  constructor(private readonly reference: ReferenceIndex) {}

  /** The actions whose requests may carry `key`; undefined when the key is not action-scoped. */
  carriers(key: string): ActionSet | undefined {
    const lower = key.toLowerCase();
    let found = this.cache.get(lower);
    if (found === undefined) {
      found = this.compute(lower);
      this.cache.set(lower, found);
    }
    return found ?? undefined;
  }

  private compute(key: string): ActionSet | null {
    const colon = key.indexOf(':');
    const prefix = colon > 0 ? key.slice(0, colon) : '';
    const service = prefix === 'aws' ? undefined : this.reference.service(prefix);
    if (!service && key !== 'aws:tagkeys' && !key.startsWith('aws:requesttag/')) return null;
    const keysOf = (this.keysOf ??= this.reference.actions.map((a) => this.listedKeys(a)));
    const set = this.reference.emptySet();
    for (let id = 0; id < keysOf.length; id++) if (keysOf[id]!.some((listed) => keyMatches(listed, key))) set.add(id);
    // A service key its own service lists nowhere is one of the credentials' (ec2:SourceInstanceARN is on
    // every request signed with an instance's credentials, though the reference lists it on a few ssm actions).
    if (service && set.intersect(this.reference.serviceActions(service)).isEmpty()) return null;
    return set.isEmpty() ? null : set;
  }

  /** The keys the reference lists for an action and the resource types it acts on, lower case. */
  private listedKeys(a: ActionInfo): string[] {
    const service = this.reference.service(a.service)!;
    const keys = [...a.conditionKeys];
    for (const r of a.resourceTypes) keys.push(...(service.resourceTypes.get(r.toLowerCase())?.conditionKeys ?? []));
    keys.push(...(DOCUMENTED_ELSEWHERE[a.qualified.toLowerCase()] ?? []));
    return [...new Set(keys.map((k) => k.toLowerCase()))];
  }
}

/** A listed key matches itself, and a templated one (aws:RequestTag/${TagKey}, s3:ExistingObjectTag/<key>) any key it names. */
function keyMatches(listed: string, key: string): boolean {
  if (listed === key) return true;
  const at = listed.search(/\$\{|</);
  return at > 0 && key.length > at && key.startsWith(listed.slice(0, at));
}

const presences = new WeakMap<ReferenceIndex, KeyPresence>();
export function keyPresence(reference: ReferenceIndex): KeyPresence {
  let p = presences.get(reference);
  if (!p) presences.set(reference, (p = new KeyPresence(reference)));
  return p;
}

const VARIABLE_KEYS = /\$\{\s*([^},'\s]+)/g;

/** The keys a condition clause reads: its own and those its values name as policy variables. */
export function clauseKeys(key: string, values: readonly string[]): string[] {
  return [key, ...values.flatMap((v) => [...v.matchAll(VARIABLE_KEYS)].map((m) => m[1]!))];
}

/** A statement for one persona: one result per part of its actions (see PreparedStatement.parts). */
export function partialStatement(p: PreparedStatement, request: PartialRequest): PartialStatement[] {
  return p.parts.map((part) => {
    if (!part.absent.size) return partialPart(p.statement, part.actions, request);
    let context = request.context;
    for (const k of part.absent) {
      if (!context.has(k)) continue;
      if (context === request.context) context = context.clone();
      context.delete(k);
    }
    return partialPart(p.statement, part.actions, { context, known: new Set([...request.known, ...part.absent]) });
  });
}

function partialPart(s: Statement, actions: ActionSet, request: PartialRequest): PartialStatement {
  const resources = (s.resource ?? []).includes('*') && !s.notResource ? 'all' : 'some';
  // A Principal other than "*" (resource policies) depends on who asks: treated as unknown.
  const principalKnown = !s.notPrincipal && (s.principal === undefined || s.principal === '*');
  let condition: Tri = principalKnown ? 'yes' : 'maybe';
  let error: string | undefined;
  const residual: Condition = {};
  for (const op of Object.keys(s.condition ?? {}).sort()) {
    for (const key of Object.keys(s.condition![op]!).sort()) {
      const values = s.condition![op]![key]!;
      const referenced = clauseKeys(key, values);
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
  const out: PartialStatement = { effect: s.effect, actions, condition, residual: condition === 'no' ? {} : residual, resources };
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
  blocks: { actions: PackedActionSet; signatures: string[] }[];
}

export interface PartialLevel {
  label: string;
  /** Statements of every policy attached at this level. */
  statements: PartialStatement[];
}

/** Owns the sets classifyActions works in (scratchSets): a level's. */
const CLASSIFY_SCRATCH = {};

/**
 * The chain rule (REFERENCE.md section 2): a Deny anywhere denies; every level must allow. Allow
 * statements that depend on unknowns make the level's allow conditional.
 */
export function classifyActions(levels: readonly PartialLevel[], universe: ActionSet): ActionClassification {
  const empty = () => universe.minus(universe);
  const denied = empty();
  const maybe: MaybeDenied[] = [];
  const [allowYes, allowedNowhere] = scratchSets(CLASSIFY_SCRATCH, universe, 2) as [ActionSet, ActionSet];
  for (const level of levels) {
    allowYes.clear();
    const allowMaybe: MaybeDenied[] = [];
    for (const s of level.statements) {
      if (s.condition === 'no') continue;
      const sure = s.condition === 'yes' && s.resources === 'all';
      if (s.effect === 'Deny') {
        if (sure) denied.addAll(s.actions);
        else maybe.push({ actions: s.actions, signature: signatureOf(s) });
      } else if (sure) allowYes.addAll(s.actions);
      else allowMaybe.push({ actions: s.actions, signature: signatureOf(s) });
    }
    // Nothing at this level can allow these: an implicit deny.
    allowedNowhere.copyFrom(universe).removeAll(allowYes);
    for (const a of allowMaybe) allowedNowhere.removeAll(a.actions);
    denied.addAll(allowedNowhere);
    for (const a of allowMaybe) maybe.push({ actions: a.actions.minus(allowYes), signature: `unless ${a.signature}` });
  }
  const conditional = empty();
  for (const m of maybe) conditional.addAll(m.actions);
  conditional.removeAll(denied);
  const allowed = universe.minus(denied).removeAll(conditional);
  return { denied, conditional, allowed, blocks: blocksOf(maybe, universe) };
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
