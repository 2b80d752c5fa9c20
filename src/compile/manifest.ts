/**
 * out/manifest.json: what reviewers and the rollout read. Everything in it derives from the intent and
 * the reference, with no timestamps, so that an unrelated change never shows up in its diff.
 */
import * as path from 'node:path';
import type { SourceLocation } from '../diagnostics/index.js';
import type { Intent } from '../intent/index.js';
import type { OrgTree, OrgNode } from '../model/org-tree.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import type { SnapshotManifest } from '../reference/index.js';
import { foreignPoliciesAt, type CompiledPolicy, type ControlPlacement } from './compile.js';

export const OUT_MANIFEST_FORMAT = 1;

export interface TargetRef {
  target: string;
  kind: OrgNode['kind'];
  id: string | null;
}

export interface ManifestSource {
  control: string;
  role: string;
  companionOf?: string;
  summary: string;
  /** Where the intent (or an imported file) says it: file:line:col relative to the repository root. */
  source: string | null;
}

export interface ManifestStatement {
  sid: string | null;
  /** The statements of the intent it carries (several when statements with equal elements merged). */
  sources: ManifestSource[];
  element: 'Action' | 'NotAction';
  /** Number of actions the element means within the reference (NotAction: the exempt actions). */
  actions: number;
  /** Wildcards in the emitted list: they may capture actions AWS adds later. */
  wildcards: string[];
  /** The wildcards among them that compaction wrote and the intent did not. */
  introduced: string[];
  /**
   * The intent listed actions; the minimizer wrote NotAction of their complement (shorter, exact
   * today). Such a Deny also denies every action AWS adds later.
   */
  introducedNotAction: boolean;
}

export interface ManifestPolicy {
  name: string;
  type: PolicyType;
  file: string;
  chars: number;
  maxChars: number;
  statements: ManifestStatement[];
  controls: string[];
  targets: TargetRef[];
  /** Whether the policy's target group kept Sids or merged statements: compile keeps the choice. */
  sids?: 'keep' | 'drop';
  /** Set when consolidation made the policy for one target that ran out of slots. */
  consolidatedFor?: string;
}

export interface ManifestTarget extends TargetRef {
  scp: SlotUse;
  rcp: SlotUse;
}

export interface SlotUse {
  policies: string[];
  foreign: string[];
  used: number;
  max: number;
  free: number;
}

export interface OutManifest {
  format: typeof OUT_MANIFEST_FORMAT;
  /** The pinned reference: its content hash, and the day it was synced (UTC; no time, see buildManifest). */
  reference: { snapshotId: string; syncedOn: string; services: number; actions: number };
  quotas: Quotas;
  organization: { id: string; managementAccount: string };
  intent: string[];
  controls: { id: string; kind: string; file: string; policies: string[]; targets: TargetRef[] }[];
  policies: ManifestPolicy[];
  targets: ManifestTarget[];
}

export function targetRef(n: OrgNode): TargetRef {
  return { target: n.path, kind: n.kind, id: n.id ?? null };
}

export function buildManifest(args: {
  intent: Intent;
  reference: SnapshotManifest;
  quotas: Quotas;
  policies: CompiledPolicy[];
  placements: ControlPlacement[];
  root: string;
  tree: OrgTree;
}): OutManifest {
  const { intent, reference, quotas, policies, placements, root, tree } = args;
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  const where = (l: SourceLocation | undefined) => (l ? `${rel(l.file)}:${l.line}:${l.col}` : null);
  const targets: ManifestTarget[] = [];
  for (const node of tree.nodes) {
    const slot = (type: PolicyType): SlotUse => {
      const ours = policies.filter((p) => p.type === type && p.targets.includes(node)).map((p) => p.name);
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
      sids: p.sids,
      ...(p.consolidatedFor ? { consolidatedFor: p.consolidatedFor.path } : {}),
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

