/**
 * The wave planner on small organizations written as data: staging by push-down, in-place updates,
 * creation and removal, implicit last wave, and plans it must refuse. Each plan is also executed on the
 * attachment model, wave by wave, to check what every account sees.
 */
import { describe, expect, it } from 'vitest';
import type { OrgNode } from '../../src/model/org-tree.js';
import { STAGING_OF_TAG, stagingName } from '../../src/org/index.js';
import { AttachmentModel, planRollout, type Deployment, type Plan, type WaveSpec } from '../../src/plan/index.js';
import { canonicalPolicyText } from '../../src/policy/index.js';
import { resolveQuotas } from '../../src/policy/index.js';
import { denyPolicy, deploymentOf, FULL_ACCESS, fullAccessEverywhere, MANAGEMENT, owned, stateOf, type OuSpec } from '../support/org-state.js';
import { expectRolledOut } from '../support/rollout.js';

const TREE: Record<string, OuSpec> = {
  Workloads: { ous: { Prod: { accounts: ['200000000001', '200000000002'] }, Dev: { accounts: ['200000000003', '200000000004'] } } },
  Security: { accounts: ['300000000001'] },
};
// NEW drops a denial OLD has: it loosens, so these plans stage by push-down (additive staging has its own tests).
const OLD = denyPolicy(['s3:DeleteBucket', 's3:PutBucketAcl']);
const NEW = denyPolicy(['s3:DeleteBucket', 's3:PutBucketPolicy']);

function waves(d: Deployment, ...specs: [string, string[]][]): WaveSpec[] {
  return specs.map(([name, refs]) => ({ name, targets: refs.map((r) => node(d, r)) }));
}

function node(d: Deployment, ref: string): OrgNode {
  const r = d.tree.resolve(ref);
  if (!r.ok) throw new Error(`no ${ref}`);
  return r.node;
}

/** Runs the plan on the model and returns, after each wave, the canonical contents reaching each account. */
function execute(d: Deployment, plan: Plan): Map<string, string[]>[] {
  const model = AttachmentModel.fromDeployed(d.tree, d.deployed);
  return plan.waves.map((w) => {
    for (const s of w.steps) model.apply(s.op);
    const seen = new Map<string, string[]>();
    for (const a of d.tree.accounts) {
      if (a.id === MANAGEMENT) continue;
      seen.set(a.id!, [...new Set(model.effective(a, 'scp').filter((e) => e.policy.owned).map((e) => e.policy.canonical))].sort());
    }
    return seen;
  });
}

const ALL = ['200000000001', '200000000002', '200000000003', '200000000004', '300000000001'];

describe('the wave planner', () => {
  it('stages a change of a policy attached at the root: new version beside the old one, the old one pushed down, renamed at the end', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['r-test'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: NEW, targets: ['r-test'] }]);
    const plan = planRollout(d, waves(d, ['canary', ['200000000003']], ['dev', ['Dev']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves.map((w) => w.accounts)).toEqual([['200000000003'], ['200000000004'], ['200000000001', '200000000002', '300000000001']]);
    const steps = plan.waves.map((w) => w.steps.map((s) => s.text));
    expect(steps[0]).toEqual([
      `create SCP guardrails-scp-s3.next (${NEW.length} characters)`,
      'attach guardrails-scp-s3 to account 200000000004 (acct-200000000004)',
      'attach guardrails-scp-s3 to OU Root/Workloads/Prod',
      'attach guardrails-scp-s3 to OU Root/Security',
      'attach guardrails-scp-s3.next to account 200000000003 (acct-200000000003)',
      'detach guardrails-scp-s3 from root Root',
    ]);
    expect(steps[2]!.slice(-2)).toEqual(['delete SCP guardrails-scp-s3', 'update SCP guardrails-scp-s3.next renaming it guardrails-scp-s3']);
    expect(plan.waves[0]!.notes.join()).toContain('OU Root/Workloads/Dev');

    const [afterCanary, afterDev, afterAll] = execute(d, plan);
    const old = [canonicalPolicyText(OLD)];
    const now = [canonicalPolicyText(NEW)];
    for (const a of ALL) expect(afterCanary!.get(a), a).toEqual(a === '200000000003' ? now : old);
    for (const a of ALL) expect(afterDev!.get(a), a).toEqual(a.startsWith('2000000000') && a >= '200000000003' ? now : old);
    for (const a of ALL) expect(afterAll!.get(a), a).toEqual(now);
  });

  it('updates a policy in place when every account it reaches is in the wave', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['ou-dev'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: NEW, targets: ['ou-dev'] }]);
    const plan = planRollout(d, waves(d, ['dev', ['Dev']], ['all', ['Root']]));
    expect(plan.ok).toBe(true);
    expect(plan.waves[0]!.steps.map((s) => s.op.op)).toEqual(['update']);
    expect(plan.waves[1]!.steps).toEqual([]);
    expect(plan.totals.calls).toBe(1);
  });

  it('creates a new policy where its first wave reaches and removes a deleted one wave by wave', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-gone', OLD, ['ou-workloads'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-fresh', content: NEW, targets: ['ou-workloads'] }]);
    const plan = planRollout(d, waves(d, ['prod', ['Prod']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    const [afterProd, afterAll] = execute(d, plan);
    expect(afterProd!.get('200000000001')).toEqual([canonicalPolicyText(NEW)]);
    expect(afterProd!.get('200000000003')).toEqual([canonicalPolicyText(OLD)]);
    expect(afterAll!.get('200000000003')).toEqual([canonicalPolicyText(NEW)]);
    expect(plan.waves[1]!.steps.at(-1)!.text).toBe('delete SCP guardrails-scp-gone');
  });

  it('adds a last wave for what the declared waves do not reach, and warns', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE)]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: NEW, targets: ['r-test'] }]);
    const plan = planRollout(d, waves(d, ['prod', ['Prod']]));
    expect(plan.waves.map((w) => [w.name, w.implicit])).toEqual([['prod', false], ['rest', true]]);
    expect(plan.diagnostics.map((x) => x.code)).toEqual(['waves-incomplete']);
    expect(plan.ok).toBe(true);
  });

  it('plans nothing when the deployed state is what compile wants', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', NEW, ['r-test'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: JSON.stringify(JSON.parse(NEW), null, 4), targets: ['r-test'] }]);
    const plan = planRollout(d, waves(d, ['all', ['Root']]));
    expect(plan.totals.calls).toBe(0);
  });

  it('refuses to stage by pushing down an SCP that holds Allow statements: every level must allow, so moving it changes accounts outside the wave', () => {
    const allowList = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'ec2:*'], Resource: '*' }] });
    const allowListV2 = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'ec2:*', 'sqs:*'], Resource: '*' }] });
    const d = deploymentOf(stateOf(TREE, [owned('guardrails-scp-allow', allowList, ['r-test']), fullAccessEverywhere(TREE)]), [{ name: 'guardrails-scp-allow', content: allowListV2, targets: ['r-test'] }]);
    const withRoot = planRollout(d, waves(d, ['dev', ['Dev']], ['all', ['Root']]));
    expect(withRoot.ok).toBe(false);
    expect(withRoot.violations.map((v) => v.code)).toContain('wave-isolation');
    expect(withRoot.diagnostics.find((x) => x.code === 'invariant-wave-isolation')!.message).toMatch(/^wave dev, step \d+: (attach|detach) guardrails-scp-allow (to|from) [^:]+: account \d+ \(acct-\d+\) is not in this wave, but the SCPs reaching it would change$/);
  });

  it('refuses a plan that would overfill a target, naming the target and the quota', () => {
    const quotas = resolveQuotas({ profile: 'aws-legacy', scp: { maxPerTarget: 2 } })!;
    const ct = { ...owned('aws-guardrails-ct', denyPolicy(['cloudtrail:StopLogging']), ['200000000003']), tags: {} };
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), ct, owned('guardrails-scp-s3', OLD, ['r-test'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: NEW, targets: ['r-test'] }], quotas);
    const plan = planRollout(d, waves(d, ['canary', ['200000000003']], ['all', ['Root']]));
    expect(plan.ok).toBe(false);
    const slot = plan.diagnostics.find((x) => x.code === 'invariant-slots')!;
    expect(slot.message).toContain('account 200000000003 (acct-200000000003) would hold 3 SCPs directly, over the quota of 2 (foreign policies included)');
    expect(slot.message).toMatch(/^wave canary, step \d+: attach guardrails-scp-s3.next/);
  });

  it('refuses to leave a target with no SCP', () => {
    // Dev holds only our policy: removing it would leave Dev with nothing attached.
    const full = fullAccessEverywhere(TREE);
    full.targets = full.targets.filter((t) => t !== 'ou-dev');
    const state = stateOf(TREE, [full, owned('guardrails-scp-s3', OLD, ['ou-dev'])]);
    const d = deploymentOf(state, []);
    const plan = planRollout(d, waves(d, ['all', ['Root']]));
    expect(plan.ok).toBe(false);
    expect(plan.diagnostics.find((x) => x.code === 'invariant-no-scp')!.message).toContain('OU Root/Workloads/Dev would be left with no SCP attached');
  });
});

describe('unchanged policies', () => {
  it('stay where they are in every wave, even attached both to an OU and to an account in it', () => {
    const KEEP = denyPolicy(['ec2:DeleteVpc']);
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-keep', KEEP, ['ou-workloads', '200000000003']), owned('guardrails-scp-s3', OLD, ['r-test'])]);
    const d = deploymentOf(state, [
      { name: 'guardrails-scp-keep', content: KEEP, targets: ['ou-workloads', '200000000003'] },
      { name: 'guardrails-scp-s3', content: NEW, targets: ['r-test'] },
    ]);
    const plan = planRollout(d, waves(d, ['canary', ['200000000003']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves.flatMap((w) => w.steps.filter((s) => s.op.policy === 'guardrails-scp-keep'))).toEqual([]);
    expectRolledOut(d, plan);
  });
});

describe('the waves of a plan', () => {
  it('warns about a wave of the management account alone: organization policies do not affect it', () => {
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['r-test'])]), [{ name: 'guardrails-scp-s3', content: NEW, targets: ['r-test'] }]);
    const plan = planRollout(d, waves(d, ['mgmt', [MANAGEMENT]], ['all', ['Root']]));
    expect(plan.ok).toBe(true);
    expect(plan.diagnostics.map((x) => [x.severity, x.code, x.message])).toEqual([['warning', 'wave-reaches-nothing', 'wave mgmt targets only the management account 111111111111: organization policies do not affect it, so the wave changes nothing']]);
    expect(plan.waves[0]!.steps).toEqual([]);
  });

  it('names the OUs, not "0 accounts", when the declared waves miss only the future accounts of an OU', () => {
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['r-test'])]), [{ name: 'guardrails-scp-s3', content: NEW, targets: ['r-test'] }]);
    const plan = planRollout(d, waves(d, ['w', ['Workloads']], ['s', ['Security']]));
    const warning = plan.diagnostics.find((x) => x.code === 'waves-incomplete')!;
    expect(warning.message).toBe('the declared waves do not reach the accounts that will be created in or moved to root Root, which this change affects (policies attached there reach them); a last wave "rest" (the root) is added');
    expect(plan.waves.map((w) => [w.name, w.accounts.length])).toEqual([['w', 4], ['s', 1], ['rest', 0]]);
    expect(plan.ok).toBe(true);
  });
});

describe('names and tags AWS accepts', () => {
  const LONG = `guardrails-scp-${'long-control-name-'.repeat(6)}${'x'.repeat(1)}`.padEnd(124, 'y');

  it('stages a 124-character name under a name of at most 128 that records its stable name in a tag', () => {
    expect(LONG.length).toBe(124);
    const staged = stagingName(LONG);
    expect(staged.length).toBe(128);
    expect(staged).toMatch(/-[0-9a-f]{8}\.next$/);
    expect(stagingName(LONG.slice(0, 120))).toBe(`${LONG.slice(0, 120)}.next`);
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE), owned(LONG, OLD, ['r-test'], 'scp', ['s3'])]), [{ name: LONG, content: NEW, targets: ['r-test'], controls: ['s3'] }]);
    const plan = planRollout(d, waves(d, ['canary', ['200000000003']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    const create = plan.waves[0]!.steps[0]!.op;
    expect(create).toMatchObject({ op: 'create', policy: staged, tags: { 'guardrails:controls': 's3', [STAGING_OF_TAG]: LONG } });
    expect(plan.waves[1]!.steps.at(-1)!.op).toMatchObject({ op: 'update', policy: staged, rename: LONG });
    expectRolledOut(d, plan);
  });

  it('reads the lineage of a staged copy from its tag, so a shortened staging name resumes like any other', () => {
    // A shortened name says nothing of the stable one: only the tag does.
    const shortened = `${LONG.slice(0, 114)}-0badc0de.next`;
    const stagedCopy = owned(shortened, NEW, ['ou-dev'], 'scp', ['s3']);
    stagedCopy.tags[STAGING_OF_TAG] = LONG;
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE), owned(LONG, OLD, ['ou-prod', 'ou-security'], 'scp', ['s3']), stagedCopy]), [{ name: LONG, content: NEW, targets: ['r-test'], controls: ['s3'] }]);
    const plan = planRollout(d, waves(d, ['dev', ['Dev']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves[0]!.steps).toEqual([]);
    expect(plan.waves[1]!.steps.at(-1)!.op).toMatchObject({ op: 'update', policy: shortened, rename: LONG });
    expectRolledOut(d, plan);
  });

  it('leaves out a controls tag longer than 256 characters, and says so in the notes', () => {
    const controls = Array.from({ length: 20 }, (_, i) => `a-rather-long-control-${i}`);
    expect(controls.join(' ').length).toBeGreaterThan(256);
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE)]), [{ name: 'guardrails-scp-many', content: NEW, targets: ['ou-dev'], controls }]);
    const plan = planRollout(d, waves(d, ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves[0]!.steps[0]!.op).toMatchObject({ op: 'create', policy: 'guardrails-scp-many', tags: {} });
    expect(plan.waves[0]!.notes).toEqual([`guardrails-scp-many carries 20 controls, ${controls.join(' ').length} characters joined, over the 256 a tag value may hold: it is created without the guardrails:controls tag, and the plan checks its continuity by policy lineage only`]);
  });
});

describe('policy types', () => {
  const rcp = { name: 'guardrails-rcp-tls', type: 'rcp' as const, content: NEW, targets: ['r-test'] };

  it('refuses to plan RCPs in an organization that has not enabled them, saying how to enable them', () => {
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE)]), [{ name: 'guardrails-scp-s3', content: NEW, targets: ['r-test'] }, rcp]);
    const plan = planRollout(d, waves(d, ['all', ['Root']]));
    expect(plan.ok).toBe(false);
    const disabled = plan.diagnostics.find((x) => x.code === 'policy-type-disabled')!;
    expect(disabled.message).toBe('the compiled policies include 1 RCP(s) (guardrails-rcp-tls), but the policy type RESOURCE_CONTROL_POLICY is not enabled in organization o-test000000: enable it with `aws organizations enable-policy-type --root-id r-test --policy-type RESOURCE_CONTROL_POLICY`');
  });

  it('plans them where the organization says the type is enabled, or where RCPFullAWSAccess sits at the root', () => {
    const enabled = { ...stateOf(TREE, [fullAccessEverywhere(TREE)]), enabledPolicyTypes: ['scp' as const, 'rcp' as const] };
    const d = deploymentOf(enabled, [rcp]);
    expect(planRollout(d, waves(d, ['all', ['Root']])).ok).toBe(true);
    const inferred = stateOf(TREE, [fullAccessEverywhere(TREE), { ...fullAccessEverywhere(TREE), id: 'p-RCPFullAWSAccess', name: 'RCPFullAWSAccess', type: 'rcp', content: FULL_ACCESS }]);
    const d2 = deploymentOf(inferred, [rcp]);
    expect(planRollout(d2, waves(d2, ['all', ['Root']])).ok).toBe(true);
  });
});
