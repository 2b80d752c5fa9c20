/**
 * The date of a snapshot's contents, as far as its manifest tells. The time of the sync says when the
 * copy was made, not what it holds: two snapshots a year apart, synced one after the other, were shown
 * 36 ms apart. In order of what the manifest can hold:
 *
 *  source-path     a date named in the source's path or URL, as a mirror kept by date is laid out
 *                  (`.../2026-08-22/v1`): whoever kept it dated it
 *  last-modified   the newest Last-Modified the server sent for the service list or a service file: when
 *                  AWS last changed anything in it (a sync from the endpoint)
 *  files-modified  a snapshot read straight from a directory: when its service list was last modified
 *  synced          nothing else is known: the time of the sync, said as such
 */
import type { SnapshotManifest } from './cache-manifest.js';

export type SnapshotDateBasis = 'source-path' | 'last-modified' | 'files-modified' | 'synced';

export interface SnapshotDate {
  /** `YYYY-MM-DD` for a date named in the source, else an ISO 8601 time. */
  date: string;
  basis: SnapshotDateBasis;
}

/** A calendar date standing as one segment of a path or URL. */
const DATED_SEGMENT = /(?:^|[/\\])(\d{4}-\d{2}-\d{2})(?=[/\\]|$)/g;

/** `readFrom`: a directory read as a snapshot records its service list's modification time as syncedAt. */
export function snapshotDate(m: SnapshotManifest, readFrom: 'cache' | 'directory'): SnapshotDate {
  const named = [...m.source.matchAll(DATED_SEGMENT)].map((x) => x[1]!).filter(isCalendarDate);
  if (named.length) return { date: named[named.length - 1]!, basis: 'source-path' };
  const modified = [m.serviceList.lastModified, ...Object.values(m.services).map((s) => s.lastModified)]
    .map((d) => (d === undefined ? NaN : Date.parse(d)))
    .filter((t) => !Number.isNaN(t));
  if (modified.length) return { date: new Date(Math.max(...modified)).toISOString(), basis: 'last-modified' };
  return { date: m.syncedAt, basis: readFrom === 'directory' ? 'files-modified' : 'synced' };
}

function isCalendarDate(s: string): boolean {
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().startsWith(s);
}

/** The date in words, for a reader: "2026-08-22 (the date in its source's path)". */
export function describeSnapshotDate(d: SnapshotDate): string {
  switch (d.basis) {
    case 'source-path':
      return `of ${d.date} (the date in its source's path)`;
    case 'last-modified':
      return `of ${d.date.slice(0, 10)} (AWS's last change to its files)`;
    case 'files-modified':
      return `of ${d.date.slice(0, 10)} (its files' modification date)`;
    case 'synced':
      return `synced at ${d.date} (its own date is not known)`;
  }
}

/** Whole days from one snapshot's date to the other's, when both are dates of their contents. */
export function daysBetween(from: SnapshotDate, to: SnapshotDate): number | undefined {
  if (from.basis === 'synced' || to.basis === 'synced') return undefined;
  const ms = Date.parse(to.date.slice(0, 10)) - Date.parse(from.date.slice(0, 10));
  return Number.isNaN(ms) ? undefined : Math.round(ms / 86_400_000);
}
