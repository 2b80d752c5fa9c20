/**
 * Minimizing an existing policy (the `minimize` command): every statement's actions are expanded
 * (pre-processor syntax included), statements merge and compact, oversized ones are split, and the
 * result is packed into as few policies as the size quota allows. Nothing is ever dropped: an
 * unresolvable name is an error, and the proof checks every emitted statement.
 */
import { error, warning, type Diagnostic, type SourceIndex } from '../../diagnostics/index.js';
import { compilePolicy } from '../../evaluate/index.js';
import { checkGrammar, grammarErrors, locateGrammarProblem, renderPolicy, type PolicyDocument, type PolicyType, type Statement } from '../../policy/index.js';
import { knownArnService } from '../../reference/arn-services.js';
import type { ReferenceIndex } from '../../reference/index.js';
import { binPack, POLICY_OVERHEAD } from './bin-pack.js';
import { maxLevelFor } from './levels.js';
import { minimizeStatements, splitStatement, type IntendedStatement, type MinimizedStatement } from './minimize-statements.js';
import { describeProofFailure, proveEquivalence, type ProofInput, type ProofOutput } from './prove.js';

export interface MinimizedPolicy {
  text: string;
  chars: number;
  statements: MinimizedStatement<number>[];
}

export interface MinimizePolicyResult {
  ok: boolean;
  policies: MinimizedPolicy[];
  statementsIn: number;
  statementsOut: number;
  diagnostics: Diagnostic[];
}

export interface MinimizePolicyOptions {
  type: PolicyType;
  maxChars: number;
  keepSids: boolean;
  mode: 'exact' | 'compact';
}

/** The minimize command's proof has one unnamed scope: the output goes wherever the input policy went. */
const SCOPE = '';

export function minimizePolicy(doc: PolicyDocument, sources: SourceIndex, ref: ReferenceIndex, options: MinimizePolicyOptions): MinimizePolicyResult {
  const diagnostics: Diagnostic[] = [];
  const fail = (): MinimizePolicyResult => ({ ok: false, policies: [], statementsIn: doc.statements.length, statementsOut: 0, diagnostics });
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
    for (const p of expansion.problems) diagnostics.push((p.severity === 'error' ? error : warning)(p.code, `statement ${s.sid ?? i + 1}: ${p.message}`, at(p.index), p.hint));
    if (expansion.actions.isEmpty() && expansion.problems.every((p) => p.severity !== 'error')) {
      diagnostics.push(error('empty-statement', `statement ${s.sid ?? i + 1} covers no action after its exclusions; it would be dropped`, sources.locate(s.origin)));
    }
    // Patterns the minimizer may reuse as written: plain IAM syntax that no exclusion cuts into.
    const given = expansion.perPattern.filter((pp) => pp.kind === 'include' && !pp.text.includes('{') && !pp.matched.intersects(expansion.excluded)).map((pp) => pp.text);
    // Today's smallest output (every level allowed), or no wildcard beyond the input's.
    const maxLevel = maxLevelFor({ effect: s.effect, element }, options.mode === 'exact' ? 'exact' : 'aggressive', options.type);
    const item: IntendedStatement<number> = { effect: s.effect, element, actions: expansion.actions, given, maxLevel, origin: i };
    if (s.sid) item.sid = s.sid;
    if (s.principal) item.principal = s.principal;
    if (s.resource) item.resources = s.resource;
    if (s.notResource) item.notResources = s.notResource;
    if (s.condition) item.condition = s.condition;
    intended.push(item);
    const { given: _given, maxLevel: _maxLevel, origin: _origin, sid: _sid, ...circumstances } = item;
    proofInputs.push({ ...circumstances, scopes: [SCOPE], label: `input statement ${i + 1}${s.sid ? ` (Sid ${s.sid})` : ''}`, location: sources.locate(s.origin) });
  });
  if (diagnostics.some((d) => d.severity === 'error')) return fail();

  const minimized = minimizeStatements(intended, ref, { merge: !options.keepSids, keepSids: options.keepSids, policyType: options.type, level: 4 });
  const statements: MinimizedStatement<number>[] = [];
  for (const m of minimized) {
    const parts = splitStatement(m, options.maxChars - POLICY_OVERHEAD);
    if (!parts) {
      diagnostics.push(error('statement-too-large', `a statement from input statement ${m.origins.map((o) => o + 1).join(', ')} is ${m.size} characters and cannot be split (${m.element}); the limit is ${options.maxChars}`, sources.locate(doc.statements[m.origins[0]!]?.origin)));
      continue;
    }
    statements.push(...parts);
  }
  if (diagnostics.some((d) => d.severity === 'error')) return fail();
  const bins = binPack(statements.map((s) => s.size), options.maxChars, POLICY_OVERHEAD);
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
  if (diagnostics.some((d) => d.severity === 'error')) return fail();
  for (const p of policies) {
    // Lint warnings were reported on the input already.
    for (const g of grammarErrors(checkGrammar({ version: '2012-10-17', statements: p.statements.map((m) => m.statement) }, options.type, { supportsRcp: (s) => ref.supportsRcp(s), maxChars: options.maxChars, text: p.text }))) {
      diagnostics.push(error(g.code, `output policy: ${g.message}`, undefined, g.hint));
    }
  }
  return { ok: !diagnostics.some((d) => d.severity === 'error'), policies, statementsIn: doc.statements.length, statementsOut: statements.length, diagnostics };
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
