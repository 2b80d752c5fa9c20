/**
 * Taking out/'s policies instead of packing them again, when out/ was compiled from the very inputs
 * a command has now: simulate, diff and plan then skip the minimizer and the packer, the costly half of
 * compile. The cheap half (controls built, expanded, checked and placed in the tree) still runs.
 *
 * Trust: out/ and its manifest are pull-request input. The input digest is recomputed here from what
 * was read, never taken from the manifest, but a matching digest proves nothing about out/: anyone can
 * compute it and write any policies beside it. So out/ is taken only when it is, checked here, what
 * the intent compiles to in every respect that matters, else the command compiles in memory as
 * without it (and diff and plan then refuse an out/ that differs, as stale):
 *
 * - the manifest's digest and compiler are the ones computed now (else out/ is for other inputs);
 * - every policy file is the one the manifest lists, byte for byte (its sha256), and is laid out as
 *   compile lays it out; no policy file the manifest does not list is used;
 * - each policy passes the checks compile makes of a packed one (grammar, size quota, evaluable), and
 *   no target holds more policies than its slots;
 * - the equivalence proof (minimize/prove.ts), run on every compile, holds between what the controls
 *   mean, placed in the tree now, and the statements of out/'s policies where out/ attaches them: each
 *   target gets exactly what the intent says, whatever wrote out/;
 * - the manifest is, byte for byte as JSON, what compile writes for these policies: what reviewers
 *   read in it (placements, slots, wildcards the compaction introduced, recomputed here from the
 *   intent and the policy texts) is true.
 *
 * What is taken on trust is only what packing chose and no check can recompute without packing: which
 * statements share a policy, the policy names, the spelling of action lists and the level recorded; a
 * hand-made out/ that passes all of the above means the intent exactly, spelled differently. `rollout`,
 * which changes the organization, never takes out/ this way: it compiles, and refuses an out/ that
 * differs in any byte.
 */
import type { Diagnostic } from '../diagnostics/index.js';
import { hasErrors } from '../diagnostics/index.js';
import type { Intent } from '../intent/index.js';
import type { OrgNode, OrgTree } from '../model/org-tree.js';
import { readPolicyDocument, renderPolicyFile, type Quotas, type Statement } from '../policy/index.js';
import { hasWildcard, type ReferenceIndex } from '../reference/index.js';
import { finishPolicy } from './policy-checks.js';
import { proofErrors } from './prove-placements.js';
import { foreignPoliciesAt } from './targets.js';
import type { CompileInput, CompiledPolicy, ControlPlacement, OutAsRead, PackedPolicy, PackedStatement } from './types.js';
import type { ExpandedStatement } from './expand.js';
import { textHash, type CompileInputs } from './input-digest.js';
import { buildManifest } from './manifest.js';
import type { ManifestPolicy, ManifestSource } from './out-manifest.js';
import { statementSize } from './minimize/minimize-statements.js';

export type OutReuse = { ok: true; policies: CompiledPolicy[]; diagnostics: Diagnostic[] } | { ok: false; why: string };

/** out/'s policies as compile would write them from these inputs, or why they cannot be taken. */
export function reuseOut(input: CompileInput & { out: OutAsRead }, placed: { tree: OrgTree; placements: ControlPlacement[]; quotas: Quotas; inputs: CompileInputs }): OutReuse {
  const { manifest, texts } = input.out;
  const { tree, placements, quotas, inputs } = placed;
  const no = (why: string): OutReuse => ({ ok: false, why });
  if (!manifest.inputs) return no('out/manifest.json records no input digest (written by an earlier guardrails)');
  if (manifest.inputs.compiler !== inputs.compiler) return no(`out/ was compiled by ${manifest.inputs.compiler}, not ${inputs.compiler}`);
  if (manifest.inputs.digest !== inputs.digest) return no('out/ was compiled from other inputs: the intent, a file it names, the org snapshot or the service reference');
  if (manifest.reference.snapshotId !== input.referenceManifest.snapshotId) return no('out/ was compiled against another service-reference snapshot');

  const drafts = new Map<string, ExpandedStatement[]>();
  for (const p of placements) for (const s of p.statements) drafts.set(p.control.id, [...(drafts.get(p.control.id) ?? []), s]);
  const packed: PackedPolicy[] = [];
  for (const mp of manifest.policies) {
    const text = texts.get(mp.name);
    if (text === undefined) return no(`${mp.file} is missing`);
    if (mp.sha256 === undefined || textHash(text) !== mp.sha256) return no(`${mp.file} is not the file the manifest lists`);
    const policy = packedFromFile(mp, text, tree, drafts, input.reference);
    if (typeof policy === 'string') return no(`${mp.file}: ${policy}`);
    packed.push(policy);
  }

  const diagnostics: Diagnostic[] = [];
  const policies = packed.map((p) => finishPolicy(p, input.intent, input.reference, quotas, diagnostics));
  if (hasErrors(diagnostics)) return no('a policy in out/ does not pass the checks compile makes');
  const full = slotsOverrun(input.intent, tree, policies, quotas);
  if (full) return no(`${full} holds more policies than it has slots`);
  if (proofErrors(placements, packed, tree, input.root, input.reference).length) return no('out/ does not mean what the intent means');
  const rebuilt = buildManifest({ intent: input.intent, reference: input.referenceManifest, quotas, policies, placements, root: input.root, tree, inputs });
  if (JSON.stringify(rebuilt) !== JSON.stringify(manifest)) return no('out/manifest.json is not the manifest compile writes for its policies');
  return { ok: true, policies, diagnostics };
}

/** A policy of out/ as packing made it, or what keeps it from being one. */
function packedFromFile(mp: ManifestPolicy, text: string, tree: OrgTree, drafts: ReadonlyMap<string, ExpandedStatement[]>, reference: ReferenceIndex): PackedPolicy | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const read = readPolicyDocument(value, undefined);
  if (!read.document || read.diagnostics.length) return 'not a policy compile writes';
  const statements: Statement[] = read.document.statements.map(({ origin: _origin, ...s }) => s);
  if (renderPolicyFile(statements) !== text) return 'not laid out as compile lays it out';
  if (statements.length !== mp.statements.length) return 'the manifest lists another number of statements';
  const node = (path: string): OrgNode | undefined => {
    const r = tree.resolve(path);
    return r.ok ? r.node : undefined;
  };
  const targets: OrgNode[] = [];
  for (const t of mp.targets) {
    const n = node(t.target);
    if (!n || n.path !== t.target) return `target ${t.target} is not in the tree`;
    targets.push(n);
  }
  const consolidatedFor = mp.consolidatedFor === undefined ? undefined : node(mp.consolidatedFor);
  if (mp.consolidatedFor !== undefined && !consolidatedFor) return `target ${mp.consolidatedFor} is not in the tree`;
  const level = mp.level ?? 1;
  const used = new Set<ExpandedStatement>();
  const packedStatements: PackedStatement[] = [];
  for (let i = 0; i < statements.length; i++) {
    const statement = statements[i]!;
    const origins: ExpandedStatement[] = [];
    for (const src of mp.statements[i]!.sources) {
      const found = originOf(src, drafts, used);
      if (!found) return `statement ${i + 1} names a statement of control ${src.control} the intent does not have`;
      origins.push(found);
    }
    if (!origins.length) return `statement ${i + 1} comes from no control`;
    const first = origins[0]!;
    const firstElement = first.actions ? 'Action' : 'NotAction';
    const element = statement.action ? 'Action' : 'NotAction';
    const list = element === 'Action' ? statement.action : statement.notAction;
    if (!list) return `statement ${i + 1} lists no actions`;
    const intended = (first.actions ?? first.notActions)!.set.clone();
    for (const o of origins.slice(1)) intended.addAll((o.actions ?? o.notActions)!.set);
    const given = new Set(origins.flatMap((o) => (o.actions ?? o.notActions)!.text).map((g) => g.toLowerCase()));
    packedStatements.push({
      statement,
      element,
      intended: element === firstElement ? intended : reference.allActions().minus(intended),
      introduced: list.filter((t) => hasWildcard(t) && !given.has(t.toLowerCase())),
      introducedNotAction: element !== firstElement,
      origins,
      size: statementSize(statement),
      level,
      keptSpelling: false,
      ...(mp.statements[i]!.part !== undefined ? { part: mp.statements[i]!.part } : {}),
    });
  }
  return {
    name: mp.name,
    type: mp.type,
    sids: mp.sids ?? 'keep',
    statements: packedStatements,
    controls: mp.controls,
    targets,
    ...(consolidatedFor ? { consolidatedFor } : {}),
    level,
    ...(mp.escalatedFor !== undefined ? { escalatedFor: mp.escalatedFor } : {}),
  };
}

/**
 * The statement of the intent a manifest source names: its control, role and summary, where it is
 * written. Statements split in parts name the same source, so a source may be taken again; an unused
 * match is preferred.
 */
function originOf(src: ManifestSource, drafts: ReadonlyMap<string, ExpandedStatement[]>, used: Set<ExpandedStatement>): ExpandedStatement | undefined {
  const candidates = (drafts.get(src.control) ?? []).filter((e) => e.draft.role === src.role && e.draft.summary === src.summary && (e.draft.companionOf ?? undefined) === src.companionOf);
  const at = (e: ExpandedStatement) => (e.draft.location ? `:${e.draft.location.line}:${e.draft.location.col}` : null);
  const located = candidates.filter((e) => (src.source === null ? at(e) === null : at(e) !== null && src.source.endsWith(at(e)!)));
  const found = located.find((e) => !used.has(e)) ?? located[0];
  if (found) used.add(found);
  return found;
}

/** The first target whose policies (ours and foreign) exceed its slots, if any. */
function slotsOverrun(intent: Intent, tree: OrgTree, policies: readonly CompiledPolicy[], quotas: Quotas): string | undefined {
  const at = new Map<OrgNode, { scp: number; rcp: number }>();
  for (const p of policies) {
    for (const t of new Set(p.targets)) {
      const n = at.get(t) ?? { scp: 0, rcp: 0 };
      n[p.type]++;
      at.set(t, n);
    }
  }
  for (const [node, n] of at) {
    for (const type of ['scp', 'rcp'] as const) {
      if (n[type] && n[type] + foreignPoliciesAt(intent, tree, node, type).length > quotas[type].maxPerTarget) return node.path;
    }
  }
  return undefined;
}
