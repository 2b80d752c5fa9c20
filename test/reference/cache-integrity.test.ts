/**
 * A committed cache is the pull request's: any file of it may have been changed. Whatever is read must
 * match the manifest, and the manifest must be exactly what sync writes, or the load fails naming the
 * file; the one way to change what the tool knows is to change the manifest's text (and so its
 * snapshot id), which a reviewer sees.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CacheError, CacheStore, computeSnapshotId, DirectorySource, loadFromCache, loadFromDirectory, sha256Hex, syncReference, type CacheManifest } from '../../src/reference/index.js';
import { SNAPSHOT_2025, SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

let synced: string;
let original: CacheManifest;

beforeAll(async () => {
  synced = path.join(await tempDir(), 'cache');
  await syncReference({ cacheDir: synced, source: new DirectorySource(SNAPSHOT_2025) });
  original = (await syncReference({ cacheDir: synced, source: new DirectorySource(SNAPSHOT_2026) })).manifest;
});

async function copy(): Promise<string> {
  const dir = path.join(await tempDir(), 'cache');
  fs.cpSync(synced, dir, { recursive: true });
  return dir;
}

const manifestFile = (cache: string) => path.join(cache, 'manifest.json');
const readManifest = (cache: string) => JSON.parse(fs.readFileSync(manifestFile(cache), 'utf8')) as CacheManifest;
const writeManifest = (cache: string, m: unknown) => fs.writeFileSync(manifestFile(cache), JSON.stringify(m, null, 1));

/** iam.json with iam:CreateAccessKey marked as a read-only action. */
function weakenedIam(): Buffer {
  const iam = JSON.parse(fs.readFileSync(path.join(SNAPSHOT_2026, 'v1', 'iam', 'iam.json'), 'utf8'));
  const action = iam.Actions.find((a: { Name: string }) => a.Name === 'CreateAccessKey');
  action.Annotations.Properties.IsWrite = false;
  return Buffer.from(JSON.stringify(iam));
}

async function loadError(cache: string, options = {}): Promise<CacheError> {
  const err = await loadFromCache(cache, 'current', options).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CacheError);
  return err as CacheError;
}

describe('a tampered cache', () => {
  it('an object changed in place fails its hash, naming the file', async () => {
    const cache = await copy();
    const object = new CacheStore(cache).objectPath(original.services.iam!.sha256);
    fs.writeFileSync(object, gzipSync(weakenedIam()));
    const err = await loadError(cache);
    expect(err.code).toBe('cache-integrity');
    expect(err.message).toMatch(new RegExp(`^${object.replaceAll('/', '\\/')} \\(service iam\\) does not match the manifest: its content hashes to [0-9a-f]{64}, the manifest lists ${original.services.iam!.sha256}; run guardrails sync to rebuild the cache$`));
  });

  it('a manifest whose hashes were edited but not its snapshot id is refused', async () => {
    const cache = await copy();
    const bytes = weakenedIam();
    const sha = sha256Hex(bytes);
    const store = new CacheStore(cache);
    fs.mkdirSync(path.dirname(store.objectPath(sha)), { recursive: true });
    fs.writeFileSync(store.objectPath(sha), gzipSync(bytes));
    const m = readManifest(cache);
    m.services.iam!.sha256 = sha;
    writeManifest(cache, m);
    const err = await loadError(cache);
    expect(err.message).toContain(`${manifestFile(cache)}: "snapshotId" ${original.snapshotId} is not the hash of the service list and service files it lists`);
  });

  it('a change made consistently is only possible as a new snapshot id: what a reviewer sees in the manifest', async () => {
    const cache = await copy();
    const bytes = weakenedIam();
    const sha = sha256Hex(bytes);
    const store = new CacheStore(cache);
    fs.mkdirSync(path.dirname(store.objectPath(sha)), { recursive: true });
    fs.writeFileSync(store.objectPath(sha), gzipSync(bytes));
    const m = readManifest(cache);
    m.services.iam!.sha256 = sha;
    m.services.iam!.bytes = bytes.length;
    m.totals.bytes += bytes.length - original.services.iam!.bytes;
    m.snapshotId = computeSnapshotId(m.serviceList.sha256, m.services);
    writeManifest(cache, m);
    const loaded = await loadFromCache(cache);
    expect(loaded.manifest.snapshotId).not.toBe(original.snapshotId);
    expect(loaded.index.action('iam:CreateAccessKey')?.accessLevel).toBe('Read');
  });

  it('counts in the manifest must describe the files', async () => {
    const cache = await copy();
    const m = readManifest(cache);
    m.services.iam!.actions += 1;
    m.totals.actions += 1;
    writeManifest(cache, m);
    expect((await loadError(cache)).message).toContain('the entry of service iam (');
    const m2 = readManifest(cache);
    m2.services.iam!.actions -= 1;
    writeManifest(cache, m2);
    expect((await loadError(cache)).message).toContain('"totals" (466 services, 21984 actions');
  });

  it('a service left out of the manifest (its id recomputed) is still missed: the service list names it', async () => {
    const cache = await copy();
    const m = readManifest(cache);
    delete m.services.iam;
    m.snapshotId = computeSnapshotId(m.serviceList.sha256, m.services);
    writeManifest(cache, m);
    expect((await loadError(cache)).message).toContain('leaves out services its service list names (iam)');
  });

  it('a manifest with a key written twice is refused (a reviewer would read the first, JSON.parse keeps the last)', async () => {
    const cache = await copy();
    const text = fs.readFileSync(manifestFile(cache), 'utf8');
    fs.writeFileSync(manifestFile(cache), text.replace('\n "source":', '\n "snapshotId": "0000000000000000",\n "source":'));
    const err = await loadError(cache);
    expect(err.message).toMatch(/manifest\.json: the key "snapshotId" appears twice in one object, the second time at line 4, column 2/);
  });

  it('a manifest that is not JSON is refused without a word of its content', async () => {
    const cache = await copy();
    fs.writeFileSync(manifestFile(cache), 'AWS_SECRET_ACCESS_KEY=planted-canary-value\n');
    const err = await loadError(cache);
    expect(err.message).toBe(`${manifestFile(cache)}: invalid JSON: expected a value at line 1, column 1; run guardrails sync to rebuild the cache`);
  });

  it('a history entry naming a path instead of a snapshot id is refused before anything is read', async () => {
    const cache = await copy();
    const m = readManifest(cache);
    m.history[0]!.snapshotId = '../../../../etc/passwd';
    writeManifest(cache, m);
    expect((await loadError(cache)).message).toContain('history[0].snapshotId is not 16 hexadecimal digits');
  });

  it('an earlier snapshot whose manifest was edited is refused', async () => {
    const cache = await copy();
    const older = readManifest(cache).history[0]!.snapshotId;
    const file = path.join(cache, 'snapshots', `${older}.json`);
    const m = JSON.parse(fs.readFileSync(file, 'utf8'));
    delete m.services.s3;
    fs.writeFileSync(file, JSON.stringify(m));
    const err = await loadFromCache(cache, older).catch((e: unknown) => e);
    expect((err as CacheError).message).toContain(`${file}: "snapshotId" ${older} is not the hash`);
  });

  it('a gzip bomb in place of an object stops at 16 MiB', async () => {
    const cache = await copy();
    const object = new CacheStore(cache).objectPath(original.services.s3!.sha256);
    fs.writeFileSync(object, gzipSync(Buffer.alloc(64 << 20, 0x20), { level: 9 }));
    expect((await loadError(cache)).message).toBe(`${object} (service s3) decompresses to more than 16 MiB, the most read for one file; run guardrails sync to rebuild the cache`);
  });

  it('an object that is a symlink out of the cache is not read', async () => {
    const cache = await copy();
    const outside = path.join(await tempDir(), 'secret.gz');
    const object = new CacheStore(cache).objectPath(original.services.s3!.sha256);
    fs.renameSync(object, outside);
    fs.symlinkSync(outside, object);
    const err = await loadError(cache);
    expect(err.code).toBe('outside-repository');
    expect(err.message).toContain(`cache object (service s3) ${object} is outside the cache`);
  });

  it('a cache inside the repository that is a symlink leading out of it is refused; one named outside is trusted as named', async () => {
    const repo = await tempDir();
    fs.symlinkSync(synced, path.join(repo, 'service-reference-cache'));
    const err = await loadError(path.join(repo, 'service-reference-cache'), { cwd: repo });
    expect(err.code).toBe('outside-repository');
    expect(err.message).toBe(`the cache ${path.join(repo, 'service-reference-cache')} resolves to ${fs.realpathSync(synced)}, outside the repository ${fs.realpathSync(repo)}; a cache inside the repository must stay inside it`);
    expect((await loadFromCache(synced, 'current', { cwd: repo })).manifest.snapshotId).toBe(original.snapshotId);
  });

  it('the index is built from the objects: a stored index of an earlier version is not read', async () => {
    const cache = await copy();
    fs.mkdirSync(path.join(cache, 'indexes'));
    fs.writeFileSync(path.join(cache, 'indexes', `${original.snapshotId}.json.gz`), gzipSync(JSON.stringify({ format: 1, snapshotId: original.snapshotId, services: [] })));
    expect((await loadFromCache(cache)).index.size).toBe(21983);
    expect(gunzipSync(fs.readFileSync(path.join(cache, 'indexes', `${original.snapshotId}.json.gz`))).length).toBeGreaterThan(0);
  });
});

describe('a directory laid out like the endpoint (notify --from DIR)', () => {
  async function mirror(): Promise<{ repo: string; dir: string }> {
    const repo = await tempDir();
    const dir = path.join(repo, 'mirror');
    fs.mkdirSync(path.join(dir, 'v1', 'kms'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'v1', 'service-list.json'), JSON.stringify([{ service: 'kms', url: 'https://servicereference.us-east-1.amazonaws.com/v1/kms/kms.json' }]));
    fs.copyFileSync(path.join(SNAPSHOT_2026, 'v1', 'kms', 'kms.json'), path.join(dir, 'v1', 'kms', 'kms.json'));
    return { repo, dir };
  }

  it('loads with the same checks as sync', async () => {
    const { repo, dir } = await mirror();
    expect((await loadFromDirectory(dir, { cwd: repo })).manifest.totals.services).toBe(1);
    const file = path.join(dir, 'v1', 'kms', 'kms.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"Name" : "kms"', '"Name" : "kms", "Name" : "kms"').replace('"Name":"kms"', '"Name":"kms","Name":"kms"'));
    const err = await loadFromDirectory(dir, { cwd: repo }).catch((e: unknown) => e);
    expect((err as CacheError).message).toMatch(new RegExp(`^service kms: ${file.replaceAll('/', '\\/')}: the key "Name" appears twice`));
  });

  it('refuses a file that is a symlink leading out of the repository, and one over 16 MiB', async () => {
    const { repo, dir } = await mirror();
    const file = path.join(dir, 'v1', 'kms', 'kms.json');
    const outside = path.join(await tempDir(), 'kms.json');
    fs.renameSync(file, outside);
    fs.symlinkSync(outside, file);
    const err = await loadFromDirectory(dir, { cwd: repo }).catch((e: unknown) => e);
    expect((err as CacheError).code).toBe('outside-repository');
    expect((err as CacheError).message).toContain(`reference file ${file} is outside the repository`);
    fs.rmSync(file);
    fs.writeFileSync(file, Buffer.alloc(17 << 20, 0x20));
    const big = await loadFromDirectory(dir, { cwd: repo }).catch((e: unknown) => e);
    expect((big as CacheError).message).toBe(`service kms: ${file}: reference file ${file} is 17 MiB, over the 16 MiB read for a reference file`);
  });
});
