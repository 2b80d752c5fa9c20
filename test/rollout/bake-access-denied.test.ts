/**
 * The bake's access-denied signal, scripted: the bake's clock is injected (it moves only when the bake
 * sleeps), CloudTrail is a directory in its delivery layout written by the test, and the signal's source
 * is the one `rollout --access-denied DIR` builds (impact's directory source, counted against the
 * policies guardrails owns). Denials naming an owned policy after the wave started halt the bake; the
 * same before the wave only, a foreign organization's policy, or accounts outside the wave do not.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessDeniedSettings, accessDeniedSource } from '../../src/cli/rollout-access-denied.js';
import { accessDeniedSignal, bake, bakeSignals, type BakeOutcome } from '../../src/rollout/index.js';
import { runCli } from '../support/cli.js';
import { denyPolicy, fullAccessEverywhere, owned, stateOf } from '../support/org-state.js';
import { tempDir } from '../support/temp.js';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3ClientFromEnv } from '../../src/impact/sources/s3.js';
import { startMoto } from '../support/moto.js';

const ORG = 'o-exampleorg1';
const WAVE = ['111111111111', '222222222222'];
const OUTSIDE = '333333333333';
const OWNED_ID = 'p-ab12cd34';
const ous = { Workloads: { accounts: [...WAVE, OUTSIDE] } };
const state = stateOf(ous, [fullAccessEverywhere(ous), { ...owned('guardrails-scp-allowed-regions', denyPolicy(['ec2:RunInstances']), ['ou-workloads']), id: OWNED_ID }]);
/** The wave's first write; the bake starts 2 minutes later. */
const T0 = Date.parse('2026-12-01T10:00:00Z');
const MIN = 60_000;

let repo: string;
let seq = 0;

function denial(account: string, at: number, policyArn: string | null, type = 'service control'): Record<string, unknown> {
  const named = policyArn ? `: ${policyArn}` : '';
  return {
    eventVersion: '1.11', eventType: 'AwsApiCall', eventCategory: 'Management', eventTime: new Date(at).toISOString().replace(/\.\d+Z$/, 'Z'), eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', awsRegion: 'eu-west-1',
    recipientAccountId: account, eventID: `ev-${String(seq++).padStart(6, '0')}`, sourceIPAddress: '192.0.2.10', errorCode: 'Client.UnauthorizedOperation',
    errorMessage: `You are not authorized to perform this operation. User: arn:aws:sts::${account}:assumed-role/app/s is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:eu-west-1:${account}:instance/* with an explicit deny in a ${type} policy${named}. Encoded authorization failure message: AbCd`,
    userIdentity: { type: 'AssumedRole', arn: `arn:aws:sts::${account}:assumed-role/app/s`, accountId: account, principalId: 'AROA:s', sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/app`, accountId: account } } },
  };
}

const ownedArn = `arn:aws:organizations::999999999999:policy/${ORG}/service_control_policy/${OWNED_ID}`;
const foreignArn = 'arn:aws:organizations::888888888888:policy/o-otherorg12/service_control_policy/p-ffff0000';

/** `records` delivered where CloudTrail would put them, under a directory of their own. */
function trail(name: string, records: Record<string, unknown>[]): string {
  const top = path.join(repo, name);
  for (const r of records) {
    const account = r.recipientAccountId as string;
    const day = (r.eventTime as string).slice(0, 10);
    const dir = path.join(top, 'AWSLogs', ORG, account, 'CloudTrail', 'eu-west-1', ...day.split('-'));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${account}_CloudTrail_eu-west-1_${day.replaceAll('-', '')}T1000Z_${r.eventID as string}.json.gz`), gzipSync(JSON.stringify({ Records: [r] })));
  }
  return name;
}

/** `count` denials in `account`, one a minute from `from`. */
const every = (count: number, account: string, from: number, arn: string | null) => Array.from({ length: count }, (_, i) => denial(account, from + i * MIN, arn));

/** A 30-minute bake with a round a minute, on an injected clock, watching only access-denied. */
async function bakeOver(dir: string, env: NodeJS.ProcessEnv = {}): Promise<BakeOutcome & { details: string[] }> {
  const clock = { t: T0 + 2 * MIN };
  const settings = accessDeniedSettings({ accessDenied: dir }, repo)!;
  const source = accessDeniedSource(settings, { accounts: WAVE, state, startedAt: T0 }, { io: { cwd: repo, env }, now: () => clock.t });
  const details: string[] = [];
  const round = bakeSignals({ accessDenied: source });
  const outcome = await bake({
    seconds: 30 * 60,
    everyMs: MIN,
    now: () => clock.t,
    sleep: async (ms) => void (clock.t += ms),
    signals: async (r) => {
      const results = await round(r);
      details.push(...results.map((x) => x.detail));
      return results;
    },
  });
  return { ...outcome, details };
}

beforeAll(async () => {
  repo = await tempDir();
  fs.mkdirSync(path.join(repo, '.git'));
});

describe('the access-denied bake signal', () => {
  it('halts when denials naming a policy guardrails owns come after the wave', async () => {
    const dir = trail('owned', [...every(8, WAVE[0]!, T0 + MIN, ownedArn), ...every(1, WAVE[1]!, T0 - 3 * MIN, ownedArn)]);
    const outcome = await bakeOver(dir);
    expect(outcome.result).toBe('halted');
    expect(outcome.failed?.signal).toBe('access-denied');
    // Nothing is judged until CloudTrail's 5 minutes of delivery lag have passed since the wave started.
    expect(outcome.details[0]).toBe('no data yet: CloudTrail delivers about 5 min after the call, and the wave started 3 min ago');
    // The first window holding 6 of them (> max(5, 2 x 1 before)): 7 minutes after the wave, 12 on the clock.
    expect(outcome.failed?.detail).toBe(`AccessDenied in the 7 min since the wave started (to 5 min ago): 6 naming a policy guardrails owns (${OWNED_ID}), 1 before; 0 by an SCP or RCP naming none, 0 before: more than 5 naming an owned policy`);
  });

  it('stays ok when the denials were there before the wave, and none came after', async () => {
    const dir = trail('baseline', every(20, WAVE[0]!, T0 - 25 * MIN, ownedArn));
    const outcome = await bakeOver(dir);
    expect(outcome.result, outcome.failed?.detail).toBe('done');
    expect(outcome.details.at(-1)).toBe('AccessDenied in the 27 min since the wave started (to 5 min ago): 0 naming a policy guardrails owns, 20 before; 0 by an SCP or RCP naming none, 0 before');
  });

  it("stays ok for another organization's policy, and for accounts outside the wave", async () => {
    const dir = trail('foreign', [...every(25, WAVE[0]!, T0, foreignArn), ...every(25, OUTSIDE, T0, ownedArn), ...every(25, OUTSIDE, T0, null)]);
    const outcome = await bakeOver(dir);
    expect(outcome.result, outcome.failed?.detail).toBe('done');
    expect(outcome.details.at(-1)).toMatch(/: 0 naming a policy guardrails owns, 0 before; 0 by an SCP or RCP naming none, 0 before$/);
  });

  it('halts on denials naming no policy past max(20, 3 x before)', async () => {
    const dir = trail('unnamed', [...every(25, WAVE[1]!, T0, null), ...every(5, WAVE[1]!, T0 - 25 * MIN, null)]);
    const outcome = await bakeOver(dir);
    expect(outcome.result).toBe('halted');
    expect(outcome.failed?.detail).toMatch(/: 0 naming a policy guardrails owns, 0 before; 21 by an SCP or RCP naming none, \d+ before: more than 20 naming none$/);
  });

  it('reads the same layout from S3 (s3://BUCKET/PREFIX, here moto\'s S3) with the same outcome as the directory', async () => {
    const dir = trail('in-s3', [...every(8, WAVE[0]!, T0 + MIN, ownedArn), ...every(1, WAVE[1]!, T0 - 3 * MIN, ownedArn)]);
    const moto = await startMoto();
    try {
      const env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: moto.endpoint };
      const client = s3ClientFromEnv(env, { forcePathStyle: true });
      await client.send(new CreateBucketCommand({ Bucket: 'org-trail' }));
      const top = path.join(repo, dir);
      for (const file of fs.readdirSync(top, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
        const full = path.join(file.parentPath, file.name);
        await client.send(new PutObjectCommand({ Bucket: 'org-trail', Key: `logs/${path.relative(top, full)}`, Body: fs.readFileSync(full) }));
      }
      client.destroy();
      const [fromDir, fromS3] = [await bakeOver(dir), await bakeOver('s3://org-trail/logs', env)];
      expect(fromS3.result).toBe('halted');
      expect(fromS3.details).toEqual(fromDir.details);
    } finally {
      await moto.stop();
    }
  });

  it('refuses a source the bake cannot read window by window (a shapes file, an Athena table)', () => {
    for (const value of ['shapes:saved.jsonl', 'athena:security.cloudtrail']) expect(() => accessDeniedSettings({ accessDenied: value }, repo)).toThrow(/reads CloudTrail from a directory or an s3:\/\/ prefix/);
  });

  it('a source that cannot be read halts the bake instead of crashing it', async () => {
    const signal = await bakeSignals({ accessDenied: { waveStartedAt: 0, now: () => 60 * MIN, lagMs: 0, maxOwned: 5, maxUnnamed: 20, read: () => Promise.reject(new Error('gone')) } })({ index: 0, final: true, elapsedMs: 0 });
    expect(signal).toEqual([{ signal: 'access-denied', ok: false, detail: 'could not be checked: gone' }]);
    expect((await accessDeniedSignal({ waveStartedAt: 0, now: () => 60 * MIN, lagMs: 0, maxOwned: 5, maxUnnamed: 20, read: async () => ({ ownedNamed: 10, unnamed: 0, policies: [] }) })).ok).toBe(true);
  });

  it('rollout refuses --access-denied that is not a directory, and its limits without it, before anything is read', async () => {
    const missing = await runCli(['rollout', '--live', '--access-denied', 'no-such-logs'], { cwd: repo });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--access-denied no-such-logs: not a directory (CloudTrail's S3 delivery layout");
    const alone = await runCli(['rollout', '--live', '--access-denied-max-owned', '3'], { cwd: repo });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--access-denied-max-owned and --access-denied-max-unnamed apply to --access-denied DIR');
    const bad = await runCli(['rollout', '--live', '--access-denied', '.', '--access-denied-max-unnamed', 'many'], { cwd: repo });
    expect(bad.stderr).toContain('--access-denied-max-unnamed takes a number of events');
  });
});
