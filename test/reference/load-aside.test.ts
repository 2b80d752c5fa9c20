/**
 * loadFromCacheAside (what every intent command loads the reference with) runs loadFromCache's code on
 * a worker thread: the same index, the same checks, the same errors. The worker is compiled code, so
 * this runs the built module (npm run build, which npm test runs first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import * as source from '../../src/reference/index.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

type Reference = typeof source;
let built: Reference;
let cache: string;

beforeAll(async () => {
  const compiled = path.join(PROJECT_ROOT, 'dist', 'src', 'reference', 'index.js');
  expect(fs.existsSync(path.join(PROJECT_ROOT, 'dist', 'src', 'reference', 'load-worker.js')), 'run npm run build first').toBe(true);
  built = (await import(compiled)) as Reference;
  cache = path.join(await tempDir(), 'cache');
  await source.syncReference({ cacheDir: cache, source: new source.DirectorySource(SNAPSHOT_2026) });
});

const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as { name: string; code: string; message: string });

describe('the reference loaded on a worker thread', () => {
  it('is the index and manifest loadFromCache builds', async () => {
    const aside = await built.loadFromCacheAside(cache);
    const here = await built.loadFromCache(cache);
    expect(aside.manifest).toEqual(here.manifest);
    expect(aside.origin).toBe(here.origin);
    expect(aside.index.snapshotId).toBe(here.index.snapshotId);
    expect(aside.index.size).toBe(here.index.size);
    expect(aside.index.toCompact()).toEqual(here.index.toCompact());
  });

  it('refuses a tampered object with the error loadFromCache gives, as a CacheError', async () => {
    const tampered = path.join(await tempDir(), 'cache');
    fs.cpSync(cache, tampered, { recursive: true });
    const manifest = await new built.CacheStore(tampered).readSnapshot('current');
    fs.writeFileSync(new built.CacheStore(tampered).objectPath(manifest.services.iam!.sha256), gzipSync(Buffer.from('{"Name":"iam","Actions":[]}')));
    const aside = await errorOf(built.loadFromCacheAside(tampered));
    const here = await errorOf(built.loadFromCache(tampered));
    expect(aside).toBeInstanceOf(built.CacheError);
    expect(here).toBeInstanceOf(built.CacheError);
    expect({ code: aside!.code, message: aside!.message }).toEqual({ code: here!.code, message: here!.message });
    expect(aside!.code).toBe('cache-integrity');
  });

  it('holds the manifest totals against every share: the shares together add up, one share alone does not', async () => {
    const shares = await Promise.all([0, 1].map((index) => source.compactShareFromCache(cache, 'current', { index, of: 2 })));
    const manifest = shares[0]!.manifest;
    expect(() => source.checkShareTotals(cache, manifest, shares.map((s) => s.counts))).not.toThrow();
    expect(shares[0]!.services.length + shares[1]!.services.length).toBe(Object.keys(manifest.services).length);
    expect(() => source.checkShareTotals(cache, manifest, [shares[0]!.counts])).toThrow(/"totals" .* do not add up/);
  });

  it('reports a missing cache as no-cache', async () => {
    const err = await errorOf(built.loadFromCacheAside(path.join(await tempDir(), 'nothing-here')));
    expect(err).toBeInstanceOf(built.CacheError);
    expect(err!.code).toBe('no-cache');
  });
});

describe('blocking reads (what the worker uses) against the usual ones', () => {
  const both = async (dir: string) => {
    const blocking = await source.compactFromCache(dir, 'current', { blocking: true }).catch((e: unknown) => e);
    const usual = await source.compactFromCache(dir, 'current').catch((e: unknown) => e);
    return { blocking, usual };
  };

  it('read the same compact index', async () => {
    const { blocking, usual } = await both(cache);
    expect(blocking).toEqual(usual);
  });

  it.each([
    ['an object that is not gzip', (file: string) => fs.writeFileSync(file, 'not gzip'), /is not valid gzip/],
    ['an object that inflates past the cap', (file: string) => fs.writeFileSync(file, gzipSync(Buffer.alloc(17 << 20, 0x20))), /decompresses to more than 16 MiB/],
    ['a missing object', (file: string) => fs.rmSync(file), /is missing from the cache/],
    ['an object that is a directory', (file: string) => (fs.rmSync(file), fs.mkdirSync(file)), /./],
  ])('refuse %s with the same error', async (_what, spoil, message) => {
    const dir = path.join(await tempDir(), 'cache');
    fs.cpSync(cache, dir, { recursive: true });
    const store = new source.CacheStore(dir);
    spoil(store.objectPath((await store.readSnapshot('current')).services.ec2!.sha256));
    const { blocking, usual } = await both(dir);
    expect(blocking).toBeInstanceOf(source.CacheError);
    expect(usual).toBeInstanceOf(source.CacheError);
    const described = (e: unknown) => ({ code: (e as source.CacheError).code, message: (e as source.CacheError).message });
    expect(described(blocking)).toEqual(described(usual));
    expect(described(blocking).message).toMatch(message);
  });
});
