/**
 * `guardrails rollout` end to end (2 of 2; cli-rollout.test.ts has the rest): a saved plan and a stale
 * one, a halt that plans around targets another actor filled, a revert, the delegated-administrator
 * lockout guard, the canary probes and --dry-run, against the example organization in a real
 * moto_server behind the fault proxy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AttachPolicyCommand, CreatePolicyCommand, DetachPolicyCommand } from '@aws-sdk/client-organizations';
import { beforeAll, describe, expect, it } from 'vitest';
import { isOwned } from '../../src/org/index.js';
import { effectiveOwnedContents } from '../support/org-auditor.js';
import type { ExampleRollout } from '../support/example-rollout.js';
import { startIamPrincipalServer } from '../support/iam-principal-server.js';
import { ownedSummary, useExampleRollout } from '../support/rollout-cli.js';
import { startStsServer } from '../support/sts-server.js';

const harness = useExampleRollout();
let fx: ExampleRollout;
let wanted: string[];
beforeAll(() => {
  fx = harness.fx;
  wanted = harness.wanted;
});

describe('rollout against moto behind the fault proxy: plans, halts, reverts, probes', { timeout: 240_000 }, () => {
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
