import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { reduceDirectory, type DirectoryOptions } from '../../../src/impact/sources/directory.js';
import type { Projection } from '../../../src/impact/types.js';
import { PROJECT_ROOT } from '../../support/paths.js';
import { tempDir } from '../../support/temp.js';

const NONE: Projection = { sourceIp: false, vpcEndpoint: false, userAgent: false, tlsVersion: false, mfa: false, objectKeys: false, session: false };
const ORG = 'o-exampleorg1';
const A = '111111111111';
const B = '222222222222';

let seq = 0;
function record(account: string, region: string, time: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.11', eventType: 'AwsApiCall', eventCategory: 'Data', eventTime: time, eventSource: 's3.amazonaws.com', eventName: 'GetObject', awsRegion: region,
    recipientAccountId: account, eventID: `ev-${String(seq++).padStart(6, '0')}`, sourceIPAddress: '192.0.2.10', tlsDetails: { tlsVersion: 'TLSv1.2' },
    userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${account}:assumed-role/app/s${seq % 3}`, accountId: account, principalId: `AROA:s${seq % 3}`, sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/app`, accountId: account } } },
    resources: [{ ARN: `arn:aws:s3:::data-${account}/k/${seq}`, accountId: account }],
    ...over,
  };
}

/** Writes a file of records where CloudTrail would deliver it; `base` is AWSLogs/<org>. */
function deliver(base: string, account: string, region: string, day: string, name: string, body: Buffer | unknown[]): string {
  const dir = path.join(base, account, 'CloudTrail', region, ...day.split('-'));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${account}_CloudTrail_${region}_${day.replaceAll('-', '')}T0000Z_${name}.json.gz`);
  fs.writeFileSync(file, Buffer.isBuffer(body) ? body : gzipSync(JSON.stringify({ Records: body })));
  return file;
}

let repo: string;
let top: string;
let orgDir: string;
const since = new Date('2026-10-01T00:00:00Z');
const until = new Date('2026-10-03T00:00:00Z');
const options = (over: Partial<DirectoryOptions> = {}): DirectoryOptions => ({ projection: NONE, since, until, cwd: repo, ...over });

beforeAll(async () => {
  repo = await tempDir();
  fs.mkdirSync(path.join(repo, '.git'));
  top = path.join(repo, 'logs');
  orgDir = path.join(top, 'AWSLogs', ORG);
  // 2 accounts x 2 Regions x 2 days x 2 files x 5 records, each account's role one shape per Region
  for (const account of [A, B]) for (const region of ['us-east-1', 'eu-west-1']) for (const day of ['2026-10-01', '2026-10-02']) for (const n of [1, 2]) {
    deliver(orgDir, account, region, day, `f${n}`, Array.from({ length: 5 }, (_, i) => record(account, region, `${day}T0${n}:0${i}:00Z`)));
  }
  // Delivered the day after the window: one record inside it (delivery lags), one outside.
  deliver(orgDir, A, 'us-east-1', '2026-10-03', 'late', [record(A, 'us-east-1', '2026-10-02T23:59:00Z'), record(A, 'us-east-1', '2026-10-03T00:01:00Z')]);
  // Far outside the window: never listed.
  deliver(orgDir, A, 'us-east-1', '2026-09-01', 'old', [record(A, 'us-east-1', '2026-09-01T00:00:00Z')]);
  // Digests and Insights: never read (records that would count if they were).
  for (const folder of ['CloudTrail-Digest', 'CloudTrail-Insight']) {
    const dir = path.join(orgDir, A, folder, 'us-east-1', '2026', '10', '01');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'x.json.gz'), gzipSync(JSON.stringify({ Records: [record(A, 'us-east-1', '2026-10-01T00:00:00Z')] })));
  }
  // Odd records and a console sign-in in account B.
  deliver(orgDir, B, 'us-east-1', '2026-10-01', 'odd', [
    record(B, 'us-east-1', '2026-10-01T05:00:00Z', { eventType: 'AwsConsoleSignIn', eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin' }),
    record(B, 'us-east-1', '2026-10-01T05:00:00Z', { eventTime: 'soon' }),
    record(B, 'us-east-1', '2026-10-01T05:00:00Z', { userIdentity: 42 }),
    'not a record',
  ]);
  deliver(orgDir, B, 'us-east-1', '2026-10-02', 'notgzip', Buffer.from('{"Records": []}'));
});

describe('reduceDirectory over the S3 delivery layout', () => {
  it('counts every record once: shapes, window, not-authorization and malformed records', async () => {
    const r = await reduceDirectory(top, options());
    expect(r.totals).toEqual({
      records: 80 + 2 + 4,
      authorizationEvents: 81,
      notAuthorization: 1,
      outsideWindow: 1,
      malformed: { 'invalid:eventTime': 1, 'wrong-type:userIdentity': 1, 'not-an-object': 1, 'file:not-gzip': 1 },
      files: 16 + 1 + 2,
    });
    expect(r.refused).toEqual([]);
    // Sessions collapse to the role, object keys are erased: one shape per account and Region.
    expect(r.shapes.map((s) => [s.recipientAccountId, s.awsRegion, s.principalArn, s.resourceArns.join(), s.events])).toEqual([
      [A, 'eu-west-1', `arn:aws:iam::${A}:role/app`, `arn:aws:s3:::data-${A}/*`, 20],
      [B, 'eu-west-1', `arn:aws:iam::${B}:role/app`, `arn:aws:s3:::data-${B}/*`, 20],
      [A, 'us-east-1', `arn:aws:iam::${A}:role/app`, `arn:aws:s3:::data-${A}/*`, 21],
      [B, 'us-east-1', `arn:aws:iam::${B}:role/app`, `arn:aws:s3:::data-${B}/*`, 20],
    ]);
    const late = r.shapes[2]!;
    expect([late.firstSeen, late.lastSeen]).toEqual(['2026-10-01T01:00:00Z', '2026-10-02T23:59:00Z']);
  });

  it('reads the same from the folder holding AWSLogs, from AWSLogs and from AWSLogs/<o-id>; --accounts keeps only those folders', async () => {
    const a = await reduceDirectory(top, options());
    expect(await reduceDirectory(path.join(top, 'AWSLogs'), options())).toEqual(a);
    expect(await reduceDirectory(orgDir, options())).toEqual(a);
    const onlyB = await reduceDirectory(top, options({ accounts: [B] }));
    expect(onlyB.shapes.every((s) => s.recipientAccountId === B)).toBe(true);
    expect(onlyB.totals.authorizationEvents).toBe(40);
  });

  it('a projection keeping sessions and TLS makes more shapes of the same events', async () => {
    const r = await reduceDirectory(top, options({ projection: { ...NONE, session: true, objectKeys: true } }));
    expect(r.totals.authorizationEvents).toBe(81);
    expect(r.shapes.length).toBe(81);
  });

  it('refuses a symlink out of the repository, and reads one that stays inside', async () => {
    const outside = await tempDir();
    const secret = path.join(outside, 'secret.json.gz');
    fs.writeFileSync(secret, gzipSync(JSON.stringify({ Records: [record(A, 'us-east-1', '2026-10-01T00:00:00Z')] })));
    const logs = path.join(repo, 'linked');
    const day = path.join(logs, 'AWSLogs', A, 'CloudTrail', 'us-east-1', '2026', '10', '01');
    fs.mkdirSync(day, { recursive: true });
    fs.symlinkSync(secret, path.join(day, 'out.json.gz'));
    fs.symlinkSync(outside, path.join(logs, 'AWSLogs', B));
    const inside = deliver(path.join(repo, 'elsewhere'), A, 'us-east-1', '2026-10-01', 'in', [record(A, 'us-east-1', '2026-10-01T00:00:00Z')]);
    fs.symlinkSync(inside, path.join(day, 'in.json.gz'));
    const r = await reduceDirectory(logs, options());
    expect(r.totals.authorizationEvents).toBe(1);
    expect(r.refused.map((x) => [path.basename(x.path), x.code])).toEqual([[B, 'outside-repository'], ['out.json.gz', 'outside-repository']]);
    expect(r.refused[1]!.message).toContain('outside the repository');
  });

  it('stops a gzip bomb at its cap and refuses a file over the size cap, reading the others', async () => {
    const logs = path.join(await tempDir(), 'bomb');
    const base = path.join(logs, 'AWSLogs');
    // 16 MiB of spaces gzip to 16 KB; the cap on what a file may inflate to is 1 MiB here.
    const bomb = deliver(base, A, 'us-east-1', '2026-10-01', 'bomb', gzipSync(Buffer.alloc(16 << 20, 0x20), { level: 9 }));
    deliver(base, A, 'us-east-1', '2026-10-01', 'ok', [record(A, 'us-east-1', '2026-10-01T00:00:00Z')]);
    const big = deliver(base, A, 'us-east-1', '2026-10-01', 'big', Array.from({ length: 3000 }, (_, i) => record(A, 'us-east-1', '2026-10-01T00:00:00Z', { requestID: `${i}-${Math.random()}` })));
    expect(fs.statSync(big).size).toBeGreaterThan(fs.statSync(bomb).size + 1);
    const t = performance.now();
    const r = await reduceDirectory(logs, options({ cwd: logs, maxInflatedBytes: 1 << 20, maxFileBytes: fs.statSync(bomb).size + 1 }));
    expect(performance.now() - t).toBeLessThan(2000);
    expect(r.totals.malformed).toEqual({ 'file:inflates-too-large': 1 });
    expect(r.totals.authorizationEvents).toBe(1);
    expect(r.refused.map((x) => x.code)).toEqual(['file-too-large']);
  });

  it('refuses what is not a CloudTrail folder, and a JSON nested past the guard', async () => {
    await expect(reduceDirectory(path.join(repo, '.git'), options())).rejects.toThrow(/holds no AWSLogs folder/);
    const logs = path.join(await tempDir(), 'deep');
    deliver(path.join(logs, 'AWSLogs'), A, 'us-east-1', '2026-10-01', 'deep', gzipSync(`{"Records":[${'['.repeat(100_000)}${']'.repeat(100_000)}]}`));
    expect((await reduceDirectory(logs, options({ cwd: logs }))).totals.malformed).toEqual({ 'file:nesting-too-deep': 1 });
  });
});

describe('on worker threads (the compiled module)', () => {
  it('gives the rows and totals of the inline reduction', async () => {
    const compiled = path.join(PROJECT_ROOT, 'dist', 'src', 'impact', 'sources', 'directory.js');
    expect(fs.existsSync(compiled), 'run npm run build first').toBe(true);
    const built = (await import(compiled)) as { reduceDirectory: typeof reduceDirectory };
    const here = await reduceDirectory(top, options());
    const there = await built.reduceDirectory(top, options({ concurrency: 2 }));
    expect(here.threads).toBe(0);
    expect(there.threads).toBe(2);
    expect({ ...there, threads: 0 }).toEqual(here);
    await expect(built.reduceDirectory(top, options({ concurrency: 2, maxShapes: 2 }))).rejects.toThrow(/more than 2 distinct request shapes/);
  });
});
