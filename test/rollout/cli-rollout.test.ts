/**
 * `guardrails rollout` end to end (1 of 2): the example organization in a real moto_server behind the
 * fault proxy (which refuses what AWS refuses and audits every write), version 1 deployed, version 2
 * rolled out by the CLI: wave by wave, faults of every class on every write type, a kill at a write and
 * a resume, the lock, one wave at a time. cli-rollout-recovery.test.ts has the rest; the two files
 * each have their own moto, so that they run side by side.
 *
 * Under `npm run test:exhaustive` the rollout is killed at every write of the example change in turn
 * (before the write reaches moto, and after it landed with its answer lost), and resumed each time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExampleRollout } from '../support/example-rollout.js';
import { ownedSummary, useExampleRollout } from '../support/rollout-cli.js';

const EXHAUSTIVE = process.env.GUARDRAILS_EXHAUSTIVE === '1';
const harness = useExampleRollout();
const { runKilledAt, isStep, expectResumesToPlan } = harness;
let fx: ExampleRollout;
let wanted: string[];
beforeAll(() => {
  fx = harness.fx;
  wanted = harness.wanted;
});

describe('rollout against moto behind the fault proxy', { timeout: 240_000 }, () => {
  it('rolls version 2 out wave by wave, verified, journaled, and ends where a plan says nothing is left', async () => {
    await fx.reset();
    const planned = JSON.parse((await fx.cli(['plan', '--live', '--json'])).stdout) as { totals: { calls: number } };
    const run = await fx.cli(['rollout', '--live', '--bake', '0', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { result: string; waves: { name: string; calls: number; verification: { ok: boolean } }[] };
    expect(report.result).toBe('done');
    expect(report.waves.map((w) => w.name)).toEqual(['canary', 'nonprod', 'genai', 'everything']);
    expect(report.waves.every((w) => w.verification.ok)).toBe(true);
    expect(fx.proxy.auditor.violations).toEqual([]);
    expect(ownedSummary(await fx.read())).toEqual(wanted);
    const journal = fs.readdirSync(path.join(fx.dir, 'rollouts'));
    expect(journal).toHaveLength(1);
    const records = fs.readFileSync(path.join(fx.dir, 'rollouts', journal[0]!), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string });
    expect(records[0]!.kind).toBe('run-start');
    expect(records.at(-1)!.kind).toBe('run-end');
    // Every planned call is journaled, before and after; the lock's own calls are not steps.
    expect(records.filter((r) => r.kind === 'step-start')).toHaveLength(planned.totals.calls);
    expect(records.filter((r) => r.kind === 'step-end')).toHaveLength(planned.totals.calls);
  });

  it('retries throttling, 5xx, ConcurrentModification and PolicyChangesInProgress, and confirms a write whose answer was lost', async () => {
    await fx.reset();
    fx.proxy.inject({ operation: 'AttachPolicy', call: 1, fault: 'throttle' });
    fx.proxy.inject({ operation: 'CreatePolicy', call: 2, fault: 'server-error' });
    fx.proxy.inject({ operation: 'AttachPolicy', call: 3, fault: 'concurrent-modification' });
    fx.proxy.inject({ operation: 'DetachPolicy', call: 1, fault: 'policy-changes-in-progress' });
    fx.proxy.inject({ operation: 'AttachPolicy', call: 5, fault: 'lost-answer' });
    fx.proxy.inject({ operation: 'CreatePolicy', call: 3, fault: 'lost-answer-500' });
    fx.proxy.inject({ operation: 'DetachPolicy', call: 2, fault: 'lost-answer' });
    fx.proxy.inject({ operation: 'UpdatePolicy', call: 1, fault: 'unavailable' });
    const run = await fx.cli(['rollout', '--live', '--bake', '0', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { waves: { retries: Record<string, number> }[] };
    const retried = report.waves.flatMap((w) => Object.keys(w.retries));
    expect(retried).toEqual(expect.arrayContaining(['TooManyRequestsException', 'ConcurrentModificationException', 'PolicyChangesInProgressException']));
    expect(fx.proxy.auditor.violations).toEqual([]);
    expect(ownedSummary(await fx.read())).toEqual(wanted);
  });

  it('is killed at a write and resumed: the end state is the planned one, the auditor never trips', async () => {
    // Killed after a write landed with its answer lost (the harder case: the run cannot know it landed),
    // then resumed; the exhaustive suite also kills before writes reach moto, at every write.
    for (const when of EXHAUSTIVE ? (['before', 'after'] as const) : (['after'] as const)) {
      await fx.reset();
      const killed = await runKilledAt(when, (call) => call.write === 9);
      expect(killed, `write 9 ${when}`).toBe('killed');
      await expectResumesToPlan(`write 9 ${when}`);
    }
  });

  it.runIf(EXHAUSTIVE)('is killed at every write in turn, each resumed run killed again, and still ends at the plan', async () => {
    // The lock's own writes at the ends of a run: its creation (the first write) and its release (the last).
    await fx.reset();
    const clean = await fx.cli(['rollout', '--live', '--bake', '0']);
    expect(clean.code, clean.stderr).toBe(0);
    const total = fx.proxy.counts.writes;
    for (const [k, when] of [[1, 'before'], [1, 'after'], [total, 'before'], [total, 'after']] as const) {
      await fx.reset();
      expect(await runKilledAt(when, (call) => call.write === k), `write ${k} ${when}`).toBe('killed');
      await expectResumesToPlan(`write ${k} ${when}`);
    }
    // Every write between, as a chain: each run is killed at the next write the rollout has not made
    // (before it reaches moto), or right after its first step landed (answer lost); the next run
    // resumes from what the organization shows. A run of N steps is killed N times per chain, so
    // every write of the rollout is a kill point once, and the kills pile up on one another.
    for (const when of ['before', 'after'] as const) {
      await fx.reset();
      let kills = 0;
      for (;;) {
        const start = fx.proxy.counts.writes;
        let stepsLanded = 0;
        const steps = new Map<number, boolean>();
        const outcome = await runKilledAt(when, async (call, landed) => {
          // Whether a write is a step is decided before it lands (a released lock can no longer be named).
          if (!landed) {
            steps.set(call.seq, await isStep(call));
            // The write after this run's first step: a step, a lock renewal at a wave's start, or the release.
            return stepsLanded === 1;
          }
          if (steps.get(call.seq)) stepsLanded++;
          return stepsLanded === 1;
        });
        if (outcome === 'done') break;
        kills++;
        expect(kills, `${when}: the chain does not end`).toBeLessThan(300);
        await fx.proxy.idle();
        expect(fx.proxy.auditor.violations, `${when}, kill ${kills}`).toEqual([]);
      }
      expect(kills, when).toBeGreaterThan(40);
      expect(fx.proxy.auditor.violations, when).toEqual([]);
      expect(ownedSummary(await fx.read()), when).toEqual(wanted);
    }
  }, 3_600_000);

  it('refuses a second rollout while the first holds the lock, and unlock releases only the named run', async () => {
    await fx.reset();
    const first = await fx.cli(['rollout', '--live', '--bake', '0', '--until', 'canary', '--resume', 'r-first']);
    expect(first.code, first.stderr).toBe(0);
    const second = await fx.cli(['rollout', '--live', '--bake', '0']);
    expect(second.code).toBe(2);
    expect(second.stdout + second.stderr).toMatch(/lock.*r-first/);
    expect((await fx.cli(['rollout', 'unlock', 'r-other'])).code).toBe(2);
    expect((await fx.cli(['rollout', 'unlock', 'r-first'])).code).toBe(0);
    // Once released, another run takes the organization over (and plans from where the first stopped).
    const third = await fx.cli(['rollout', '--live', '--bake', '0', '--until', 'nonprod']);
    expect(third.code, third.stderr).toBe(0);
    const resumed = JSON.parse((await fx.cli(['plan', '--live', '--json'])).stdout) as { waves: { name: string; steps: unknown[] }[] };
    expect(resumed.waves.filter((w) => w.steps.length).map((w) => w.name)).toEqual(['genai', 'everything']);
  });

  it('--wave applies one wave once the waves before it are done, and a resumed run skips what it finished', async () => {
    await fx.reset();
    const early = await fx.cli(['rollout', '--live', '--bake', '0', '--wave', 'nonprod', '--resume', 'r-wave']);
    expect(early.code).toBe(2);
    expect(early.stdout).toMatch(/--wave nonprod: wave canary comes first and has \d+ step\(s\) left/);
    expect(fx.proxy.counts.writes).toBe(0);
    const canary = JSON.parse((await fx.cli(['rollout', '--live', '--bake', '0', '--wave', 'canary', '--resume', 'r-wave', '--json'])).stdout) as { result: string; waves: { name: string; calls: number; skipped?: boolean }[] };
    expect(canary.result).toBe('stopped');
    expect(canary.waves.map((w) => [w.name, w.calls > 0])).toEqual([['canary', true]]);
    const nonprod = JSON.parse((await fx.cli(['rollout', '--live', '--bake', '0', '--wave', 'nonprod', '--resume', 'r-wave', '--json'])).stdout) as typeof canary;
    expect(nonprod.result).toBe('stopped');
    expect(nonprod.waves.map((w) => [w.name, w.skipped === true, w.calls > 0])).toEqual([['canary', true, false], ['nonprod', false, true]]);
    const rest = await fx.cli(['rollout', '--live', '--bake', '0', '--resume', 'r-wave']);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout).toMatch(/wave canary: nothing to do/);
    expect(fx.proxy.auditor.violations).toEqual([]);
    expect(ownedSummary(await fx.read())).toEqual(wanted);
  });
});
