/**
 * Full targets: when an attach would overfill a target and no detach there can safely go first, the
 * planner pushes a policy that leaves the target down to its children for a moment; where the children
 * have no free slot either, it refuses, naming the target.
 */
import { describe, expect, it } from 'vitest';
import type { DeployedPolicy } from '../../src/org/index.js';
import { planRollout } from '../../src/plan/index.js';
import { resolveQuotas } from '../../src/policy/index.js';
import { denyPolicy, deploymentOf, FULL_ACCESS, fullAccessEverywhere, owned, stateOf } from '../support/org-state.js';
import { expectRolledOut, wavesOn } from '../support/rollout.js';

const TREE = {
  Workloads: { ous: { Prod: { accounts: ['200000000001', '200000000002'] }, Dev: { accounts: ['200000000003', '200000000004'] } } },
  Security: { accounts: ['300000000001'] },
};
const foreign = (name: string, type: 'scp' | 'rcp', targets: string[]): DeployedPolicy => ({ ...owned(name, denyPolicy([`ec2:${name}`]), targets, type), tags: {} });
const rcpFullAccess = (): DeployedPolicy => ({ ...fullAccessEverywhere(TREE), id: 'p-RCPFullAWSAccess', name: 'RCPFullAWSAccess', type: 'rcp', content: FULL_ACCESS });
const A_PLUS_B = { name: 'guardrails-rcp-a+b', type: 'rcp' as const, content: denyPolicy(['s3:DeleteBucket', 's3:PutBucketAcl']), targets: ['ou-dev'], controls: ['a', 'b'] };

/** OU Dev holds RCPFullAWSAccess, two foreign RCPs and guardrails' rcp-a and rcp-b: 5 of 5. */
function fullDev(extra: DeployedPolicy[] = []) {
  return stateOf(TREE, [
    fullAccessEverywhere(TREE),
    rcpFullAccess(),
    foreign('team-rcp-1', 'rcp', ['ou-dev']),
    foreign('team-rcp-2', 'rcp', ['ou-dev']),
    owned('guardrails-rcp-a', denyPolicy(['s3:DeleteBucket']), ['ou-dev'], 'rcp', ['a']),
    owned('guardrails-rcp-b', denyPolicy(['s3:PutBucketAcl']), ['ou-dev'], 'rcp', ['b']),
    ...extra,
  ]);
}

describe('making room on a full target', () => {
  it('pushes a policy that leaves a full OU down to its accounts, attaches the new one, and removes the pushed-down copies later in the wave', () => {
    const d = deploymentOf(fullDev(), [A_PLUS_B]);
    const plan = planRollout(d, wavesOn(d, ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves[0]!.steps.map((s) => s.text)).toEqual([
      'create RCP guardrails-rcp-a+b (118 characters)',
      'attach guardrails-rcp-a to account 200000000003 (acct-200000000003)',
      'attach guardrails-rcp-a to account 200000000004 (acct-200000000004)',
      'detach guardrails-rcp-a from OU Root/Workloads/Dev',
      'attach guardrails-rcp-a+b to OU Root/Workloads/Dev',
      'detach guardrails-rcp-a from account 200000000003 (acct-200000000003)',
      'detach guardrails-rcp-a from account 200000000004 (acct-200000000004)',
      'detach guardrails-rcp-b from OU Root/Workloads/Dev',
      'delete RCP guardrails-rcp-a',
      'delete RCP guardrails-rcp-b',
    ]);
    expect(plan.waves[0]!.notes.join('\n')).toContain('guardrails-rcp-a is pushed down from OU Root/Workloads/Dev to the OUs and accounts below it to free a slot for guardrails-rcp-a+b');
    expectRolledOut(d, plan);
  });

  it('does the same for SCPs under the legacy quota of 5 per target', () => {
    const state = stateOf(TREE, [
      fullAccessEverywhere(TREE),
      ...[1, 2, 3].map((i) => foreign(`team-${i}`, 'scp', ['ou-dev'])),
      owned('guardrails-scp-x', denyPolicy(['s3:DeleteBucket']), ['ou-dev'], 'scp', ['x']),
      owned('guardrails-scp-y', denyPolicy(['s3:PutBucketAcl']), ['r-test'], 'scp', ['y']),
    ]);
    const d = deploymentOf(
      state,
      [
        { name: 'guardrails-scp-x+y', content: denyPolicy(['s3:DeleteBucket', 's3:PutBucketAcl']), targets: ['ou-dev'], controls: ['x', 'y'] },
        { name: 'guardrails-scp-y', content: denyPolicy(['s3:PutBucketAcl']), targets: ['ou-prod', 'ou-security'], controls: ['y'] },
      ],
      resolveQuotas('aws-legacy')!,
    );
    expect(d.quotas.scp.maxPerTarget).toBe(5);
    const plan = planRollout(d, wavesOn(d, ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    const texts = plan.waves[0]!.steps.map((s) => s.text);
    expect(texts.indexOf('detach guardrails-scp-x from OU Root/Workloads/Dev')).toBeLessThan(texts.indexOf('attach guardrails-scp-x+y to OU Root/Workloads/Dev'));
    expect(texts.indexOf('attach guardrails-scp-x to account 200000000003 (acct-200000000003)')).toBeLessThan(texts.indexOf('detach guardrails-scp-x from OU Root/Workloads/Dev'));
    expectRolledOut(d, plan);
  });

  it('refuses, naming the target, when the children have no free slot either', () => {
    const fillers = [1, 2, 3, 4].map((i) => foreign(`team-acct-${i}`, 'rcp', ['200000000003']));
    const d = deploymentOf(fullDev(fillers), [A_PLUS_B]);
    const plan = planRollout(d, wavesOn(d, ['all', ['Root']]));
    expect(plan.ok).toBe(false);
    expect(plan.diagnostics.filter((x) => x.severity === 'error').map((x) => x.message)).toEqual([
      'wave all, step 2: attach guardrails-rcp-a+b to OU Root/Workloads/Dev: OU Root/Workloads/Dev would hold 6 RCPs directly, over the quota of 5 (foreign policies included); none of the policies leaving it can be detached first without a gap, nor pushed down to the OUs and accounts below it (guardrails-rcp-a: account 200000000003 (acct-200000000003) has no free slot; guardrails-rcp-b: account 200000000003 (acct-200000000003) has no free slot)',
    ]);
  });
});
