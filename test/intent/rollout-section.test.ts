/**
 * The intent's rollout section and the waves' bake: read with defaults, and every bad value reported
 * where it is written, like every other key.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROTECTED_ACTIONS, DEFAULT_PROTECTED_PRINCIPALS, parseDuration } from '../../src/intent/index.js';
import { validateText } from '../support/intent.js';
import { tempDir } from '../support/temp.js';

const HEAD = `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  tree:
    Root:
      accounts: ["111111111111"]
      Dev: { accounts: ["333333333333"] }
      Prod: { accounts: ["444444444444"] }
controls:
  c: { kind: deny-actions, actions: [s3:DeleteBucket], attach: [Root] }
`;

let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

const problems = (diagnostics: { severity: string; code: string; message: string; location?: { line: number } }[]) =>
  diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.location?.line ?? '-'} ${d.code}: ${d.message}`);

describe('durations', () => {
  it('adds up units and accepts 0', () => {
    const seconds = (t: string | number) => {
      const r = parseDuration(t);
      return r.ok ? r.duration.seconds : r.problem;
    };
    expect(seconds('30m')).toBe(1800);
    expect(seconds('1h30m')).toBe(5400);
    expect(seconds('2d')).toBe(172_800);
    expect(seconds('90s')).toBe(90);
    expect(seconds('0')).toBe(0);
    expect(seconds(0)).toBe(0);
    expect(seconds(30)).toMatch(/has no unit/);
    expect(seconds('30')).toMatch(/not a duration/);
    expect(seconds('1m1h')).toMatch(/not a duration/);
    expect(seconds('')).toMatch(/not a duration/);
  });
});

describe('the rollout section', () => {
  it('reads bake, protect rules (default actions where none are named), canaries and a per-wave bake', async () => {
    const { intent, diagnostics } = await validateText(
      `${HEAD}waves:
  - { name: canary, targets: ["333333333333"], bake: 1h }
  - { name: all, targets: [Root] }
rollout:
  bake: 30m
  protect:
    - principal: "arn:aws:iam::*:role/BreakGlass"
      actions: ["sts:AssumeRole", "iam:*"]
    - principal: "arn:aws:iam::*:role/Ops"
  canaries:
    - wave: canary
      principal: "arn:aws:iam::333333333333:role/CanaryProbe"
      assumeRole: "arn:aws:iam::333333333333:role/GuardrailsProbe"
      mustStillWork: ["s3:GetObject", "ec2:DescribeInstances"]
`,
      dir,
    );
    expect(problems(diagnostics)).toEqual([]);
    const r = intent!.rollout;
    expect(r.bake).toEqual({ text: '30m', seconds: 1800 });
    expect(r.protectDefaults).toBe(false);
    expect(r.protect.map((p) => [p.principal, p.actions, p.defaultActions])).toEqual([
      ['arn:aws:iam::*:role/BreakGlass', ['sts:AssumeRole', 'iam:*'], false],
      ['arn:aws:iam::*:role/Ops', [...DEFAULT_PROTECTED_ACTIONS], true],
    ]);
    expect(r.canaries).toEqual([
      { wave: 'canary', principal: 'arn:aws:iam::333333333333:role/CanaryProbe', assumeRole: 'arn:aws:iam::333333333333:role/GuardrailsProbe', mustStillWork: ['s3:GetObject', 'ec2:DescribeInstances'] },
    ]);
    expect(intent!.waves.map((w) => w.bake)).toEqual([{ text: '1h', seconds: 3600 }, undefined]);
  });

  it('protects the landing-zone roles of every member account when the section is absent', async () => {
    const { intent, diagnostics } = await validateText(`${HEAD}waves:\n  - { name: all, targets: [Root] }\n`, dir);
    expect(problems(diagnostics)).toEqual([]);
    expect(intent!.rollout.protectDefaults).toBe(true);
    expect(intent!.rollout.bake).toBeUndefined();
    expect(intent!.rollout.protect.map((p) => p.principal)).toEqual([...DEFAULT_PROTECTED_PRINCIPALS]);
    expect(DEFAULT_PROTECTED_PRINCIPALS).toEqual(['arn:aws:iam::*:role/OrganizationAccountAccessRole', 'arn:aws:iam::*:role/AWSControlTowerExecution', 'arn:aws:iam::*:role/AWSAccelerator-*']);
    for (const p of intent!.rollout.protect) expect(p.actions).toContain('sts:AssumeRole');
  });

  it('reports each bad value at its line: durations, principals, unknown waves and actions, patterns where IAM needs an action', async () => {
    const { diagnostics } = await validateText(
      `${HEAD}waves:
  - { name: canary, targets: ["333333333333"], bake: 30 }
  - { name: all, targets: [Root], bake: soon }
rollout:
  bake: 1h 30m
  protect:
    - principal: BreakGlass
    - principal: "arn:aws:iam::*:role/Ops"
      actions: ["iam:CreateRoel"]
  canaries:
    - wave: canery
      principal: "arn:aws:iam::*:role/CanaryProbe"
      mustStillWork: ["s3:Get*"]
  surprise: true
`,
      dir,
    );
    expect(problems(diagnostics)).toEqual([
      '13 bad-duration: waves[0].bake: 30 has no unit: write 30m, 30s or 30h',
      '14 bad-duration: waves[1].bake: "soon" is not a duration',
      '16 bad-duration: rollout.bake: "1h 30m" is not a duration',
      '18 bad-arn: rollout.protect[0].principal: "BreakGlass" is not an IAM principal ARN',
      expect.stringMatching(/^20 unknown-action: rollout.protect arn:aws:iam::\*:role\/Ops: .*iam:CreateRoel/),
      expect.stringMatching(/^22 unknown-wave: rollout.canaries: "canery" is not a wave of this intent/),
      expect.stringMatching(/^23 bad-principal: rollout.canaries \(wave canery\): principal "arn:aws:iam::\*:role\/CanaryProbe" must name one IAM role/),
      expect.stringMatching(/^24 bad-request: .*mustStillWork: IAM simulates one action at a time, not a pattern \("s3:Get\*"\)/),
      expect.stringMatching(/^25 unknown-property: rollout has no property "surprise"/),
    ]);
    const unknownWave = diagnostics.find((d) => d.code === 'unknown-wave')!;
    expect(unknownWave.hint).toMatch(/canary/);
  });

  it('warns when a canary cannot see its wave: an account the wave does not reach, the management account, or none of the tree', async () => {
    const canary = (wave: string, account: string) => `  - { wave: ${wave}, principal: "arn:aws:iam::${account}:role/Probe", mustStillWork: ["s3:GetObject"] }\n`;
    const { diagnostics } = await validateText(
      `${HEAD}waves:
  - { name: canary, targets: ["333333333333"] }
  - { name: all, targets: [Root] }
rollout:
  canaries:
${canary('canary', '333333333333')}${canary('canary', '444444444444')}${canary('all', '111111111111')}${canary('all', '999999999999')}${canary('all', '444444444444')}`,
      dir,
    );
    expect(problems(diagnostics)).toEqual([]);
    expect(diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.location?.line} ${d.code}: ${d.message}`)).toEqual([
      '18 canary-outside-wave: rollout.canaries (wave canary): account 444444444444 is not reached by wave canary, so the probe cannot see the wave\'s effect',
      '19 canary-outside-wave: rollout.canaries (wave all): arn:aws:iam::111111111111:role/Probe is in the management account, which organization policies do not affect',
      '20 canary-outside-organization: rollout.canaries (wave all): account 999999999999 of arn:aws:iam::999999999999:role/Probe is not in organization.tree, so no wave changes what it may do',
    ]);
  });

  it('is one section: a second file defining it is an error', async () => {
    const other = `version: 1\nrollout: { bake: 1h }\n`;
    const { diagnostics } = await validateText(`${HEAD}rollout: { bake: 2h }\n`, dir, 'a.yaml');
    expect(problems(diagnostics)).toEqual([]);
    const { validateFiles } = await import('../support/intent.js');
    const fs = await import('node:fs');
    const path = await import('node:path');
    fs.writeFileSync(path.join(dir, 'b.yaml'), other);
    const both = await validateFiles([path.join(dir, 'a.yaml'), path.join(dir, 'b.yaml')]);
    expect(problems(both.diagnostics)).toEqual([expect.stringMatching(/^2 duplicate-section: "rollout" is already defined at a\.yaml:\d+/)]);
    expect(both.intent!.rollout.bake).toEqual({ text: '2h', seconds: 7200 });
  });
});
