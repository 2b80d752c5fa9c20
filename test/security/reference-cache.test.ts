/**
 * A committed service-reference cache changed by a pull request, run through the real CLI as CI would
 * run `guardrails compile` on it: the cache is verified against its manifest (or the change shows in
 * the manifest's text), and nothing it points at outside the repository is read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMPACT_INDEX_FORMAT, compactService, LEVEL_CODES, type CacheManifest, type RawServiceFile } from '../../src/reference/index.js';
import { copyCacheInto, HAVE_STRACE, makeSandbox, runHostile, type HostileRun } from '../support/hostile.js';
import { SNAPSHOT_2026 } from '../support/paths.js';
import { treeHash } from '../support/tree-hash.js';
import { gzipBomb } from '../support/gzip-bomb.js';

const MINIMAL_ORG = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'hostile', '_base', 'minimal', 'guardrails', 'org.yaml'), 'utf8');
const DENY_IAM_WRITES = `version: 1
controls:
  no-iam-writes:
    kind: deny-actions
    actions: ["iam:{Write}"]
    attach: [Workloads]
`;
const INTENT = { 'guardrails/org.yaml': MINIMAL_ORG, 'guardrails/deny.yaml': DENY_IAM_WRITES };
const CACHE = 'service-reference-cache';

function expectContained(r: HostileRun): string {
  const summary = `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''} in ${r.ms} ms\n--- stderr ---\n${r.stderr.slice(0, 3000)}\n--- stdout ---\n${r.stdout.slice(0, 1000)}`;
  expect(r.timedOut, summary).toBe(false);
  expect(r.leaks, summary).toEqual([]);
  expect(r.outsideAccess, summary).toEqual([]);
  return summary;
}

async function sandboxWithCache(): Promise<{ box: Awaited<ReturnType<typeof makeSandbox>>; cache: string; manifest: CacheManifest }> {
  const box = await makeSandbox({ files: INTENT });
  const cache = await copyCacheInto(box.repo, CACHE);
  return { box, cache, manifest: JSON.parse(fs.readFileSync(path.join(cache, 'manifest.json'), 'utf8')) as CacheManifest };
}

const objectPath = (cache: string, sha: string) => path.join(cache, 'objects', sha.slice(0, 2), `${sha}.gz`);
const compile = ['compile', '--out', 'out'];

describe.runIf(HAVE_STRACE)('a tampered committed cache', () => {
  let untampered: string;
  beforeAll(async () => {
    const { box } = await sandboxWithCache();
    const r = await runHostile({ args: compile }, box);
    const summary = expectContained(r);
    expect(r.code, summary).toBe(0);
    untampered = await treeHash(path.join(box.repo, 'out'));
  });

  it('an index marking iam:CreateAccessKey as Read (what earlier versions trusted) changes nothing: the policy is compiled from the objects', async () => {
    const { box, cache, manifest } = await sandboxWithCache();
    // The index format earlier versions stored beside the snapshot and loaded without a check.
    const services = Object.keys(manifest.services).map((name) =>
      compactService(JSON.parse(fs.readFileSync(path.join(SNAPSHOT_2026, 'v1', name, `${name}.json`), 'utf8')) as RawServiceFile),
    );
    const iam = services.find((s) => s[0] === 'iam')!;
    const createAccessKey = iam[2].find((a) => a[0] === 'CreateAccessKey')!;
    expect(LEVEL_CODES[createAccessKey[1]]).toBe('Write');
    createAccessKey[1] = LEVEL_CODES.indexOf('Read');
    fs.mkdirSync(path.join(cache, 'indexes'));
    fs.writeFileSync(path.join(cache, 'indexes', `${manifest.snapshotId}.json.gz`), gzipSync(JSON.stringify({ format: COMPACT_INDEX_FORMAT, snapshotId: manifest.snapshotId, services })));
    const r = await runHostile({ args: compile }, box);
    const summary = expectContained(r);
    expect(r.code, summary).toBe(0);
    expect(await treeHash(path.join(box.repo, 'out')), 'the compiled policies differ from those of the untampered cache').toBe(untampered);
  });

  it('an object changed in place (iam:CreateAccessKey no longer a write) fails, naming the file', async () => {
    const { box, cache, manifest } = await sandboxWithCache();
    const iam = JSON.parse(fs.readFileSync(path.join(SNAPSHOT_2026, 'v1', 'iam', 'iam.json'), 'utf8'));
    iam.Actions.find((a: { Name: string }) => a.Name === 'CreateAccessKey').Annotations.Properties.IsWrite = false;
    const object = objectPath(cache, manifest.services.iam!.sha256);
    fs.writeFileSync(object, gzipSync(JSON.stringify(iam)));
    const r = await runHostile({ args: compile }, box);
    const summary = expectContained(r);
    expect(r.code, summary).toBe(2);
    expect(r.stderr, summary).toContain(`${object} (service iam) does not match the manifest`);
    expect(r.stderr, summary).toContain('run guardrails sync to rebuild the cache');
    expect(fs.existsSync(path.join(box.repo, 'out')), summary).toBe(false);
  });

  it('a manifest that is a symlink to a secret beside the repository is not read', async () => {
    const { box, cache } = await sandboxWithCache();
    fs.rmSync(path.join(cache, 'manifest.json'));
    fs.symlinkSync(path.join(box.outside, 'secret.json'), path.join(cache, 'manifest.json'));
    const r = await runHostile({ args: compile }, box);
    const summary = expectContained(r);
    expect(r.code, summary).toBe(2);
    expect(r.stderr, summary).toContain(`cache manifest ${path.join(cache, 'manifest.json')} is outside the cache`);
  });

  it('an object that is a symlink to an SSH key beside the repository is not read', async () => {
    const { box, cache, manifest } = await sandboxWithCache();
    const object = objectPath(cache, manifest.services.s3!.sha256);
    fs.rmSync(object);
    fs.symlinkSync(path.join(box.outside, '.ssh', 'id_rsa'), object);
    const r = await runHostile({ args: compile }, box);
    const summary = expectContained(r);
    expect(r.code, summary).toBe(2);
    expect(r.stderr, summary).toContain(`cache object (service s3) ${object} is outside the cache`);
  });

  it('a cache directory that is a symlink to a cache outside the repository is not read', async () => {
    const { box, cache } = await sandboxWithCache();
    fs.renameSync(cache, path.join(box.outside, 'cache'));
    fs.symlinkSync(path.join(box.outside, 'cache'), cache);
    const r = await runHostile({ args: compile }, box);
    const summary = expectContained(r);
    expect(r.code, summary).toBe(2);
    expect(r.stderr, summary).toContain(`the cache ${cache} resolves to ${path.join(box.outside, 'cache')}, outside the repository ${box.repo}`);
  });

  it('a gzip bomb in place of an object stops at 16 MiB, with a small heap', async () => {
    const { box, cache, manifest } = await sandboxWithCache();
    const object = objectPath(cache, manifest.services.ec2!.sha256);
    fs.writeFileSync(object, gzipBomb(1 << 30));
    const r = await runHostile({ args: compile, heapMb: 128 }, box);
    const summary = expectContained(r);
    expect(r.code, summary).toBe(2);
    expect(r.stderr, summary).toContain(`${object} (service ec2) decompresses to more than 16 MiB, the most read for one file`);
  });

  it('a manifest replaced by text that is not JSON is refused without echoing it', async () => {
    const { box, cache } = await sandboxWithCache();
    const planted = 'AWS_SECRET_ACCESS_KEY=planted-7f3a9c-not-json';
    fs.writeFileSync(path.join(cache, 'manifest.json'), `${planted}\n`);
    const r = await runHostile({ args: compile }, box);
    const summary = expectContained(r);
    expect(r.code, summary).toBe(2);
    expect(r.stderr, summary).toContain(`${path.join(cache, 'manifest.json')}: invalid JSON: expected a value at line 1, column 1`);
    expect(r.stderr, summary).not.toContain('planted-7f3a9c');
  });
});
