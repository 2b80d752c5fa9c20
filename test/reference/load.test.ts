import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
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

  it('builds the index from the service files of the cache: exactly the index of the snapshot directory', async () => {
    const fromCache = await loadFromCache(cache);
    const fromFiles = await reference2026();
    expect(fromCache.index.snapshotId).toBe(fromFiles.index.snapshotId);
    expect(fingerprint(fromCache.index)).toBe(fingerprint(fromFiles.index));
  });

  it('stores no derived index, and a sync removes the one an earlier version left', async () => {
    expect(fs.readdirSync(cache).sort()).toEqual(['manifest.json', 'objects', 'snapshots']);
    const copy = path.join(await tempDir(), 'cache');
    await fsp.cp(cache, copy, { recursive: true });
    await fsp.mkdir(path.join(copy, 'indexes'));
    await fsp.writeFile(path.join(copy, 'indexes', `${snapshotId}.json.gz`), gzipSync('{"format":1,"snapshotId":"x","services":[]}'));
    expect(fingerprint((await loadFromCache(copy)).index)).toBe(fingerprint((await reference2026()).index));
    await syncReference({ cacheDir: copy, source: new DirectorySource(SNAPSHOT_2026) });
    expect(fs.existsSync(path.join(copy, 'indexes'))).toBe(false);
  });

  it('opens a snapshot by id prefix or a directory laid out like the endpoint', async () => {
    expect((await loadSnapshot(snapshotId.slice(0, 5), cache)).manifest.snapshotId).toBe(snapshotId);
    expect((await loadSnapshot(SNAPSHOT_2026, cache)).manifest.snapshotId).toBe(snapshotId);
    await expect(loadSnapshot('ffff', cache)).rejects.toThrow(/no snapshot "ffff"/);
  });
});
