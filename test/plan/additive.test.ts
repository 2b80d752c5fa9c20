/**
 * Additive staging: a change whose new version denies everything the old one did is staged beside the
 * old one, which stays where it is until the last wave. Each plan is executed step by step on the model:
 * no account the change affects may ever be without either version, and each wave must leave exactly
 * what the planner promises.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OrgTree } from '../../src/model/org-tree.js';
import { treeOfState, type OrgOperation, type OrgState } from '../../src/org/index.js';
import { AttachmentModel, planRollout, type Deployment, type Plan } from '../../src/plan/index.js';
import { canonicalPolicyText, resolveQuotas } from '../../src/policy/index.js';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli } from '../support/cli.js';
import { denyPolicy, deploymentOf, fullAccessEverywhere, owned, stateOf, type OuSpec } from '../support/org-state.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { expectRolledOut, stateAfter, wavesOn } from '../support/rollout.js';
import { reference2026 } from '../support/reference.js';
import { tempDir } from '../support/temp.js';

const TREE: Record<string, OuSpec> = {
  Workloads: { ous: { Prod: { accounts: ['200000000001', '200000000002'] }, Dev: { accounts: ['200000000003', '200000000004'] } } },
  Security: { accounts: ['300000000001'] },
};
const OLD = denyPolicy(['s3:DeleteBucket']);
const TIGHTER = denyPolicy(['s3:DeleteBucket', 's3:PutBucketPolicy']);
const LOOSER = denyPolicy(['s3:PutBucketPolicy']);
const texts = (plan: Plan) => plan.waves.map((w) => w.steps.map((s) => s.text));

/**
 * Applies every step in order; after each, every account that holds a version of `lineages` at the
 * start must still hold one (the policy's stable name or its staged copy), whatever the planner says.
 */
function expectNeverWithout(state: { tree: OrgTree; managementAccount: string }, start: AttachmentModel, ops: readonly OrgOperation[], lineages: readonly string[]): void {
  const model = start.clone();
  const accounts = state.tree.accounts.filter((a) => a.id !== state.managementAccount);
  const held = (a: (typeof accounts)[number]) => new Set((['scp', 'rcp'] as const).flatMap((t) => model.effective(a, t).filter((e) => e.policy.owned).map((e) => e.policy.lineage)));
  const needs = new Map(accounts.map((a) => [a, [...held(a)].filter((l) => lineages.includes(l))]));
  for (const [i, op] of ops.entries()) {
    model.apply(op);
    for (const a of accounts) {
      const now = held(a);
      for (const l of needs.get(a)!) expect(now.has(l), `after step ${i + 1} (${JSON.stringify(op)}), ${a.id} holds no version of ${l}`).toBe(true);
    }
  }
}

describe('additive staging', () => {
  it('stages a tightened policy attached at the root beside the old one: a canary costs two calls, the old one stays at the root until the last wave', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['r-test'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: TIGHTER, targets: ['r-test'] }]);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['dev', ['Dev']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves.map((w) => w.accounts)).toEqual([['200000000003'], ['200000000004'], ['200000000001', '200000000002', '300000000001']]);
    expect(texts(plan)).toEqual([
      [`create SCP guardrails-scp-s3.next (${TIGHTER.length} characters)`, 'attach guardrails-scp-s3.next to account 200000000003 (acct-200000000003)'],
      ['attach guardrails-scp-s3.next to OU Root/Workloads/Dev', 'detach guardrails-scp-s3.next from account 200000000003 (acct-200000000003)'],
      [`update SCP guardrails-scp-s3 (new content, ${TIGHTER.length} characters)`, 'detach guardrails-scp-s3.next from OU Root/Workloads/Dev', 'delete SCP guardrails-scp-s3.next'],
    ]);
    expect(plan.waves.map((w) => w.strategies.map((s) => [s.policy, s.strategy]))).toEqual([[['guardrails-scp-s3', 'additive']], [['guardrails-scp-s3', 'additive']], [['guardrails-scp-s3', 'in-place']]]);
    // No gap: the old version still reaches every future account, so there is nothing to warn about.
    expect(plan.waves.flatMap((w) => w.notes)).toEqual([]);
    // The old version is at the root after every wave but the last.
    const model = AttachmentModel.fromDeployed(d.tree, d.deployed);
    for (const w of plan.waves.slice(0, -1)) {
      for (const s of w.steps) model.apply(s.op);
      expect([...model.find('scp', 'guardrails-scp-s3')!.targets], w.name).toEqual(['r-test']);
    }
    expectNeverWithout(d, AttachmentModel.fromDeployed(d.tree, d.deployed), plan.waves.flatMap((w) => w.steps.map((s) => s.op)), ['guardrails-scp-s3']);
    expectRolledOut(d, plan);
  });

  it('pushes down a loosened policy, and says why', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['r-test'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: LOOSER, targets: ['r-test'] }]);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves[0]!.strategies).toEqual([{ policy: 'guardrails-scp-s3', type: 'scp', strategy: 'push-down', why: 'the new version is not proven to deny everything guardrails-scp-s3 did: statement 1 of the old version denies s3:DeleteBucket, which the new version does not deny under the same conditions' }]);
    expect(plan.waves[0]!.steps.map((s) => s.op.op)).toContain('detach');
    expectRolledOut(d, plan);
  });

  it('stages additively a tightened policy that also reaches more of the tree: the old one stays on its OU until the last wave', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['ou-workloads'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: TIGHTER, targets: ['r-test'] }]);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['security', ['Security']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves.map((w) => w.strategies.map((s) => s.strategy))).toEqual([['additive'], ['additive'], ['in-place']]);
    expect(texts(plan)[1]).toEqual(['attach guardrails-scp-s3.next to OU Root/Security']);
    const model = AttachmentModel.fromDeployed(d.tree, d.deployed);
    for (const w of plan.waves.slice(0, -1)) {
      for (const s of w.steps) model.apply(s.op);
      expect([...model.find('scp', 'guardrails-scp-s3')!.targets], w.name).toEqual(['ou-workloads']);
    }
    expectNeverWithout(d, AttachmentModel.fromDeployed(d.tree, d.deployed), plan.waves.flatMap((w) => w.steps.map((s) => s.op)), ['guardrails-scp-s3']);
    expectRolledOut(d, plan);
  });

  it('pushes down a tightened policy that reaches accounts the new version will not', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['r-test'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: TIGHTER, targets: ['ou-workloads'] }]);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves[0]!.strategies[0]!.strategy).toBe('push-down');
    expect(plan.waves[0]!.strategies[0]!.why).toContain('reaches 1 account(s) the compiled version will not (300000000001)');
    expectRolledOut(d, plan);
  });

  it('falls back to push-down where the wave target has no free slot for the new version, and says so', () => {
    // Under the legacy quota of 5, Dev holds five SCPs (FullAWSAccess, three foreign, and the old version, also attached at the root):
    // beside the old one, the new version has no slot; pushed down, the old one leaves Dev and frees one.
    const foreign = (n: number) => ({ id: `p-foreign${n}`, name: `foreign-${n}`, type: 'scp' as const, description: '', awsManaged: false, tags: {}, content: denyPolicy([`ec2:Foreign${n}`]), targets: ['ou-dev'] });
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), foreign(1), foreign(2), foreign(3), owned('guardrails-scp-s3', OLD, ['r-test', 'ou-dev'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-s3', content: TIGHTER, targets: ['r-test'] }], resolveQuotas('aws-legacy')!);
    const plan = planRollout(d, wavesOn(d, ['dev', ['Dev']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves[0]!.strategies).toEqual([{ policy: 'guardrails-scp-s3', type: 'scp', strategy: 'push-down', why: 'no free slot at OU Root/Workloads/Dev for the new version beside the old one: pushed down in this wave' }]);
    expect(plan.waves[1]!.strategies.map((s) => s.strategy)).toEqual(['in-place']);
    expectNeverWithout(d, AttachmentModel.fromDeployed(d.tree, d.deployed), plan.waves.flatMap((w) => w.steps.map((s) => s.op)), ['guardrails-scp-s3']);
    expectRolledOut(d, plan);
  });

  it('creates a new policy where each wave reaches, and judges an account holding old and new as holding the new one', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['r-test'])]);
    const d = deploymentOf(state, [
      { name: 'guardrails-scp-s3', content: TIGHTER, targets: ['r-test'] },
      { name: 'guardrails-scp-ec2', content: denyPolicy(['ec2:RunInstances']), targets: ['ou-workloads'] },
    ]);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['all', ['Root']]));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.waves[0]!.strategies.map((s) => [s.policy, s.strategy])).toEqual([
      ['guardrails-scp-ec2', 'create'],
      ['guardrails-scp-s3', 'additive'],
    ]);
    expect(plan.waves[0]!.calls).toBe(4);
    expectRolledOut(d, plan);
  });

  it('never stages an SCP with Allow statements beside another version: every level of the tree must allow, so two allow lists are not the stricter of the two', () => {
    const allow = (actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-allow', allow(['s3:*', 'ec2:*']), ['ou-dev'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-allow', content: allow(['s3:*']), targets: ['ou-dev'] }]);
    const plan = planRollout(d, wavesOn(d, ['canary', ['200000000003']], ['all', ['Root']]));
    expect(plan.waves[0]!.strategies).toEqual([{ policy: 'guardrails-scp-allow', type: 'scp', strategy: 'push-down', why: 'the new version is not proven to deny everything guardrails-scp-allow did: the old version has an Allow statement' }]);
  });
});

describe("the example organization's change", () => {
  let dir: string;
  let cache: string;
  const cli = (args: string[]) => runCli([...args, '--cache', cache], { cwd: dir });

  beforeAll(async () => {
    const root = await tempDir();
    cache = path.join(root, 'cache');
    dir = path.join(root, 'repo');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(dir, 'guardrails'), { recursive: true });
    const compiled = await cli(['compile']);
    if (compiled.code !== 0) throw new Error(compiled.stderr);
  }, 120_000);

  it('stages the four tightened policies additively: the canary wave is 13 calls (33 by push-down), and no account is ever without either version', async () => {
    const r = await cli(['plan', '--org', 'guardrails/org-snapshot.json', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { waves: { name: string; calls: number; steps: { op: OrgOperation }[]; strategies: { policy: string; strategy: string }[] }[]; totals: { calls: number } };
    const tightened = ['guardrails-rcp-tls-minimum', 'guardrails-scp-allowed-regions+no-long-term-credentials', 'guardrails-scp-only-org-principals', 'guardrails-scp-protect-security-services+stay-in-organization'];
    const strategy = (w: number, p: string) => plan.waves[w]!.strategies.find((s) => s.policy === p)?.strategy;
    for (const p of tightened) expect(plan.waves.map((_, w) => strategy(w, p)), p).toEqual(['additive', 'additive', 'additive', 'in-place']);
    // The RCP perimeter exempts AWS service principals from a denial it had: that loosens, so it is pushed down.
    expect(strategy(0, 'guardrails-rcp-only-org-principals')).toBe('push-down');
    expect(plan.waves.map((w) => w.calls)).toEqual([13, 19, 7, 27]);
    expect(plan.totals.calls).toBe(66);

    const snapshot = JSON.parse(fs.readFileSync(path.join(dir, 'guardrails', 'org-snapshot.json'), 'utf8')) as OrgState;
    const tree = treeOfState(snapshot);
    const start = AttachmentModel.fromDeployed(tree, snapshot.policies);
    expectNeverWithout({ tree, managementAccount: snapshot.organization.managementAccount }, start, plan.waves.flatMap((w) => w.steps.map((s) => s.op)), [...tightened, 'guardrails-rcp-only-org-principals']);
    // The Root-attached ones stay at the root until the last wave.
    const model = start.clone();
    for (const w of plan.waves.slice(0, -1)) {
      for (const s of w.steps) model.apply(s.op);
      for (const p of ['guardrails-rcp-tls-minimum', 'guardrails-scp-protect-security-services+stay-in-organization']) expect([...model.find(p.includes('rcp') ? 'rcp' : 'scp', p)!.targets], `${p} after ${w.name}`).toEqual([snapshot.root.id]);
    }
  });
  it('planned again after every step of its rollout, reaches the same end state with the invariants holding', async () => {
    const snapshot = JSON.parse(fs.readFileSync(path.join(dir, 'guardrails', 'org-snapshot.json'), 'utf8')) as OrgState;
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'manifest.json'), 'utf8')) as { policies: { name: string; type: 'scp' | 'rcp'; file: string; controls: string[]; targets: { id: string }[] }[] };
    const desired = manifest.policies.map((p) => ({ name: p.name, type: p.type, content: canonicalPolicyText(fs.readFileSync(path.join(dir, 'out', p.file), 'utf8')), controls: p.controls, targets: p.targets.map((t) => t.id) }));
    const reference = (await reference2026()).index;
    const build = (state: OrgState): Deployment => ({ ...deploymentOf(state, desired), reference });
    const waves: [string, string[]][] = [['canary', ['333333333333']], ['nonprod', ['NonProd', 'Sandbox']], ['genai', ['GenAI']], ['everything', ['Root']]];
    const d = build(snapshot);
    const plan = planRollout(d, wavesOn(d, ...waves));
    expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
    expect(plan.totals.calls).toBe(66);
    const ops = plan.waves.flatMap((w) => w.steps.map((s) => s.op));
    for (let k = 0; k <= ops.length; k++) {
      const again = build(stateAfter(snapshot, d, ops, k));
      const replanned = planRollout(again, wavesOn(again, ...waves));
      expect(replanned.ok, `after step ${k}: ${JSON.stringify(replanned.diagnostics)}`).toBe(true);
      expectRolledOut(again, replanned);
      // Never more calls than were left: stopping costs nothing.
      expect(replanned.totals.calls, `after step ${k}`).toBeLessThanOrEqual(ops.length - k);
    }
  });
});
