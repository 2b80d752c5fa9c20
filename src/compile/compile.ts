/**
 * `guardrails compile`: intent -> statement drafts (controls) -> exact action sets (expand) ->
 * policies per type and target (pack) -> canonical JSON checked against the policy grammar and the
 * quotas -> out/ and its manifest. Nothing is written unless every check passes.
 */
import { error, hasErrors, type Diagnostic } from '../diagnostics/index.js';
import { buildControl, type ControlContext, type StatementDraft } from '../controls/index.js';
import { checkIntent, namedFile } from '../intent/index.js';
import { LIMITS, readTextSync } from '../files/index.js';
import { OrgTree } from '../model/org-tree.js';
import { resolveQuotas, type Quotas } from '../policy/index.js';
import { checkConditionKeys } from './condition-keys.js';
import { expandDrafts } from './expand.js';
import { compileInputsOf } from './input-digest.js';
import { buildManifest } from './manifest.js';
import { previousSpellings } from './minimize/previous-spellings.js';
import { packPolicies } from './pack.js';
import { checkControlGrammar, finishPolicy, locateControl } from './policy-checks.js';
import { proofErrors } from './prove-placements.js';
import { checkRegionRestrictions } from './region-contradictions.js';
import { reuseOut } from './reuse-out.js';
import { attachmentPoints, foreignPoliciesAt } from './targets.js';
import type { CompileInput, CompileResult, ControlPlacement } from './types.js';

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
