/**
 * `guardrails impact` end to end from each source on one small generated delivery tree of the example
 * organization: the directory read by worker code inline and by DuckDB, the same tree uploaded to moto's
 * S3, and Athena's API (test/support/athena-server.ts) serving the rows the directory source reduced.
 * Every source must give the same report; the window flags and bad inputs are checked on the way.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImpactReport, ShapeRow } from '../../src/impact/index.js';
import { s3ClientFromEnv } from '../../src/impact/sources/s3.js';
import { RESULT_COLUMNS, SHAPE_COLUMNS } from '../../src/impact/sql/columns.js';
import { startAthenaServer, type AthenaServer } from '../support/athena-server.js';
import { runCli } from '../support/cli.js';
import { generateCloudTrail, type TrafficResult } from '../support/cloudtrail-traffic.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { startMoto, type Moto } from '../support/moto.js';

const WINDOW = ['--since', '2026-10-07', '--until', '2026-10-10'];
const BUCKET = 'org-trail-logs';

let repo: ExampleRepo;
let traffic: TrafficResult;
let moto: Moto;
let athena: AthenaServer;
let directory: ImpactReport;
let nodeShapes: string;

const impact = (args: string[], env: NodeJS.ProcessEnv = { CI: 'true' }) => runCli(['impact', '--org', 'guardrails/org-snapshot.json', '--quiet', ...args, '--cache', repo.cache], { cwd: repo.dir, env });
const json = async (args: string[], env?: NodeJS.ProcessEnv): Promise<ImpactReport> => {
  const run = await impact([...args, '--json'], env);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as ImpactReport;
};
/** What the decisions made of the shapes: the same whichever engine read the logs. */
const decided = (r: ImpactReport) => ({ findings: r.findings, alreadyDenied: r.alreadyDenied, byControl: r.byControl, unmapped: r.unmapped, shapes: r.totals.shapes, authorizationEvents: r.totals.authorizationEvents, newlyDenied: r.totals.newlyDenied, mayDeny: r.totals.mayDeny });
const awsEnv = (extra: NodeJS.ProcessEnv) => ({ CI: 'true', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', ...extra });

beforeAll(async () => {
  [repo, moto, athena] = await Promise.all([compiledExampleRepo(), startMoto(), startAthenaServer()]);
  traffic = await generateCloudTrail(path.join(repo.dir, 'logs'), { days: 3, eventsPerDay: 120 });
  directory = await json(['--cloudtrail', 'logs', ...WINDOW, '--save-shapes', 'node.jsonl']);
  nodeShapes = fs.readFileSync(path.join(repo.dir, 'node.jsonl'), 'utf8');
  const client = s3ClientFromEnv({ ...awsEnv({}), AWS_ENDPOINT_URL_S3: moto.endpoint }, { forcePathStyle: true });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const keys = [...traffic.files, ...traffic.digestFiles];
  for (let i = 0; i < keys.length; i += 16) await Promise.all(keys.slice(i, i + 16).map((key) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `trail/${key}`, Body: fs.readFileSync(path.join(traffic.dir, key)) }))));
  client.destroy();
}, 60_000);
afterAll(async () => {
  await moto?.stop();
  await athena?.close();
});

describe('guardrails impact from each source', () => {
  it('reads the directory over the window, every record counted, and finds the planted requests in it', () => {
    expect(directory.window).toEqual({ since: '2026-10-07T00:00:00Z', until: '2026-10-10T00:00:00Z', source: 'directory', location: 'logs' });
    expect(directory.totals.records).toBe(traffic.totals.records);
    expect(directory.totals.notAuthorization).toBe(traffic.totals.notAuthorization);
    expect(Object.values(directory.totals.malformed).reduce((a, b) => a + b, 0)).toBe(traffic.totals.malformed);
    expect(directory.totals.files).toBe(traffic.files.length);
    expect(directory.totals.newlyDenied).toBeGreaterThan(0);
    expect(directory.totals.unmapped).toBe(0);
  });

  it('DuckDB reads the same files into the same shapes and the same report', async () => {
    const duck = await json(['--cloudtrail', 'logs', ...WINDOW, '--engine', 'duckdb', '--save-shapes', 'duck.jsonl']);
    expect(fs.readFileSync(path.join(repo.dir, 'duck.jsonl'), 'utf8')).toBe(nodeShapes);
    expect(decided(duck)).toEqual(decided(directory));
    expect(duck.window.source).toBe('directory');
  });

  it('the saved shapes decide to the same report (reduce once, decide many times)', async () => {
    const again = await json(['--cloudtrail', 'shapes:node.jsonl']);
    expect(decided(again)).toEqual(decided(directory));
  });

  it('s3:// through moto gives the same report as the directory', async () => {
    const s3 = await json(['--cloudtrail', `s3://${BUCKET}/trail`, ...WINDOW], awsEnv({ AWS_ENDPOINT_URL_S3: moto.endpoint }));
    expect(decided(s3)).toEqual(decided(directory));
    expect(s3.totals.records).toBe(directory.totals.records);
    expect(s3.totals.files).toBe(directory.totals.files);
    expect(s3.window).toEqual({ ...directory.window, source: 's3', location: `s3://${BUCKET}/trail` });
    const missing = await impact(['--cloudtrail', 's3://no-such-bucket-here', ...WINDOW], awsEnv({ AWS_ENDPOINT_URL_S3: moto.endpoint }));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error cloudtrail-source: s3:\/\/no-such-bucket-here: NoSuchBucket/);
  });

  it('athena: sends the query its policies need and, served the directory\'s rows, gives the same report', async () => {
    const rows = nodeShapes.trim().split('\n').map((l) => cellsOf(JSON.parse(l) as ShapeRow));
    athena.script(() => ({ header: [...RESULT_COLUMNS], rows, pageCap: 50 }));
    const env = awsEnv({ AWS_ENDPOINT_URL_ATHENA: athena.url });
    const run = await json(['--cloudtrail', 'athena:AwsDataCatalog.security.guardrails_cloudtrail', ...WINDOW, '--athena-workgroup', 'guardrails', '--athena-output', 's3://athena-results-111111111111/impact/', '--athena-timeout', '1m'], env);
    expect(decided(run)).toEqual(decided(directory));
    const [query] = athena.started;
    expect([query!.database, query!.catalog, query!.workGroup, query!.outputLocation]).toEqual(['security', 'AwsDataCatalog', 'guardrails', 's3://athena-results-111111111111/impact/']);
    expect(query!.executionParameters).toEqual(["'2026/10/07'", "'2026/10/11'", "'2026-10-07T00:00:00Z'", "'2026-10-10T00:00:00Z'"]);
    // The query --print-sql athena prints is the one sent: the example's policies read the TLS version, so it is kept.
    const printed = await impact(['--print-sql', 'athena', '--cloudtrail', 'athena:AwsDataCatalog.security.guardrails_cloudtrail', ...WINDOW]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(`-- ExecutionParameters, in order: ${query!.executionParameters!.join(', ')}\n${query!.queryString}\n`);
    expect(query!.queryString).toMatch(/tls_version_raw = 'TLSv1'/);
  });

  it('--print-athena-ddl writes the table over the organization trail: its accounts and the Regions projected', async () => {
    const run = await impact(['--print-athena-ddl', 'org-trail-logs/trail']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("LOCATION 's3://org-trail-logs/trail/AWSLogs/o-exmpl12345/'");
    expect(run.stdout).toMatch(/'projection\.account\.values'='111111111111,[0-9,]*333333333301,/);
    expect(run.stdout).toMatch(/'projection\.region\.values'='[a-z0-9,-]*ap-southeast-2,[a-z0-9,-]*us-east-1/);
  });

  it('the window is half-open and --since takes a duration back from --until', async () => {
    const first = await json(['--cloudtrail', 'logs', '--since', '1d', '--until', '2026-10-08']);
    expect(first.window).toMatchObject({ since: '2026-10-07T00:00:00Z', until: '2026-10-08T00:00:00Z' });
    const second = await json(['--cloudtrail', 'logs', '--since', '2026-10-08', '--until', '2026-10-10']);
    expect(first.totals.authorizationEvents + second.totals.authorizationEvents).toBe(directory.totals.authorizationEvents);
    expect(first.totals.outsideWindow).toBeGreaterThan(0);
  });

  it.each([
    [['--cloudtrail', 'logs', '--since', 'yesterday'], /--since takes a duration back from --until/],
    [['--cloudtrail', 'logs', '--since', '2026-10-10', '--until', '2026-10-07'], /the window is empty/],
    [['--cloudtrail', 'logs', '--until', 'soon'], /--until takes an ISO date/],
    [['--cloudtrail', 'logs', '--engine', 'spark'], /--engine is node or duckdb/],
    [['--cloudtrail', 's3://x', '--engine', 'duckdb'], /--engine chooses how a directory is read/],
    [['--cloudtrail', 'logs', '--athena-workgroup', 'wg'], /go with --cloudtrail athena:/],
    [['--cloudtrail', 'athena:onlyone'], /names no table/],
    [['--cloudtrail', 'athena:db.bad-name'], /table "bad-name" is not an identifier/],
    [['--cloudtrail', 'shapes:node.jsonl', '--since', '1d'], /a shapes file was reduced over its own window/],
    [['--cloudtrail', 'logs', '--accounts', '12345'], /--accounts takes account ids/],
    [['--print-sql', 'spark'], /--print-sql is athena or duckdb/],
    [[], /impact needs --cloudtrail SOURCE/],
  ])('refuses %j (exit 2, naming the flag)', async (args, message) => {
    const run = await impact(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('a directory that is not CloudTrail\'s layout, or a missing shapes file, is one error naming it', async () => {
    const notLogs = await impact(['--cloudtrail', 'guardrails', ...WINDOW]);
    expect(notLogs.code).toBe(2);
    expect(notLogs.stderr).toMatch(/error cloudtrail-source: guardrails: .*holds no AWSLogs folder/);
    const missing = await impact(['--cloudtrail', 'shapes:nowhere.jsonl']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error cloudtrail-source: shapes:nowhere\.jsonl: /);
  });
});

/** A shape as the reduction query writes it: every cell text, the ARNs as JSON, NULL as null. */
function cellsOf(shape: ShapeRow): (string | null)[] {
  return ['shape', ...SHAPE_COLUMNS.map(([, field]) => (field === 'resourceArns' ? JSON.stringify(shape.resourceArns) : (shape[field] as string | null))), String(shape.events), shape.firstSeen, shape.lastSeen, shape.exampleEventId];
}
