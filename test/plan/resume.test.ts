/**
 * Planning again from the states a rollout leaves when it stops part-way: after some waves, in the
 * middle of the last one, rolled back, or with a staged copy nobody finished. The planner must take the
 * rollout on from where it stopped, or refuse with a message that says what the leftover is and what to
 * do; it must never fail with an internal error.
 */
import { describe, expect, it } from 'vitest';
import { buildDeployment, planRollout } from '../../src/plan/index.js';
import { resolveQuotas } from '../../src/policy/index.js';
import { denyPolicy, deploymentOf, fullAccessEverywhere, owned, stateOf } from '../support/org-state.js';
import { expectRolledOut, stateAfter, wavesOn } from '../support/rollout.js';

const TREE = {
  Workloads: { ous: { Prod: { accounts: ['200000000001', '200000000002'] }, Dev: { accounts: ['200000000003', '200000000004'] } } },
  Security: { accounts: ['300000000001'] },
};
// NEW drops a denial OLD has: it loosens, so these plans stage by push-down (additive staging has its own tests).
const OLD = denyPolicy(['s3:DeleteBucket', 's3:PutBucketAcl']);
const NEW = denyPolicy(['s3:DeleteBucket', 's3:PutBucketPolicy']);
const MID = denyPolicy(['s3:DeleteBucket', 's3:PutObjectAcl']);
const S3_AT_ROOT = [{ name: 'guardrails-scp-s3', content: NEW, targets: ['r-test'] }];
const steps = (plan: ReturnType<typeof planRollout>) => plan.waves.map((w) => w.steps.map((s) => s.text));

describe('planning an interrupted rollout again', () => {
  it('starts after the waves already applied: their accounts keep the staged copy where it is', () => {
    // canary (account 3) and dev (OU Dev) were applied: the new version staged on Dev, the old one pushed down.
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['ou-prod', 'ou-security']), owned('guardrails-scp-s3.next', NEW, ['ou-dev'], 'scp', ['s3'])]);
    const d = deploymentOf(state, S3_AT_ROOT);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['dev', ['Dev']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves.map((w) => w.accounts)).toEqual([[], [], ['200000000001', '200000000002', '300000000001']]);
    expect(steps(plan)).toEqual([
      [],
      [],
      [
        'attach guardrails-scp-s3.next to root Root',
        'detach guardrails-scp-s3.next from OU Root/Workloads/Dev',
        'detach guardrails-scp-s3 from OU Root/Workloads/Prod',
        'detach guardrails-scp-s3 from OU Root/Security',
        'delete SCP guardrails-scp-s3',
        'update SCP guardrails-scp-s3.next renaming it guardrails-scp-s3',
      ],
    ]);
    expectRolledOut(d, plan);
  });

  it('finishes a rollout stopped after the old version was deleted and before the staged copy took its name', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3.next', NEW, ['r-test'], 'scp', ['s3'])]);
    const d = deploymentOf(state, S3_AT_ROOT);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['dev', ['Dev']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(steps(plan)).toEqual([[], [], ['update SCP guardrails-scp-s3.next renaming it guardrails-scp-s3']]);
    expectRolledOut(d, plan);
    // Without declared waves, the planner adds one to finish it.
    const alone = planRollout(d, []);
    expect(alone.waves.map((w) => [w.name, w.steps.map((s) => s.op.op)])).toEqual([['all', ['update']]]);
  });

  it('takes on a rollout stopped in the middle of a wave', () => {
    // Wave dev was half applied: the staged copy reaches OU Dev, but the old version still reaches account 4 too.
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['200000000004', 'ou-prod', 'ou-security']), owned('guardrails-scp-s3.next', NEW, ['ou-dev'], 'scp', ['s3'])]);
    const d = deploymentOf(state, S3_AT_ROOT);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['dev', ['Dev']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves.map((w) => w.accounts)).toEqual([[], ['200000000004'], ['200000000001', '200000000002', '300000000001']]);
    expect(steps(plan)[1]).toEqual(['detach guardrails-scp-s3 from account 200000000004 (acct-200000000004)']);
    expectRolledOut(d, plan);
  });

  it('may rearrange accounts already as compile wants when its targets reach them: they are in the wave', () => {
    // An allow-list left staged on Dev's accounts one by one: moving it to the OU changes the level at which
    // it allows, which only a wave reaching those accounts may do.
    const allowList = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'ec2:*'], Resource: '*' }] });
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-allow.next', allowList, ['200000000003', '200000000004'], 'scp', ['allow'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-allow', content: allowList, targets: ['ou-dev'] }]);
    const plan = planRollout(d, wavesOn(d, ['dev', ['Dev']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves.map((w) => w.accounts)).toEqual([[]]);
    expect(steps(plan)).toEqual([
      [
        'attach guardrails-scp-allow.next to OU Root/Workloads/Dev',
        'detach guardrails-scp-allow.next from account 200000000003 (acct-200000000003)',
        'detach guardrails-scp-allow.next from account 200000000004 (acct-200000000004)',
        'update SCP guardrails-scp-allow.next renaming it guardrails-scp-allow',
      ],
    ]);
    expectRolledOut(d, plan);
  });

  it('rolls back: when compile wants the old version again, the staged copy is phased out wave by wave', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['200000000004', 'ou-prod', 'ou-security']), owned('guardrails-scp-s3.next', NEW, ['200000000003'], 'scp', ['s3'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: OLD, targets: ['r-test'] }]);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves.map((w) => w.accounts)).toEqual([['200000000003'], []]);
    expect(steps(plan)[0]).toEqual(['attach guardrails-scp-s3 to account 200000000003 (acct-200000000003)', 'detach guardrails-scp-s3.next from account 200000000003 (acct-200000000003)', 'delete SCP guardrails-scp-s3.next']);
    expectRolledOut(d, plan);
  });

  it('phases out a staged copy of some third version when the stable policy is gone (no new copy is needed)', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3.next', MID, ['ou-dev'], 'scp', ['s3'])]);
    const d = deploymentOf(state, S3_AT_ROOT);
    const plan = planRollout(d, wavesOn(d, ['dev', ['Dev']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expectRolledOut(d, plan);
  });

  it('refuses a staged copy of some third version while the stable policy holds another, saying what it is and what to do', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['ou-prod', 'ou-security']), owned('guardrails-scp-s3.next', MID, ['ou-dev'], 'scp', ['s3'])]);
    const d = deploymentOf(state, S3_AT_ROOT);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['dev', ['Dev']], ['all', ['Root']]));
    expect(plan.ok).toBe(false);
    expect(plan.waves).toEqual([]);
    const stray = plan.diagnostics.find((x) => x.code === 'stray-staged-copy')!;
    expect(stray.message).toBe('SCP guardrails-scp-s3.next is a staged copy of guardrails-scp-s3 left by an unfinished rollout (it reaches 2 account(s)), and it holds neither what guardrails-scp-s3 holds nor what compile wants: rolling out the compiled version needs a new staged copy while this one still covers its accounts');
    expect(stray.hint).toMatch(/^finish that rollout .*, or roll it back .*, or detach and delete guardrails-scp-s3\.next if no account needs it$/);
  });

  it('refuses, without failing, a foreign policy holding the staging name', () => {
    const foreign = { ...owned('guardrails-scp-s3.next', OLD, []), id: 'p-lookalike', tags: {} };
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['r-test']), foreign]);
    const built = buildDeployment({ state, policies: [{ name: 'guardrails-scp-s3', type: 'scp', text: NEW, controls: ['s3'], targets: [], statements: [], level: 1 } as never], quotas: resolveQuotas('aws-2026-05')!, organizationId: 'o-test000000', managementAccount: '111111111111' });
    expect(built.deployment).toBeUndefined();
    expect(built.diagnostics.map((x) => [x.code, x.message])).toEqual([['name-taken', 'a SCP named guardrails-scp-s3.next exists (p-lookalike) but is not managed by guardrails; guardrails stages the next version of guardrails-scp-s3 under that name during a rollout']]);
    // The planner alone (no buildDeployment before it) refuses too, with a diagnostic and no exception.
    const d = deploymentOf(state, S3_AT_ROOT);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['all', ['Root']]));
    expect(plan.ok).toBe(false);
    expect(plan.diagnostics.map((x) => [x.code, x.message])).toEqual([
      ['plan-invalid-step', 'wave canary: SCP guardrails-scp-s3.next is needed for guardrails-scp-s3, but a policy of that name exists that guardrails does not manage (rename or delete it, or tag it managed-by=guardrails if it is ours)'],
    ]);
  });

  it('reaches the same end state from wherever the plan was stopped: after every step k, planned again, every strategy at once', () => {
    // s3 is tightened (additive), ec2 loosened (push-down), iam new (create), old removed (delete).
    const state = stateOf(TREE, [
      fullAccessEverywhere(TREE),
      owned('guardrails-scp-s3', OLD, ['r-test']),
      owned('guardrails-scp-ec2', denyPolicy(['ec2:RunInstances', 'ec2:DeleteVpc']), ['ou-workloads']),
      owned('guardrails-scp-old', denyPolicy(['sqs:DeleteQueue']), ['ou-dev', 'ou-security']),
    ]);
    const desired = [
      { name: 'guardrails-scp-s3', content: denyPolicy(['s3:DeleteBucket', 's3:PutBucketAcl', 's3:PutBucketPolicy']), targets: ['r-test'] },
      { name: 'guardrails-scp-ec2', content: denyPolicy(['ec2:RunInstances']), targets: ['ou-workloads'] },
      { name: 'guardrails-scp-iam', content: denyPolicy(['iam:CreateUser']), targets: ['ou-security', 'ou-dev'] },
    ];
    const d = deploymentOf(state, desired);
    const waves = [['canary', ['200000000003']], ['dev', ['Dev']], ['all', ['Root']]] as [string, string[]][];
    const plan = planRollout(d, wavesOn(d, ...waves));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(new Set(plan.waves.flatMap((w) => w.strategies.map((s) => s.strategy)))).toEqual(new Set(['additive', 'push-down', 'create', 'delete', 'in-place']));
    const ops = plan.waves.flatMap((w) => w.steps.map((s) => s.op));
    expect(ops.length).toBeGreaterThan(10);
    for (let k = 0; k <= ops.length; k++) {
      const again = deploymentOf(stateAfter(state, d, ops, k), desired);
      const replanned = planRollout(again, wavesOn(again, ...waves));
      expect(replanned.ok, `after step ${k}: ${JSON.stringify(replanned.diagnostics)}`).toBe(true);
      expectRolledOut(again, replanned);
      if (k === ops.length) expect(replanned.totals.calls).toBe(0);
    }
  });
});
