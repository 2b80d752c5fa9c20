import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DirectorySource, loadFromCache, loadSnapshot, syncReference, type ReferenceIndex } from '../../src/reference/index.js';
import { reference2026 } from '../support/reference.js';
import { SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

function fingerprint(index: ReferenceIndex): string {
  return JSON.stringify({
    actions: index.actions.map((a) => [a.id, a.qualified, a.accessLevel, a.resourceTypes, a.conditionKeys]),
    services: index.services.map((s) => [s.prefix, s.version, s.firstId, s.endId, [...s.resourceTypes.values()], [...s.conditionKeys.values()], s.supportsRcp]),
  });
}

describe('loading an index', () => {
  let cache: string;
  let snapshotId: string;
  beforeAll(async () => {
    cache = path.join(await tempDir(), 'cache');
    snapshotId = (await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) })).manifest.snapshotId;
  });

  it('sync stores a compact index that rebuilds exactly the index of the service files', async () => {
    await expect(fs.stat(path.join(cache, 'indexes', `${snapshotId}.json.gz`))).resolves.toBeTruthy();
    const fromCache = await loadFromCache(cache);
    const fromFiles = await reference2026();
    expect(fromCache.index.snapshotId).toBe(fromFiles.index.snapshotId);
    expect(fingerprint(fromCache.index)).toBe(fingerprint(fromFiles.index));
  });

  it('falls back to the service files when the compact index is missing', async () => {
    const copy = path.join(await tempDir(), 'cache');
    await fs.cp(cache, copy, { recursive: true });
    await fs.rm(path.join(copy, 'indexes'), { recursive: true });
    const loaded = await loadFromCache(copy);
    expect(fingerprint(loaded.index)).toBe(fingerprint((await reference2026()).index));
  });

  it('opens a snapshot by id prefix or a directory laid out like the endpoint', async () => {
    expect((await loadSnapshot(snapshotId.slice(0, 5), cache)).manifest.snapshotId).toBe(snapshotId);
    expect((await loadSnapshot(SNAPSHOT_2026, cache)).manifest.snapshotId).toBe(snapshotId);
    await expect(loadSnapshot('ffff', cache)).rejects.toThrow(/no snapshot "ffff"/);
  });
});
