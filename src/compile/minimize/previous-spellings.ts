/**
 * Stable spelling: the action lists of the previous out/, offered back to the minimizer. Above level 1
 * a list is a cover the minimizer chose (word-boundary or substring patterns), and a reference sync can
 * make it choose another cover of the very same actions, a respelling that reviewers must read again
 * for nothing. A previous list is kept when, against the reference of this compile, it still means
 * exactly what the statement must match and was written at no higher level than the statement's group
 * is at now (a group that fits more readably again gets its readable spelling back). Whether it still
 * fits is for packing to find out (pack.ts tries the group without previous spellings before it
 * escalates).
 *
 * out/ is committed, so a pull request writes it: a list is only a candidate, taken when it is plain
 * IAM syntax and matches exactly, never trusted for what it says it is.
 */
import { SourceIndex } from '../../diagnostics/index.js';
import { parseJsonWithPositions, readPolicyDocument, type PolicyType, type Statement } from '../../policy/index.js';
import { isPatternError, parseActionPattern, type ActionSet, type ReferenceIndex } from '../../reference/index.js';
import { statementKey, type OutManifest } from '../out-manifest.js';
import type { MinimizeLevel } from './levels.js';
import { circumstanceKey } from './minimize-statements.js';

export interface PreviousSpelling {
  element: 'Action' | 'NotAction';
  /** The list exactly as out/ had it (order included: keeping it must change no byte). */
  text: readonly string[];
  /** The highest level it may have been written at (its policy's level; 1 when compile introduced no wildcard). */
  level: MinimizeLevel;
  /** statementKey of the statement that had it (its sources, whatever part). */
  owner: string | undefined;
}

export class PreviousSpellings {
  private readonly byCircumstances = new Map<string, PreviousSpelling[]>();
  /** The statements (statementKey) that had a list offered here. */
  private readonly owners = new Set<string>();
  /** What each candidate matches in the reference: asked at every level a group is tried, computed once. */
  private readonly matched = new Map<PreviousSpelling, ActionSet | null>();

  /** The previous manifest and its policy texts (policy name -> text of out/<file>). */
  constructor(manifest: OutManifest, texts: ReadonlyMap<string, string>) {
    for (const policy of manifest.policies) {
      const text = texts.get(policy.name);
      if (text === undefined) continue;
      const statements = readStatements(policy.file, text);
      if (!statements) continue;
      const policyLevel = levelOf(policy.level);
      statements.forEach((s, i) => {
        const list = s.action ?? s.notAction;
        if (!list || !list.every(isPlainPattern)) return;
        const recorded = policy.statements[i];
        // The manifest says which wildcards compile introduced: none means the list is the intent's own.
        const introducedNothing = recorded !== undefined && Array.isArray(recorded.introduced) && recorded.introduced.length === 0 && recorded.introducedNotAction === false;
        const level = introducedNothing ? 1 : policyLevel;
        const key = spellingKey(policy.type, s);
        const entry: PreviousSpelling = { element: s.action ? 'Action' : 'NotAction', text: list, level, owner: recorded ? statementKey(recorded.sources) : undefined };
        if (entry.owner !== undefined) this.owners.add(entry.owner);
        const found = this.byCircumstances.get(key);
        if (found) found.push(entry);
        else this.byCircumstances.set(key, [entry]);
      });
    }
  }

  /**
   * The previous list for a statement of these circumstances that matches exactly `actions` (or, for
   * a NotAction candidate of an Action statement, exactly their complement) in `ref`, at a level no
   * higher than `level`. A statement `owner` (a statementKey) that had a list is offered only its own:
   * statements of equal circumstances and actions may have been written differently (one at level 1,
   * one escalated), and taking the other's would respell a statement the same intent compiled to, or
   * change how the group fits at a level it was tried at, and so the levels compile settles on. Another
   * statement's list is offered to a statement that had none (new, or its sources changed).
   */
  find(
    type: PolicyType,
    circumstances: Pick<Statement, 'effect' | 'principal'> & { resources?: string[]; notResources?: string[]; condition?: Statement['condition'] },
    element: 'Action' | 'NotAction',
    actions: ActionSet,
    level: MinimizeLevel,
    ref: ReferenceIndex,
    owner?: string,
  ): PreviousSpelling | undefined {
    const found = this.byCircumstances.get(`${type}|${circumstanceKey(circumstances)}`);
    if (!found) return undefined;
    const candidates = owner !== undefined && this.owners.has(owner) ? found.filter((c) => c.owner === owner) : found;
    for (const c of candidates) {
      if (c.level > level) continue;
      // NotAction for an Action statement is the complement rewrite (level 4, SCP Denies only).
      const target = c.element === element ? actions : element === 'Action' && c.level === 4 && type === 'scp' && circumstances.effect === 'Deny' ? ref.allActions().minus(actions) : undefined;
      if (!target) continue;
      let matched = this.matched.get(c);
      if (matched === undefined) this.matched.set(c, (matched = matchExactly(c.text, ref) ?? null));
      if (matched?.equals(target)) return c;
    }
    return undefined;
  }
}

function levelOf(level: unknown): MinimizeLevel {
  // A manifest from before levels were recorded compacted every statement: take it as level 3.
  return level === 1 || level === 2 || level === 3 || level === 4 ? level : 3;
}

function spellingKey(type: PolicyType, s: Statement): string {
  const circumstances: Parameters<typeof circumstanceKey>[0] = { effect: s.effect };
  if (s.principal) circumstances.principal = s.principal;
  if (s.resource) circumstances.resources = s.resource;
  if (s.notResource) circumstances.notResources = s.notResource;
  if (s.condition) circumstances.condition = s.condition;
  return `${type}|${circumstanceKey(circumstances)}`;
}

function readStatements(file: string, text: string): Statement[] | undefined {
  const sources = new SourceIndex();
  const parsed = parseJsonWithPositions(file, text, sources);
  if (parsed.value === undefined || parsed.diagnostics.length) return undefined;
  const read = readPolicyDocument(parsed.value, sources);
  if (!read.document || read.diagnostics.some((d) => d.severity === 'error')) return undefined;
  // NotPrincipal never appears in what compile writes; a statement with one is not ours to reuse.
  return read.document.statements.filter((s) => !s.notPrincipal);
}

/** `service:Name` with at most `*` and `?`: what compile writes (no access levels, no exclusions). */
function isPlainPattern(text: string): boolean {
  return /^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(text);
}

/** What the list matches, or undefined when one of its patterns matches nothing (a dead entry is no spelling to keep). */
function matchExactly(list: readonly string[], ref: ReferenceIndex): ActionSet | undefined {
  const all = ref.emptySet();
  for (const text of list) {
    const parsed = parseActionPattern(text);
    if (isPatternError(parsed) || parsed.kind !== 'include' || parsed.levels) return undefined;
    if (ref.matchInto(parsed, all) === 0) return undefined;
  }
  return all;
}

/** The previous out/ as spellings to offer, or none without a manifest. */
export function previousSpellings(manifest: OutManifest | undefined, texts: ReadonlyMap<string, string> | undefined): PreviousSpellings | undefined {
  return manifest && texts && texts.size ? new PreviousSpellings(manifest, texts) : undefined;
}
