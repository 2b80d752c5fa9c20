/**
 * What the index keeps of a service file, in a compact array form: a snapshot's 14 MB of service files
 * (most of it SDK operation mappings) reduce to about 1.8 MB. It is built from the service files each
 * time a snapshot is loaded and never stored in a cache (load.ts says why); a build of guardrails
 * prebuilds it for the snapshots the package ships (prebuilt-index.ts), and regenerates those with
 * every build, so a change here reaches them.
 */
import { accessLevelOf, type AccessLevel } from './access-level.js';
import type { RawServiceFile } from './service-file.js';

/** Bump when the layout changes. */
export const COMPACT_INDEX_FORMAT = 1;

export const LEVEL_CODES: readonly AccessLevel[] = ['Read', 'List', 'Write', 'Tagging', 'Permissions management', 'Unknown'];

/** [name, access level code, resource types, condition keys] */
export type CompactAction = [string, number, string[], string[]];
/** [name, ARN formats, condition keys] */
export type CompactResource = [string, string[], string[]];
/** [name, types] */
export type CompactConditionKey = [string, string[]];
/** [prefix, schema version, actions sorted by name, resource types, condition keys] */
export type CompactService = [string, string | null, CompactAction[], CompactResource[], CompactConditionKey[]];

export interface CompactIndex {
  format: typeof COMPACT_INDEX_FORMAT;
  snapshotId: string;
  services: CompactService[];
}

export function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

export function compactService(file: RawServiceFile): CompactService {
  const actions: CompactAction[] = [];
  let last = '';
  for (const a of [...file.Actions].sort((x, y) => compareNames(x.Name, y.Name))) {
    // A file listing one action twice (in any casing) must not yield two actions.
    const lower = a.Name.toLowerCase();
    if (lower === last) continue;
    last = lower;
    actions.push([a.Name, LEVEL_CODES.indexOf(accessLevelOf(a)), (a.Resources ?? []).map((r) => r.Name), a.ActionConditionKeys ?? []]);
  }
  const resources: CompactResource[] = (file.Resources ?? []).map((r) => [r.Name, r.ARNFormats ?? [], r.ConditionKeys ?? []]);
  const keys: CompactConditionKey[] = (file.ConditionKeys ?? []).map((k) => [k.Name, k.Types ?? []]);
  return [file.Name, file.Version ?? null, actions, resources, keys];
}
