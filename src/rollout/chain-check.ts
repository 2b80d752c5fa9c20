/**
 * Whether an organization policy chain (root -> OUs -> account, the policies attached at each level)
 * lets one principal make one call, when only part of the request is known: who asks (the persona),
 * the action, perhaps the resource. Everything else (source IP, tags of the resource, MFA...) is
 * unknown. Each statement that names the action then applies for certain, not at all, or "maybe"
 * (it depends on something unknown); the chain rule decides as the engine's authorize does (a Deny
 * anywhere wins, every level must allow), and the answer keeps the statement that decided and whether
 * the decision is certain. The operators are the engine's own (compileCondition): a condition clause
 * whose keys are all known is evaluated exactly as a full request would be.
 *
 * Condition keys only some actions carry (aws:TagKeys, aws:RequestTag/..., service keys) are absent from
 * the requests of actions that never carry them (the reference's per-action keys, KeyPresence), which
 * is known, not unknown.
 */
import { compileCondition, EvaluationError, keyPresence, resourceArnMatcher, type ConditionEvaluator, type RequestContext } from '../evaluate/index.js';
import type { Statement } from '../policy/index.js';
import type { ActionSet, ReferenceIndex } from '../reference/index.js';

export type Tri = 'yes' | 'no' | 'maybe';

/** Who asks, and what of the request is known. */
export interface Persona {
  context: RequestContext;
  /** Whether a (lower-case) key's value, or its absence, is known; a known key missing from `context` is absent. */
  known(key: string): boolean;
  /** The resource's ARN when known; undefined: any resource. */
  resource?: string;
}

export interface PreparedClause {
  operator: string;
  key: string;
  values: string[];
  /** Lower-case keys it reads: its own and those of the variables in its values. */
  reads: string[];
  evaluate: ConditionEvaluator | undefined;
  error?: string;
}

export interface PreparedStatement {
  index: number;
  sid: string | undefined;
  effect: 'Allow' | 'Deny';
  /** 'all' for Action "*"; otherwise the actions Action (or NotAction) names within the reference. */
  actions: ActionSet | 'all';
  notAction: boolean;
  resource: string[] | undefined;
  notResource: string[] | undefined;
  /** Principal "*" (or none, as in SCPs): applies to whoever asks. */
  anyPrincipal: boolean;
  clauses: PreparedClause[];
  /** Why the statement cannot be evaluated (it then counts as "maybe", whatever its effect). */
  error?: string;
}

export interface PreparedPolicy {
  /** Interned identity of (name, type, canonical content): equal policies share one. */
  id: number;
  name: string;
  statements: PreparedStatement[];
  /** Why the policy cannot be read at all: it may then deny anything. */
  error?: string;
}

export interface ChainLevel {
  /** root Root, OU Root/Workloads, account 2222... (name). */
  label: string;
  policies: PreparedPolicy[];
}

/** What decided, when the chain may deny. */
export interface ChainDenial {
  certain: boolean;
  implicit: boolean;
  /** The level's position in the chain (0: the root) and its label. */
  levelIndex: number;
  level: string;
  policy: PreparedPolicy | undefined;
  /** The policies at the level, for an implicit deny. */
  levelPolicies: string[];
  statement?: PreparedStatement;
  /** What the decision depends on, for an uncertain one. */
  depends?: string;
}

const VARIABLE_KEYS = /\$\{\s*([^},'\s]+)/g;

export function prepareStatement(s: Statement, index: number, reference: ReferenceIndex): PreparedStatement {
  const patterns = s.action ?? s.notAction ?? [];
  const base = {
    index,
    sid: s.sid,
    effect: s.effect,
    notAction: s.notAction !== undefined,
    resource: s.resource,
    notResource: s.notResource,
    anyPrincipal: !s.notPrincipal && (s.principal === undefined || s.principal === '*'),
  };
  const actions: ActionSet | 'all' = patterns.includes('*') ? 'all' : reference.expandList(patterns.filter((p) => /^[^:]+:[^:]+$/.test(p))).actions;
  const clauses: PreparedClause[] = [];
  let error: string | undefined;
  const keyTypes = (k: string) => reference.conditionKey(k)?.types;
  for (const [operator, keys] of Object.entries(s.condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      const reads = [key.toLowerCase(), ...values.flatMap((v) => [...v.matchAll(VARIABLE_KEYS)].map((m) => m[1]!.toLowerCase()))];
      try {
        clauses.push({ operator, key, values, reads, evaluate: compileCondition({ [operator]: { [key]: values } }, keyTypes) });
      } catch (e) {
        if (!(e instanceof EvaluationError)) throw e;
        error ??= `${operator} ${key}: ${e.message}`;
        clauses.push({ operator, key, values, reads, evaluate: undefined, error: e.message });
      }
    }
  }
  if (patterns.some((p) => p !== '*' && !/^[^:]+:[^:]+$/.test(p))) error ??= `an action entry is not service:action`;
  return { ...base, actions, clauses, ...(error ? { error } : {}) };
}

/** Whether the statement names the action (by reference id). */
export function namesAction(s: PreparedStatement, actionId: number): boolean {
  const inList = s.actions === 'all' || s.actions.has(actionId);
  return s.notAction ? !inList : inList;
}

/**
 * Whether a statement that names the action applies to the persona's request, and if "maybe", on
 * what. Clauses are ANDed: one that surely fails makes the statement not apply, whatever is unknown.
 */
export function statementApplies(s: PreparedStatement, actionId: number, persona: Persona, reference: ReferenceIndex): { tri: Tri; depends?: string } {
  const unknown: string[] = [];
  if (!s.anyPrincipal) unknown.push('the principal it names');
  const resourceTri = resourceApplies(s, persona.resource);
  if (resourceTri === 'no') return { tri: 'no' };
  if (resourceTri === 'maybe') unknown.push(`the resource (${s.notResource ? 'NotResource' : 'Resource'} ${JSON.stringify(s.notResource ?? s.resource)})`);
  const presence = keyPresence(reference);
  let context = persona.context;
  for (const clause of s.clauses) {
    // Keys the action's requests never carry are absent: known.
    const absent = clause.reads.filter((k) => {
      const carriers = presence.carriers(k);
      return carriers !== undefined && !carriers.has(actionId);
    });
    if (clause.reads.some((k) => !absent.includes(k) && !persona.known(k))) {
      unknown.push(clause.key);
      continue;
    }
    if (!clause.evaluate) {
      unknown.push(`${clause.key} (cannot be evaluated: ${clause.error})`);
      continue;
    }
    if (absent.length) {
      context = context === persona.context ? context.clone() : context;
      for (const k of absent) context.delete(k);
    }
    let holds: boolean;
    try {
      holds = clause.evaluate(context);
    } catch (e) {
      if (!(e instanceof EvaluationError)) throw e;
      unknown.push(`${clause.key} (cannot be evaluated: ${e.message})`);
      continue;
    }
    if (!holds) return { tri: 'no' };
  }
  if (s.error) unknown.push(`the statement (cannot be evaluated: ${s.error})`);
  return unknown.length ? { tri: 'maybe', depends: [...new Set(unknown)].join(', ') } : { tri: 'yes' };
}

function resourceApplies(s: PreparedStatement, resource: string | undefined): Tri {
  const list = s.notResource ?? s.resource ?? ['*'];
  if (!s.notResource && list.includes('*')) return 'yes';
  if (resource === undefined || list.some((p) => p.includes('${'))) return 'maybe';
  const matches = list.some((p) => resourceArnMatcher(p)(resource));
  return (s.notResource ? !matches : matches) ? 'yes' : 'no';
}

/**
 * The chain rule for one action: the first certain Deny decides; else a level that surely allows
 * nothing; else a Deny that may apply; else a level whose allow depends on the unknown. Undefined: the
 * chain allows the call, whatever the unknown parts of the request are.
 */
export function chainDenial(levels: readonly ChainLevel[], actionId: number, persona: Persona, reference: ReferenceIndex): ChainDenial | undefined {
  let maybeDeny: ChainDenial | undefined;
  let implicitMaybe: ChainDenial | undefined;
  let implicitCertain: ChainDenial | undefined;
  for (const [levelIndex, level] of levels.entries()) {
    let allowYes = false;
    let allowMaybe: string | undefined;
    for (const policy of level.policies) {
      if (policy.error) {
        maybeDeny ??= { certain: false, implicit: false, levelIndex, level: level.label, policy, levelPolicies: [], depends: `the policy cannot be read (${policy.error})` };
        continue;
      }
      for (const s of policy.statements) {
        if (!namesAction(s, actionId)) continue;
        const applies = statementApplies(s, actionId, persona, reference);
        if (applies.tri === 'no') continue;
        if (s.effect === 'Deny') {
          if (applies.tri === 'yes') return { certain: true, implicit: false, levelIndex, level: level.label, policy, levelPolicies: [], statement: s };
          maybeDeny ??= { certain: false, implicit: false, levelIndex, level: level.label, policy, levelPolicies: [], statement: s, depends: applies.depends! };
        } else if (applies.tri === 'yes') allowYes = true;
        else allowMaybe ??= applies.depends;
      }
    }
    if (allowYes) continue;
    const levelPolicies = level.policies.map((p) => p.name);
    if (allowMaybe !== undefined) implicitMaybe ??= { certain: false, implicit: true, levelIndex, level: level.label, policy: undefined, levelPolicies, depends: allowMaybe };
    else implicitCertain ??= { certain: true, implicit: true, levelIndex, level: level.label, policy: undefined, levelPolicies };
  }
  return implicitCertain ?? maybeDeny ?? implicitMaybe;
}
