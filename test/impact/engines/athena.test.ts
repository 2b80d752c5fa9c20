/**
 * The Athena source against a local fake of Athena's API (test/support/athena-server.ts), through the
 * real @aws-sdk/client-athena: the query and its parameters as sent, polling, pages, failures, the
 * timeout, throttling, and cells that are not what the query writes.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { RESULT_COLUMNS, SHAPE_COLUMNS } from '../../../src/impact/sql/columns.js';
import { athenaReductionQuery } from '../../../src/impact/sql/queries.js';
import { SqlResultError } from '../../../src/impact/sql/rows.js';
import { athenaClientFromEnv, AthenaQueryError, reduceWithAthena } from '../../../src/impact/sources/athena.js';
import type { Projection, ShapeRow } from '../../../src/impact/types.js';
import { startAthenaServer, type AthenaServer } from '../../support/athena-server.js';
import { shapeRow } from '../../support/shape-row.js';

const PROJECTION: Projection = { sourceIp: false, vpcEndpoint: false, userAgent: false, tlsVersion: true, mfa: false, objectKeys: false, session: false };
const WINDOW = { since: new Date('2026-10-07T00:00:00Z'), until: new Date('2026-11-06T12:00:00.250Z') };

const SHAPE: ShapeRow = shapeRow({
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  eventCategory: 'Data',
  awsRegion: 'us-east-1',
  recipientAccountId: '333333333301',
  principalType: 'AssumedRole',
  principalArn: 'arn:aws:iam::333333333301:role/legacy-etl',
  principalAccount: '333333333301',
  tlsVersion: '1.1',
  resourceArns: ['arn:aws:s3:::payments-prod-data', 'arn:aws:s3:::payments-prod-data/*'],
  resourceAccount: '333333333301',
  events: 1200,
  firstSeen: '2026-10-07T08:00:00Z',
  lastSeen: '2026-11-05T17:00:00Z',
  exampleEventId: '0a1b2c3d-0000-4000-8000-000000000001',
});

/** A shape as the query writes it: every cell text, arrays as JSON, NULL as null. */
function cellsOf(shape: ShapeRow): (string | null)[] {
  return [
    'shape',
    ...SHAPE_COLUMNS.map(([, field]) => (field === 'resourceArns' ? JSON.stringify(shape.resourceArns) : (shape[field] as string | null))),
    String(shape.events),
    shape.firstSeen,
    shape.lastSeen,
    shape.exampleEventId,
  ];
}
const total = (kind: string, events: number) => [kind, ...SHAPE_COLUMNS.map(() => null), String(events), null, null, null];

let server: AthenaServer;
const env = () => ({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_ATHENA: server.url });
const run = (extra: Partial<Parameters<typeof reduceWithAthena>[0]> = {}) =>
  reduceWithAthena({ client: athenaClientFromEnv(env()), database: 'security', table: 'guardrails_cloudtrail', projection: PROJECTION, ...WINDOW, pollStartMs: 5, pollMaxMs: 20, ...extra });

beforeAll(async () => {
  server = await startAthenaServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.started.length = 0;
  server.operations.length = 0;
  server.stopped.length = 0;
});

test('the rows Athena serves come back as ShapeRows, read page by page', async () => {
  const second: ShapeRow = { ...SHAPE, eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', eventCategory: 'Management', tlsVersion: '1.2', resourceArns: [], resourceAccount: null, modelId: 'apac.anthropic.claude-sonnet-4-6', inferenceRegion: 'ap-southeast-2', events: 3, exampleEventId: 'e-2' };
  const denied: ShapeRow = { ...SHAPE, eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', awsRegion: 'eu-west-1', resourceArns: [], resourceAccount: null, errorCode: 'Client.UnauthorizedOperation', deniedBy: 'scp', deniedByPolicy: 'p-2kgnabcd', events: 7, exampleEventId: 'e-3' };
  server.script(() => ({
    header: [...RESULT_COLUMNS],
    // Athena's array order need not be JavaScript's: the reader sorts.
    rows: [cellsOf({ ...SHAPE, resourceArns: [...SHAPE.resourceArns].reverse() }), cellsOf(second), total('not-authorization', 40), cellsOf(denied), total('outside-window', 2), total('malformed:eventTime', 1)],
    runningPolls: 2,
    pageCap: 2,
  }));
  const reduction = await run({ workgroup: 'guardrails', outputLocation: 's3://athena-results-111111111111/impact/', catalog: 'AwsDataCatalog' });
  expect(reduction.shapes).toEqual([second, denied, SHAPE].sort((a, b) => (JSON.stringify(SHAPE_COLUMNS.map(([, f]) => a[f])) < JSON.stringify(SHAPE_COLUMNS.map(([, f]) => b[f])) ? -1 : 1)));
  expect(reduction.totals).toEqual({ records: 1210 + 40 + 2 + 1, authorizationEvents: 1210, notAuthorization: 40, outsideWindow: 2, malformed: { eventTime: 1 }, files: 0 });

  // The query and its window as sent: the SQL of queries.ts, the bounds as quoted literals in its order.
  const [query] = server.started;
  expect(query!.queryString).toBe(athenaReductionQuery({ database: 'security', table: 'guardrails_cloudtrail', projection: PROJECTION }).sql);
  expect(query!.executionParameters).toEqual(["'2026/10/07'", "'2026/11/07'", "'2026-10-07T00:00:00Z'", "'2026-11-06T12:00:01Z'"]);
  expect([query!.workGroup, query!.database, query!.catalog, query!.outputLocation]).toEqual(['guardrails', 'security', 'AwsDataCatalog', 's3://athena-results-111111111111/impact/']);
  // QUEUED, RUNNING twice, SUCCEEDED; then the header and six rows two by two: four pages.
  expect(server.operations).toEqual(['StartQueryExecution', ...Array(4).fill('GetQueryExecution'), ...Array(4).fill('GetQueryResults')]);
});

test('a failed query fails the run with Athena\'s reason', async () => {
  server.script(() => ({ header: [...RESULT_COLUMNS], rows: [], fail: 'TABLE_NOT_FOUND: line 3:8: Table awsdatacatalog.security.guardrails_cloudtrail does not exist' }));
  await expect(run()).rejects.toThrow(AthenaQueryError);
  await expect(run()).rejects.toThrow(/failed: TABLE_NOT_FOUND: line 3:8: Table awsdatacatalog\.security\.guardrails_cloudtrail does not exist/);
  expect(server.operations).not.toContain('GetQueryResults');
});

test('a query still running at the timeout is stopped', async () => {
  server.script(() => ({ header: [...RESULT_COLUMNS], rows: [], hang: true }));
  await expect(run({ timeoutMs: 150 })).rejects.toThrow(/did not finish within 0.15 s: stopped/);
  expect(server.stopped).toEqual([server.started[0]!.id]);
});

test('a throttled call is retried', async () => {
  server.script(() => ({ header: [...RESULT_COLUMNS], rows: [cellsOf(SHAPE)] }));
  const before = server.throttled();
  server.throttleNext(1);
  const reduction = await run();
  expect(server.throttled() - before).toBe(1);
  expect(server.operations.slice(0, 2)).toEqual(['StartQueryExecution', 'StartQueryExecution']);
  expect(reduction.shapes).toEqual([SHAPE]);
});

test('cells that are not what the query writes are counted, never read', async () => {
  const hostile: (string | null)[][] = [
    cellsOf({ ...SHAPE, principalArn: 'x'.repeat(5000) }),
    [...cellsOf(SHAPE).slice(0, -4), '12abc', SHAPE.firstSeen, SHAPE.lastSeen, 'e'],
    [...cellsOf(SHAPE).slice(0, -4), '-3', SHAPE.firstSeen, SHAPE.lastSeen, 'e'],
    cellsOf(SHAPE).map((c, i) => (i === 1 + SHAPE_COLUMNS.findIndex(([, f]) => f === 'resourceArns') ? '{"not": "a list"}' : c)),
    cellsOf(SHAPE).map((c, i) => (i === 1 + SHAPE_COLUMNS.findIndex(([, f]) => f === 'resourceArns') ? '[1, 2]' : c)),
    cellsOf(SHAPE).map((c, i) => (i === 1 + SHAPE_COLUMNS.findIndex(([, f]) => f === 'deniedBy') ? 'everyone' : c)),
    cellsOf(SHAPE).map((c, i) => (i === 1 + SHAPE_COLUMNS.findIndex(([, f]) => f === 'eventSource') ? null : c)),
    cellsOf(SHAPE).map((c, i) => (i === 1 + SHAPE_COLUMNS.length + 1 ? 'last tuesday' : c)),
    cellsOf(SHAPE).slice(0, -1),
    total('malformed:<script>', 5),
    total('bogus', 5),
    // A valid row after the hostile ones still counts.
    cellsOf({ ...SHAPE, events: 2, exampleEventId: 'e-good' }),
  ];
  server.script(() => ({ header: [...RESULT_COLUMNS], rows: hostile }));
  const reduction = await run();
  expect(reduction.shapes).toEqual([{ ...SHAPE, events: 2, exampleEventId: 'e-good' }]);
  expect(reduction.totals.malformed).toEqual({ 'result-row': hostile.length - 1 });
});

test('a header other than the query\'s is an error', async () => {
  server.script(() => ({ header: ['kind', 'something_else'], rows: [] }));
  await expect(run()).rejects.toThrow(SqlResultError);
});

test('names written into the query or the request are checked first', async () => {
  await expect(run({ database: 'security"; DROP TABLE x; --' })).rejects.toThrow(/database .* is not an identifier/);
  await expect(run({ workgroup: 'a b' })).rejects.toThrow(/not a workgroup name/);
  await expect(run({ outputLocation: 'https://example.com/' })).rejects.toThrow(/not s3:\/\/bucket\/prefix/);
  expect(server.started).toEqual([]);
});
