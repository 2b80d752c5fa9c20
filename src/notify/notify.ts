/** The notification: reference changes between two snapshots and the guardrails they touch. */
import type { CompileResult } from '../compile/index.js';
import type { LoadedSnapshot } from '../reference/index.js';
import { compareReferences, type ReferenceChanges } from './compare.js';
import { analyzeImpact, impactActions, type CompiledOut, type ImpactAction, type ImpactItem } from './impact.js';
import { snapshotDate, type SnapshotDate } from '../reference/index.js';

export interface SnapshotRef {
  snapshotId: string;
  /** When the cache synced it; for a directory read as a snapshot, its service list's modification time. */
  syncedAt: string;
  source: string;
  services: number;
  actions: number;
  /** The date of its contents, as far as its manifest tells, and what that date is (see reference/snapshot-date.ts). */
  date: SnapshotDate;
}

/** What a key looks like: nothing else is ever written as one. */
export const NOTIFICATION_KEY = /^guardrails-notify:[0-9a-f]{16}\.\.[0-9a-f]{16}$/;

/**
 * The key of a notification: the same for every run that compares the same two snapshots, whatever the
 * format, so that a workflow finds the issue it already opened for them (see findReported).
 */
export function notificationKey(fromSnapshotId: string, toSnapshotId: string): string {
  // Snapshot ids are 16 hexadecimal digits (checked where manifests are read): the key matches NOTIFICATION_KEY.
  return `guardrails-notify:${fromSnapshotId}..${toSnapshotId}`;
}

export interface NotifySummary {
  servicesAdded: number;
  servicesRemoved: number;
  actionsAdded: number;
  actionsRemoved: number;
  accessLevelChanges: number;
  actionConditionKeyChanges: number;
  actionResourceTypeChanges: number;
  serviceConditionKeyChanges: number;
  serviceResourceTypeChanges: number;
  /** New actions at the Write, Permissions management or Tagging level. */
  sensitiveActionsAdded: number;
  impacts: number;
  /** Controls a change touches, sorted. */
  touchedControls: string[];
}

export interface NotifyResult {
  /** `guardrails-notify:<from>..<to>`: see notificationKey. */
  key: string;
  from: SnapshotRef;
  to: SnapshotRef;
  /**
   * Whether out/ was there to analyse, and whether the intent was compiled against the newer snapshot;
   * with out/, the snapshot it was compiled against and the one its impact is measured from (the same
   * when the cache holds it; else the older snapshot of the comparison, and `notes` says so).
   */
  analysed: { out: boolean; intent: boolean; outSnapshot?: string; outBaseline?: string };
  /** What the reader should know about how the comparison was made (which --from, and why). */
  notes: string[];
  summary: NotifySummary;
  /** New sensitive actions, Permissions management first, whatever guardrail they touch. */
  sensitiveAdditions: ImpactAction[];
  changes: ReferenceChanges;
  impact: ImpactItem[];
  /** True when a change touches a guardrail: a scheduled job opens an issue. */
  touched: boolean;
}

export interface NotifyOptions {
  /** The snapshot out/ was compiled against, when it is neither `from` nor unavailable (see analyzeImpact). */
  outBaseline?: LoadedSnapshot;
  notes?: string[];
}

export function notify(from: LoadedSnapshot, to: LoadedSnapshot, out: CompiledOut | undefined, recompiled: CompileResult | undefined, options: NotifyOptions = {}): NotifyResult {
  const changes = compareReferences(from.index, to.index);
  const outSnapshot = out?.manifest.reference.snapshotId;
  const baseline = options.outBaseline && options.outBaseline.index.snapshotId !== from.index.snapshotId ? options.outBaseline : undefined;
  const impact = analyzeImpact(changes, to.index, out, recompiled, baseline?.index);
  const sensitiveAdditions = impactActions(changes.actionsAdded).filter((a) => a.sensitive);
  const touchedControls = [...new Set(impact.flatMap((i) => i.controls))].sort();
  return {
    key: notificationKey(from.manifest.snapshotId, to.manifest.snapshotId),
    from: refOf(from),
    to: refOf(to),
    analysed: { out: out !== undefined, intent: recompiled !== undefined, ...(outSnapshot ? { outSnapshot, outBaseline: (baseline ?? from).manifest.snapshotId } : {}) },
    notes: options.notes ?? [],
    summary: {
      servicesAdded: changes.servicesAdded.length,
      servicesRemoved: changes.servicesRemoved.length,
      actionsAdded: changes.actionsAdded.length,
      actionsRemoved: changes.actionsRemoved.length,
      accessLevelChanges: changes.accessLevelChanges.length,
      actionConditionKeyChanges: changes.actionConditionKeyChanges.length,
      actionResourceTypeChanges: changes.actionResourceTypeChanges.length,
      serviceConditionKeyChanges: changes.serviceConditionKeyChanges.length,
      serviceResourceTypeChanges: changes.serviceResourceTypeChanges.length,
      sensitiveActionsAdded: sensitiveAdditions.length,
      impacts: impact.length,
      touchedControls,
    },
    sensitiveAdditions,
    changes,
    impact,
    touched: impact.length > 0,
  };
}

export function refOf(s: LoadedSnapshot): SnapshotRef {
  // A directory read as a snapshot is its own origin and source; a snapshot of the cache comes from the cache.
  const readFrom = s.origin === s.manifest.source ? 'directory' : 'cache';
  const m = s.manifest;
  return { snapshotId: m.snapshotId, syncedAt: m.syncedAt, source: m.source, services: m.totals.services, actions: m.totals.actions, date: snapshotDate(m, readFrom) };
}
