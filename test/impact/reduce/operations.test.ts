import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventSourceExceptions, eventSourcePrefixes, prefixesOfEventSources } from '../../../src/impact/event-sources.js';
import table from '../../../src/impact/event-sources.json' with { type: 'json' };
import { mapEvent } from '../../../src/impact/operations.js';
import type { EventActions } from '../../../src/impact/types.js';
import { loadOperationsFromCache, type OperationsIndex, type SnapshotManifest } from '../../../src/reference/index.js';
import { readCachedManifest } from '../../../src/reference/load-services.js';
import { PROJECT_ROOT } from '../../support/paths.js';

const CACHE = path.join(PROJECT_ROOT, 'service-reference-cache');
const SOURCES = ['s3', 'bedrock', 'lambda', 'monitoring', 'signin', 'es', 'kafka', 'cloudfront', 's3express', 'iam', 'apigateway', 'sts', 'cloudcontrolapi', 'nosuchservice', 'ec2'].map((h) => `${h}.amazonaws.com`);

let manifest: SnapshotManifest;
let operations: OperationsIndex;

beforeAll(async () => {
  manifest = await readCachedManifest(CACHE, 'current', { cwd: PROJECT_ROOT });
  operations = await loadOperationsFromCache(CACHE, manifest, prefixesOfEventSources(SOURCES), { cwd: PROJECT_ROOT });
});

const plain = (required: string[], conditional: (string | [string, string[]])[] = [], flags: Partial<EventActions> = {}): EventActions => ({
  required,
  conditional: conditional.map((c) => (typeof c === 'string' ? { action: c } : { action: c[0], passedToService: c[1] })),
  approximate: false,
  byName: false,
  ...flags,
});

describe('mapEvent on the 2026 reference', () => {
  it.each<[string, string, EventActions | undefined]>([
    ['s3.amazonaws.com', 'GetObject', plain(['s3:GetObject'], ['s3-object-lambda:GetObject', 's3:GetObjectLegalHold', 's3:GetObjectRetention', 's3:GetObjectTagging', 's3:GetObjectVersion'])],
    ['bedrock.amazonaws.com', 'InvokeModel', plain(['bedrock:InvokeModel'], ['bedrock:ApplyGuardrail', 'bedrock:CallWithBearerToken', 'bedrock:InvokeTool'])],
    ['lambda.amazonaws.com', 'CreateFunction20150331', plain(['lambda:CreateFunction'], ['lambda:GetLayerVersion', 'lambda:PassCapacityProvider', ['iam:PassRole', ['lambda.amazonaws.com']], 'lambda:TagResource'])],
    ['lambda.amazonaws.com', 'CreateFunction', plain(['lambda:CreateFunction'], ['lambda:GetLayerVersion', 'lambda:PassCapacityProvider', ['iam:PassRole', ['lambda.amazonaws.com']], 'lambda:TagResource'])],
    ['cloudfront.amazonaws.com', 'UpdateDistribution2020_05_31', plain(['cloudfront:UpdateDistribution'], ['cloudfront:GetVpcOrigin'])],
    ['monitoring.amazonaws.com', 'PutMetricData', plain(['cloudwatch:PutMetricData'])],
    ['signin.amazonaws.com', 'ConsoleLogin', undefined],
    ['signin.amazonaws.com', 'CreateOAuth2Token', undefined],
    ['es.amazonaws.com', 'AddTags', plain(['es:AddTags'])],
    ['kafka.amazonaws.com', 'CreateTopic', plain(['kafka-cluster:CreateTopic'], ['kafka-cluster:Connect'], { approximate: true })],
    ['kafka.amazonaws.com', 'ListTopics', plain(['kafka-cluster:Connect', 'kafka-cluster:DescribeTopic'], [], { approximate: true })],
    ['s3.amazonaws.com', 'ListObjectsV2', plain(['s3:GetObjectAcl', 's3:ListBucket'], ['s3-object-lambda:ListBucket'], { approximate: true })],
    ['s3express.amazonaws.com', 'CreateSession', plain(['s3express:CreateSession'], [], { byName: true })],
    ['iam.amazonaws.com', 'GetUserPolicy', plain(['iam:GetUserPolicy'])],
    ['cloudcontrolapi.amazonaws.com', 'CreateResource', plain(['cloudformation:CreateResource'], [['iam:PassRole', ['cloudformation.amazonaws.com']]])],
    ['nosuchservice.amazonaws.com', 'GetObject', undefined],
    ['s3.amazonaws.com', 'NoSuchOperation', undefined],
    ['s3.amazonaws.com', 'Get<script>', undefined],
    ['s3.example.com', 'GetObject', undefined],
  ])('%s %s', (source, name, expected) => {
    const got = mapEvent(operations, source, name);
    if (expected === undefined) return expect(got).toBeUndefined();
    expect(got).toEqual({ ...expected, conditional: expect.arrayContaining(expected.conditional) });
    expect(got!.conditional).toHaveLength(expected.conditional.length);
  });

  it('a CloudFront name with its suffix maps as without it, and the action list is the reference\'s', () => {
    const op = operations.operation('cloudfront', 'UpdateDistribution')!;
    expect(mapEvent(operations, 'cloudfront.amazonaws.com', 'UpdateDistribution2020_05_31')!.conditional.map((c) => c.action)).toEqual(
      op.authorizedActions.filter((a) => !(a.service === 'cloudfront' && a.action === 'UpdateDistribution')).map((a) => `${a.service}:${a.action}`),
    );
  });

  it('es and opensearch list some operations twice: each action once', () => {
    const both = operations.prefixes().includes('opensearch') && operations.operation('opensearch', 'AddTags');
    expect(both).toBeTruthy();
    expect(mapEvent(operations, 'es.amazonaws.com', 'AddTags')!.required).toEqual(['es:AddTags']);
  });

  it('an ec2 write maps to its own action', () => {
    expect(mapEvent(operations, 'ec2.amazonaws.com', 'RunInstances')!.required).toEqual(['ec2:RunInstances']);
  });
});

describe('event-sources.json', () => {
  it('is dated and sourced like the repository\'s other data files', () => {
    expect(table.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(table.asOf).toMatch(/^\d{4}-\d{2}(-\d{2})?$/);
  });

  it('every prefix it names exists in the pinned snapshot, and every service with operations is reachable from some event source (signin excepted, as its note says)', async () => {
    const all = await loadOperationsFromCache(CACHE, manifest, Object.keys(manifest.services), { cwd: PROJECT_ROOT });
    const reachable = new Set<string>();
    for (const [, prefixes] of eventSourceExceptions()) for (const p of prefixes) {
      expect(manifest.services[p], p).toBeDefined();
      reachable.add(p);
    }
    for (const p of all.prefixes()) if (!eventSourceExceptions().has(p)) reachable.add(p);
    const unreachable = all.prefixes().filter((p) => all.hasOperations(p) && !reachable.has(p));
    expect(unreachable).toEqual(['signin']);
  });

  it('hosts are matched without case; what is not an AWS event source names nothing', () => {
    expect(eventSourcePrefixes('IoTSecuredTunneling.amazonaws.com')).toEqual(['iot']);
    expect(eventSourcePrefixes('S3.amazonaws.com')).toEqual(['s3']);
    expect(eventSourcePrefixes('../x.amazonaws.com')).toEqual([]);
    expect(eventSourcePrefixes('s3')).toEqual([]);
    expect(eventSourcePrefixes(`${'a'.repeat(5000)}.amazonaws.com`)).toEqual([]);
  });
});
