/**
 * The plan file: digests that change exactly when what the plan was computed from changes, the expected
 * state of every target a wave touches, and the stale-plan rule (comparePlans).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OrgOperation, OrgStateOu } from '../../src/org/index.js';
import { comparePlans, deployedDigest, intentDigest, outDigest, planFile, planRollout, type PlanFile } from '../../src/plan/index.js';
import { canonicalPolicyText } from '../../src/policy/index.js';
import { denyPolicy, deploymentOf, fullAccessEverywhere, owned, stateOf, type OuSpec } from '../support/org-state.js';
import { stateAfter, wavesOn } from '../support/rollout.js';

const TREE: Record<string, OuSpec> = {
  Workloads: { ous: { Prod: { accounts: ['200000000001', '200000000002'] }, Dev: { accounts: ['200000000003', '200000000004'] } } },
  Security: { accounts: ['300000000001'] },
};
const OLD = denyPolicy(['s3:DeleteBucket']);
const TIGHTER = denyPolicy(['s3:DeleteBucket', 's3:PutBucketPolicy']);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function example(content = TIGHTER, targets = ['r-test']) {
  const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-s3', OLD, ['r-test'])]);
  const desired = [{ name: 'guardrails-scp-s3', content, targets }];
  const d = deploymentOf(state, desired);
  const waves: [string, string[]][] = [['canary', ['200000000003']], ['dev', ['Dev']], ['all', ['Root']]];
  const plan = planRollout(d, wavesOn(d, ...waves));
  return { state, desired, d, waves, plan, file: planFile(plan, d, { intentDigest: intentDigest(['version: 1\n']), outDigest: outDigest(d.desired) }) };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byFirst = (a: unknown, b: unknown) => compare(String((a as unknown[])[0]), String((b as unknown[])[0]));

describe('digests', () => {
  it('of out/ change when a compiled policy changes its content or its targets, not when its JSON is only formatted otherwise', () => {
    const base = example();
    expect(outDigest(example(denyPolicy(['s3:DeleteBucket', 's3:PutBucketAcl'])).d.desired)).not.toBe(outDigest(base.d.desired));
    expect(outDigest(example(TIGHTER, ['ou-workloads']).d.desired)).not.toBe(outDigest(base.d.desired));
    expect(outDigest(example(JSON.stringify(JSON.parse(TIGHTER), null, 2)).d.desired)).toBe(outDigest(base.d.desired));
  });

  it('of the deployed state ignore where and when it was read and the order of lists, and change with any attachment', () => {
    const { state } = example();
    const same = { ...state, source: 'elsewhere', readAt: '2030-01-01T00:00:00.000Z', policies: [...state.policies].reverse().map((p) => ({ ...p, targets: [...p.targets].reverse() })) };
    expect(deployedDigest(same)).toBe(deployedDigest(state));
    const moved = { ...state, policies: state.policies.map((p) => (p.name === 'guardrails-scp-s3' ? { ...p, targets: ['ou-workloads'] } : p)) };
    expect(deployedDigest(moved)).not.toBe(deployedDigest(state));
    const retagged = { ...state, policies: state.policies.map((p) => (p.name === 'guardrails-scp-s3' ? { ...p, tags: { ...p.tags, 'guardrails:controls': 'other' } } : p)) };
    expect(deployedDigest(retagged)).not.toBe(deployedDigest(state));
  });

  it('of the deployed state are the sha256 of one JSON value, as plans saved before were digested (hashed in pieces, not written whole)', () => {
    const { state } = example();
    const named = { ...state, enabledPolicyTypes: ['scp' as const], root: { ...state.root, ous: [...state.root.ous].reverse(), accounts: [...state.root.accounts, { id: '200000000099', name: 'compte-\u00e9t\u00e9 \ud83d\ude00' }] } };
    const ou = (o: OrgStateOu): unknown => [o.id, o.name, o.accounts.map((a) => [a.id, a.name]).sort(byFirst), o.ous.map(ou).sort(byFirst)];
    const tags = ['managed-by', 'guardrails:controls', 'guardrails:staging-of'];
    const policies = named.policies
      .map((p) => [p.type, p.name, p.id, p.awsManaged, canonicalPolicyText(p.content), tags.map((k) => p.tags[k] ?? null), [...p.targets].sort()])
      .sort((a, b) => compare(`${a[0]}\u0000${a[1]}\u0000${a[2]}`, `${b[0]}\u0000${b[1]}\u0000${b[2]}`));
    const whole = JSON.stringify([named.organization.id, named.organization.managementAccount, [...named.enabledPolicyTypes].sort(), ou(named.root), policies]);
    expect(deployedDigest(named)).toBe(createHash('sha256').update(whole).digest('hex'));
    expect(named.root.ous.length).toBeGreaterThan(1);
  });

  it('of the intent are of the bytes of every file in load order, and two lists never collide', () => {
    expect(intentDigest(['ab', 'c'])).not.toBe(intentDigest(['a', 'bc']));
    expect(intentDigest(['a', 'b'])).not.toBe(intentDigest(['b', 'a']));
    expect(intentDigest([Buffer.from('a: 1\n')])).toBe(intentDigest(['a: 1\n']));
  });
});

describe('the plan file', () => {
  it('carries its format, the digests, and per wave the policies attached at every target it touches', () => {
    const { file, d } = example();
    expect(file.format).toBe(1);
    expect(file.ok).toBe(true);
    expect(file.digests).toEqual({ deployed: deployedDigest(d.state), out: outDigest(d.desired), intent: intentDigest(['version: 1\n']) });
    const full = { name: 'FullAWSAccess', owned: false };
    const newer = sha(canonicalPolicyText(TIGHTER));
    expect(file.waves.map((w) => w.expected)).toEqual([
      [{ id: '200000000003', label: 'account 200000000003 (acct-200000000003)', type: 'scp', policies: [full, { name: 'guardrails-scp-s3.next', digest: newer, owned: true }] }],
      [
        { id: '200000000003', label: 'account 200000000003 (acct-200000000003)', type: 'scp', policies: [full] },
        { id: 'ou-dev', label: 'OU Root/Workloads/Dev', type: 'scp', policies: [full, { name: 'guardrails-scp-s3.next', digest: newer, owned: true }] },
      ],
      [
        { id: 'ou-dev', label: 'OU Root/Workloads/Dev', type: 'scp', policies: [full] },
        // Updated in place: the root holds the stable name with the new content.
        { id: 'r-test', label: 'root Root', type: 'scp', policies: [full, { name: 'guardrails-scp-s3', digest: newer, owned: true }] },
      ],
    ]);
    expect(file.waves[0]!.strategies.map((s) => s.strategy)).toEqual(['additive']);
    const create = file.waves[0]!.steps[0]!.op as Extract<OrgOperation, { op: 'create' }>;
    expect(create.tags['managed-by']).toBe('guardrails');
  });
});

describe('comparePlans: a saved plan against a fresh one', () => {
  const saved = example().file;
  const withWaves = (f: PlanFile, map: (w: PlanFile['waves'][number], i: number) => PlanFile['waves'][number]): PlanFile => ({ ...f, waves: f.waves.map(map) });
  const cases: [string, () => PlanFile, string[]][] = [
    ['the same plan', () => saved, []],
    ['the same plan, read again after the first wave was applied', () => {
      const { state, desired, waves, plan } = example();
      const d0 = deploymentOf(state, desired);
      const after = deploymentOf(stateAfter(state, d0, plan.waves[0]!.steps.map((s) => s.op), plan.waves[0]!.steps.length), desired);
      return planFile(planRollout(after, wavesOn(after, ...waves)), after, { intentDigest: saved.digests.intent, outDigest: outDigest(after.desired) });
    }, []],
    ['steps of a wave applied in part', () => withWaves(saved, (w, i) => (i === 1 ? { ...w, steps: w.steps.slice(1) } : w)), []],
    ['out/ changed', () => ({ ...saved, digests: { ...saved.digests, out: 'f'.repeat(64) } }), [`out/ changed since the plan was saved (compiled policies ${saved.digests.out.slice(0, 12)} then, ffffffffffff now)`]],
    ['the intent changed', () => ({ ...saved, digests: { ...saved.digests, intent: '0'.repeat(64) } }), [`the intent changed since the plan was saved (intent files ${saved.digests.intent.slice(0, 12)} then, 000000000000 now)`]],
    ['another organization', () => ({ ...saved, organization: { id: 'o-other', managementAccount: '1' } }), ['the saved plan is for organization o-test000000, the organization read is o-other']],
    ['another format', () => ({ ...saved, format: 2 as never }), ['the saved plan has format 1, this guardrails writes format 2: plan again']],
    ['a step the saved plan does not have', () => withWaves(saved, (w, i) => (i === 0 ? { ...w, steps: [...w.steps, { op: { op: 'detach', policy: 'guardrails-scp-s3', type: 'scp', target: { id: 'r-test', label: 'root Root' } }, text: 'detach guardrails-scp-s3 from root Root' }] } : w)), ['wave canary, step 3 (detach guardrails-scp-s3 from root Root) is not in the saved plan']],
    // A re-plan from the state earlier waves left may order the same steps anew; the invariants judge the order.
    ['steps in another order within a wave', () => withWaves(saved, (w, i) => (i === 1 ? { ...w, steps: [...w.steps].reverse() } : w)), []],
    ['a step repeated beyond the saved plan', () => withWaves(saved, (w, i) => (i === 1 ? { ...w, steps: [...w.steps, w.steps[0]!] } : w)), [`wave dev, step ${saved.waves[1]!.steps.length + 1} (${saved.waves[1]!.steps[0]!.text}) is not in the saved plan`]],
    ['a new wave with steps', () => ({ ...saved, waves: [...saved.waves, { ...saved.waves[0]!, name: 'extra' }] }), ['wave extra (2 steps) is not in the saved plan']],
    ['a new wave without steps', () => ({ ...saved, waves: [...saved.waves, { ...saved.waves[0]!, name: 'extra', steps: [] }] }), []],
    ['the same step with its keys in another order', () => withWaves(saved, (w, i) => (i === 0 ? { ...w, steps: w.steps.map((s) => ({ ...s, op: Object.fromEntries(Object.entries(s.op).reverse()) as OrgOperation })) } : w)), []],
  ];
  it.each(cases)('%s', (_name, fresh, expected) => {
    expect(comparePlans(saved, fresh())).toEqual(expected);
  });

  it('judges a fresh plan of another change stale: the content staged differs', () => {
    const other = example(denyPolicy(['s3:DeleteBucket', 's3:PutBucketAcl']));
    const fresh = { ...other.file, digests: saved.digests };
    const differences = comparePlans(saved, fresh);
    expect(differences[0]).toMatch(/^wave canary, step 1 \(create SCP guardrails-scp-s3\.next \(\d+ characters\)\) is not in the saved plan$/);
  });
});
