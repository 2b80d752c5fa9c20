/**
 * `guardrails impact`'s directory source: CloudTrail log files reduced to shapes on worker threads.
 * Synthetic records in AWS's record format (~1.5 KB each: an assumed role's session, S3, Bedrock, EC2,
 * IAM and Lambda calls over 12 accounts and 4 Regions, a few denials), ~40 KB gzip files in the S3
 * delivery layout. To keep generation fast, 48 distinct files are written and then hard-linked under
 * other names across accounts, Regions and days: every file is still read, inflated and parsed, but
 * the page cache holds the 48, and the shapes are those of the 48 (so the memory figure is the
 * reduction's, not a growing table's). Each size runs in a child process that reports its own CPU time
 * and peak RSS. Goal: >= 1,000,000 events a minute on 2 cores, memory flat from 1M to 4M events.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Figure } from './harness.js';

const SINCE = '2026-10-01T00:00:00Z';
const UNTIL = '2026-10-31T00:00:00Z';
const ACCOUNTS = Array.from({ length: 12 }, (_, i) => String(333333333301 + i));
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
const DISTINCT_FILES = 48;
const TARGET_FILE_BYTES = 40 * 1024;

export async function benchImpactReduce(): Promise<Figure[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-bench-impact-'));
  try {
    const t = performance.now();
    const pool = distinctFiles();
    const perFile = pool.reduce((n, f) => n + f.records, 0) / pool.length;
    const bytesPerRecord = pool.reduce((n, f) => n + f.text, 0) / pool.reduce((n, f) => n + f.records, 0);
    const gzBytes = pool.reduce((n, f) => n + f.gz.length, 0) / pool.length;
    const small = layOut(path.join(root, '1m'), pool, Math.ceil(1_000_000 / perFile));
    const large = layOut(path.join(root, '4m'), pool, Math.ceil(4_000_000 / perFile));
    const generated = (performance.now() - t) / 1000;
    const one = child(small.dir);
    const four = child(large.dir);
    const duckOne = child(small.dir, 'duckdb');
    const rate = (r: ChildRun) => r.events / (r.wallMs / 1000);
    return [
      { name: 'impact reduce: generate', value: generated, unit: 's', note: `${DISTINCT_FILES} distinct files of ${Math.round(perFile)} records (${Math.round(bytesPerRecord)} B each, ${(gzBytes / 1024).toFixed(0)} KB gz), hard-linked to ${small.files.toLocaleString('en-US')} + ${large.files.toLocaleString('en-US')} files` },
      { name: 'impact reduce: 1M events', value: rate(one), unit: 'ev/s', note: `${(one.wallMs / 1000).toFixed(2)} s wall, ${(one.cpuMs / 1000).toFixed(2)} s CPU, ${one.threads} threads, ${one.events.toLocaleString('en-US')} events, ${one.shapes} shapes; ${Math.round(rate(one) * 60).toLocaleString('en-US')} events/min (goal 1,000,000)` },
      { name: 'impact reduce: 4M events', value: rate(four), unit: 'ev/s', note: `${(four.wallMs / 1000).toFixed(2)} s wall, ${(four.cpuMs / 1000).toFixed(2)} s CPU, ${four.events.toLocaleString('en-US')} events, ${four.shapes} shapes` },
      { name: 'impact reduce: DuckDB, 1M events', value: rate(duckOne), unit: 'ev/s', note: `${(duckOne.wallMs / 1000).toFixed(2)} s wall, ${(duckOne.cpuMs / 1000).toFixed(2)} s CPU, ${os.availableParallelism()} threads, ${duckOne.events.toLocaleString('en-US')} events, ${duckOne.shapes} shapes, peak RSS ${Math.round(duckOne.maxRssKb / 1024)} MB` },
      { name: 'impact reduce: peak RSS at 1M', value: one.maxRssKb / 1024, unit: 'MB' },
      { name: 'impact reduce: peak RSS at 4M', value: four.maxRssKb / 1024, unit: 'MB', note: `${((four.maxRssKb / one.maxRssKb - 1) * 100).toFixed(0)}% over 1M (flat: only the shape table grows)` },
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

interface PoolFile {
  gz: Buffer;
  records: number;
  text: number;
}

/** Files of ~40 KB gzip, each of records until it reaches that size compressed (estimated, then written once). */
function distinctFiles(): PoolFile[] {
  const files: PoolFile[] = [];
  let seq = 0;
  for (let f = 0; f < DISTINCT_FILES; f++) {
    const account = ACCOUNTS[f % ACCOUNTS.length]!;
    const region = REGIONS[f % REGIONS.length]!;
    // Grow the file until its gzip reaches the target: 100 records, then scaled by the ratio seen.
    let records: unknown[] = [];
    let gz = Buffer.alloc(0);
    let text = '';
    for (let n = 100; ; ) {
      while (records.length < n) records.push(syntheticRecord(account, region, seq++));
      text = JSON.stringify({ Records: records });
      gz = gzipSync(text);
      if (gz.length >= TARGET_FILE_BYTES * 0.95) break;
      n = Math.ceil((records.length * TARGET_FILE_BYTES) / gz.length);
    }
    files.push({ gz, records: records.length, text: text.length });
    records = [];
  }
  return files;
}

const PRINCIPALS = ['app', 'ci', 'legacy-etl', 'data/ingest', 'aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef'];
const CALLS: [string, string, (account: string, region: string, n: number) => Record<string, unknown>][] = [
  ['s3.amazonaws.com', 'GetObject', (a, _, n) => ({ eventCategory: 'Data', requestParameters: { bucketName: `data-${a}`, key: `year=2026/part-${n}.parquet`, Host: `data-${a}.s3.amazonaws.com` }, resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::data-${a}/year=2026/part-${n}.parquet` }, { accountId: a, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::data-${a}` }], additionalEventData: { SignatureVersion: 'SigV4', CipherSuite: 'TLS_AES_128_GCM_SHA256', bytesTransferredIn: 0, AuthenticationMethod: 'AuthHeader', 'x-amz-id-2': randomUUID(), bytesTransferredOut: 1024 + n } })],
  ['s3.amazonaws.com', 'PutObject', (a, _, n) => ({ eventCategory: 'Data', requestParameters: { bucketName: `logs-${a}`, key: `app/${n}.json.gz` }, resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::logs-${a}/app/${n}.json.gz` }, { accountId: a, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::logs-${a}` }] })],
  ['bedrock.amazonaws.com', 'InvokeModel', (_, r, n) => ({ requestParameters: { modelId: n % 3 ? 'us.anthropic.claude-sonnet-4-6' : 'amazon.nova-pro-v1:0' }, additionalEventData: { inferenceRegion: r } })],
  ['ec2.amazonaws.com', 'DescribeInstances', () => ({ requestParameters: { instancesSet: {}, filterSet: { items: [{ name: 'tag:team', valueSet: { items: [{ value: 'payments' }] } }] } } })],
  ['lambda.amazonaws.com', 'Invoke', (a, r) => ({ eventCategory: 'Data', requestParameters: { functionName: `arn:aws:lambda:${r}:${a}:function:handler` }, resources: [{ accountId: a, type: 'AWS::Lambda::Function', ARN: `arn:aws:lambda:${r}:${a}:function:handler` }] })],
  ['iam.amazonaws.com', 'GetRole', () => ({ requestParameters: { roleName: 'app' } })],
  ['sts.amazonaws.com', 'AssumeRole', (a, _, n) => ({ requestParameters: { roleArn: `arn:aws:iam::${a}:role/app`, roleSessionName: `s-${n}` }, resources: [{ ARN: `arn:aws:iam::${a}:role/app`, accountId: a, type: 'AWS::IAM::Role' }] })],
  ['kms.amazonaws.com', 'Decrypt', (a, r) => ({ requestParameters: { encryptionAlgorithm: 'SYMMETRIC_DEFAULT' }, resources: [{ accountId: a, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:${r}:${a}:key/${randomUUID()}` }] })],
];

function syntheticRecord(account: string, region: string, n: number): Record<string, unknown> {
  const role = PRINCIPALS[n % PRINCIPALS.length]!;
  const roleName = role.split('/').pop()!;
  const [eventSource, eventName, details] = CALLS[(n * 7) % CALLS.length]!;
  const session = `${roleName}-${n % 17}`;
  const time = new Date(Date.parse(SINCE) + ((n * 7919) % (29 * 86_400)) * 1000).toISOString().replace('.000Z', 'Z');
  const denied = n % 97 === 0;
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROA${account.slice(0, 8)}EXAMPLE:${session}`,
      arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${session}`,
      accountId: account,
      accessKeyId: `ASIA${randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase()}`,
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: `AROA${account.slice(0, 8)}EXAMPLE`, arn: `arn:aws:iam::${account}:role/${role}`, accountId: account, userName: roleName },
        attributes: { creationDate: time, mfaAuthenticated: 'false' },
      },
    },
    eventTime: time,
    eventSource,
    eventName,
    awsRegion: region,
    sourceIPAddress: `198.51.100.${n % 250}`,
    userAgent: 'aws-sdk-java/2.25.40 Linux/5.10.219-208.866.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.11+9-LTS Java/17.0.11 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_FARGATE io/sync http/Apache cfg/retry-mode/standard',
    ...(denied ? { errorCode: 'AccessDenied', errorMessage: `User: arn:aws:sts::${account}:assumed-role/${roleName}/${session} is not authorized to perform: ${eventSource.split('.')[0]}:${eventName} with an explicit deny in a service control policy: arn:aws:organizations::111111111111:policy/o-exampleorg1/service_control_policy/p-examplescp1` } : {}),
    requestID: randomUUID(),
    eventID: randomUUID(),
    readOnly: eventName.startsWith('Get') || eventName.startsWith('Describe'),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: n % 11 === 0 ? 'TLSv1.2' : 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: `${eventSource.split('.')[0]}.${region}.amazonaws.com` },
    ...details(account, region, n),
  };
}

/** `count` files in the organization trail's layout, hard links of the pool's, spread over accounts, Regions and days. */
function layOut(dir: string, pool: PoolFile[], count: number): { dir: string; files: number } {
  const sources = pool.map((p, i) => {
    const file = path.join(dir, `pool-${i}.json.gz`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, p.gz);
    return file;
  });
  const logs = path.join(dir, 'logs', 'AWSLogs', 'o-exampleorg1');
  const made = new Set<string>();
  for (let i = 0; i < count; i++) {
    const account = ACCOUNTS[i % ACCOUNTS.length]!;
    const region = REGIONS[Math.floor(i / ACCOUNTS.length) % REGIONS.length]!;
    const day = 1 + (Math.floor(i / (ACCOUNTS.length * REGIONS.length)) % 29);
    const folder = path.join(logs, account, 'CloudTrail', region, '2026', '10', String(day).padStart(2, '0'));
    if (!made.has(folder)) {
      fs.mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    fs.linkSync(sources[i % sources.length]!, path.join(folder, `${account}_CloudTrail_${region}_202610${String(day).padStart(2, '0')}T0000Z_${i}.json.gz`));
  }
  return { dir: path.join(dir, 'logs'), files: count };
}

interface ChildRun {
  wallMs: number;
  cpuMs: number;
  maxRssKb: number;
  events: number;
  shapes: number;
  threads: number;
}

const SELF = fileURLToPath(import.meta.url);

/** One reduction in a fresh process: its own peak RSS (workers included) and CPU time. */
function child(dir: string, engine: 'node' | 'duckdb' = 'node'): ChildRun {
  const r = spawnSync(process.execPath, [SELF, '--reduce', dir, engine], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`impact reduce child exited ${r.status}:\n${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as ChildRun;
}

if (process.argv[1] === SELF && process.argv[2] === '--reduce') {
  const projection = { sourceIp: false, vpcEndpoint: false, userAgent: false, tlsVersion: true, mfa: false, objectKeys: false, session: false };
  const window = { since: new Date(SINCE), until: new Date(UNTIL) };
  const start = performance.now();
  const r =
    process.argv[4] === 'duckdb'
      ? { ...(await (await import('../src/impact/sources/duckdb.js')).reduceDirectoryWithDuckDb(process.argv[3]!, { projection, ...window })), threads: os.availableParallelism() }
      : await (await import('../src/impact/sources/directory.js')).reduceDirectory(process.argv[3]!, { projection, ...window });
  const wallMs = performance.now() - start;
  const usage = process.resourceUsage();
  const run: ChildRun = { wallMs, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssKb: usage.maxRSS, events: r.totals.authorizationEvents, shapes: r.shapes.length, threads: r.threads };
  process.stdout.write(JSON.stringify(run));
}
