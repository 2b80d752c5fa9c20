/**
 * `guardrails sync` against a hostile mirror (a local HTTP server with faults), run as CI would run
 * it: the real CLI in its own process, with a low heap, under strace, and a committed cache in the
 * repository. Every failure must be exit 2 naming the URL, with the cache byte-for-byte as it was and
 * no lock or staging directory left behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyCacheInto, HAVE_STRACE, makeSandbox, runHostile, type HostileRun } from '../support/hostile.js';
import { startReferenceServer, type Fault, type ReferenceServer } from '../support/reference-server.js';
import { SNAPSHOT_2026 } from '../support/paths.js';
import { treeHash } from '../support/tree-hash.js';
import { gzipBomb } from '../support/gzip-bomb.js';

/** Every entry under `dir` with its size, symlinks as their targets (treeHash would follow them). */
function listing(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => {
      const full = path.join(e.parentPath, e.name);
      return `${path.relative(dir, full)} ${e.isSymbolicLink() ? `-> ${fs.readlinkSync(full)}` : e.isFile() ? fs.statSync(full).size : 'dir'}`;
    })
    .sort();
}

describe.runIf(HAVE_STRACE)('sync from a hostile mirror', () => {
  let server: ReferenceServer;
  const iamJson = fs.readFileSync(path.join(SNAPSHOT_2026, 'v1', 'iam', 'iam.json'));
  beforeAll(async () => {
    server = await startReferenceServer(SNAPSHOT_2026);
  });
  afterAll(() => server.close());

  async function syncAgainst(faults: Record<string, Fault>, args: string[] = []): Promise<{ r: HostileRun; summary: string }> {
    server.clearFaults();
    for (const [urlPath, fault] of Object.entries(faults)) server.inject(urlPath, fault);
    const box = await makeSandbox({});
    const cache = await copyCacheInto(box.repo);
    const before = await treeHash(cache);
    const r = await runHostile({ args: ['sync', '--from', server.url, '--retries', '1', ...args], heapMb: 128, timeoutMs: 60_000 }, box);
    const summary = `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''} in ${r.ms} ms\n${r.stderr.slice(0, 2000)}`;
    expect(r.timedOut, summary).toBe(false);
    expect(r.leaks, summary).toEqual([]);
    expect(r.outsideAccess, summary).toEqual([]);
    expect(r.code, summary).toBe(2);
    expect(fs.readdirSync(cache).filter((n) => n === '.lock' || n.startsWith('.staging-')), summary).toEqual([]);
    expect(await treeHash(cache), `the cache changed\n${summary}`).toBe(before);
    expect(r.stderr, summary).toContain('the cache in service-reference-cache is unchanged');
    expect(r.stderr, summary).not.toContain('Warning');
    return { r, summary };
  }

  it('a gzip bomb (1 GiB of spaces in 1 MB) is stopped at 16 MiB, naming the URL', async () => {
    const bomb = gzipBomb(1 << 30);
    const { r, summary } = await syncAgainst({ '/v1/iam/iam.json': { kind: 'body', body: bomb, headers: { 'content-encoding': 'gzip' } } });
    expect(r.stderr, summary).toContain(`error sync-failed: service iam at ${server.url}v1/iam/iam.json: the body is larger than 16 MiB once decompressed`);
  });

  it('a body that stops being gzip halfway ends with a message (it used to leave Node with exit 13 and nothing said)', async () => {
    // Invalid deflate data that arrives after the response: fetch's body promise never settled.
    const gz = zlib.gzipSync(fs.readFileSync(path.join(SNAPSHOT_2026, 'v1', 'ec2', 'ec2.json')));
    const { r, summary } = await syncAgainst({
      '/v1/ec2/ec2.json': { kind: 'chunks', chunks: [gz.subarray(0, 1000), Buffer.alloc(5000, 7)], gapMs: 200, headers: { 'content-encoding': 'gzip' } },
    });
    expect(r.stderr, summary).toContain(`error sync-failed: service ec2 at ${server.url}v1/ec2/ec2.json: the body is labelled gzip but is not valid gzip (Z_DATA_ERROR)`);
  });

  it('a body labelled gzip that is plain JSON is refused, naming the URL', async () => {
    const { r, summary } = await syncAgainst({ '/v1/iam/iam.json': { kind: 'body', body: iamJson, headers: { 'content-encoding': 'gzip' } } });
    expect(r.stderr, summary).toContain(`service iam at ${server.url}v1/iam/iam.json: the body is labelled gzip but is not valid gzip`);
  });

  it('an encoding sync did not ask for (gzip twice) is refused', async () => {
    const { r, summary } = await syncAgainst({ '/v1/iam/iam.json': { kind: 'body', body: zlib.gzipSync(zlib.gzipSync(iamJson)), headers: { 'content-encoding': 'gzip, gzip' } } });
    expect(r.stderr, summary).toContain(`service iam at ${server.url}v1/iam/iam.json: the body is encoded as gzip, gzip; only gzip, br are read`);
  });

  it('a server that trickles a byte at a time hits the per-request timeout', async () => {
    const { r, summary } = await syncAgainst({ '/v1/iam/iam.json': { kind: 'trickle', intervalMs: 50 } }, ['--timeout', '1500']);
    expect(r.stderr, summary).toContain(`service iam at ${server.url}v1/iam/iam.json: timed out after 1500 ms (after 2 attempts)`);
  });

  it('a service list of 100,000 services is refused', async () => {
    const list = Array.from({ length: 100_000 }, (_, i) => ({ service: `s${i}`, url: 'x' }));
    const { r, summary } = await syncAgainst({ '/v1/service-list.json': { kind: 'body', body: Buffer.from(JSON.stringify(list)) } });
    expect(r.stderr, summary).toContain(`service list at ${server.url}v1/service-list.json: service list names 100000 services; at most 10000 are read`);
  });

  it('a service list larger than 4 MiB is not read past the cap', async () => {
    const { r, summary } = await syncAgainst({ '/v1/service-list.json': { kind: 'body', body: Buffer.alloc(64 << 20, 0x20) } });
    expect(r.stderr, summary).toContain(`service list at ${server.url}v1/service-list.json: the body is larger than 4 MiB, the most read for one file`);
  });
});

describe.runIf(HAVE_STRACE)('sync into a cache that leads out of the repository', () => {
  it('refuses a committed cache directory that is a symlink to a directory outside, and writes nothing there', async () => {
    const server = await startReferenceServer(SNAPSHOT_2026);
    try {
      const box = await makeSandbox({});
      fs.mkdirSync(path.join(box.outside, 'cache'));
      fs.symlinkSync(path.join(box.outside, 'cache'), path.join(box.repo, 'service-reference-cache'));
      const r = await runHostile({ args: ['sync', '--from', server.url] }, box);
      expect(r.outsideAccess).toEqual([]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error sync-failed: the cache ${path.join(box.repo, 'service-reference-cache')} resolves to ${path.join(box.outside, 'cache')}, outside the repository ${box.repo}`);
      expect(fs.readdirSync(path.join(box.outside, 'cache'))).toEqual([]);
      expect(server.requests.size).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('refuses an objects/ subdirectory that is a symlink leading out, before writing into it', async () => {
    const server = await startReferenceServer(SNAPSHOT_2026);
    try {
      const box = await makeSandbox({});
      const cache = await copyCacheInto(box.repo);
      // Every object is fetched again (the copied cache has no validators) and the ones under "aa" would land outside.
      const aa = path.join(cache, 'objects', 'aa');
      fs.rmSync(aa, { recursive: true, force: true });
      fs.mkdirSync(path.join(box.outside, 'objects-aa'));
      fs.symlinkSync(path.join(box.outside, 'objects-aa'), aa);
      const manifest = JSON.parse(fs.readFileSync(path.join(cache, 'manifest.json'), 'utf8')) as { services: Record<string, { sha256: string }> };
      expect(Object.values(manifest.services).some((e) => e.sha256.startsWith('aa'))).toBe(true);
      const before = listing(cache);
      const r = await runHostile({ args: ['sync', '--from', server.url], timeoutMs: 60_000 }, box);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`${aa} resolves to ${path.join(box.outside, 'objects-aa')}, outside the cache`);
      expect(r.outsideAccess).toEqual([]);
      expect(fs.readdirSync(path.join(box.outside, 'objects-aa'))).toEqual([]);
      // Checked before anything moved: nothing of the new snapshot was left in the cache.
      expect(listing(cache)).toEqual(before);
    } finally {
      await server.close();
    }
  });
});
