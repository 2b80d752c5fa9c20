/**
 * A snapshot's own date, read off its manifest: two snapshots a year apart, synced 36 ms apart, are a
 * year apart; when nothing but the time of the sync is known, that is what is said.
 */
import { describe, expect, it } from 'vitest';
import { daysBetween, describeSnapshotDate, snapshotDate, type SnapshotDate } from '../../src/reference/index.js';
import type { SnapshotManifest } from '../../src/reference/index.js';

function manifest(source: string, lastModified: (string | undefined)[] = [], listModified?: string): SnapshotManifest {
  const services = Object.fromEntries(lastModified.map((d, i) => [`svc${i}`, { sha256: '0'.repeat(64), bytes: 1, actions: 1, version: 'v1.4', ...(d ? { lastModified: d } : {}) }]));
  return {
    format: 1,
    snapshotId: '0123456789abcdef',
    source,
    syncedAt: '2026-12-06T17:28:50.660Z',
    serviceList: { sha256: '0'.repeat(64), ...(listModified ? { lastModified: listModified } : {}) },
    schemaVersions: {},
    totals: { services: lastModified.length, actions: lastModified.length, bytes: lastModified.length },
    services,
  };
}

describe('snapshotDate', () => {
  it.each<[string, SnapshotManifest, 'cache' | 'directory', SnapshotDate]>([
    ['a mirror kept by date, synced from a directory', manifest('/work/shared/service-reference/2026-08-22/v1'), 'cache', { date: '2026-08-22', basis: 'source-path' }],
    ['a mirror kept by date, served over HTTP', manifest('http://mirror.internal:8080/2025-08-30/v1/'), 'cache', { date: '2025-08-30', basis: 'source-path' }],
    ['the last dated segment of the path', manifest('/archive/2024-01-01/copies/2025-08-30/v1'), 'cache', { date: '2025-08-30', basis: 'source-path' }],
    [
      "AWS's endpoint: the newest Last-Modified of its files",
      manifest('https://servicereference.us-east-1.amazonaws.com/v1/', ['Tue, 18 Aug 2026 09:12:01 GMT', undefined, 'Sat, 22 Aug 2026 03:00:00 GMT'], 'Fri, 21 Aug 2026 23:59:59 GMT'),
      'cache',
      { date: '2026-08-22T03:00:00.000Z', basis: 'last-modified' },
    ],
    ['not a date: 2026-02-30 is no day', manifest('/copies/2026-02-30/v1'), 'cache', { date: '2026-12-06T17:28:50.660Z', basis: 'synced' }],
    ['a date inside a name is no dated segment', manifest('/copies/ref-2026-08-22/v1'), 'cache', { date: '2026-12-06T17:28:50.660Z', basis: 'synced' }],
    ['a directory read as a snapshot: its service list modified', manifest('/copies/latest/v1'), 'directory', { date: '2026-12-06T17:28:50.660Z', basis: 'files-modified' }],
  ])('%s', (_, m, readFrom, expected) => {
    expect(snapshotDate(m, readFrom)).toEqual(expected);
  });

  it('says what the date is, and "synced at" when it is only the time of the sync', () => {
    expect(describeSnapshotDate({ date: '2026-08-22', basis: 'source-path' })).toBe("of 2026-08-22 (the date in its source's path)");
    expect(describeSnapshotDate({ date: '2026-08-22T03:00:00.000Z', basis: 'last-modified' })).toBe("of 2026-08-22 (AWS's last change to its files)");
    expect(describeSnapshotDate({ date: '2026-12-06T17:28:50.660Z', basis: 'synced' })).toBe('synced at 2026-12-06T17:28:50.660Z (its own date is not known)');
  });

  it('puts the two real snapshots, synced one after the other, 357 days apart; a sync time is no date of the contents', () => {
    const from = snapshotDate({ ...manifest('/work/shared/service-reference/2025-08-30/v1'), syncedAt: '2026-12-06T17:28:50.624Z' }, 'cache');
    const to = snapshotDate({ ...manifest('/work/shared/service-reference/2026-08-22/v1'), syncedAt: '2026-12-06T17:28:50.660Z' }, 'cache');
    expect(daysBetween(from, to)).toBe(357);
    expect(daysBetween(snapshotDate(manifest('/a/v1'), 'cache'), to)).toBeUndefined();
  });
});
