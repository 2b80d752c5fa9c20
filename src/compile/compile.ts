/**
 * `guardrails compile`: intent -> statement drafts (controls) -> exact action sets (expand) ->
 * policies per type and target (pack) -> canonical JSON checked against the policy grammar and the
 * quotas -> out/ and its manifest. Nothing is written unless every check passes.
 */
import * as path from 'node:path';
import { error, hasErrors, warning, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import { buildControl, type ControlContext, type StatementDraft } from '../controls/index.js';
import { checkIntent, namedFile, type Control, type Intent } from '../intent/index.js';
import { LIMITS, readTextSync } from '../files/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { checkGrammar, grammarErrors, renderPolicy, renderPolicyFile, resolveQuotas, type PolicyType, type Quotas, type Statement } from '../policy/index.js';
import type { ReferenceIndex, SnapshotManifest } from '../reference/index.js';
import { compilePolicy } from '../evaluate/index.js';
import { checkConditionKeys, keyLocation } from './condition-keys.js';
import { expandDrafts, type ExpandedStatement } from './expand.js';
import { buildManifest, type OutManifest } from './manifest.js';
import { LEVEL_NAMES } from './minimize/levels.js';
import { describeProofFailure, proveEquivalence, type ProofInput, type ProofOutput } from './minimize/prove.js';
import { previousSpellings } from './minimize/previous-spellings.js';
import { packPolicies, type PackedPolicy } from './pack.js';
import { attachmentPoints } from './targets.js';
import { compileInputsOf } from './input-digest.js';
import { reuseOut } from './reuse-out.js';
import { checkRegionRestrictions } from './region-contradictions.js';

export interface CompileInput {
  intent: Intent;
  reference: ReferenceIndex;
  referenceManifest: SnapshotManifest;
  /** Paths in the manifest are written relative to this directory (the repository root). */
  root: string;
  /** The previous out/manifest.json: packing keeps its assignments where they still fit. */
  previous?: OutManifest;
  /** The previous out/'s policy texts by name (readOutPolicies): their spellings are kept where still exact. */
  previousTexts?: ReadonlyMap<string, string>;
  /**
   * out/ as read (manifest and policy texts): when it was compiled from these very inputs and checks
   * out against the intent, its policies are taken as they are and the packer does not run
   * (reuse-out.ts). Otherwise compile packs as without it.
   */
  out?: OutAsRead;
  /** False when only the diagnostics are wanted (validate): no manifest is built. */
  manifest?: boolean;
}

export interface OutAsRead {
  manifest: OutManifest;
  texts: ReadonlyMap<string, string>;
}

export interface CompiledPolicy extends PackedPolicy {
  file: string;
  /** The canonical minified text: what is sent to AWS, and what its size quota counts. */
  text: string;
  /** Characters of `text`, as AWS counts them. */
  chars: number;
  maxChars: number;
  /** What out/<file> holds: the same policy laid out for review (renderPolicyFile). */
  fileText: string;
}

export interface ControlPlacement {
  control: Control;
  statements: ExpandedStatement[];
  /** Where its policies attach. */
  targets: OrgNode[];
}

export interface CompileResult {
  ok: boolean;
  policies: CompiledPolicy[];
  placements: ControlPlacement[];
  quotas: Quotas;
  manifest: OutManifest | undefined;
  diagnostics: Diagnostic[];
  /** Given out/: whether its policies were taken as they are (no packing), and if not, why not. */
  reusedOut?: boolean;
  outNotReused?: string;
}

export function compile(input: CompileInput): CompileResult {
  const { intent, reference } = input;
  const front = placeControls(input);
  const { diagnostics, placements, tree, quotas } = front;
  const fail = (): CompileResult => ({ ok: false, policies: [], placements: [], quotas, manifest: undefined, diagnostics: dedupe(diagnostics) });
  if (hasErrors(diagnostics) || !tree) return fail();
  const inputs = compileInputsOf(input, front.read);

  const reused = input.out ? reuseOut({ ...input, out: input.out }, { tree, placements, quotas, inputs }) : undefined;
  if (reused?.ok) {
    diagnostics.push(...reused.diagnostics);
    return { ok: true, policies: reused.policies, placements, quotas, manifest: input.out!.manifest, diagnostics: dedupe(diagnostics), reusedOut: true };
  }
  const outNotReused = reused ? { outNotReused: reused.why } : {};
  const packed = packPolicies(
    { intent, tree, placements, reference, quotas, previous: input.previous, previousSpellings: previousSpellings(input.previous, input.previousTexts), foreignAt: (node, type) => foreignPoliciesAt(intent, tree, node, type) },
    diagnostics,
  );
  if (hasErrors(diagnostics)) return { ...fail(), ...outNotReused };
  const policies = packed.map((p) => finishPolicy(p, intent, reference, quotas, diagnostics));
  // The proof runs on every compile: per target, the statements the controls mean (after expansion)
  // and the statements emitted must mean the same actions under the same circumstances.
  diagnostics.push(...proofErrors(placements, packed, tree, input.root, reference));
  if (hasErrors(diagnostics)) return { ...fail(), policies, placements, ...outNotReused };
  const manifest = input.manifest === false ? undefined : buildManifest({ intent, reference: input.referenceManifest, quotas, policies, placements, root: input.root, tree, inputs });
  return { ok: true, policies, placements, quotas, manifest, diagnostics: dedupe(diagnostics), reusedOut: false, ...outNotReused };
}

/** What compile did before packing: the controls built, expanded, checked and placed in the tree. */
export interface PlacedControls {
  diagnostics: Diagnostic[];
  placements: ControlPlacement[];
  tree: OrgTree | undefined;
  quotas: Quotas;
  /** The files the controls named (templates, imported policies), as read, in the order read: digested. */
  read: { file: string; text: string }[];
}

/**
 * Everything before packing: cheap next to it (no minimizer), so a command that finds out/ compiled
 * from the same inputs still runs it, to check out/ against the intent (reuse-out.ts).
 */
export function placeControls(input: CompileInput): PlacedControls {
  const { intent, reference } = input;
  const diagnostics: Diagnostic[] = [...checkIntent(intent, reference)];
  const quotas = resolveQuotas(intent.quotas) ?? resolveQuotas(undefined)!;
  const read: { file: string; text: string }[] = [];
  // Problems are reported together where practical: an invalid intent does not stop the controls
  // from being built, expanded and checked against their policy grammar, each control on its own, so
  // that one run names every problem of every control; only packing needs all of them right.
  const invalidIntent = hasErrors(diagnostics);
  const tree = intent.tree;
  if (!tree) diagnostics.push(error('no-tree', 'compile needs the organization tree to place policies: write organization.tree in the intent, or name an org snapshot in organization.treeFrom'));

  const ctx: ControlContext = {
    intent,
    reference,
    diagnostics,
    readFile: (control, relative) => {
      const file = namedFile(intent, control, relative);
      const got = readTextSync(file.path, { root: file.root, maxBytes: LIMITS.policyFile, what: 'file' });
      if (got.ok) read.push({ file: file.path, text: got.text });
      return got;
    },
  };
  const placements: ControlPlacement[] = [];
  for (const control of intent.controls) {
    if (control.enabled === false) continue;
    let drafts: StatementDraft[];
    try {
      drafts = buildControl(control, ctx);
    } catch (e) {
      // A control whose parameters are already reported as invalid may not build; the others still do.
      if (!invalidIntent) diagnostics.push(error('internal-error', `control ${control.id} could not be built: ${(e as Error).message}`, locateControl(intent, control.id), 'please report this with the intent'));
      continue;
    }
    const statements = expandDrafts(drafts, reference, diagnostics);
    checkControlGrammar(statements, reference, intent, diagnostics);
    checkConditionKeys(statements, reference, intent, diagnostics);
    if (!tree) continue;
    const resolve = (refs: string[] | undefined) => (refs ?? []).map((r) => tree.resolve(r)).flatMap((r) => (r.ok ? [r.node] : []));
    const targets = attachmentPoints({ attach: resolve(control.attach), exclude: resolve(control.exclude), managementAccount: intent.organization.managementAccount });
    placements.push({ control, statements, targets });
  }
  checkRegionRestrictions(placements, intent.organization.managementAccount, diagnostics);
  return { diagnostics, placements, tree, quotas, read };
}

/**
 * A packed policy as written: its canonical text, checked against the grammar and the quotas, and
 * evaluable (fail closed at compile time, see checkControlGrammar, again on the statements as packed
 * and sent); a warning when it needed an unreadable level.
 */
export function finishPolicy(p: PackedPolicy, intent: Intent, reference: ReferenceIndex, quotas: Quotas, diagnostics: Diagnostic[]): CompiledPolicy {
  const statements = p.statements.map((s) => s.statement);
  const text = renderPolicy(statements);
  const maxChars = quotas[p.type].maxChars;
  // Lint warnings were reported where the statements were written (validate, custom and imported policies).
  const grammarFlagged = new Set<number>();
  for (const problem of grammarErrors(checkGrammar({ version: '2012-10-17', statements }, p.type, { maxChars, text, supportsRcp: (s) => reference.supportsRcp(s) }))) {
    if (problem.statement !== undefined) grammarFlagged.add(problem.statement);
    const st = problem.statement === undefined ? undefined : p.statements[problem.statement];
    diagnostics.push(error(problem.code, `policy ${p.name} (${p.type.toUpperCase()}, control${p.controls.length > 1 ? 's' : ''} ${p.controls.join(', ')}): ${problem.message}`, st?.origins[0]!.draft.location ?? locateControl(intent, p.controls[0]!), problem.hint));
  }
  compilePolicy(p.name, statements.map(withoutActionList), reference).statements.forEach((es, i) => {
    if (!es.error || grammarFlagged.has(i)) return;
    const st = p.statements[i]!;
    diagnostics.push(error(es.errorCode ?? 'cannot-evaluate', `policy ${p.name} (${p.type.toUpperCase()}, control ${st.origins.map((o) => o.draft.control.id).join(', ')}): statement ${st.statement.sid ?? i + 1}: ${es.error}`, st.origins[0]!.draft.location ?? locateControl(intent, p.controls[0]!)));
  });
  // Levels 3 and 4 are exact but unreadable, and capture future actions along no meaningful line:
  // a reviewer must know which policy needed them and why.
  if (p.level >= 3) {
    const introduced = [...new Set(p.statements.flatMap((st) => st.introduced))];
    diagnostics.push(
      warning(
        'unreadable-minimization',
        `policy ${p.name} (${p.type.toUpperCase()}) needed level ${p.level} (${LEVEL_NAMES[p.level]}) to fit, ${p.escalatedFor ?? 'a quota'}; it writes ${introduced.length} wildcard${introduced.length === 1 ? '' : 's'} the intent did not (${introduced.slice(0, 6).join(', ')}${introduced.length > 6 ? ', ...' : ''})${p.statements.some((st) => st.introducedNotAction) ? ' and a NotAction complement' : ''}`,
        p.statements[0]?.origins[0]?.draft.location ?? locateControl(intent, p.controls[0]!),
        'attach fewer controls to the same targets, give them the same targets so that they share policies, or raise the quota; out/manifest.json lists every wildcard compile wrote',
      ),
    );
  }
  return { ...p, file: `${p.name}.json`, text, chars: text.length, maxChars, fileText: renderPolicyFile(statements) };
}

/** The equivalence proof's failures (see prove.ts), as errors naming the target. */
export function proofErrors(placements: readonly ControlPlacement[], packed: readonly PackedPolicy[], tree: OrgTree, root: string, reference: ReferenceIndex): Diagnostic[] {
  const scope = (s: string) => {
    const [type, target] = [s.slice(0, s.indexOf(' ')), s.slice(s.indexOf(' ') + 1)];
    const node = tree.nodes.find((n) => n.path === target);
    return `${node ? OrgTree.describe(node) : target} (${type.toUpperCase()})`;
  };
  return proveEquivalence(proofInputs(placements, root), proofOutputs(packed), reference).map((f) =>
    error('proof-failed', `internal error: ${describeProofFailure(f, scope)}`, f.inputs[0]?.location, 'please report this with the intent; compile with wildcards: exact to work around it'),
  );
}

/**
 * Each control's statements, one by one, against the grammar of their policy type (an RCP that
 * allows, names a principal or uses NotAction...), before they are packed with other controls'.
 * Fail closed at compile time, too: a statement the evaluation engine cannot evaluate faithfully (an
 * operator that does not fit its key's type, a key type it does not know, a malformed value) is an
 * error where the statement was written, not a surprise in simulate; checked here, per control, so
 * that one run names it beside every other control's problems. The whole policies are checked again
 * after packing (size, and as sent).
 */
function checkControlGrammar(statements: readonly ExpandedStatement[], reference: ReferenceIndex, intent: Intent, diagnostics: Diagnostic[]): void {
  for (const e of statements) {
    const d = e.draft;
    const st: Statement = { sid: d.sid, effect: d.effect };
    if (d.principal) st.principal = d.principal;
    if (e.actions) st.action = e.actions.text;
    if (e.notActions) st.notAction = e.notActions.text;
    if (d.resources) st.resource = d.resources;
    if (d.notResources) st.notResource = d.notResources;
    if (d.condition && Object.keys(d.condition).length) st.condition = d.condition;
    // Services RCPs do not support were reported (or skipped) by expansion, once per service; lint
    // warnings were reported where the statements were written.
    const problems = grammarErrors(checkGrammar({ version: '2012-10-17', statements: [st] }, d.type, { supportsRcp: () => true }));
    for (const problem of problems) {
      diagnostics.push(error(problem.code, `control ${d.control.id} (${d.type.toUpperCase()}): ${problem.message}`, d.location, problem.hint));
    }
    if (problems.length) continue;
    const [es] = compilePolicy(d.control.id, [withoutActionList(st)], reference).statements;
    if (!es?.error) continue;
    // A condition the engine cannot evaluate is pointed at where its key is written, when it is.
    const at = es.errorCondition ? keyLocation(intent, d.conditionSource, es.errorCondition.operator, es.errorCondition.key) : undefined;
    diagnostics.push(error(es.errorCode ?? 'cannot-evaluate', `control ${d.control.id} (${d.type.toUpperCase()}): statement ${d.sid}: ${es.error}`, at ?? d.location));
  }
}

/**
 * A statement for the engine's fail-closed check, its action list replaced by `*`. The check is asked
 * only of statements whose actions passed the grammar (service:name, the shape the engine needs; the
 * others are reported by the grammar and their engine error is not), so the list cannot be its error;
 * and the engine would expand it against the reference for nothing: that expansion, a set the size of
 * the action universe per pattern, was a third of the compile stage on controls of long lists.
 */
function withoutActionList(s: Statement): Statement {
  const { action, notAction, ...rest } = s;
  return action ? { ...rest, action: ['*'] } : notAction ? { ...rest, notAction: ['*'] } : rest;
}

/** What the controls mean, per policy type and target: the proof's input. */
export function proofInputs(placements: readonly ControlPlacement[], root: string): ProofInput[] {
  return placements.flatMap((p) =>
    p.statements.map((e) => {
      const d = e.draft;
      const where = d.location ? ` (${path.relative(root, d.location.file).split(path.sep).join('/')}:${d.location.line}:${d.location.col})` : '';
      const input: ProofInput = {
        scopes: p.targets.map((t) => `${d.type} ${t.path}`),
        effect: d.effect,
        element: e.actions ? 'Action' : 'NotAction',
        actions: (e.actions ?? e.notActions)!.set,
        label: `control ${d.control.id} statement ${d.sid}${where}`,
        location: d.location,
      };
      if (d.principal) input.principal = d.principal;
      if (d.resources) input.resources = d.resources;
      if (d.notResources) input.notResources = d.notResources;
      if (d.condition) input.condition = d.condition;
      return input;
    }),
  );
}

/** What the packed policies say, per policy type and target: the proof's output. */
export function proofOutputs(packed: readonly PackedPolicy[]): ProofOutput[] {
  return packed.flatMap((p) =>
    p.statements.map((s, j) => ({
      scopes: p.targets.map((t) => `${p.type} ${t.path}`),
      statement: s.statement,
      label: `policy ${p.name} statement ${j + 1}${s.statement.sid ? ` (Sid ${s.statement.sid})` : ''}`,
    })),
  );
}

/** Foreign policies attached directly to a node: the intent's list, or AWS's defaults. */
export function foreignPoliciesAt(intent: Intent, tree: OrgTree, node: OrgNode, type: PolicyType): string[] {
  const out: string[] = [];
  if (type === 'rcp') out.push('RCPFullAWSAccess');
  const declared = intent.foreignPolicies.filter((f) => f.type === type);
  if (type === 'scp' && !declared.some((f) => f.name === 'FullAWSAccess')) out.push('FullAWSAccess');
  for (const f of declared) {
    if (f.name === 'RCPFullAWSAccess') continue;
    if (f.targets.some((t) => {
      const r = tree.resolve(t);
      return r.ok && r.node === node;
    })) out.push(f.name);
  }
  return out;
}

function locateControl(intent: Intent, id: string): SourceLocation | undefined {
  const c = intent.controls.find((x) => x.id === id);
  return c ? intent.sources.locate(c as object) : undefined;
}

/** The same diagnostic reached twice (validate and compile both see an intent pattern) is reported once. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code}|${d.location?.file}:${d.location?.line}:${d.location?.col}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
