/**
 * Minimizing an existing policy (the `minimize` command): every statement's actions are expanded
 * (pre-processor syntax included), statements merge, oversized ones are split, and the result is
 * packed into as few policies as the size quota allows. Nothing is ever dropped: an unresolvable name
 * is an error, and the proof checks every emitted statement, at whatever level it was written.
 *
 * Levels (levels.ts), as compile uses them: by default the policy is written at level 1, its names as
 * written, and escalates one level at a time only while it does not fit (more policies than one
 * target holds, or a statement too large for one policy), each statement capped as in the intent's
 * `readable` mode (an RCP, or a Deny whose condition holds when its keys are absent, stops at level 2).
 * `aggressive` writes the smallest output at once (level 4, every cap lifted); `exact` stays at level 1.
 */
import { error, warning, type Diagnostic, type SourceIndex } from '../../diagnostics/index.js';
import { compilePolicy } from '../../evaluate/index.js';
import { checkGrammar, grammarErrors, locateGrammarProblem, renderPolicy, type PolicyDocument, type PolicyType, type Statement } from '../../policy/index.js';
import { knownArnService } from '../../reference/arn-services.js';
import type { ReferenceIndex } from '../../reference/index.js';
import { binPack, POLICY_OVERHEAD } from './bin-pack.js';
import { LEVEL_NAMES, maxLevelFor, type MinimizeLevel } from './levels.js';
import { minimizeStatements, splitStatement, type IntendedStatement, type MinimizedStatement } from './minimize-statements.js';
import { describeProofFailure, proveEquivalence, type ProofInput, type ProofOutput } from './prove.js';

export interface MinimizedPolicy {
  text: string;
  chars: number;
  statements: MinimizedStatement<number>[];
}

/**
 * How far minimize may go: `readable` (the default) escalates from level 1 only while the output misses a
 * quota, RCPs and Denies that reach every principal stopping at level 2; `aggressive` writes level 4 at
 * once, every cap lifted; `exact` stays at level 1.
 */
export type MinimizeLevelMode = 'readable' | 'aggressive' | 'exact';

export interface MinimizePolicyResult {
  ok: boolean;
  policies: MinimizedPolicy[];
  statementsIn: number;
  statementsOut: number;
  /** The level the output was written at: the highest of its statements' (4 only for a NotAction complement). */
  level: MinimizeLevel;
  /**
   * Why it is above level 1 in readable mode: the quota the level below missed, e.g. "the per-target
   * quota: 3 policies at level 1, 2 fit" or "the size quota: ...". Unset at level 1 and when asked for.
   */
  escalatedFor?: string;
  /**
   * Output statements held below level 3 by the readable mode (an RCP, or a Deny that reaches every
   * principal) that `aggressive` would shorten further; 0 outside readable mode.
   */
  capped: number;
  diagnostics: Diagnostic[];
  /**
   * Set when the reference was partial and the policy needed level 3 or more: nothing was decided, and
   * the caller must minimize again with the whole reference.
   */
  needsWholeReference?: true;
}

export interface MinimizePolicyOptions {
  type: PolicyType;
  maxChars: number;
  /** Policies of the type one target can hold: readable mode escalates until the output fits in them. */
  maxPerTarget: number;
  keepSids: boolean;
  mode: MinimizeLevelMode;
  /**
   * The reference holds only the services the policy names (plus those its condition keys name). Levels
   * 1 and 2 write patterns within a service, exact against that service's actions, and the proof over
   * those services decides as over all (no other service's action matches either side); levels 3 and 4
   * may write `*` or a NotAction complement, which mean the whole action universe.
   */
  partialReference?: boolean;
}

/** The minimize command's proof has one unnamed scope: the output goes wherever the input policy went. */
const SCOPE = '';

export function minimizePolicy(doc: PolicyDocument, sources: SourceIndex, ref: ReferenceIndex, options: MinimizePolicyOptions): MinimizePolicyResult {
  const diagnostics: Diagnostic[] = [];
  const fail = (level: MinimizeLevel = 1): MinimizePolicyResult => ({ ok: false, policies: [], statementsIn: doc.statements.length, statementsOut: 0, level, capped: 0, diagnostics });
  // The checks compile makes of a custom or imported policy: the grammar (condition values and
  // resource ARNs included), then whether the engine can evaluate each statement faithfully.
  const grammar = checkGrammar(doc, options.type, { supportsRcp: (s) => ref.supportsRcp(s), extendedActions: true, conditionKeyTypes: (k) => ref.conditionKey(k)?.types, knownArnService: knownArnService(ref) });
  for (const p of grammar) diagnostics.push((p.severity === 'warning' ? warning : error)(p.code, p.message, locateGrammarProblem(sources, doc, p), p.hint));
  const flagged = new Set(grammarErrors(grammar).map((p) => p.statement));
  compilePolicy('input', doc.statements.map(forEvaluation), ref).statements.forEach((es, i) => {
    if (es.error && !flagged.has(i)) diagnostics.push(error(es.errorCode ?? 'cannot-evaluate', `statement ${doc.statements[i]!.sid ?? i + 1}: ${es.error}`, sources.locate(doc.statements[i]!.origin)));
  });
  const intended: IntendedStatement<number>[] = [];
  const proofInputs: ProofInput[] = [];
  doc.statements.forEach((s, i) => {
    const element = s.action ? 'Action' : 'NotAction';
    const patterns = (s.action ?? s.notAction)!;
    const raw = (s.origin as Record<string, unknown> | undefined)?.[element];
    const at = (k: number) => (Array.isArray(raw) ? sources.locate(raw, k) : sources.locate(s.origin, element));
    const expansion = ref.expandList(patterns);
    for (const p of expansion.problems) {
      // An intent must mean every exclusion it writes (an error in validate and compile); minimize
      // rewrites a file as it is, and what it writes decides exactly as the file does (the proof): a
      // misspelled exclusion there removes nothing either, so the user hears about it and gets the output.
      const severity = p.code === 'unknown-exclusion' ? 'warning' : p.severity;
      diagnostics.push((severity === 'error' ? error : warning)(p.code, `statement ${s.sid ?? i + 1}: ${p.message}`, at(p.index), p.hint));
    }
    if (expansion.actions.isEmpty() && expansion.problems.every((p) => p.severity !== 'error')) {
      diagnostics.push(error('empty-statement', `statement ${s.sid ?? i + 1} covers no action after its exclusions; it would be dropped`, sources.locate(s.origin)));
    }
    // Patterns the minimizer may reuse as written: plain IAM syntax that no exclusion cuts into.
    const given = expansion.perPattern.filter((pp) => pp.kind === 'include' && !pp.text.includes('{') && !pp.matched.intersects(expansion.excluded)).map((pp) => pp.text);
    const maxLevel = maxLevelFor({ effect: s.effect, element, condition: s.condition }, options.mode, options.type);
    const item: IntendedStatement<number> = { effect: s.effect, element, actions: expansion.actions, given, maxLevel, origin: i };
    // Level 1 is the list as written when it is plain IAM that no exclusion cuts into; pre-processor
    // syntax has no such text, and level 1 is then the shortest list of its patterns and exact names.
    if (expansion.perPattern.every((pp) => pp.kind === 'include' && !pp.text.includes('{')) && expansion.excluded.isEmpty()) item.written = [...patterns];
    if (s.sid) item.sid = s.sid;
    if (s.principal) item.principal = s.principal;
    if (s.resource) item.resources = s.resource;
    if (s.notResource) item.notResources = s.notResource;
    if (s.condition) item.condition = s.condition;
    intended.push(item);
    const { given: _given, written: _written, maxLevel: _maxLevel, origin: _origin, sid: _sid, ...circumstances } = item;
    proofInputs.push({ ...circumstances, scopes: [SCOPE], label: `input statement ${i + 1}${s.sid ? ` (Sid ${s.sid})` : ''}`, location: sources.locate(s.origin) });
  });
  if (diagnostics.some((d) => d.severity === 'error')) return fail();

  // Readable: level 1, then one level at a time while the output misses a quota, up to the highest
  // level any statement may reach (past it nothing changes).
  const cap = Math.max(1, ...intended.map((s) => s.maxLevel)) as MinimizeLevel;
  const levels: MinimizeLevel[] = options.mode === 'readable' ? ([1, 2, 3, 4] as const).filter((l) => l <= cap) : [options.mode === 'aggressive' ? 4 : 1];
  let packed: { level: MinimizeLevel; statements: MinimizedStatement<number>[]; bins: number[][] } | undefined;
  let escalatedFor: string | undefined;
  let tooLarge: { origin: number; diagnostic: Diagnostic }[] = [];
  for (const level of levels) {
    if (level >= 3 && options.partialReference) return { ...fail(level), needsWholeReference: true };
    const why = packed ? `the per-target quota: ${packed.bins.length} policies at level ${packed.level}, ${options.maxPerTarget} fit` : tooLarge.length ? `the size quota: at level ${level - 1} ${tooLarge[0]!.diagnostic.message}` : undefined;
    const attempt = packAt(intended, level, ref, options);
    if ('tooLarge' in attempt) {
      // A NotAction complement (level 4) cannot be split: the level below stands.
      if (packed) break;
      tooLarge = attempt.tooLarge.map((m) => ({ origin: m.origin, diagnostic: error('statement-too-large', m.message, sources.locate(doc.statements[m.origin]?.origin)) }));
      continue;
    }
    const written = writtenLevel(attempt.statements);
    // Level 4 that wrote no NotAction complement is level 3 again: nothing shorter to try.
    if (packed && written <= packed.level) break;
    packed = { level: written, ...attempt };
    escalatedFor = why;
    tooLarge = [];
    if (attempt.bins.length <= options.maxPerTarget) break;
  }
  const highest = levels[levels.length - 1]!;
  if (!packed) {
    // Readable mode stops at level 2 for statements that reach every principal; --aggressive does not.
    // (An exemption list, NotAction, is never shortened: nothing would help it.)
    for (const d of tooLarge) diagnostics.push(options.mode === 'readable' && intended[d.origin]!.maxLevel === 2 ? { ...d.diagnostic, hint: `minimize went up to level ${highest} (${LEVEL_NAMES[highest]}); --aggressive may shorten it further` } : d.diagnostic);
    return fail(highest);
  }
  const { level, statements, bins } = packed;
  // Statements readable mode held at level 2 (they reach every principal) that --aggressive would shorten.
  const capped = options.mode === 'readable' ? statements.filter((m) => m.level === 2 && m.origins.some((o) => intended[o]!.maxLevel === 2)).length : 0;
  const policies = bins.map((bin) => {
    const members = bin.map((i) => statements[i]!);
    const text = renderPolicy(members.map((m) => m.statement));
    return { text, chars: text.length, statements: members };
  });
  // The proof compares the input statements with the emitted ones, as text, knowing nothing of how
  // they were merged, compacted, split or packed.
  const proofOutputs: ProofOutput[] = policies.flatMap((p, k) => p.statements.map((m, j) => ({ scopes: [SCOPE], statement: m.statement, label: `output policy ${k + 1} statement ${j + 1}${m.statement.sid ? ` (Sid ${m.statement.sid})` : ''}` })));
  for (const f of proveEquivalence(proofInputs, proofOutputs, ref)) {
    diagnostics.push(error('proof-failed', `internal error: ${describeProofFailure(f)}`, f.inputs[0]?.location, 'please report this with the policy; minimize with --exact or --keep-sids to work around it'));
  }
  if (diagnostics.some((d) => d.severity === 'error')) return fail(level);
  for (const p of policies) {
    // Lint warnings were reported on the input already.
    for (const g of grammarErrors(checkGrammar({ version: '2012-10-17', statements: p.statements.map((m) => m.statement) }, options.type, { supportsRcp: (s) => ref.supportsRcp(s), maxChars: options.maxChars, text: p.text }))) {
      diagnostics.push(error(g.code, `output policy: ${g.message}`, undefined, g.hint));
    }
  }
  // Levels 3 and 4 are exact but unreadable, and capture future actions along no meaningful line: when
  // a quota forced them (not --aggressive), the user must hear which statements and why.
  if (options.mode === 'readable' && level >= 3) {
    // The level-3 and -4 statements' wildcards: those of statements held at level 2 read along word lines.
    const unreadable = statements.filter((m) => m.level >= 3);
    const introduced = [...new Set(unreadable.flatMap((m) => m.introduced))];
    const first = unreadable[0];
    diagnostics.push(
      warning(
        'unreadable-minimization',
        `the policy needed level ${level} (${LEVEL_NAMES[level]}) to fit, forced by ${escalatedFor ?? 'a quota'}; its ${unreadable.length} statement${unreadable.length === 1 ? '' : 's'} at that level write ${introduced.length} wildcard${introduced.length === 1 ? '' : 's'} the input did not (${introduced.slice(0, 6).join(', ')}${introduced.length > 6 ? ', ...' : ''})${unreadable.some((m) => m.introducedNotAction) ? ' and a NotAction complement' : ''}`,
        first ? sources.locate(doc.statements[first.origins[0]!]?.origin) : undefined,
        'free more slots on the target (--slots), attach part of the policy elsewhere, or use a larger --quota profile; --exact writes no wildcard the input does not have',
      ),
    );
  }
  const result: MinimizePolicyResult = { ok: !diagnostics.some((d) => d.severity === 'error'), policies, statementsIn: doc.statements.length, statementsOut: statements.length, level, capped, diagnostics };
  if (escalatedFor && level > 1) result.escalatedFor = escalatedFor;
  return result;
}

/**
 * The level an output was written at, as its text shows it: a statement allowed level 4 that kept its
 * Action list (no NotAction complement was shorter) is written at level 3.
 */
function writtenLevel(statements: readonly MinimizedStatement<number>[]): MinimizeLevel {
  return Math.max(1, ...statements.map((m) => (m.introducedNotAction ? 4 : Math.min(m.level, 3)))) as MinimizeLevel;
}

/**
 * The statements minimized at one level, split where too large, and packed into as few policies as the
 * size quota allows; or the statements that cannot fit in one policy at this level.
 */
function packAt(
  intended: readonly IntendedStatement<number>[],
  level: MinimizeLevel,
  ref: ReferenceIndex,
  options: MinimizePolicyOptions,
): { statements: MinimizedStatement<number>[]; bins: number[][] } | { tooLarge: { origin: number; message: string }[] } {
  const minimized = minimizeStatements(intended, ref, { merge: !options.keepSids, keepSids: options.keepSids, policyType: options.type, level });
  const statements: MinimizedStatement<number>[] = [];
  const tooLarge: { origin: number; message: string }[] = [];
  for (const m of minimized) {
    const parts = splitStatement(m, options.maxChars - POLICY_OVERHEAD);
    if (parts) statements.push(...parts);
    else tooLarge.push({ origin: m.origins[0]!, message: `a statement from input statement ${m.origins.map((o) => o + 1).join(', ')} is ${m.size.toLocaleString('en-US')} characters, over the ${(options.maxChars - POLICY_OVERHEAD).toLocaleString('en-US')} one policy of ${options.maxChars.toLocaleString('en-US')} holds, and ${m.element === 'Action' ? 'one of its patterns' : 'a NotAction list'} cannot be split` });
  }
  if (tooLarge.length) return { tooLarge };
  return { statements, bins: binPack(statements.map((s) => s.size), options.maxChars, POLICY_OVERHEAD) };
}

/**
 * A statement as the engine evaluates it once expanded: the pre-processor's extensions (`{Write}`,
 * `{Exclude:...}`) are not IAM actions, so the engine sees "*" there; actions are checked by expansion.
 */
function forEvaluation(s: Statement): Statement {
  const { action, notAction, ...rest } = s;
  return action ? { ...rest, action: ['*'] } : notAction ? { ...rest, notAction: ['*'] } : rest;
}

export type { Statement };
