/**
 * An OU whose SCP slots other actors' policies fill: guardrails cannot free a slot there, so a policy
 * that must reach its subtree goes to the OUs and accounts below it (further down where those are full
 * too), the plan says so, and once a slot is free the next plan moves it back up.
 */
import { describe, expect, it } from 'vitest';
import type { DeployedPolicy } from '../../src/org/index.js';
import { AttachmentModel, planFile, planRollout, type Deployment, type Plan } from '../../src/plan/index.js';
import { renderPlanText } from '../../src/report/index.js';
import { denyPolicy, deploymentOf, fullAccessEverywhere, owned, stateOf } from '../support/org-state.js';
import { deployedOf, desiredContents, expectRolledOut, rollOut, wavesOn } from '../support/rollout.js';

const TREE = {
  Workloads: { ous: { Prod: { accounts: ['200000000001', '200000000002'] }, Dev: { accounts: ['200000000003', '200000000004'] } } },
  Security: { accounts: ['300000000001'] },
};
const foreign = (name: string, targets: string[]): DeployedPolicy => ({ ...owned(name, denyPolicy([`ec2:${name}`]), targets), tags: {} });
/** Foreign SCPs beside FullAWSAccess until `target` holds `quota` of them. */
const fill = (target: string, quota = 10): DeployedPolicy[] => Array.from({ length: quota - 1 }, (_, i) => foreign(`team-${target}-${i + 1}`, [target]));
const X = { name: 'guardrails-scp-x', content: denyPolicy(['s3:DeleteBucket']), targets: ['ou-workloads'], controls: ['x'] };

/** The plan is accepted, every account holds after each wave what it must, and no step overfills a target. */
function expectReachesEveryAccount(d: Deployment, plan: Plan): AttachmentModel {
  expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
  expect(plan.violations).toEqual([]);
  const { model, afterWave } = rollOut(d, plan);
  expect(afterWave.at(-1)).toEqual(desiredContents(d));
  return model;
}

const attachTexts = (plan: Plan) => plan.waves.flatMap((w) => w.steps.map((s) => s.text)).filter((t) => t.startsWith('attach'));

describe('a target full of policies guardrails does not own', () => {
  it('gets the policy at its child OUs instead, saying which OU is full and what its future accounts miss', () => {
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE), ...fill('ou-workloads')]), [X]);
    const plan = planRollout(d, wavesOn(d, ['all', ['Root']]));
    expectReachesEveryAccount(d, plan);
    expect(attachTexts(plan).sort()).toEqual(['attach guardrails-scp-x to OU Root/Workloads/Dev', 'attach guardrails-scp-x to OU Root/Workloads/Prod']);
    const note = 'guardrails-scp-x: OU Root/Workloads holds 10 SCPs not owned by guardrails (quota 10), so guardrails cannot free a slot there: attached at the 2 OUs and accounts below it instead (OU Root/Workloads/Prod, OU Root/Workloads/Dev); accounts created in or moved to OU Root/Workloads later will not get guardrails-scp-x until a slot is free there and the rollout is planned again';
    expect(plan.waves[0]!.notes).toContainEqual(note);
    // Said in the plan's text and in its JSON (the saved plan a rollout applies).
    expect(renderPlanText(plan)).toContain(`note: ${note}`);
    expect(planFile(plan, d, { intentDigest: 'i', outDigest: 'o' }).waves[0]!.notes).toContainEqual(note);
  });

  it('goes further down where a child OU is full too, wave by wave changing only the wave\'s accounts', () => {
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE), ...fill('ou-workloads'), ...fill('ou-dev')]), [X]);
    const plan = planRollout(d, wavesOn(d, ['dev', ['Dev']], ['all', ['Root']]));
    expectReachesEveryAccount(d, plan);
    expect(plan.waves.map((w) => w.steps.map((s) => s.text))).toEqual([
      ['create SCP guardrails-scp-x (100 characters)', 'attach guardrails-scp-x to account 200000000003 (acct-200000000003)', 'attach guardrails-scp-x to account 200000000004 (acct-200000000004)'],
      ['attach guardrails-scp-x to OU Root/Workloads/Prod'],
    ]);
    // The dev wave leaves Prod's accounts as they were; the last one reaches them.
    const { afterWave } = rollOut(d, plan);
    expect(afterWave[0]!.get('200000000001')).toEqual([]);
    expect(afterWave[0]!.get('200000000003')).toEqual(desiredContents(d).get('200000000003'));
    expect(plan.waves[0]!.notes.join('\n')).toContain('OU Root/Workloads/Dev holds 10 SCPs not owned by guardrails (quota 10)');
    expect(plan.waves[1]!.notes.join('\n')).toContain('OU Root/Workloads holds 10 SCPs not owned by guardrails (quota 10), so guardrails cannot free a slot there: attached at the 3 OUs and accounts below it instead (OU Root/Workloads/Prod, account 200000000003 (acct-200000000003), account 200000000004 (acct-200000000004))');
  });

  it('moves a policy being phased out around a full OU while earlier waves leave it there', () => {
    // The old x at the root is removed from the intent; the canary wave pushes it down to what no wave has reached yet.
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), ...fill('ou-prod'), owned('guardrails-scp-x', denyPolicy(['s3:DeleteBucket']), ['r-test'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-y', content: denyPolicy(['s3:PutBucketAcl']), targets: ['r-test'], controls: ['y'] }]);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['all', ['Root']]));
    expectReachesEveryAccount(d, plan);
    const canary = plan.waves[0]!.steps.map((s) => s.text);
    expect(canary).toContain('attach guardrails-scp-x to account 200000000001 (acct-200000000001)');
    expect(canary).toContain('attach guardrails-scp-x to account 200000000002 (acct-200000000002)');
    expect(canary).not.toContain('attach guardrails-scp-x to OU Root/Workloads/Prod');
    expect(plan.waves[0]!.notes.join('\n')).toContain('guardrails-scp-x: OU Root/Workloads/Prod holds 10 SCPs not owned by guardrails (quota 10)');
    // The new policy goes to the root, not around Prod: nothing is said of it.
    expect(plan.waves.flatMap((w) => w.notes).join('\n')).not.toContain('guardrails-scp-y: OU Root/Workloads/Prod');
  });

  it('moves the policy back up once another actor frees a slot, attaching before it detaches', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), ...fill('ou-workloads'), ...fill('ou-dev')]);
    const d = deploymentOf(state, [X]);
    const first = planRollout(d, wavesOn(d, ['all', ['Root']]));
    const around = expectReachesEveryAccount(d, first);
    // The other team detaches one of theirs from Workloads: the next plan starts from what the first left.
    const freed = deployedOf(around).map((p) => (p.name === 'team-ou-workloads-1' ? { ...p, targets: [] } : p));
    const again = deploymentOf({ ...state, policies: freed }, [X]);
    const plan = planRollout(again, wavesOn(again, ['dev', ['Dev']], ['all', ['Root']]));
    expectRolledOut(again, plan);
    expect(plan.violations).toEqual([]);
    const texts = plan.waves.flatMap((w) => w.steps.map((s) => s.text));
    expect([...texts].sort()).toEqual(
      [
        'attach guardrails-scp-x to OU Root/Workloads',
        'detach guardrails-scp-x from OU Root/Workloads/Prod',
        'detach guardrails-scp-x from account 200000000003 (acct-200000000003)',
        'detach guardrails-scp-x from account 200000000004 (acct-200000000004)',
      ].sort(),
    );
    expect(texts[0]).toBe('attach guardrails-scp-x to OU Root/Workloads');
    // Planned once more, nothing is left to do.
    const done = deploymentOf({ ...state, policies: deployedOf(expectRolledOut(again, plan)) }, [X]);
    expect(planRollout(done, wavesOn(done, ['all', ['Root']])).totals.calls).toBe(0);
  });

  it('keeps the slots error when an account below the full OU is full too', () => {
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE), ...fill('ou-workloads'), ...fill('ou-dev'), ...fill('200000000003')]), [X]);
    const plan = planRollout(d, wavesOn(d, ['all', ['Root']]));
    expect(plan.ok).toBe(false);
    expect(plan.diagnostics.map((x) => x.message).join('\n')).toMatch(/attach guardrails-scp-x to OU Root\/Workloads: OU Root\/Workloads would hold 11 SCPs directly, over the quota of 10/);
  });

  it('keeps the slots error when guardrails\' own policies fill the target', () => {
    // Nine of guardrails' policies and FullAWSAccess take Workloads' ten slots; a tenth of ours is one too many.
    const ours = Array.from({ length: 9 }, (_, i) => owned(`guardrails-scp-own${i}`, denyPolicy([`s3:Own${i}`]), ['ou-workloads']));
    const desired = [...ours.map((p) => ({ name: p.name, content: p.content, targets: ['ou-workloads'], controls: [p.name.slice('guardrails-scp-'.length)] })), X];
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE), ...ours]), desired);
    const plan = planRollout(d, wavesOn(d, ['all', ['Root']]));
    expect(plan.ok).toBe(false);
    expect(plan.diagnostics.map((x) => x.message).join('\n')).toMatch(/OU Root\/Workloads would hold 11 SCPs directly, over the quota of 10/);
    expect(plan.waves.flatMap((w) => w.notes).join('\n')).not.toMatch(/not owned by guardrails/);
  });
});
