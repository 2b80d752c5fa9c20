/**
 * The format of out/manifest.json: what it records per policy, statement, control and target. Shared by
 * everything that writes, reads or compares a manifest (manifest.ts builds one, read-out.ts checks one,
 * pack and previous-spellings take their earlier choices from one).
 */
import type { OrgNode } from '../model/org-tree.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import type { CompileInputs } from './input-digest.js';

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
  /**
   * Which part it is (1, 2, ...) of a statement split to fit the size quota; absent for a whole one.
   * The parts share their sources: without it the next compile could not tell them apart, and would
   * swap them between policies (and renumber their Sids).
   */
  part?: number;
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

/**
 * What makes a statement the same one from one compile to the next: the control statements merged into
 * it (control, role and summary, as the manifest records its sources; not the source line, which moves
 * when the file is edited above it), and which part of a split statement it is.
 */
export function statementKey(sources: readonly { control: string; role: string; summary: string }[], part?: number): string {
  const key = sources.map((s) => `${s.control}\u0000${s.role}\u0000${s.summary}`).sort().join('\u0001');
  return part === undefined ? key : `${key}\u0002${part}`;
}

export interface ManifestPolicy {
  name: string;
  type: PolicyType;
  file: string;
  /** Characters of the canonical minified text sent to AWS: what maxChars bounds. */
  chars: number;
  maxChars: number;
  /** Bytes of the file in out/, laid out for review (larger than chars; no quota counts it). */
  fileBytes?: number;
  /** sha256 of the file in out/ (hex): a file edited after compile no longer matches. Absent before input digests. */
  sha256?: string;
  statements: ManifestStatement[];
  controls: string[];
  targets: TargetRef[];
  /** Whether the policy's target group kept Sids or merged statements: compile keeps the choice. */
  sids?: 'keep' | 'drop';
  /** Set when consolidation made the policy for one target that ran out of slots. */
  consolidatedFor?: string;
  /**
   * How far it is minimized (1 exact names, 2 word-boundary prefixes, 3 substring wildcards, 4 the
   * NotAction complement); absent in manifests written before levels.
   */
  level?: 1 | 2 | 3 | 4;
  /** Above level 1: the quota that forced it, and by how much. */
  escalatedFor?: string;
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
  /**
   * What compile read (input-digest.ts): a command that computes the same digest from the inputs it
   * has may take out/'s policies instead of packing them again (reuse-out.ts). Absent in manifests
   * written before digests: those commands then compile in memory.
   */
  inputs?: CompileInputs;
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
