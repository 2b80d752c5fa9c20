/**
 * out/manifest.json: what reviewers and the rollout read. Everything in it derives from the intent and
 * the reference, with no timestamps, so that an unrelated change never shows up in its diff; only the
 * input digest (`inputs`) changes with every byte compile reads, a comment in the intent included.
 */
import * as path from 'node:path';
import type { SourceLocation } from '../diagnostics/index.js';
import type { Intent } from '../intent/index.js';
import type { OrgTree, OrgNode } from '../model/org-tree.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import type { SnapshotManifest } from '../reference/index.js';
import { OUT_MANIFEST_FORMAT, targetRef, type ManifestSource, type ManifestTarget, type OutManifest, type SlotUse } from './out-manifest.js';
import { foreignPoliciesAt } from './targets.js';
import type { CompiledPolicy, ControlPlacement } from './types.js';
import { textHash, type CompileInputs } from './input-digest.js';

export function buildManifest(args: {
  intent: Intent;
  reference: SnapshotManifest;
  quotas: Quotas;
  policies: CompiledPolicy[];
  placements: ControlPlacement[];
  root: string;
  tree: OrgTree;
  inputs?: CompileInputs;
}): OutManifest {
  const { intent, reference, quotas, policies, placements, root, tree } = args;
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  const where = (l: SourceLocation | undefined) => (l ? `${rel(l.file)}:${l.line}:${l.col}` : null);
  const targets: ManifestTarget[] = [];
  const attachedAt = new Map<OrgNode, CompiledPolicy[]>();
  for (const p of policies) {
    for (const t of new Set(p.targets)) {
      const list = attachedAt.get(t);
      if (list) list.push(p);
      else attachedAt.set(t, [p]);
    }
  }
  for (const node of tree.nodes) {
    const slot = (type: PolicyType): SlotUse => {
      const ours = (attachedAt.get(node) ?? []).filter((p) => p.type === type).map((p) => p.name);
      const foreign = foreignPoliciesAt(intent, tree, node, type);
      const used = ours.length + foreign.length;
      return { policies: ours, foreign, used, max: quotas[type].maxPerTarget, free: quotas[type].maxPerTarget - used };
    };
    const scp = slot('scp');
    const rcp = slot('rcp');
    if (scp.policies.length || rcp.policies.length) targets.push({ ...targetRef(node), scp, rcp });
  }
  return {
    format: OUT_MANIFEST_FORMAT,
    ...(args.inputs ? { inputs: { digest: args.inputs.digest, compiler: args.inputs.compiler } } : {}),
    // The snapshot id pins the reference; the day it was synced says how old it is. Only the day: the
    // cache is committed, so the day changes only with the cache itself (a re-sync), never from one
    // machine or compile to the next; where it came from would only add noise to diffs.
    reference: { snapshotId: reference.snapshotId, syncedOn: reference.syncedAt.slice(0, 10), services: reference.totals.services, actions: reference.totals.actions },
    quotas,
    organization: { id: intent.organization.id, managementAccount: intent.organization.managementAccount },
    intent: intent.files.map(rel),
    controls: placements.map((p) => ({
      id: p.control.id,
      kind: p.control.kind,
      file: rel(p.control.intentFile),
      policies: policies.filter((x) => x.controls.includes(p.control.id)).map((x) => x.name),
      targets: p.targets.map(targetRef),
    })),
    policies: policies.map((p) => ({
      name: p.name,
      type: p.type,
      file: p.file,
      chars: p.chars,
      maxChars: p.maxChars,
      fileBytes: Buffer.byteLength(p.fileText, 'utf8'),
      ...(args.inputs ? { sha256: textHash(p.fileText) } : {}),
      sids: p.sids,
      ...(p.consolidatedFor ? { consolidatedFor: p.consolidatedFor.path } : {}),
      level: p.level,
      ...(p.escalatedFor ? { escalatedFor: p.escalatedFor } : {}),
      controls: p.controls,
      targets: p.targets.map(targetRef),
      statements: p.statements.map((s) => {
        const emitted = s.element === 'Action' ? s.statement.action! : s.statement.notAction!;
        return {
          sid: s.statement.sid ?? null,
          sources: s.origins.map((o) => {
            const src: ManifestSource = { control: o.draft.control.id, role: o.draft.role, summary: o.draft.summary, source: where(o.draft.location) };
            if (o.draft.companionOf) src.companionOf = o.draft.companionOf;
            return src;
          }),
          ...(s.part !== undefined ? { part: s.part } : {}),
          element: s.element,
          actions: s.intended.size,
          wildcards: emitted.filter((t) => t.includes('*') || t.includes('?')),
          introduced: s.introduced,
          introducedNotAction: s.introducedNotAction,
        };
      }),
    })),
    targets,
  };
}


/**
 * What is wrong with a value read as out/manifest.json, if anything: the first field compile, diff,
 * plan or notify reads that is missing or of the wrong type, with the path to it. out/ is committed, so
 * a pull request writes it: nothing of it is trusted before this check. Fields nobody reads may be
 * added freely (a newer compiler's); a policy's `file` must be a plain file name in out/.
 */
export function outManifestProblem(value: unknown): ShapeProblem | undefined {
  return MANIFEST(value, []);
}

export interface ShapeProblem {
  /** Keys and indexes from the top of the manifest to the value at fault. */
  path: (string | number)[];
  message: string;
}

type Path = (string | number)[];
type Shape = (v: unknown, at: Path) => ShapeProblem | undefined;

/**
 * A file compile writes: `<policy name>.json`, a plain name in out/ (no directory part, no `..`, not
 * hidden, not the manifest, no control character), so that reading it can never lead elsewhere.
 */
export function isPolicyFileName(name: string): boolean {
  return name.endsWith('.json') && name !== 'manifest.json' && !name.startsWith('.') && !/[/\\\u0000-\u001f\u007f]/.test(name) && name.length <= 255;
}

const problem = (at: Path, message: string): ShapeProblem => ({ path: at, message: `${pathText(at)} ${message}` });
const pathText = (at: Path) => at.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '') || 'the manifest';

const text: Shape = (v, at) => (typeof v === 'string' ? undefined : problem(at, 'must be a string'));
const textOrNull: Shape = (v, at) => (v === null || typeof v === 'string' ? undefined : problem(at, 'must be a string or null'));
const count: Shape = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? undefined : problem(at, 'must be a number'));
const flag: Shape = (v, at) => (typeof v === 'boolean' ? undefined : problem(at, 'must be true or false'));
const oneOf =
  (...values: unknown[]): Shape =>
  (v, at) =>
    values.includes(v) ? undefined : problem(at, `must be ${values.map((x) => JSON.stringify(x)).join(' or ')}`);
const listOf =
  (item: Shape): Shape =>
  (v, at) => {
    if (!Array.isArray(v)) return problem(at, 'must be a list');
    for (let i = 0; i < v.length; i++) {
      const p = item(v[i], [...at, i]);
      if (p) return p;
    }
    return undefined;
  };
/** An object with these fields; keys ending in `?` may be absent. */
const object =
  (fields: Record<string, Shape>): Shape =>
  (v, at) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return problem(at, 'must be an object');
    const o = v as Record<string, unknown>;
    for (const [spec, shape] of Object.entries(fields)) {
      const key = spec.endsWith('?') ? spec.slice(0, -1) : spec;
      if (!Object.prototype.hasOwnProperty.call(o, key)) {
        if (spec.endsWith('?')) continue;
        return problem([...at, key], 'is missing');
      }
      const p = shape(o[key], [...at, key]);
      if (p) return p;
    }
    return undefined;
  };
const policyFile: Shape = (v, at) =>
  typeof v === 'string' && isPolicyFileName(v) ? undefined : problem(at, 'must be the plain name of a .json file in out/ (no directory, no ..)');

const TARGET_REF = { target: text, kind: oneOf('root', 'ou', 'account'), id: textOrNull };
const TYPE_QUOTA = object({ maxChars: count, maxPerTarget: count, 'maxPerOrganization?': count });
const SLOT_USE = object({ policies: listOf(text), foreign: listOf(text), used: count, max: count, free: count });
const STATEMENT = object({
  sid: textOrNull,
  sources: listOf(object({ control: text, role: text, 'companionOf?': text, summary: text, source: textOrNull })),
  'part?': count,
  element: oneOf('Action', 'NotAction'),
  actions: count,
  wildcards: listOf(text),
  introduced: listOf(text),
  introducedNotAction: flag,
});
const POLICY = object({
  name: text,
  type: oneOf('scp', 'rcp'),
  file: policyFile,
  chars: count,
  maxChars: count,
  'fileBytes?': count,
  'sha256?': text,
  statements: listOf(STATEMENT),
  controls: listOf(text),
  targets: listOf(object(TARGET_REF)),
  'sids?': oneOf('keep', 'drop'),
  'consolidatedFor?': text,
  'level?': oneOf(1, 2, 3, 4),
  'escalatedFor?': text,
});
const MANIFEST: Shape = object({
  format: oneOf(OUT_MANIFEST_FORMAT),
  'inputs?': object({ digest: text, compiler: text }),
  reference: object({ snapshotId: text, syncedOn: text, services: count, actions: count }),
  quotas: object({ profile: text, scp: TYPE_QUOTA, rcp: TYPE_QUOTA }),
  organization: object({ id: text, managementAccount: text }),
  intent: listOf(text),
  controls: listOf(object({ id: text, kind: text, file: text, policies: listOf(text), targets: listOf(object(TARGET_REF)) })),
  policies: listOf(POLICY),
  targets: listOf(object({ ...TARGET_REF, scp: SLOT_USE, rcp: SLOT_USE })),
});
