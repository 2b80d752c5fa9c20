/**
 * The compact index a build makes of each snapshot the package ships (prebuilt-index.ts) stands in for
 * parsing the service files only when the manifest names exactly the files it was built from; every
 * object is still read and checked, so a tampered cache fails as it fails without it, with the same
 * error. The worker's side runs the built module (npm run build, which npm test runs first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import * as source from '../../src/reference/index.js';
import { compactFromCache } from '../../src/reference/load.js';
import { PREBUILT_INDEX_DIR } from '../../src/reference/prebuilt-index.js';
import { writePrebuiltIndexes } from '../../src/reference/prebuilt-index-writer.js';
import { PROJECT_ROOT, SNAPSHOT_2025, SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

type Reference = typeof source;
let built: Reference;
let cache: string;
let indexes: string;
/** The current snapshot as its files give it, loaded once. */
let fromFiles: source.LoadedSnapshot;
/** A cache of the 2026 snapshot alone, copied for each tampering (half the objects of `cache`). */
let current: string;

beforeAll(async () => {
  const compiled = path.join(PROJECT_ROOT, 'dist', 'src', 'reference', 'index.js');
  expect(fs.existsSync(path.join(PROJECT_ROOT, 'dist', 'src', 'reference', 'load-worker.js')), 'run npm run build first').toBe(true);
  built = (await import(compiled)) as Reference;
  cache = path.join(await tempDir(), 'cache');
  await source.syncReference({ cacheDir: cache, source: new source.DirectorySource(SNAPSHOT_2025) });
  await source.syncReference({ cacheDir: cache, source: new source.DirectorySource(SNAPSHOT_2026) });
  indexes = path.join(await tempDir(), 'indexes');
  expect((await writePrebuiltIndexes(cache, indexes)).length).toBe(2);
  fromFiles = await source.loadFromCache(cache);
  current = path.join(await tempDir(), 'cache');
  await source.syncReference({ cacheDir: current, source: new source.DirectorySource(SNAPSHOT_2026) });
});

const outcomeOf = (p: Promise<source.LoadedSnapshot>): Promise<source.LoadedSnapshot | source.CacheError> => p.catch((e: unknown) => e as source.CacheError);

async function copy(): Promise<string> {
  const dir = path.join(await tempDir(), 'cache');
  fs.cpSync(current, dir, { recursive: true });
  return dir;
}

const readManifest = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as source.CacheManifest;
const writeManifest = (dir: string, m: unknown) => fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m, null, 1));
const objectOf = (dir: string, service: string) => new source.CacheStore(dir).objectPath(readManifest(dir).services[service]!.sha256);

/**
 * The same load three ways: from the files on this thread, and with the prebuilt indexes on this thread
 * and on the worker (the worker without them is load-aside.test.ts's).
 */
async function loadThreeWays(dir: string, snapshot = 'current') {
  return {
    here: await outcomeOf(source.loadFromCache(dir, snapshot)),
    herePrebuilt: await outcomeOf(source.loadFromCache(dir, snapshot, { prebuilt: indexes })),
    asidePrebuilt: await outcomeOf(built.loadFromCacheAside(dir, snapshot, { prebuilt: indexes })),
  };
}

describe('a prebuilt index', () => {
  it('gives the index and manifest the files give, for the current snapshot and an earlier one', async () => {
    for (const snapshot of ['current', readManifest(cache).history.find((h) => h.snapshotId !== readManifest(cache).snapshotId)!.snapshotId]) {
      const loads = await loadThreeWays(cache, snapshot);
      const expected = loads.here as source.LoadedSnapshot;
      for (const got of [loads.herePrebuilt, loads.asidePrebuilt] as source.LoadedSnapshot[]) {
        expect(got).not.toBeInstanceOf(Error);
        expect(got.manifest).toEqual(expected.manifest);
        expect(got.index.toCompact()).toEqual(expected.index.toCompact());
      }
    }
  });

  it('is what the load uses: an index built for the snapshot but changed shows in what is loaded', async () => {
    const changed = path.join(await tempDir(), 'indexes');
    fs.cpSync(indexes, changed, { recursive: true });
    const id = readManifest(cache).snapshotId;
    const file = path.join(changed, `${id}.json`);
    const prebuilt = JSON.parse(fs.readFileSync(file, 'utf8')) as { compact: source.CompactService[] };
    prebuilt.compact = prebuilt.compact.filter((s) => s[0] !== 'iam');
    fs.writeFileSync(file, JSON.stringify(prebuilt));
    for (const load of [source.loadFromCache(cache, 'current', { prebuilt: changed }), built.loadFromCacheAside(cache, 'current', { prebuilt: changed })]) {
      expect((await load).index.service('iam')).toBeUndefined();
    }
    expect(fromFiles.index.service('iam')).toBeDefined();
  });

  it.each([
    ['of another layout', (p: Record<string, unknown>) => ({ ...p, compactFormat: 99, compact: [] })],
    ['built from another service list', (p: Record<string, unknown>) => ({ ...p, serviceListSha256: '0'.repeat(64), compact: [] })],
    ['not JSON', () => '{'],
  ])('is not used when it is %s: the snapshot is loaded from its files', async (_what, change) => {
    const other = path.join(await tempDir(), 'indexes');
    fs.cpSync(indexes, other, { recursive: true });
    const file = path.join(other, `${readManifest(cache).snapshotId}.json`);
    const changed = change(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>);
    fs.writeFileSync(file, typeof changed === 'string' ? changed : JSON.stringify(changed));
    expect((await source.loadFromCache(cache, 'current', { prebuilt: other })).index.toCompact()).toEqual(fromFiles.index.toCompact());
  });
});

describe('a tampered cache with a prebuilt index for its snapshot', () => {
  it.each([
    ['an object changed in place', 'cache-integrity', (dir: string) => fs.writeFileSync(objectOf(dir, 'iam'), gzipSync(Buffer.from('{"Name":"iam","Actions":[]}')))],
    ['an object that is not gzip', 'cache-integrity', (dir: string) => fs.writeFileSync(objectOf(dir, 's3'), 'not gzip')],
    ['an object missing', 'cache-integrity', (dir: string) => fs.rmSync(objectOf(dir, 'ec2'))],
    ['the service list changed in place', 'cache-integrity', (dir: string) => fs.writeFileSync(new source.CacheStore(dir).objectPath(readManifest(dir).serviceList.sha256), gzipSync(Buffer.from('[]')))],
    ['an object that is a symlink out of the cache', 'outside-repository', (dir: string) => {
      const outside = path.join(path.dirname(dir), 'outside.gz');
      fs.copyFileSync(objectOf(dir, 'kms'), outside);
      const object = objectOf(dir, 'kms');
      fs.rmSync(object);
      fs.symlinkSync(outside, object);
    }],
    ['a count in the manifest edited (the snapshot id covers only the hashes)', 'cache-integrity', (dir: string) => {
      const m = readManifest(dir);
      m.services.iam!.actions += 1;
      writeManifest(dir, m);
    }],
    ['the totals edited', 'cache-integrity', (dir: string) => {
      const m = readManifest(dir);
      m.totals.bytes += 1;
      writeManifest(dir, m);
    }],
  ])('%s: refused with the error the files give (%s)', async (_what, code, tamper) => {
    const dir = await copy();
    tamper(dir);
    const { here, herePrebuilt, asidePrebuilt } = await loadThreeWays(dir);
    expect(here).toBeInstanceOf(source.CacheError);
    const expected = { code: (here as source.CacheError).code, message: (here as source.CacheError).message };
    expect(expected.code).toBe(code);
    for (const got of [herePrebuilt, asidePrebuilt]) expect({ code: (got as source.CacheError).code, message: (got as source.CacheError).message }).toEqual(expected);
    expect(asidePrebuilt).toBeInstanceOf(built.CacheError);
  });
});

describe("the package's own prebuilt indexes", () => {
  it('are those of every snapshot of the shipped cache, as its files give them (npm run build wrote them)', async () => {
    const shipped = path.join(PROJECT_ROOT, 'service-reference-cache');
    const dir = path.join(PROJECT_ROOT, PREBUILT_INDEX_DIR);
    const m = readManifest(shipped);
    const ids = [...new Set([m.snapshotId, ...m.history.map((h) => h.snapshotId)])].sort();
    expect(fs.readdirSync(dir).sort()).toEqual(ids.map((id) => `${id}.json`));
    for (const id of ids) {
      const prebuilt = JSON.parse(fs.readFileSync(path.join(dir, `${id}.json`), 'utf8')) as { compact: unknown };
      expect(prebuilt.compact).toEqual((await compactFromCache(shipped, id, { cwd: PROJECT_ROOT })).compact.services);
    }
  });
});
