import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bake, bakeSignals, canarySignal, checkSignal, driftSignal, guardSignal, type BakeOptions, type BakeRound, type SignalResult } from '../../src/rollout/bake.js';
import type { IamApi } from '../../src/rollout/canary.js';
import { runCheck } from '../../src/rollout/check-command.js';
import { policyDigest, type DriftExpectation } from '../../src/rollout/drift.js';
import { denyPolicy, fullAccessEverywhere, owned, stateOf } from '../support/org-state.js';
import { tempDir } from '../support/temp.js';

/** A clock that only moves when the bake sleeps (or a signal says it took time). */
function fakeClock() {
  const clock = { t: 0, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      clock.sleeps.push(ms);
      clock.t += ms;
    },
  };
}

const healthy: SignalResult[] = [
  { signal: 'canary', ok: true, detail: 'as wanted' },
  { signal: 'drift', ok: true, detail: 'no drift' },
];

function recorder(answer: (round: BakeRound) => SignalResult[] = () => healthy) {
  const rounds: BakeRound[] = [];
  return { rounds, signals: async (round: BakeRound) => (rounds.push(round), answer(round)) };
}

describe('bake', () => {
  it('runs the signals every interval and once at the end, the last round marked final', async () => {
    const { now, sleep, clock } = fakeClock();
    const { rounds, signals } = recorder();
    const outcome = await bake({ seconds: 300, everyMs: 60_000, signals, now, sleep });
    expect(outcome).toEqual({ ok: true, result: 'done', ms: 300_000, checks: 5, last: healthy });
    expect(rounds).toEqual([
      { index: 0, final: false, elapsedMs: 60_000 },
      { index: 1, final: false, elapsedMs: 120_000 },
      { index: 2, final: false, elapsedMs: 180_000 },
      { index: 3, final: false, elapsedMs: 240_000 },
      { index: 4, final: true, elapsedMs: 300_000 },
    ]);
    expect(clock.t).toBe(300_000);
  });

  it('ends with a round at the bake time when it is not a multiple of the interval', async () => {
    const { now, sleep } = fakeClock();
    const { rounds, signals } = recorder();
    await bake({ seconds: 100, everyMs: 30_000, signals, now, sleep });
    expect(rounds.map((r) => [r.elapsedMs, r.final])).toEqual([
      [30_000, false],
      [60_000, false],
      [90_000, false],
      [100_000, true],
    ]);
  });

  it('halts at the first failed signal, without waiting for the rest of the bake', async () => {
    const { now, sleep } = fakeClock();
    const alarm: SignalResult = { signal: 'check', ok: false, detail: './check-alarms.sh: exit 1 after 2.0 s: latency ALARM' };
    const { rounds, signals } = recorder((r) => (r.index === 2 ? [...healthy, alarm, { signal: 'drift', ok: false, detail: 'later' }] : healthy));
    const outcome = await bake({ seconds: 1800, everyMs: 60_000, signals, now, sleep });
    expect(outcome).toMatchObject({ ok: false, result: 'halted', failed: alarm, checks: 3, ms: 180_000 });
    expect(rounds).toHaveLength(3);
  });

  it('a bake of zero seconds is one final round, without waiting', async () => {
    const { now, sleep, clock } = fakeClock();
    const { rounds, signals } = recorder();
    const outcome = await bake({ seconds: 0, everyMs: 60_000, signals, now, sleep });
    expect(outcome).toMatchObject({ ok: true, result: 'done', checks: 1, ms: 0 });
    expect(rounds).toEqual([{ index: 0, final: true, elapsedMs: 0 }]);
    expect(clock.sleeps).toEqual([]);
  });

  it('without an interval, asks once at the end', async () => {
    const { now, sleep } = fakeClock();
    const { rounds, signals } = recorder();
    await bake({ seconds: 600, everyMs: 0, signals, now, sleep });
    expect(rounds).toEqual([{ index: 0, final: true, elapsedMs: 600_000 }]);
  });

  it('skips the times a slow round missed instead of running rounds back to back', async () => {
    const { now, sleep, clock } = fakeClock();
    const { rounds, signals } = recorder((r) => {
      if (r.index === 0) clock.t += 150_000;
      return healthy;
    });
    await bake({ seconds: 300, everyMs: 60_000, signals, now, sleep });
    expect(rounds.map((r) => r.elapsedMs)).toEqual([60_000, 240_000, 300_000]);
  });

  it('is interrupted while it waits', async () => {
    const { now, clock } = fakeClock();
    const stop = new AbortController();
    const { signals } = recorder();
    const sleep: BakeOptions['sleep'] = async (ms, signal) => {
      clock.t += ms;
      if (clock.t >= 90_000) stop.abort(new Error('SIGINT'));
      if (signal?.aborted) throw signal.reason;
    };
    const outcome = await bake({ seconds: 1800, everyMs: 60_000, signals, now, sleep, signal: stop.signal });
    expect(outcome).toMatchObject({ ok: false, result: 'interrupted', checks: 1 });
    expect(outcome.failed).toBeUndefined();
  });

  it('an interruption during a round is an interruption, not a halt', async () => {
    const { now, sleep } = fakeClock();
    const stop = new AbortController();
    const outcome = await bake({
      seconds: 600,
      everyMs: 60_000,
      now,
      sleep,
      signal: stop.signal,
      signals: async () => {
        stop.abort();
        return [{ signal: 'check', ok: false, detail: 'interrupted after 0.1 s' }];
      },
    });
    expect(outcome).toMatchObject({ ok: false, result: 'interrupted', checks: 1 });
  });

  it('with the real clock, an interruption ends a long bake at once', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const outcome = await bake({ seconds: 1800, everyMs: 60_000, signals: async () => healthy, signal: stop.signal });
    expect(outcome).toMatchObject({ result: 'interrupted', checks: 0 });
  });

  it('reports progress while it waits and after each round', async () => {
    const { now, sleep } = fakeClock();
    const ticks: [number, number, number][] = [];
    await bake({ seconds: 60, everyMs: 30_000, tickMs: 10_000, signals: async () => healthy, now, sleep, onTick: (t) => ticks.push([t.elapsedMs, t.remainingMs, t.checks]) });
    expect(ticks).toEqual([
      [10_000, 50_000, 0],
      [20_000, 40_000, 0],
      [30_000, 30_000, 1],
      [40_000, 20_000, 1],
      [50_000, 10_000, 1],
      [60_000, 0, 2],
    ]);
  });

  it('a signal that throws ends the bake with the error; guarded, it is a failed signal that halts', async () => {
    const { now, sleep } = fakeClock();
    const broken = async (): Promise<SignalResult> => {
      throw new Error('IAM SimulatePrincipalPolicy failed: Throttling');
    };
    await expect(bake({ seconds: 60, everyMs: 30_000, now, sleep, signals: async () => [await broken()] })).rejects.toThrow('Throttling');
    const outcome = await bake({ seconds: 60, everyMs: 30_000, now, sleep, signals: async () => [await guardSignal('canary', broken)] });
    expect(outcome).toMatchObject({ result: 'halted', failed: { signal: 'canary', ok: false, detail: 'could not be checked: IAM SimulatePrincipalPolicy failed: Throttling' } });
  });
});

describe('signals as the bake judges them', () => {
  it('a check command: its exit, its last line, a timeout', async () => {
    const base = { cwd: process.cwd(), env: { PATH: process.env.PATH }, run: 'r1', wave: 'canary', accounts: ['333333333333'], phase: 'bake-end' as const };
    const passed = checkSignal('./ok.sh', await runCheck('echo fine', { ...base, timeoutMs: 30_000 }));
    expect(passed).toMatchObject({ signal: 'check', ok: true });
    expect(passed.detail).toMatch(/^\.\/ok\.sh: exit 0 in \d+\.\d s$/);
    const failed = checkSignal('./alarms.sh', await runCheck('echo "checking alarms"; echo "latency-p99 ALARM"; exit 2', { ...base, timeoutMs: 30_000 }));
    expect(failed.ok).toBe(false);
    expect(failed.detail).toMatch(/^\.\/alarms\.sh: exit 2 after \d+\.\d s: latency-p99 ALARM$/);
    const slow = checkSignal('./slow.sh', await runCheck('echo waiting; sleep 30', { ...base, timeoutMs: 1_000, graceMs: 200 }));
    expect(slow.ok).toBe(false);
    expect(slow.detail).toMatch(/^\.\/slow\.sh: timed out after \d+\.\d s: waiting$/);
  });

  it('drift and canary', () => {
    expect(driftSignal([])).toEqual({ signal: 'drift', ok: true, detail: 'no drift' });
    expect(driftSignal(['SCP a (p-1) was deleted', 'SCP b (p-2): its content was changed'])).toEqual({ signal: 'drift', ok: false, detail: 'changed by another actor: SCP a (p-1) was deleted; SCP b (p-2): its content was changed' });
    const role = 'arn:aws:iam::333333333333:role/App';
    const results = [{ action: 'iam:CreateUser', want: 'denied' as const, engine: 'iam' as const, allowedByOrganizations: false, decision: 'explicitDeny', ok: true }];
    expect(canarySignal(role, { ok: true, results, problems: [] })).toEqual({ signal: 'canary', ok: true, detail: `${role}: 1 probes as wanted (iam)` });
    expect(canarySignal(role, { ok: false, results, problems: ['p1', 'p2'] })).toEqual({ signal: 'canary', ok: false, detail: 'p1; p2' });
  });
});

describe('bakeSignals: a wave\'s signals, one round at a time', () => {
  const ROLE = 'arn:aws:iam::444444444444:role/App';
  const TREE = { NonProd: { accounts: ['444444444444'] } };
  const state = () => stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-deny-iam', denyPolicy(['iam:CreateUser']), ['ou-nonprod'])]);
  const expected: DriftExpectation = {
    ownedPolicies: [{ id: 'p-guardrails-scp-deny-iam', name: 'guardrails-scp-deny-iam', type: 'scp', digest: policyDigest(denyPolicy(['iam:CreateUser'])), targets: ['ou-nonprod'] }],
    waveTargets: [{ id: 'ou-nonprod', type: 'scp', policies: ['FullAWSAccess', 'guardrails-scp-deny-iam'] }],
  };
  /** IAM as a fake: iam:CreateUser denied by Organizations, everything else allowed. */
  const iam: IamApi = {
    send: async (command) => {
      const actions = (command as { input: { ActionNames: string[] } }).input.ActionNames;
      return { IsTruncated: false, EvaluationResults: actions.map((a) => ({ EvalActionName: a, EvalDecision: a === 'iam:CreateUser' ? 'explicitDeny' : 'allowed', OrganizationsDecisionDetail: { AllowedByOrganizations: a !== 'iam:CreateUser' } })) };
    },
  };
  const probe = { principal: ROLE, mustBeDenied: ['iam:CreateUser'], mustStillWork: ['s3:PutObject'] };

  async function checkLog() {
    const dir = await tempDir();
    const log = path.join(dir, 'phases');
    return { log, check: { command: `echo "$GUARDRAILS_PHASE $GUARDRAILS_WAVE" >> ${log}`, options: { cwd: dir, env: { PATH: process.env.PATH }, run: 'r1', wave: 'nonprod', accounts: ['444444444444'], timeoutMs: 30_000 } } };
  }

  it('watches drift and canaries every round and runs the check at the end only', async () => {
    const { now, sleep } = fakeClock();
    const { log, check } = await checkLog();
    let reads = 0;
    const outcome = await bake({ seconds: 180, everyMs: 60_000, now, sleep, signals: bakeSignals({ canaries: [{ iam, probe }], drift: { expected, read: async () => (reads++, state()) }, check }) });
    expect(outcome).toMatchObject({ ok: true, result: 'done', checks: 3 });
    expect(outcome.last.map((s) => [s.signal, s.ok])).toEqual([
      ['drift', true],
      ['canary', true],
      ['check', true],
    ]);
    expect(reads).toBe(3);
    expect(await fs.readFile(log, 'utf8')).toBe('bake-end nonprod\n');
  });

  it('halts on drift in the middle of the bake; the check does not run', async () => {
    const { now, sleep } = fakeClock();
    const { log, check } = await checkLog();
    let reads = 0;
    const read = async () => {
      const s = state();
      // Someone detaches the guardrail in the console before the second round.
      if (++reads >= 2) s.policies.find((p) => p.name === 'guardrails-scp-deny-iam')!.targets = [];
      return s;
    };
    const outcome = await bake({ seconds: 1800, everyMs: 60_000, now, sleep, signals: bakeSignals({ canaries: [{ iam, probe }], drift: { expected, read }, check }) });
    expect(outcome).toMatchObject({ result: 'halted', checks: 2, failed: { signal: 'drift', ok: false, detail: 'changed by another actor: SCP guardrails-scp-deny-iam (p-guardrails-scp-deny-iam) was detached from NonProd (ou-nonprod)' } });
    await expect(fs.stat(log)).rejects.toThrow();
  });

  it('a signal that cannot be asked halts with the reason', async () => {
    const { now, sleep } = fakeClock();
    const denied: IamApi = { send: async () => Promise.reject(Object.assign(new Error('User is not authorized to perform: iam:SimulatePrincipalPolicy'), { name: 'AccessDenied' })) };
    const outcome = await bake({ seconds: 60, everyMs: 60_000, now, sleep, signals: bakeSignals({ canaries: [{ iam: denied, probe }] }) });
    expect(outcome.result).toBe('halted');
    expect(outcome.failed!.signal).toBe('canary');
    expect(outcome.failed!.detail).toMatch(/^could not be checked: canary probe of arn:aws:iam::444444444444:role\/App: IAM SimulatePrincipalPolicy failed: AccessDenied: .*allow the rollout's principal/);
  });
});
