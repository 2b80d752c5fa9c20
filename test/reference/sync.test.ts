import { existsSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheError, CacheStore, HttpSource, DirectorySource, syncReference, SyncError, loadFromCache, sourceAsRead, sourceAsRecorded, type RetryPolicy } from '../../src/reference/index.js';
import { startReferenceServer, type ReferenceServer } from '../support/reference-server.js';
import { treeHash } from '../support/tree-hash.js';
import { tempDir } from '../support/temp.js';
import { SNAPSHOT_2025, SNAPSHOT_2026 } from '../support/paths.js';

const FAST_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

describe('sync against a local HTTP server serving the 2026-08-22 snapshot', () => {
  let server: ReferenceServer;
  let cache: string;
  let firstId: string;

  beforeAll(async () => {
    server = await startReferenceServer(SNAPSHOT_2026);
    cache = path.join(await tempDir(), 'cache');
  });
  afterAll(() => server.close());

  it('downloads all 466 services into a new snapshot with a complete manifest', async () => {
    const result = await syncReference({ cacheDir: cache, source: new HttpSource(server.url + 'v1/', { timeoutMs: 5000 }), retry: FAST_RETRY });
    const m = result.manifest;
    firstId = m.snapshotId;
    expect(m.totals.services).toBe(466);
    expect(m.totals.actions).toBe(21983);
    expect(Object.keys(m.services)).toHaveLength(466);
    expect(m.schemaVersions).toEqual({ 'v1.4': 458, 'v1.3': 5, 'v1.1': 2, 'v1.2': 1 });
    expect(m.services.s3!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.services.s3!.actions).toBeGreaterThan(150);
    expect(m.services.s3!.etag).toMatch(/^"/);
    expect(m.source).toBe(server.url + 'v1/');
    expect(m.history).toHaveLength(1);
    expect(result.stats.downloaded).toBe(466);
    const onDisk = JSON.parse(await fs.readFile(path.join(cache, 'manifest.json'), 'utf8'));
    expect(onDisk.snapshotId).toBe(m.snapshotId);
    await expect(fs.stat(path.join(cache, 'snapshots', `${m.snapshotId}.json`))).resolves.toBeTruthy();
    // The cache holds exactly the bytes served.
    const store = new CacheStore(cache);
    const s3 = await store.readObject(m.services.s3!.sha256, 'service s3');
    expect(s3.equals(await fs.readFile(path.join(SNAPSHOT_2026, 'v1/s3/s3.json')))).toBe(true);
    const loaded = await loadFromCache(cache);
    expect(loaded.index.size).toBe(21983);
  });

  it('does not download unchanged files again (conditional requests)', async () => {
    server.statuses.clear();
    const result = await syncReference({ cacheDir: cache, source: new HttpSource(server.url, { timeoutMs: 5000 }), retry: FAST_RETRY });
    expect(result.manifest.snapshotId).toBe(firstId);
    expect(result.changed).toBe(false);
    expect(result.stats.notModified).toBe(466);
    expect(result.stats.downloaded).toBe(0);
    expect(server.statuses.get(200) ?? 0).toBe(0);
    expect(server.statuses.get(304)).toBe(467);
    expect(result.manifest.history).toHaveLength(1);
  });

  it('gives the same snapshot id when the same contents come from a directory', async () => {
    const dirCache = path.join(await tempDir(), 'cache');
    const result = await syncReference({ cacheDir: dirCache, source: new DirectorySource(path.join(SNAPSHOT_2026, 'v1')) });
    expect(result.manifest.snapshotId).toBe(firstId);
  });
});

describe('the source a manifest records', () => {
  it('is a directory relative to the cache\'s parent (the committed manifest names no absolute path), read back as the same directory', async () => {
    const repo = await tempDir();
    const mirror = path.join(repo, '..', path.basename(repo) + '-mirror', 'service-reference', '2026-08-22');
    await fs.mkdir(path.dirname(mirror), { recursive: true });
    await fs.cp(SNAPSHOT_2026, mirror, { recursive: true });
    const cache = path.join(repo, 'service-reference-cache');
    const first = await syncReference({ cacheDir: cache, source: new DirectorySource(mirror) });
    expect(first.manifest.source).toBe(`../${path.basename(repo)}-mirror/service-reference/2026-08-22/v1`);
    expect(readFileSync(path.join(cache, 'manifest.json'), 'utf8')).not.toContain(repo);
    expect(sourceAsRead(first.manifest.source, cache)).toBe(path.join(mirror, 'v1'));
    // The same directory again is the same source: nothing changed, nothing stored again.
    const again = await syncReference({ cacheDir: cache, source: new DirectorySource(path.join(mirror, 'v1')) });
    expect(again.changed).toBe(false);
    expect(again.manifest.source).toBe(first.manifest.source);
    expect(sourceAsRecorded('https://servicereference.us-east-1.amazonaws.com/v1/', cache)).toBe('https://servicereference.us-east-1.amazonaws.com/v1/');
  });
});

describe('conditional requests', () => {
  it('uses Last-Modified when the server sends no ETag', async () => {
    const server = await startReferenceServer(SNAPSHOT_2026, { etag: false });
    try {
      const cache = path.join(await tempDir(), 'cache');
      const source = new HttpSource(server.url, { timeoutMs: 5000 });
      const first = await syncReference({ cacheDir: cache, source, retry: FAST_RETRY });
      expect(first.manifest.services.s3!.etag).toBeUndefined();
      expect(first.manifest.services.s3!.lastModified).toMatch(/GMT$/);
      server.statuses.clear();
      const again = await syncReference({ cacheDir: cache, source, retry: FAST_RETRY });
      expect(again.stats.notModified).toBe(466);
      expect(server.statuses.get(304)).toBe(467);
      expect(server.statuses.get(200) ?? 0).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('sends validators only to the source that issued them, so switching mirrors takes the new content', async () => {
    // The old mirror was filled later than the new one's files, so a date from it reads as "not modified".
    const older = await startReferenceServer(SNAPSHOT_2025, { etag: false, modifiedAt: new Date() });
    const newer = await startReferenceServer(SNAPSHOT_2026);
    try {
      const cache = path.join(await tempDir(), 'cache');
      await syncReference({ cacheDir: cache, source: new HttpSource(older.url, { timeoutMs: 5000 }), retry: FAST_RETRY });
      const result = await syncReference({ cacheDir: cache, source: new HttpSource(newer.url, { timeoutMs: 5000 }), retry: FAST_RETRY });
      expect(newer.statuses.get(304) ?? 0).toBe(0);
      expect(result.manifest.source).toBe(`${newer.url}v1/`);
      expect(result.manifest.totals.services).toBe(466);
      const onDisk = JSON.parse(await fs.readFile(path.join(cache, 'manifest.json'), 'utf8'));
      expect(Object.keys(onDisk.services)).toHaveLength(466);
      expect((await loadFromCache(cache)).index.size).toBe(21983);
    } finally {
      await older.close();
      await newer.close();
    }
  });
});

describe('sync faults leave the previous cache byte-for-byte intact', () => {
  let server: ReferenceServer;
  let cache: string;
  let before: string;

  beforeAll(async () => {
    server = await startReferenceServer(SNAPSHOT_2026);
    cache = path.join(await tempDir(), 'cache');
    // The previous cache holds the older snapshot, so the server's files are all news to it.
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2025) });
    before = await treeHash(cache);
  });
  afterAll(() => server.close());

  const sync = (timeoutMs = 5000, retry = FAST_RETRY) => syncReference({ cacheDir: cache, source: new HttpSource(server.url, { timeoutMs }), retry });

  async function expectFailure(run: Promise<unknown>, service: string | undefined, urlPath: string, reason: RegExp): Promise<void> {
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SyncError);
    const e = err as SyncError;
    expect(e.service).toBe(service);
    expect(e.url).toBe(server.url.replace(/\/$/, '') + urlPath);
    expect(e.message).toContain(urlPath);
    expect(e.reason).toMatch(reason);
    expect(await treeHash(cache)).toBe(before);
  }

  it('a 500 that never recovers fails, naming the service and URL', async () => {
    server.clearFaults();
    server.inject('/v1/kms/kms.json', { kind: 'status', status: 500, times: Infinity });
    await expectFailure(sync(), 'kms', '/v1/kms/kms.json', /HTTP 500.*after 3 attempts/);
  });

  it('truncated JSON fails after one retry, naming the service and URL', async () => {
    server.clearFaults();
    server.requests.clear();
    server.inject('/v1/s3/s3.json', { kind: 'truncate', bytes: 1000 });
    await expectFailure(sync(), 's3', '/v1/s3/s3.json', /invalid JSON.*after 2 attempts/);
    expect(server.requests.get('/v1/s3/s3.json')).toBe(2);
  });

  it('a missing service file fails at once (404 is not retried)', async () => {
    server.clearFaults();
    server.requests.clear();
    server.inject('/v1/sqs/sqs.json', { kind: 'missing' });
    await expectFailure(sync(), 'sqs', '/v1/sqs/sqs.json', /^HTTP 404/);
    expect(server.requests.get('/v1/sqs/sqs.json')).toBe(1);
  });

  it('a response slower than the timeout fails after retries', async () => {
    server.clearFaults();
    // A timeout no other file's answer comes near, even in a worker paused by a collection of its heap.
    server.inject('/v1/sts/sts.json', { kind: 'delay', ms: 2500 });
    await expectFailure(sync(800), 'sts', '/v1/sts/sts.json', /timed out after 800 ms/);
  });

  it('a service list that cannot be fetched fails, naming the list', async () => {
    server.clearFaults();
    server.inject('/v1/service-list.json', { kind: 'status', status: 503, times: Infinity });
    await expectFailure(sync(), undefined, '/v1/service-list.json', /HTTP 503/);
  });

  it('a first sync that fails leaves none of the directories it created behind', async () => {
    server.clearFaults();
    server.inject('/v1/kms/kms.json', { kind: 'missing' });
    const parent = await tempDir();
    const fresh = path.join(parent, 'deep', 'a', 'b', 'c');
    await expect(syncReference({ cacheDir: fresh, source: new HttpSource(server.url, { timeoutMs: 5000 }), retry: FAST_RETRY })).rejects.toBeInstanceOf(SyncError);
    expect(await fs.readdir(parent)).toEqual([]);
  });

  it('500s that recover, truncation that recovers and slow responses within the timeout all succeed', async () => {
    server.clearFaults();
    server.inject('/v1/kms/kms.json', { kind: 'status', status: 500, times: 2 });
    server.inject('/v1/s3/s3.json', { kind: 'truncate', bytes: 500, times: 1 });
    server.inject('/v1/sts/sts.json', { kind: 'delay', ms: 150, times: 1 });
    server.inject('/v1/service-list.json', { kind: 'status', status: 502, times: 1 });
    const result = await sync(2000);
    expect(result.stats.retries).toBe(4);
    expect(result.manifest.totals.services).toBe(466);
    expect(result.manifest.history).toHaveLength(2);
    expect(result.stats.added).toBe(30);
    expect(await treeHash(cache)).not.toBe(before);
  });
});

describe('Retry-After on 429 and 503', () => {
  it('waits as long as the server asks, in seconds or until a date, at most the longest backoff', async () => {
    const server = await startReferenceServer(SNAPSHOT_2026);
    try {
      server.inject('/v1/service-list.json', { kind: 'status', status: 503, times: 1, headers: { 'retry-after': '0' } });
      server.inject('/v1/s3/s3.json', { kind: 'status', status: 429, times: 1, headers: { 'retry-after': '1' } });
      server.inject('/v1/kms/kms.json', { kind: 'status', status: 503, times: 1, headers: { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() } });
      server.inject('/v1/sqs/sqs.json', { kind: 'status', status: 500, times: 1, headers: { 'retry-after': '0' } });
      const delays = new Map<string, number>();
      const retry: RetryPolicy = { attempts: 3, baseDelayMs: 5, maxDelayMs: 30 };
      const result = await syncReference({
        cacheDir: path.join(await tempDir(), 'cache'),
        source: new HttpSource(server.url, { timeoutMs: 5000 }),
        retry,
        onRetry: (url, _attempt, _reason, delayMs) => delays.set(new URL(url).pathname, delayMs),
      });
      expect(result.manifest.totals.services).toBe(466);
      expect(delays.get('/v1/service-list.json')).toBe(0);
      expect(delays.get('/v1/s3/s3.json')).toBe(30);
      expect(delays.get('/v1/kms/kms.json')).toBe(30);
      // Only 429 and 503 carry the header's meaning; a 500 backs off as usual.
      expect(delays.get('/v1/sqs/sqs.json')).toBeGreaterThan(0);
      expect(delays.get('/v1/sqs/sqs.json')).toBeLessThanOrEqual(5);
    } finally {
      await server.close();
    }
  });
});

describe('files of the wrong shape in a directory', () => {
  it('fail at once: reading a local file again gives the same bytes', async () => {
    const dir = await tempDir();
    await fs.mkdir(path.join(dir, 'v1', 'kms'), { recursive: true });
    await fs.writeFile(path.join(dir, 'v1', 'service-list.json'), JSON.stringify([{ service: 'kms', url: 'https://servicereference.us-east-1.amazonaws.com/v1/kms/kms.json' }]));
    await fs.copyFile(path.join(SNAPSHOT_2026, 'v1', 's3', 's3.json'), path.join(dir, 'v1', 'kms', 'kms.json'));
    const retries: string[] = [];
    const err = await syncReference({ cacheDir: path.join(await tempDir(), 'cache'), source: new DirectorySource(dir), retry: FAST_RETRY, onRetry: (url) => retries.push(url) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).reason).toBe('"Name" is "s3", expected "kms"');
    expect(retries).toEqual([]);
  });
});

describe('a cache path that is not a directory', () => {
  it('gives CacheErrors naming the path, for reading and for writing', async () => {
    const file = path.join(await tempDir(), 'somefile');
    await fs.writeFile(file, '');
    const store = new CacheStore(file);
    const failure = (run: Promise<unknown>) => run.then(() => undefined, (e: unknown) => e);
    const read = await failure(store.readManifest());
    expect(read).toBeInstanceOf(CacheError);
    expect((read as CacheError).message).toBe(`cannot read ${path.join(file, 'manifest.json')}: ${file} is not a directory`);
    await expect(store.readSnapshot('current')).rejects.toBeInstanceOf(CacheError);
    const write = await failure(store.begin());
    expect(write).toBeInstanceOf(CacheError);
    expect((write as CacheError).message).toBe(`cannot create the cache directory ${file}: ${file} is not a directory`);
    await expect(new CacheStore(path.join(file, 'sub')).begin()).rejects.toThrow(`${file} is not a directory`);
  });
});

describe('snapshot history', () => {
  it('keeps earlier snapshots, sharing unchanged files, and loads any of them', async () => {
    const cache = path.join(await tempDir(), 'cache');
    const older = await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2025) });
    const newer = await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    expect(newer.manifest.history.map((h) => h.snapshotId)).toEqual([older.manifest.snapshotId, newer.manifest.snapshotId]);
    expect(newer.stats.added).toBe(30);
    const shared = Object.entries(newer.manifest.services).filter(([n, e]) => older.manifest.services[n]?.sha256 === e.sha256).length;
    const objects = (await fs.readdir(path.join(cache, 'objects'), { recursive: true })).filter((f) => String(f).endsWith('.gz'));
    // Two service lists plus every distinct service file, stored once.
    expect(objects).toHaveLength(2 + 436 + 466 - shared);
    const old = await loadFromCache(cache, older.manifest.snapshotId.slice(0, 6));
    expect(old.manifest.totals.services).toBe(436);
    expect(old.index.service('s3')).toBeDefined();
  });
});

describe('mirror files that are not what they seem', () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await startReferenceServer(SNAPSHOT_2026);
  });
  afterAll(() => server.close());

  const kms = () => JSON.parse(readFileSync(path.join(SNAPSHOT_2026, 'v1', 'kms', 'kms.json'), 'utf8')) as { Actions: { Name: string }[] };

  async function failureWith(body: Buffer): Promise<SyncError> {
    server.clearFaults();
    server.inject('/v1/kms/kms.json', { kind: 'body', body });
    const cache = path.join(await tempDir(), 'cache');
    const err = await syncReference({ cacheDir: cache, source: new HttpSource(server.url, { timeoutMs: 5000 }), retry: FAST_RETRY }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as SyncError).url).toBe(`${server.url}v1/kms/kms.json`);
    expect((err as SyncError).service).toBe('kms');
    expect(existsSync(cache)).toBe(false);
    return err as SyncError;
  }

  it('a duplicate key is refused, naming the key and where (JSON.parse would keep the last silently)', async () => {
    const text = JSON.stringify(kms()).replace('"Name":"kms"', '"Name":"kms","Name":"kms"');
    const err = await failureWith(Buffer.from(text));
    expect(err.reason).toMatch(/^the key "Name" appears twice in one object, the second time at line 1, column \d+ \(\d+ bytes\) \(after 2 attempts\)$/);
  });

  it('a byte that is not UTF-8 is refused with its offset instead of being replaced', async () => {
    const bytes = Buffer.from(JSON.stringify(kms()));
    const at = bytes.indexOf('Decrypt');
    bytes[at] = 0xff;
    const err = await failureWith(bytes);
    expect(err.reason).toBe(`not UTF-8: byte 0xff at offset ${at} (line 1, column ${at + 1}) is not valid UTF-8 (${bytes.length} bytes) (after 2 attempts)`);
  });

  it('an action name with markup is refused, naming the service, the entry and the URL', async () => {
    const file = kms();
    file.Actions[3]!.Name = 'Decrypt<img src=x onerror=alert(1)>';
    const err = await failureWith(Buffer.from(JSON.stringify(file)));
    expect(err.message).toBe(
      `service kms at ${server.url}v1/kms/kms.json: Actions[3].Name "Decrypt<img src=x onerror=alert(1)>" is not an action name IAM uses (characters outside its set) (after 2 attempts)`,
    );
  });
});

describe('what a server says about itself', () => {
  it('is quoted inert and clipped: a reason phrase full of escapes and echoed headers', async () => {
    const reason = `\u001b[31mFAILED\u001b]8;;http://evil/\u0007 ${'user-agent: guardrails-sync '.repeat(40)}`;
    const raw = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end(`HTTP/1.1 404 ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = raw.address() as net.AddressInfo;
      const err = await syncReference({ cacheDir: path.join(await tempDir(), 'cache'), source: new HttpSource(`http://127.0.0.1:${port}/`, { timeoutMs: 5000 }), retry: FAST_RETRY }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SyncError);
      const message = (err as SyncError).message;
      expect(message).toMatch(/^service list at http:\/\/127\.0\.0\.1:\d+\/v1\/service-list\.json: HTTP 404 \\x1b\[31mFAILED\\x1b\]8;;http:\/\/evil\/\\x07 user-agent/);
      expect(message).not.toMatch(/[\u0000-\u001f]/);
      expect(message).toContain('more characters)');
      expect(message.length).toBeLessThan(400);
    } finally {
      raw.close();
    }
  });
});

describe('retries', () => {
  it('stop at the run-wide budget, whatever each file may still try', async () => {
    const server = await startReferenceServer(SNAPSHOT_2026);
    try {
      for (const s of ['kms', 's3', 'sqs', 'sts', 'iam']) server.inject(`/v1/${s}/${s}.json`, { kind: 'status', status: 503, times: Infinity, headers: { 'retry-after': '0' } });
      const retried: string[] = [];
      const err = await syncReference({
        cacheDir: path.join(await tempDir(), 'cache'),
        source: new HttpSource(server.url, { timeoutMs: 5000 }),
        retry: { attempts: 100, baseDelayMs: 1, maxDelayMs: 1, budget: 6 },
        onRetry: (url) => retried.push(url),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SyncError);
      expect((err as SyncError).reason).toBe('HTTP 503 Service Unavailable (and 6 retries in this run already: stopping)');
      expect(retried).toHaveLength(6);
    } finally {
      await server.close();
    }
  });
});

describe('a cache that fails its checks', () => {
  it('is replaced by the new snapshot, saying why its history is not kept', async () => {
    const cache = path.join(await tempDir(), 'cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2025) });
    const manifest = JSON.parse(await fs.readFile(path.join(cache, 'manifest.json'), 'utf8'));
    manifest.snapshotId = '0123456789abcdef';
    await fs.writeFile(path.join(cache, 'manifest.json'), JSON.stringify(manifest));
    const result = await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    expect(result.discardedManifest).toBe(
      `${path.join(cache, 'manifest.json')}: "snapshotId" 0123456789abcdef is not the hash of the service list and service files it lists (that is ${manifest.history[0].snapshotId}): the manifest was edited`,
    );
    expect(result.previousSnapshotId).toBeUndefined();
    expect(result.manifest.history).toHaveLength(1);
    expect((await loadFromCache(cache)).index.size).toBe(21983);
  });

  it('a damaged object the server calls "not modified" is fetched again in full, and the cache repaired', async () => {
    const server = await startReferenceServer(SNAPSHOT_2026);
    try {
      const cache = path.join(await tempDir(), 'cache');
      const source = new HttpSource(server.url, { timeoutMs: 5000 });
      const first = await syncReference({ cacheDir: cache, source, retry: FAST_RETRY });
      const store = new CacheStore(cache);
      const object = store.objectPath(first.manifest.services.kms!.sha256);
      await fs.writeFile(object, gzipSync('{"Name":"kms","Actions":[]}'));
      await expect(loadFromCache(cache)).rejects.toThrow(`${object} (service kms) does not match the manifest`);
      server.statuses.clear();
      server.requests.clear();
      const again = await syncReference({ cacheDir: cache, source, retry: FAST_RETRY });
      expect(again.manifest.snapshotId).toBe(first.manifest.snapshotId);
      expect(again.stats.downloaded).toBe(1);
      expect(server.statuses.get(200)).toBe(1);
      expect(server.requests.get('/v1/kms/kms.json')).toBe(2);
      expect((await loadFromCache(cache)).index.size).toBe(21983);
    } finally {
      await server.close();
    }
  });
});

describe('content encodings and redirects', () => {
  it('decodes gzip and br bodies, and follows a redirect within the mirror', async () => {
    const server = await startReferenceServer(SNAPSHOT_2026);
    try {
      const file = (s: string) => readFileSync(path.join(SNAPSHOT_2026, 'v1', s, `${s}.json`));
      server.inject('/v1/kms/kms.json', { kind: 'body', body: gzipSync(file('kms')), headers: { 'content-encoding': 'gzip' } });
      server.inject('/v1/s3/s3.json', { kind: 'body', body: brotliCompressSync(file('s3')), headers: { 'content-encoding': 'br' } });
      server.inject('/v1/sqs/sqs.json', { kind: 'status', status: 301, times: Infinity, headers: { location: '/moved/sqs.json' } });
      server.inject('/moved/sqs.json', { kind: 'body', body: file('sqs') });
      const cache = path.join(await tempDir(), 'cache');
      const result = await syncReference({ cacheDir: cache, source: new HttpSource(server.url, { timeoutMs: 5000 }), retry: FAST_RETRY });
      expect(server.requests.get('/moved/sqs.json')).toBe(1);
      expect(result.manifest.snapshotId).toBe((await syncReference({ cacheDir: path.join(await tempDir(), 'cache'), source: new DirectorySource(SNAPSHOT_2026) })).manifest.snapshotId);
    } finally {
      await server.close();
    }
  });

  it('does not follow a redirect to another origin (the runner would fetch what the mirror chooses)', async () => {
    const server = await startReferenceServer(SNAPSHOT_2026);
    const other = await startReferenceServer(SNAPSHOT_2026);
    try {
      server.inject('/v1/kms/kms.json', { kind: 'status', status: 302, times: Infinity, headers: { location: `${other.url}v1/kms/kms.json` } });
      const err = await syncReference({ cacheDir: path.join(await tempDir(), 'cache'), source: new HttpSource(server.url, { timeoutMs: 5000 }), retry: FAST_RETRY }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SyncError);
      expect((err as SyncError).message).toBe(`service kms at ${server.url}v1/kms/kms.json: redirected to another origin (${other.url.replace(/\/$/, '')}); only redirects within the mirror are followed`);
      expect(other.requests.size).toBe(0);
    } finally {
      await server.close();
      await other.close();
    }
  });
});
