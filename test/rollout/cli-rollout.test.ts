/**
 * `guardrails rollout` end to end: the example organization in a real moto_server behind the fault
 * proxy (which refuses what AWS refuses and audits every write), version 1 deployed, version 2 rolled
 * out by the CLI. Faults of every class on every write type, a kill at a write and a resume, a stale
 * plan, the lock, a halt that plans around targets another actor filled, and a revert.
 *
 * Under `npm run test:exhaustive` the rollout is killed at every write of the example change in turn
 * (before the write reaches moto, and after it landed with its answer lost), and resumed each time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AttachPolicyCommand, CreatePolicyCommand, DetachPolicyCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOwned, treeOfState, type OrgState } from '../../src/org/index.js';
import { canonicalPolicyText } from '../../src/policy/index.js';
import { effectiveOwnedContents } from '../support/org-auditor.js';
import type { ProxyCall } from '../support/fault-proxy.js';
import { ROLLOUT_LOCK_NAME } from '../../src/rollout/index.js';
import { startExampleRollout, type ExampleRollout } from '../support/example-rollout.js';
import { startIamPrincipalServer } from '../support/iam-principal-server.js';
import { startStsServer } from '../support/sts-server.js';

const EXHAUSTIVE = process.env.GUARDRAILS_EXHAUSTIVE === '1';
let fx: ExampleRollout;

/** The owned policies as compile wants them after the rollout: name, canonical content and targets. */
function ownedSummary(state: OrgState): string[] {
  const tree = treeOfState(state);
  const where = (id: string) => tree.node(id)?.path ?? id;
  return state.policies
    .filter(isOwned)
    .map((p) => `${p.type} ${p.name} ${canonicalPolicyText(p.content).length} ${p.targets.map(where).sort().join(',')}`)
    .sort();
}

/** Runs the rollout to its end with no bake, resuming until it is done; returns the runs' exit codes. */
async function rollOutToEnd(args: string[] = []): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await fx.cli(['rollout', '--live', '--bake', '0', '--resume', 'r-test', ...args]);
    codes.push(r.code);
    if (r.code === 0) break;
  }
  return codes;
}

let wanted: string[];

/** What compile wants, from out/manifest.json: the same summary as ownedSummary of the organization. */
function wantedSummary(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(fx.dir, 'out', 'manifest.json'), 'utf8')) as { policies: { name: string; type: string; file: string; targets: { target: string }[] }[] };
  return manifest.policies
    .map((p) => `${p.type} ${p.name} ${canonicalPolicyText(fs.readFileSync(path.join(fx.dir, 'out', p.file), 'utf8')).length} ${p.targets.map((t) => t.target).sort().join(',')}`)
    .sort();
}

beforeAll(async () => {
  fx = await startExampleRollout();
  await fx.reset();
  wanted = wantedSummary();
}, 300_000);

afterAll(async () => {
  await fx?.stop();
});

/**
 * Runs `rollout --resume r-kill` as a child process and kills it (SIGKILL) at the first write where
 * `at` says so: asked before each write is forwarded (landed false) and after it landed (landed true).
 * 'done' when the run ended by itself (it must then have exited 0).
 */
async function runKilledAt(when: 'before' | 'after', at: (call: ProxyCall, landed: boolean) => boolean | Promise<boolean>): Promise<'killed' | 'done'> {
  const child = fx.spawnCli(['rollout', '--live', '--bake', '0', '--resume', 'r-kill']);
  let killed = false;
  const start = fx.proxy.counts.writes;
  for (let k = start + 1; k <= start + 200; k++) {
    for (const moment of ['before', 'after'] as const) {
      fx.proxy.onWrite(k, moment, async (call) => {
        if (killed || !(await at(call, moment === 'after'))) return;
        if (moment !== when) return;
        killed = true;
        child.kill('SIGKILL');
        await child.exit;
      });
    }
  }
  const ended = await child.exit;
  await fx.proxy.idle();
  if (!killed) {
    expect(ended.code, ended.stderr).toBe(0);
    return 'done';
  }
  expect(ended.signal, ended.stderr).toBe('SIGKILL');
  return 'killed';
}

/** A write of the plan's steps, not of the rollout lock (its creation, renewal or release). */
async function isStep(call: ProxyCall): Promise<boolean> {
  if (call.operation === 'CreatePolicy') return call.body.Name !== ROLLOUT_LOCK_NAME;
  if (call.operation === 'UpdatePolicy') return call.body.Content !== undefined;
  if (call.operation === 'DeletePolicy') return (await fx.read()).policies.find((p) => p.id === call.body.PolicyId)?.name !== ROLLOUT_LOCK_NAME;
  return true;
}

/** The killed run is resumed to its end: exit 0, the planned organization, no AWS rule ever broken. */
async function expectResumesToPlan(label: string): Promise<void> {
  const resumed = await fx.cli(['rollout', '--live', '--bake', '0', '--resume', 'r-kill']);
  expect(resumed.code, `${label}: ${resumed.stderr}`).toBe(0);
  expect(fx.proxy.auditor.violations, label).toEqual([]);
  expect(ownedSummary(await fx.read()), label).toEqual(wanted);
}

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

  it('applies a saved plan when nothing changed, and refuses it (writing nothing) once out/ changed', async () => {
    await fx.reset();
    expect((await fx.cli(['plan', '--live', '--save', 'plan.json'])).code).toBe(0);
    const applied = await fx.cli(['rollout', '--live', '--bake', '0', '--plan', 'plan.json']);
    expect(applied.code, applied.stderr).toBe(0);
    expect(ownedSummary(await fx.read())).toEqual(wanted);
    // out/ changed since the plan: always refused.
    await fx.reset();
    expect((await fx.cli(['plan', '--live', '--save', 'plan.json'])).code).toBe(0);
    const baseline = path.join(fx.dir, 'guardrails', 'baseline.yaml');
    fs.writeFileSync(baseline, fs.readFileSync(baseline, 'utf8').replace('      - iam:UpdateAccessKey\n', '      - iam:UpdateAccessKey\n      - iam:DeleteAccessKey\n'));
    expect((await fx.cli(['compile'])).code).toBe(0);
    const stale = await fx.cli(['rollout', '--live', '--bake', '0', '--plan', 'plan.json']);
    expect(stale.code).toBe(2);
    expect(stale.stdout).toMatch(/the saved plan is stale: .*out/);
    expect(fx.proxy.counts.writes).toBe(0);
  });

  it('halts when another actor fills a target mid-wave (ConstraintViolation), plans around it to the end, and moves back up once there is room', async () => {
    await fx.reset();
    const client = fx.moto.client();
    const scp = (name: string) => client.send(new CreatePolicyCommand({ Name: name, Type: 'SERVICE_CONTROL_POLICY', Description: 'another team', Content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: `ec2:${name}`, Resource: '*' }] }) }));
    const filled = new Map<string, string[]>();
    const kindOf = (target: string) => (target.startsWith('ou-') ? 'ou' : target.startsWith('r-') ? 'root' : 'account');
    // Just before the rollout's first attach to an OU (an old version pushed down there for a while), and
    // before its first attach to the root (where compile wants a new policy), another actor fills that
    // target's SCP slots with its own policies.
    for (let k = 1; k <= 120; k++) {
      fx.proxy.onWrite(k, 'before', async (call) => {
        const target = call.body.TargetId as string | undefined;
        if (call.operation !== 'AttachPolicy' || !target || filled.has(target)) return;
        const kind = kindOf(target);
        if (kind === 'account' || [...filled.keys()].some((t) => kindOf(t) === kind)) return;
        const theirs: string[] = [];
        filled.set(target, theirs);
        const held = (await fx.read()).policies.filter((p) => p.type === 'scp' && p.targets.includes(target)).length;
        for (let i = held; i < 10; i++) {
          const p = await scp(`Other${kind}${i}`);
          theirs.push(p.Policy!.PolicySummary!.Id!);
          await client.send(new AttachPolicyCommand({ PolicyId: p.Policy!.PolicySummary!.Id!, TargetId: target }));
        }
      });
    }
    const run = await fx.cli(['rollout', '--live', '--bake', '0', '--json', '--resume', 'r-conflict']);
    expect([...filled.keys()].map(kindOf).sort()).toEqual(['ou', 'root']);
    expect(fx.proxy.calls.filter((c) => c.error === 'ConstraintViolationException').length).toBeGreaterThan(0);
    const report = JSON.parse(run.stdout) as { result: string; reason?: string; waves: { replans: number }[] };
    // Each halted wave read the organization and planned again, around the full targets, to the end.
    expect(report.waves.reduce((n, w) => n + w.replans, 0)).toBeGreaterThan(1);
    expect(run.code, run.stderr).toBe(0);
    expect(report.result).toBe('done');
    expect(fx.proxy.auditor.violations).toEqual([]);
    const around = await fx.read();
    expect(around.policies.filter(isOwned).every((p) => !p.name.endsWith('.next'))).toBe(true);
    // Their policies are all still where they put them; ours are not at the full root, but below it.
    for (const [target, theirs] of filled) expect(around.policies.filter((p) => theirs.includes(p.id)).every((p) => p.targets.includes(target)), target).toBe(true);
    expect(ownedSummary(around)).not.toEqual(wanted);
    // The other team makes room at both; the run resumes and moves our policy back up beside theirs.
    for (const [target, theirs] of filled) await client.send(new DetachPolicyCommand({ PolicyId: theirs[0]!, TargetId: target }));
    const resumed = await fx.cli(['rollout', '--live', '--bake', '0', '--resume', 'r-conflict']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(fx.proxy.auditor.violations).toEqual([]);
    const final = await fx.read();
    expect(ownedSummary(final)).toEqual(wanted);
    // Around the full targets, every account was governed by exactly what compile wants for it.
    expect(effectiveOwnedContents(around)).toEqual(effectiveOwnedContents(final));
  });

  it('reverts a run: the organization is back to its state before the run', async () => {
    await fx.reset();
    const before = ownedSummary(await fx.read());
    const contentsBefore = effectiveOwnedContents(await fx.read());
    const run = await fx.cli(['rollout', '--live', '--bake', '0', '--resume', 'r-forward']);
    expect(run.code, run.stderr).toBe(0);
    expect(ownedSummary(await fx.read())).not.toEqual(before);
    const revert = await fx.cli(['rollout', '--live', '--bake', '0', '--revert', 'r-forward', '--journal', 'rollouts/r-forward.jsonl']);
    expect(revert.code, revert.stderr).toBe(0);
    expect(effectiveOwnedContents(await fx.read())).toEqual(contentsBefore);
    expect(fx.proxy.auditor.violations).toEqual([]);
  });

  it('refuses (exit 2, no write) a rollout from a delegated administrator that the compiled SCPs would deny organizations:AttachPolicy, naming the control and its line', async () => {
    await fx.reset();
    const sts = await startStsServer();
    try {
      const admin = fx.ids.get('222222222201')!;
      sts.answer({ account: admin, arn: `arn:aws:sts::${admin}:assumed-role/GuardrailsRollout/ci`, userId: 'AROATEST:ci' });
      const baseline = path.join(fx.dir, 'guardrails', 'baseline.yaml');
      fs.appendFileSync(baseline, '\n  no-policy-attachments:\n    kind: deny-actions\n    actions: [organizations:AttachPolicy]\n    attach: [Security]\n');
      const line = fs.readFileSync(baseline, 'utf8').split('\n').indexOf('  no-policy-attachments:') + 1;
      expect((await fx.cli(['compile'])).code).toBe(0);
      const env = { AWS_ENDPOINT_URL_STS: sts.url };
      const refused = await fx.cli(['rollout', '--live', '--bake', '0', '--json'], env);
      expect(refused.code, refused.stderr).toBe(2);
      const report = JSON.parse(refused.stdout) as { result: string; reason: string; findings: string[] };
      expect(report.result).toBe('refused');
      expect(report.findings.join('\n')).toMatch(/organizations:AttachPolicy/);
      expect(report.findings.join('\n')).toContain('no-policy-attachments');
      expect(report.findings.join('\n')).toContain(`baseline.yaml:${line}`);
      expect(fx.proxy.counts.writes).toBe(0);
      // From the management account the guard is moot: the same rollout goes ahead.
      sts.answer({ account: fx.ids.get('111111111111')!, arn: `arn:aws:sts::${fx.ids.get('111111111111')}:assumed-role/GuardrailsRollout/ci`, userId: 'AROATEST:ci' });
      const moot = await fx.cli(['rollout', '--live', '--bake', '0', '--dry-run'], env);
      expect(moot.code, moot.stderr).toBe(0);
      expect(moot.stderr).toMatch(/moot/);
    } finally {
      await sts.stop();
    }
  });

  it('probes the canary wave with IAM SimulatePrincipalPolicy (what the change newly denies, and mustStillWork) and with the engine for RCPs; a canary that still works halts nothing, one that broke halts (exit 1)', async () => {
    const iam = await startIamPrincipalServer();
    try {
      for (const broken of [false, true]) {
        await fx.reset();
        const account = fx.ids.get('333333333333')!;
        const principal = `arn:aws:iam::${account}:role/CanaryProbe`;
        const organization = path.join(fx.dir, 'guardrails', 'organization.yaml');
        fs.appendFileSync(organization, `\nrollout:\n  canaries:\n    - wave: canary\n      principal: "${principal}"\n      mustStillWork: [s3:GetObject, ec2:DescribeInstances]\n`);
        expect((await fx.cli(['compile'])).code).toBe(0);
        // IAM's view of the account after the wave: the change's denials are in force; s3:GetObject too when "broken".
        const deniedByOrganizations = new Set(['iam:UpdateAccessKey', 'ram:CreateResourceShare', ...(broken ? ['s3:GetObject'] : [])]);
        iam.principal(principal, { identity: () => 'allowed', organizations: (action) => !deniedByOrganizations.has(action) });
        const before = iam.calls.length;
        const run = await fx.cli(['rollout', '--live', '--bake', '0', '--until', 'canary', '--json'], { AWS_ENDPOINT_URL_IAM: iam.url });
        const report = JSON.parse(run.stdout) as { result: string; reason?: string; waves: { propagation?: { ok: boolean; propagationMs?: number; detail: string }[]; signals: { signal: string; ok: boolean; detail: string }[] }[] };
        const asked = iam.calls.slice(before).flatMap((c) => c.actions);
        expect(asked).toEqual(expect.arrayContaining(['iam:UpdateAccessKey', 'ram:CreateResourceShare', 's3:GetObject', 'ec2:DescribeInstances']));
        if (!broken) {
          expect(run.code, run.stderr).toBe(0);
          expect(report.waves[0]!.propagation).toEqual([expect.objectContaining({ ok: true, propagationMs: expect.any(Number) })]);
        } else {
          expect(run.code, run.stderr).toBe(1);
          expect(report.result).toBe('halted');
          expect(report.reason).toMatch(/canary .*CanaryProbe.*s3:GetObject/);
        }
        await fx.cli(['rollout', 'unlock', 'x']);
      }
    } finally {
      await iam.close();
    }
  });

  it('--dry-run writes nothing and prints every wave', async () => {
    await fx.reset();
    const run = await fx.cli(['rollout', '--live', '--dry-run']);
    expect(run.code, run.stderr).toBe(0);
    expect(fx.proxy.counts.writes).toBe(0);
    expect(run.stdout).toMatch(/canary/);
    expect(run.stdout).toMatch(/everything/);
  });
});
