/**
 * Access levels as AWS's documentation names them, derived from a service file's annotations
 * (REFERENCE.md section 3). Actions without annotations (v1.1 files) have no known level: no
 * access-level selector matches them, which is the safe reading for an exclusion and is reported
 * for an inclusion.
 */
import type { RawAction } from './service-file.js';

export const ACCESS_LEVELS = ['Read', 'List', 'Write', 'Tagging', 'Permissions management'] as const;
export type KnownAccessLevel = (typeof ACCESS_LEVELS)[number];
export type AccessLevel = KnownAccessLevel | 'Unknown';

/** Most sensitive first: the order reviewers and notifications list actions in. */
export const ACCESS_LEVEL_SEVERITY: readonly AccessLevel[] = ['Permissions management', 'Write', 'Tagging', 'Read', 'List', 'Unknown'];

export function accessLevelOf(action: RawAction): AccessLevel {
  const p = action.Annotations?.Properties;
  if (!p) return 'Unknown';
  if (p.IsWrite) {
    if (p.IsPermissionManagement) return 'Permissions management';
    if (p.IsTaggingOnly) return 'Tagging';
    return 'Write';
  }
  if (p.IsList) return 'List';
  if (p.IsPermissionManagement) return 'Permissions management';
  if (p.IsTaggingOnly) return 'Tagging';
  return 'Read';
}

const BY_KEY = new Map<string, KnownAccessLevel>(ACCESS_LEVELS.map((l) => [accessLevelKey(l), l]));

function accessLevelKey(s: string): string {
  return s.toLowerCase().replace(/[\s_-]+/g, '');
}

/** `Write`, `write`, `Permissions management`, `permissions-management`, `PermissionsManagement`. */
export function parseAccessLevel(text: string): KnownAccessLevel | undefined {
  return BY_KEY.get(accessLevelKey(text));
}
