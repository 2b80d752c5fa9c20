/**
 * `minimize` loads only the services a policy names (services-named.ts, load-services.ts). Whatever it
 * accepts from that partial reference must be what the whole reference gives, byte for byte; what it
 * cannot decide there it must hand back (and the CLI minimizes again on the whole reference).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { minimizePolicy, partialResultStands, proveEquivalence, servicesNamedBy, type MinimizePolicyOptions, type MinimizePolicyResult } from '../../src/compile/index.js';
import { parseJsonWithPositions, readPolicyDocument, type PolicyDocument } from '../../src/policy/index.js';
import { CacheStore, COMPACT_INDEX_FORMAT, DirectorySource, ReferenceIndex, syncReference } from '../../src/reference/index.js';
import { loadServicesFromCache, readCachedManifest } from '../../src/reference/load-services.js';
import { runCli } from '../support/cli.js';
import { PREPROCESSOR_EXAMPLES, SNAPSHOT_2026 } from '../support/paths.js';
import { reference2026 } from '../support/reference.js';
import { tempDir } from '../support/temp.js';

let ref: ReferenceIndex;
let names: string[];
beforeAll(async () => {
  ref = (await reference2026()).index;
  names = ref.services.map((s) => s.prefix);
});

function parse(text: string, file = '/policy.json'): { doc: PolicyDocument; sources: SourceIndex } {
  const sources = new SourceIndex();
  const parsed = parseJsonWithPositions(file, text, sources);
  return { doc: readPolicyDocument(parsed.value, sources, { ignoreKeys: ['Comment', 'Comments'] }).document!, sources };
}

/** The whole reference cut down to some of its services, as loadServicesFromCache builds it. */
function subset(services: readonly string[]): ReferenceIndex {
  const keep = new Set(services);
  return ReferenceIndex.fromCompact({ format: COMPACT_INDEX_FORMAT, snapshotId: ref.snapshotId, services: ref.toCompact().services.filter((s) => keep.has(s[0])) });
}

/** What a user sees of a result: the policies' text, the diagnostics, the level. */
function seen(r: MinimizePolicyResult) {
  return { ok: r.ok, level: r.level, escalatedFor: r.escalatedFor, texts: r.policies.map((p) => p.text), diagnostics: r.diagnostics.map((d) => [d.severity, d.code, d.message, d.hint, d.location?.line, d.location?.col]) };
}

/** The partial run as the CLI makes it: undefined when it goes to the whole reference. */
function minimizePartially(text: string, options: MinimizePolicyOptions): MinimizePolicyResult | undefined {
  const { doc, sources } = parse(text);
  const named = servicesNamedBy(doc, names);
  if (!named) return undefined;
  const r = minimizePolicy(doc, sources, subset(named.load), { ...options, partialReference: true });
  return partialResultStands(r, named, doc) ? r : undefined;
}

function minimizeWholly(text: string, options: MinimizePolicyOptions): MinimizePolicyResult {
  const { doc, sources } = parse(text);
  return minimizePolicy(doc, sources, ref, options);
}

const LEGACY: MinimizePolicyOptions = { type: 'scp', maxChars: 5120, maxPerTarget: 5, keepSids: false, mode: 'readable' };

describe('minimize on the services a policy names', () => {
  it('names the services of actions, service globs, condition keys and ARNs; `*` adds one unnamed service; unknown names need the whole reference', () => {
    const doc = (statements: unknown[]) => parse(JSON.stringify({ Version: '2012-10-17', Statement: statements })).doc;
    const named = servicesNamedBy(
      doc([
        { Effect: 'Deny', Action: ['s3:GetObject', 'IAM:{Write}', 'cloudtrail*:Get*'], Resource: ['arn:aws:kms:*:*:key/*'], Condition: { StringEquals: { 'ec2:Region': ['x'], 'aws:PrincipalTag/t': ['y'] } } },
        { Effect: 'Deny', NotAction: ['sns:Publish'], Resource: '*' },
      ]),
      names,
    );
    expect(named).toEqual({ named: ['cloudtrail', 'cloudtrail-data', 'ec2', 'iam', 'kms', 's3', 'sns'], load: ['cloudtrail', 'cloudtrail-data', 'ec2', 'iam', 'kms', 's3', 'sns'] });
    const star = servicesNamedBy(doc([{ Effect: 'Deny', Action: ['*', 's3:GetObject'], Resource: '*' }]), names)!;
    expect(star.named).toEqual(['s3']);
    expect(star.load).toHaveLength(2);
    expect(star.load).toContain('s3');
    expect(servicesNamedBy(doc([{ Effect: 'Deny', Action: ['s4:GetObject'], Resource: '*' }]), names)).toBeUndefined();
    expect(servicesNamedBy(doc([{ Effect: 'Deny', Action: ['s3:GetObject'], Resource: '*', Condition: { StringEquals: { 'nosuch:Key': ['x'] } } }]), names)).toBeUndefined();
  });

  it('`*` needs one service it does not name in the proof: without it, a `*` written as every named service would pass', () => {
    const input = { effect: 'Deny' as const, element: 'Action' as const, resources: ['*'], scopes: [''], label: 'input' };
    const wrong = { scopes: [''], statement: { effect: 'Deny' as const, action: ['iam:*', 's3:*'], resource: ['*'] }, label: 'output' };
    const { doc } = parse(JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['*', 's3:GetObject', 'iam:GetUser'], Resource: '*' }] }));
    const named = servicesNamedBy(doc, names)!;
    const namedOnly = subset(named.named);
    expect(proveEquivalence([{ ...input, actions: namedOnly.allActions() }], [wrong], namedOnly)).toEqual([]);
    const loaded = subset(named.load);
    expect(proveEquivalence([{ ...input, actions: loaded.allActions() }], [wrong], loaded)).toHaveLength(1);
  });

  it('the pre-processor examples at every readable slot count and --exact: the same output as on the whole reference, or handed back', () => {
    const stood: string[] = [];
    for (const file of ['example.json', 'blog.json']) {
      const text = fs.readFileSync(path.join(PREPROCESSOR_EXAMPLES, file), 'utf8');
      for (const [mode, slots, keepSids] of [['readable', 5, false], ['readable', 3, false], ['readable', 1, false], ['exact', 5, false], ['readable', 5, true]] as const) {
        const options = { ...LEGACY, mode, maxPerTarget: slots, keepSids };
        const partial = minimizePartially(text, options);
        if (!partial) continue;
        stood.push(`${file} ${mode} ${slots} ${keepSids}`);
        expect(seen(partial)).toEqual(seen(minimizeWholly(text, options)));
      }
    }
    // Level 3 (one slot on example.json) needs the whole reference; the rest stands on the named services.
    expect(stood).toEqual(['example.json readable 5 false', 'example.json readable 3 false', 'example.json exact 5 false', 'example.json readable 5 true', 'blog.json readable 5 false', 'blog.json readable 3 false', 'blog.json readable 1 false', 'blog.json exact 5 false', 'blog.json readable 5 true']);
  });

  it('hands back a policy that needs level 3 or more, or --aggressive', () => {
    const text = fs.readFileSync(path.join(PREPROCESSOR_EXAMPLES, 'example.json'), 'utf8');
    const { doc, sources } = parse(text);
    const named = servicesNamedBy(doc, names)!;
    for (const options of [{ ...LEGACY, maxPerTarget: 1 }, { ...LEGACY, mode: 'aggressive' as const }]) {
      const r = minimizePolicy(doc, sources, subset(named.load), { ...options, partialReference: true });
      expect(r.needsWholeReference).toBe(true);
      expect(r.policies).toEqual([]);
    }
  });

  it('property: random policies (`*`, globs, NotAction, exclusions, selectors, service condition keys, ARNs, misspellings) come out as on the whole reference whenever the partial run stands', () => {
    const pool = ['*', 's3:GetObject', 's3:Get*', 'iam:{Write}', 'iam:*User*', 'iam:{Exclude:CreateUser}', 'ec2:Describe*', 'kms:*', 'sns:Publish', 'lambda:?etFunction', 'dynamodb:*Item', '*:GetResourcePolicy', 'cloudtrail*:Get*', 'iam:GetUsr', 's4:GetObject', 'a4b:*', 'organizations:Leave*'];
    const conditions = [undefined, { StringNotEquals: { 'aws:PrincipalTag/Team': ['A'] } }, { StringEquals: { 's3:prefix': ['x'] } }, { StringEquals: { 'ec2:Region': ['x'] } }, { Bool: { 'aws:SecureTransport': ['false'] } }];
    const resources = ['*', 'arn:aws:s3:::b/*', 'arn:aws:sqs:*:*:q', 'arn:aws:nosuch:::x'];
    const statement = fc.record({
      actions: fc.subarray(pool, { minLength: 1, maxLength: 4 }),
      notAction: fc.boolean(),
      condition: fc.nat({ max: conditions.length - 1 }),
      resource: fc.nat({ max: resources.length - 1 }),
      sid: fc.boolean(),
    });
    let stood = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 4 }), fc.constantFrom<'readable' | 'exact'>('readable', 'readable', 'exact'), fc.integer({ min: 1, max: 5 }), fc.boolean(), (drafts, mode, slots, keepSids) => {
        const text = JSON.stringify({
          Version: '2012-10-17',
          Statement: drafts.map((d, i) => {
            const condition = conditions[d.condition];
            return { ...(d.sid ? { Sid: `S${i}` } : {}), Effect: 'Deny', [d.notAction ? 'NotAction' : 'Action']: d.actions, Resource: resources[d.resource], ...(condition ? { Condition: condition } : {}) };
          }),
        });
        const options = { ...LEGACY, maxChars: 2048, maxPerTarget: slots, mode, keepSids };
        runs++;
        const partial = minimizePartially(text, options);
        if (!partial) return;
        stood++;
        expect(seen(partial)).toEqual(seen(minimizeWholly(text, options)));
      }),
      { numRuns: 80, seed: 20261206 },
    );
    // Most random policies stand on the named services: the comparison above is not vacuous.
    expect(stood).toBeGreaterThan(runs / 5);
  });
});

describe('loadServicesFromCache', () => {
  it('reads only the named services, each checked against the manifest: a damaged file of another service is not read', async () => {
    const cache = path.join(await tempDir(), 'cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    const manifest = await readCachedManifest(cache);
    const store = new CacheStore(cache);
    fs.writeFileSync(store.objectPath(manifest.services['kms']!.sha256), 'not gzip');
    const loaded = await loadServicesFromCache(cache, manifest, ['s3', 'iam']);
    expect(loaded.index.services.map((s) => s.prefix)).toEqual(['iam', 's3']);
    expect(loaded.index.serviceActions(loaded.index.service('s3')!).size).toBe(ref.serviceActions(ref.service('s3')!).size);
    await expect(loadServicesFromCache(cache, manifest, ['kms'])).rejects.toThrow(/not valid gzip/);
    // The CLI: a policy of s3 minimizes; one naming kms reports the damaged cache, never a partial answer.
    const policy = path.join(path.dirname(cache), 'p.json');
    fs.writeFileSync(policy, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['s3:GetObject'], Resource: '*' }] }));
    expect((await runCli(['minimize', policy, '--type', 'scp', '--cache', cache])).code).toBe(0);
    fs.writeFileSync(policy, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['kms:Decrypt'], Resource: '*' }] }));
    const damaged = await runCli(['minimize', policy, '--type', 'scp', '--cache', cache]);
    expect(damaged.code).not.toBe(0);
    expect(damaged.stderr).toContain('cache-integrity');
  });
});
