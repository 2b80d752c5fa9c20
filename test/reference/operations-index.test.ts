import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { CacheError, CacheStore, checkOperations, loadOperationsFromCache, ShapeError, type SnapshotManifest } from '../../src/reference/index.js';
import { readCachedManifest } from '../../src/reference/load-services.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

let cache: string;
let manifest: SnapshotManifest;

beforeAll(async () => {
  cache = path.join(await tempDir(), 'cache');
  fs.cpSync(path.join(PROJECT_ROOT, 'service-reference-cache'), cache, { recursive: true });
  manifest = await readCachedManifest(cache);
});

describe('loadOperationsFromCache', () => {
  it('reads the operations of the 2026 snapshot: 18,666, of which 17,865 list authorized actions', async () => {
    const index = await loadOperationsFromCache(cache, manifest, Object.keys(manifest.services));
    expect(index.counts()).toEqual({ operations: 18_666, withAuthorizedActions: 17_865 });
    expect(index.prefixes()).toHaveLength(466);
  });

  it('loads only the prefixes asked; one the snapshot lacks maps nothing, one never asked is a caller error', async () => {
    const index = await loadOperationsFromCache(cache, manifest, ['lambda', 's3express', 'no-such-service', '../etc', '__proto__']);
    expect(index.prefixes()).toEqual(['lambda', 's3express']);
    expect(index.operation('lambda', 'createfunction')).toEqual({
      service: 'lambda',
      name: 'CreateFunction',
      authorizedActions: [
        { service: 'lambda', action: 'CreateFunction' },
        { service: 'lambda', action: 'GetLayerVersion' },
        { service: 'lambda', action: 'PassCapacityProvider' },
        { service: 'iam', action: 'PassRole', passedToService: ['lambda.amazonaws.com'] },
        { service: 'lambda', action: 'TagResource' },
      ],
      sdk: ['lambda'],
    });
    expect(index.hasOperations('s3express')).toBe(false);
    expect(index.action('s3express', 'createsession')).toBe('CreateSession');
    expect(index.operation('no-such-service', 'X')).toBeUndefined();
    expect(index.covers('__proto__')).toBe(true);
    expect(() => index.operation('s3', 'GetObject')).toThrow(/operations of service "?s3"? were not loaded/);
  });

  it('a tampered object is refused, naming the file; other services still load', async () => {
    const tampered = path.join(await tempDir(), 'cache');
    fs.cpSync(cache, tampered, { recursive: true });
    const lambda = JSON.parse(fs.readFileSync(path.join(SNAPSHOT_2026, 'v1', 'lambda', 'lambda.json'), 'utf8'));
    // Drop iam:PassRole from CreateFunction: a replay would no longer see the role a function is given.
    const op = lambda.Operations.find((o: { Name: string }) => o.Name === 'CreateFunction');
    op.AuthorizedActions = op.AuthorizedActions.filter((a: { Service: string }) => a.Service !== 'iam');
    const object = new CacheStore(tampered).objectPath(manifest.services['lambda']!.sha256);
    fs.writeFileSync(object, gzipSync(Buffer.from(JSON.stringify(lambda))));
    const err = await loadOperationsFromCache(tampered, manifest, ['s3', 'lambda']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CacheError);
    expect((err as CacheError).code).toBe('cache-integrity');
    expect((err as CacheError).message).toContain(object);
    expect((err as CacheError).message).toMatch(/does not match the manifest/);
    expect((await loadOperationsFromCache(tampered, manifest, ['s3'])).prefixes()).toEqual(['s3']);
  });
});

describe('checkOperations', () => {
  const op = (over: Record<string, unknown> = {}) => ({ Name: 'GetThing', AuthorizedActions: [{ Name: 'GetThing', Service: 'svc' }], SDK: [{ Name: 'svc', Method: 'get_thing', Package: 'Boto3' }], ...over });
  it('compacts operations, keeping PassRole context and ignoring context keys it does not read', () => {
    expect(
      checkOperations(
        [op({ AuthorizedActions: [{ Name: 'PassRole', Service: 'iam', Context: { 'iam:PassedToService': ['svc.amazonaws.com'], 'svc:Other': ['x'] } }] })],
        'svc',
      ),
    ).toEqual([['GetThing', [['iam', 'PassRole', ['svc.amazonaws.com']]], ['svc']]]);
    expect(checkOperations(undefined, 'svc')).toEqual([]);
  });
  it.each([
    ['not an array', {}, /"Operations" is not an array/],
    ['a name with markup', [op({ Name: '<img src=x>' })], /Operations\[0\]\.Name "<img src=x>" is not an operation name/],
    ['an action with a wildcard', [op({ AuthorizedActions: [{ Name: 'Get*', Service: 'svc' }] })], /AuthorizedActions\[0\]\.Name "Get\*" is not an action name/],
    ['a service with a path', [op({ AuthorizedActions: [{ Name: 'Get', Service: '../x' }] })], /Service "..\/x" is not a service name/],
    ['a service principal with a space', [op({ AuthorizedActions: [{ Name: 'PassRole', Service: 'iam', Context: { 'iam:PassedToService': ['a b'] } }] })], /is not a service principal/],
    ['the same operation twice', [op(), op({ Name: 'getthing' })], /operation getthing is listed twice/],
    ['too many authorized actions', [op({ AuthorizedActions: Array.from({ length: 257 }, () => ({ Name: 'A', Service: 'svc' })) })], /has 257 entries; at most 256 are read/],
    ['an SDK entry without a name', [op({ SDK: [{ Method: 'x' }] })], /SDK\[0\]\.Name is missing/],
    ['a name that is a number', [op({ Name: 7 })], /Name is a number, not a string/],
  ])('refuses %s', (_, raw, message) => {
    expect(() => checkOperations(raw, 'svc')).toThrow(ShapeError);
    expect(() => checkOperations(raw, 'svc')).toThrow(message);
  });
});
