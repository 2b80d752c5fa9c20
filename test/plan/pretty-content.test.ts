/**
 * out/ holds policies laid out for review, but what a plan sends in CreatePolicy and UpdatePolicy is
 * the canonical minified text (the size AWS counts), and a deployed policy is compared canonically:
 * deployed pretty and compiled minified (or the other way round) is no change.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CompiledPolicy } from '../../src/compile/index.js';
import type { OrgState } from '../../src/org/index.js';
import { buildDeployment, planRollout, structuralDiff, type Deployment } from '../../src/plan/index.js';
import { resolveQuotas } from '../../src/policy/index.js';
import { compileControls, errorsOf } from '../support/compile.js';
import { FULL_ACCESS, owned } from '../support/org-state.js';

let policy: CompiledPolicy;
let compiled: CompiledPolicy[];
beforeAll(async () => {
  const c = await compileControls(`  users: { kind: deny-actions, actions: [iam:CreateUser, iam:CreateAccessKey, iam:DeleteUser], attach: [Prod] }\n`);
  expect(errorsOf(c)).toEqual([]);
  compiled = c.result.policies;
  policy = compiled[0]!;
  expect(policy.fileText).not.toBe(policy.text);
});

/** The organization of compileControls' header, deployed, with `content` as guardrails-scp-users on Prod (or nothing). */
function stateWith(content: string | undefined): OrgState {
  const account = (id: string) => ({ id, name: `acct-${id}` });
  const ou = (id: string, name: string, accounts: string[]) => ({ id, name, accounts: accounts.map(account), ous: [] });
  const nodes = ['r-ab12', 'ou-ab12-prod0001', 'ou-ab12-dev00001', 'ou-ab12-public01', '111111111111', '222222222222', '333333333333', '444444444444'];
  return {
    format: 1,
    source: 'test',
    readAt: '2026-11-23T00:00:00.000Z',
    organization: { id: 'o-abcdefghij', managementAccount: '111111111111' },
    root: {
      id: 'r-ab12',
      name: 'Root',
      accounts: [account('111111111111')],
      ous: [ou('ou-ab12-prod0001', 'Prod', ['222222222222']), ou('ou-ab12-dev00001', 'Dev', ['333333333333']), ou('ou-ab12-public01', 'Public', ['444444444444'])],
    },
    policies: [
      { id: 'p-FullAWSAccess', name: 'FullAWSAccess', type: 'scp', description: '', awsManaged: true, tags: {}, content: FULL_ACCESS, targets: nodes },
      ...(content === undefined ? [] : [owned(policy.name, content, ['ou-ab12-prod0001'])]),
    ],
  };
}

function deploymentOf(state: OrgState): Deployment {
  const built = buildDeployment({ state, policies: compiled, quotas: resolveQuotas('aws-2026-05')!, organizationId: 'o-abcdefghij', managementAccount: '111111111111' });
  expect(built.diagnostics).toEqual([]);
  return built.deployment!;
}

const ROOT_WAVE = (d: Deployment) => [{ name: 'all', targets: [d.tree.root] }];

describe('what a plan sends', () => {
  it('creates the policy with the canonical minified text, not the file of out/', () => {
    const d = deploymentOf(stateWith(undefined));
    expect(d.desired[0]!.content).toBe(policy.text);
    const plan = planRollout(d, ROOT_WAVE(d));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    const creates = plan.waves.flatMap((w) => w.steps.map((s) => s.op)).filter((o) => o.op === 'create');
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatchObject({ op: 'create', policy: policy.name, content: policy.text });
    expect(plan.waves[0]!.steps[0]!.text).toBe(`create SCP ${policy.name} (${policy.chars} characters)`);
  });

  it('updates with the canonical minified text when the deployed content differs', () => {
    const older = compiled[0]!.text.replace(',"iam:DeleteUser"', '');
    expect(older).not.toBe(policy.text);
    const d = deploymentOf(stateWith(older));
    const plan = planRollout(d, ROOT_WAVE(d));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    const contents = plan.waves.flatMap((w) => w.steps.map((s) => s.op)).flatMap((o) => (o.op === 'create' || o.op === 'update') && o.content !== undefined ? [o.content] : []);
    expect(contents.length).toBeGreaterThan(0);
    for (const c of contents) expect(c).toBe(policy.text);
  });
});

describe('deployed content compared canonically', () => {
  it('a deployed policy holding the pretty file is no change: nothing to diff, nothing to plan', () => {
    const d = deploymentOf(stateWith(policy.fileText));
    const diff = structuralDiff(d);
    expect(diff.policies.map((p) => [p.name, p.change, p.textDiff])).toEqual([[policy.name, 'unchanged', null]]);
    expect(diff.counts).toEqual({ create: 0, update: 0, delete: 0, attach: 0, detach: 0 });
    const plan = planRollout(d, ROOT_WAVE(d));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves.flatMap((w) => w.steps)).toEqual([]);
  });

  it('a deployed policy holding the minified text is no change either', () => {
    const d = deploymentOf(stateWith(policy.text));
    expect(structuralDiff(d).policies.map((p) => p.change)).toEqual(['unchanged']);
    expect(planRollout(d, ROOT_WAVE(d)).waves.flatMap((w) => w.steps)).toEqual([]);
  });
});
