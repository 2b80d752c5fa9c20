/**
 * Statement-level minimization. Statements merge only when Effect, Principal, Resource/NotResource and
 * Condition are all equal and both list actions with Action (two NotAction exemptions do not add up).
 * Each statement's action list is then written at the level asked for (levels.ts), capped by what the
 * statement allows: exemptions (NotAction in a Deny) and Allows are never given a wildcard the intent
 * did not write, since one could widen them as AWS adds actions.
 */
import { renderPolicy, statementJson, type Condition, type Principal, type Statement } from '../../policy/index.js';
import { hasWildcard, type ActionSet, type ReferenceIndex } from '../../reference/index.js';
import { compactActions, listCost } from './compact-actions.js';
import { wordBoundaryCover, type MinimizeLevel } from './levels.js';

export interface IntendedStatement<T> {
  effect: 'Allow' | 'Deny';
  principal?: Principal;
  resources?: string[];
  notResources?: string[];
  condition?: Condition;
  /** Which element lists the actions. */
  element: 'Action' | 'NotAction';
  /** The exact actions the element must match (NotAction: the exempt actions). */
  actions: ActionSet;
  /** Patterns written in the intent or generated from data (IAM syntax only). */
  given: string[];
  /**
   * The list as written, exact against `actions` (the intent's patterns, selectors as exact names): the
   * level-1 text. Without it, level 1 is the shortest list of the given patterns and exact names.
   */
  written?: string[];
  /** The highest level this statement may be minimized to (levels.ts, maxLevelFor). */
  maxLevel: MinimizeLevel;
  sid?: string;
  origin: T;
}

export interface MinimizedStatement<T> {
  statement: Statement;
  element: 'Action' | 'NotAction';
  /**
   * What the element matches within the reference (shared by the parts of a split statement). For the
   * manifest only: the proof (prove.ts) recomputes everything from the input statements.
   */
  intended: ActionSet;
  /** Wildcards the compaction wrote that the intent did not: they may capture actions AWS adds later. */
  introduced: string[];
  /**
   * The intent listed actions and the minimizer wrote NotAction of their complement instead: exact
   * today, but a NotAction Deny also denies every action AWS adds later (compact mode only).
   */
  introducedNotAction: boolean;
  origins: T[];
  /** Characters of the rendered statement. */
  size: number;
  /** The level its action list was written at: the one asked for, capped by its statements. */
  level: MinimizeLevel;
  /** Its list is the previous out/'s, kept because it still matches exactly (previous-spellings.ts). */
  keptSpelling: boolean;
  /** Which part (1, 2, ...) of a statement split to fit; absent for a whole statement. */
  part?: number;
}

/** A list an earlier compile wrote for statements of these circumstances, exact now, at no higher level. */
export type KeepSpelling = (
  circumstances: Pick<IntendedStatement<unknown>, 'effect' | 'principal' | 'resources' | 'notResources' | 'condition'>,
  element: 'Action' | 'NotAction',
  actions: ActionSet,
  level: MinimizeLevel,
  /** The statements it carries: the list this very statement had is preferred to another's. */
  origins: readonly unknown[],
) => { element: 'Action' | 'NotAction'; text: readonly string[] } | undefined;

export interface MinimizeOptions {
  /** Merge statements with equal non-action elements (Sids are then dropped). */
  merge: boolean;
  /** Keep the Sid of statements that were not merged. */
  keepSids: boolean;
  /** Scope for the NotAction alternative: only for policies of this type. */
  policyType: 'scp' | 'rcp';
  /** The level asked for; each statement is capped by its own maxLevel. */
  level: MinimizeLevel;
  /** Above level 1, a spelling of the previous out/ that is still exact is kept rather than chosen afresh. */
  keepSpelling?: KeepSpelling;
}

export function minimizeStatements<T>(statements: readonly IntendedStatement<T>[], ref: ReferenceIndex, options: MinimizeOptions): MinimizedStatement<T>[] {
  const groups = new Map<string, IntendedStatement<T>[]>();
  const order: string[] = [];
  statements.forEach((s, i) => {
    const key = options.merge && s.element === 'Action' ? mergeKey(s) : `single:${i}`;
    if (!groups.has(key)) {
      groups.set(key, []);
      order.push(key);
    }
    groups.get(key)!.push(s);
  });
  return order.map((key) => minimizeGroup(groups.get(key)!, ref, options));
}

function minimizeGroup<T>(group: IntendedStatement<T>[], ref: ReferenceIndex, options: MinimizeOptions): MinimizedStatement<T> {
  const first = group[0]!;
  const intended = first.actions.clone();
  for (const s of group.slice(1)) intended.addAll(s.actions);
  const given = [...new Set(group.flatMap((s) => s.given))];
  // Exemptions and Allows must never grow with AWS's catalogue: no wildcard beyond what was written.
  const widens = first.element === 'NotAction' || first.effect === 'Allow';
  const level = (widens ? 1 : Math.min(options.level, ...group.map((s) => s.maxLevel))) as MinimizeLevel;
  // Level 1 is the intent's own text, already stable; above it the cover is a choice a sync can change,
  // so a previous spelling that still holds is kept, and no cover is computed for it.
  const kept = level > 1 ? options.keepSpelling?.(first, first.element, intended, level, group.map((s) => s.origin)) : undefined;
  const written = kept ? { element: kept.element, text: [...kept.text], target: kept.element === first.element ? intended : ref.allActions().minus(intended) } : coverAtLevel(group, intended, given, level, ref, options);
  const { element, text, target } = written;
  const statement: Statement = { effect: first.effect };
  if (group.length === 1 && options.keepSids && first.sid) statement.sid = first.sid;
  if (first.principal) statement.principal = first.principal;
  if (element === 'Action') statement.action = text;
  else statement.notAction = text;
  if (first.resources) statement.resource = first.resources;
  if (first.notResources) statement.notResource = first.notResources;
  if (first.condition && Object.keys(first.condition).length) statement.condition = first.condition;
  const givenLower = new Set(given.map((g) => g.toLowerCase()));
  const introduced = text.filter((t) => hasWildcard(t) && !givenLower.has(t.toLowerCase()));
  return { statement, element, intended: target, introduced, introducedNotAction: element !== first.element, origins: group.map((s) => s.origin), size: statementSize(statement), level, keptSpelling: kept !== undefined };
}

/** The group's action list written at `level`: as written, or the shortest cover the level allows. */
function coverAtLevel<T>(group: IntendedStatement<T>[], intended: ActionSet, given: string[], level: MinimizeLevel, ref: ReferenceIndex, options: MinimizeOptions): { element: 'Action' | 'NotAction'; text: string[]; target: ActionSet } {
  const first = group[0]!;
  let text = group.every((s) => s.written) ? writtenList(group.flatMap((s) => s.written!)) : compactActions(ref, intended, { mode: 'exact', given });
  if (level === 2) {
    const words = wordBoundaryCover(ref, intended, given);
    if (listCost(words) < listCost(text)) text = words;
  } else if (level >= 3) {
    const compact = compactActions(ref, intended, { mode: 'compact', given });
    if (listCost(compact) < listCost(text)) text = compact;
  }
  if (level === 4 && options.policyType === 'scp' && first.effect === 'Deny' && first.element === 'Action' && intended.size > ref.size / 2) {
    // Deny everything but a few: NotAction of the complement is exact within the reference and may be
    // far shorter. Its drift only ever denies more (new actions are not exempt), but it is drift, and
    // recorded (introducedNotAction).
    const complement = ref.allActions().minus(intended);
    // `svc:*` for a service that is exempt as a whole: exact today, and far shorter than its actions.
    const alternative = compactActions(ref, complement, { mode: 'exact', given: [], wholeServices: true });
    if (alternative.length > 0 && listCost(alternative) < listCost(text)) return { element: 'NotAction', text: alternative, target: complement };
  }
  return { element: first.element, text, target: intended };
}

/** The written lists of merged statements as one: each name or pattern once (IAM ignores case), sorted. */
function writtenList(list: readonly string[]): string[] {
  const byLower = new Map<string, string>();
  for (const t of list) if (!byLower.has(t.toLowerCase())) byLower.set(t.toLowerCase(), t);
  return [...byLower.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
}

export function statementSize(s: Statement): number {
  return JSON.stringify(statementJson(s)).length;
}

/**
 * Canonical form of everything but the actions: equal keys mean the statements may merge. It is exact:
 * condition keys keep their spelling, because AWS evaluates two keys of one block that differ only in
 * case as two conditions; folding case would let such a block collide with another statement's.
 * Only the order and repetition of list elements (which never matter) are normalized.
 */
export function circumstanceKey(s: Pick<IntendedStatement<unknown>, 'effect' | 'principal' | 'resources' | 'notResources' | 'condition'>): string {
  const sorted = (list: readonly string[]) => [...new Set(list)].sort();
  const cond = Object.keys(s.condition ?? {})
    .sort()
    .map((op) => {
      const block = s.condition![op]!;
      return [op, Object.keys(block).sort().map((k) => [k, sorted(block[k]!)])];
    })
    .filter(([, keys]) => (keys as unknown[]).length > 0);
  const principal = s.principal === '*' || s.principal === undefined ? s.principal ?? null : Object.keys(s.principal).sort().map((k) => [k, sorted((s.principal as Record<string, string[]>)[k]!)]);
  return JSON.stringify([s.effect, principal, s.resources ? sorted(s.resources) : null, s.notResources ? sorted(s.notResources) : null, cond]);
}

function mergeKey<T>(s: IntendedStatement<T>): string {
  return circumstanceKey(s);
}

/**
 * A statement too big for one policy is cut into several with the same elements, each holding a
 * run of the action patterns. Only Action lists can be cut: Deny NotAction [a, b] is not the same as
 * Deny NotAction [a] plus Deny NotAction [b].
 */
export function splitStatement<T>(m: MinimizedStatement<T>, maxStatementChars: number): MinimizedStatement<T>[] | undefined {
  if (m.size <= maxStatementChars) return [m];
  if (m.element !== 'Action') return undefined;
  const patterns = m.statement.action!;
  const empty: Statement = { ...m.statement, action: [] };
  const overhead = statementSize({ ...empty, action: ['', ''] }) - 2;
  const parts: string[][] = [];
  let current: string[] = [];
  let size = overhead;
  for (const p of patterns) {
    const add = p.length + 3;
    if (overhead + add > maxStatementChars) return undefined;
    if (current.length && size + add > maxStatementChars) {
      parts.push(current);
      current = [];
      size = overhead;
    }
    current.push(p);
    size += add;
  }
  if (current.length) parts.push(current);
  return parts.map((action, i) => {
    const statement: Statement = { ...m.statement, action };
    if (statement.sid) statement.sid = `${statement.sid}${i + 1}`;
    return { ...m, statement, introduced: m.introduced.filter((x) => action.includes(x)), size: statementSize(statement), part: i + 1 };
  });
}

/** Characters of a policy holding these statements. */
export function policySizeOf(statements: readonly Statement[]): number {
  return renderPolicy(statements).length;
}
