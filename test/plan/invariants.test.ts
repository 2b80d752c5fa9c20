/**
 * Each invariant, broken on purpose: the checker must name it. The planner never orders operations
 * like these; the checker is what guarantees it. What an account must hold comes from the deployment
 * (compile's policies for accounts in the wave, the deployed state for the others), never from the
 * operations under test, so a wave that loses a guardrail cannot agree with itself.
 */
import { describe, expect, it } from 'vitest';
import { OrgTree } from '../../src/model/org-tree.js';
import type { OrgOperation } from '../../src/org/index.js';
import { AttachmentModel, ContentIds, InvariantChecker, Leaves, RequiredState, type Violation } from '../../src/plan/index.js';
import { resolveQuotas, type Quotas } from '../../src/policy/index.js';
import { denyPolicy, deploymentOf, fullAccessEverywhere, MANAGEMENT, owned, stateOf } from '../support/org-state.js';

const TREE = { A: { accounts: ['200000000001'] }, B: { accounts: ['200000000002'] } };
const OLD = denyPolicy(['s3:DeleteBucket']);
const NEW = denyPolicy(['s3:DeleteBucket', 's3:PutBucketPolicy']);

interface RunOptions {
  /** Accounts in the wave: in its scope, and allowed to change. */
  changing?: string[];
  quotas?: Quotas;
  policies?: ReturnType<typeof owned>[];
  /** What compile wants; by default guardrails-scp-s3 with the new content at the root. */
  desired?: Parameters<typeof deploymentOf>[1];
  foreign?: boolean;
}

/** Applies `ops` in order from the deployed state; returns what each step breaks and what the wave's end breaks. */
function wave(ops: OrgOperation[], options: RunOptions = {}): { steps: Violation[]; end: Violation[] } {
  const policies = [...(options.foreign === false ? [] : [fullAccessEverywhere(TREE)]), ...(options.policies ?? [owned('guardrails-scp-s3', OLD, ['r-test'])])];
  const d = deploymentOf(stateOf(TREE, policies), options.desired ?? [{ name: 'guardrails-scp-s3', content: NEW, targets: ['r-test'] }], options.quotas);
  const start = AttachmentModel.fromDeployed(d.tree, d.deployed);
  const changing = new Set(options.changing ?? []);
  const checker = new InvariantChecker({ start, required: new RequiredState(d, start, new ContentIds()), scope: changing, changing, quotas: d.quotas, leaves: new Leaves(d.tree, MANAGEMENT) });
  const model = start.clone();
  const steps = ops.flatMap((op) => checker.apply(model, op));
  return { steps, end: checker.waveResult(model, true) };
}

const run = (ops: OrgOperation[], options: RunOptions = {}) => wave(ops, options).steps;
const target = (id: string, label = id) => ({ id, label });
const create = (name: string, content = NEW, controls = 's3'): OrgOperation => ({ op: 'create', policy: name, type: 'scp', content, description: '', tags: { 'guardrails:controls': controls } });
const attach = (policy: string, id: string, label = id): OrgOperation => ({ op: 'attach', policy, type: 'scp', target: target(id, label) });
const detach = (policy: string, id: string, label = id): OrgOperation => ({ op: 'detach', policy, type: 'scp', target: target(id, label) });

describe('plan invariants', () => {
  it('continuity: detaching the old version before the new one is attached leaves the wave account with neither', () => {
    const ops: OrgOperation[] = [create('guardrails-scp-s3.next'), attach('guardrails-scp-s3', 'ou-b', 'OU Root/B'), detach('guardrails-scp-s3', 'r-test', 'root Root'), attach('guardrails-scp-s3.next', 'ou-a', 'OU Root/A')];
    const v = run(ops, { changing: ['200000000001'] });
    expect(v).toEqual([{ code: 'continuity', message: 'detach guardrails-scp-s3 from root Root: account 200000000001 (acct-200000000001) would have neither the old nor the new version of control s3, policy guardrails-scp-s3' }]);
    // The same operations with the attach first keep every invariant, and end where compile wants.
    expect(wave([ops[0]!, ops[1]!, ops[3]!, ops[2]!], { changing: ['200000000001'] })).toEqual({ steps: [], end: [] });
  });

  it('continuity and wave-result are checked against what compile wants, not against where the wave happens to end', () => {
    // A wave that moves the old version off account 1 and never gives it the new one: the operations agree
    // with themselves (this is the end they lead to), but compile wants guardrails-scp-s3 on every account.
    const lossy: OrgOperation[] = [create('guardrails-scp-s3.next'), attach('guardrails-scp-s3', 'ou-b', 'OU Root/B'), detach('guardrails-scp-s3', 'r-test', 'root Root')];
    const { steps, end } = wave(lossy, { changing: ['200000000001'] });
    expect(steps).toEqual([{ code: 'continuity', message: 'detach guardrails-scp-s3 from root Root: account 200000000001 (acct-200000000001) would have neither the old nor the new version of control s3, policy guardrails-scp-s3' }]);
    expect(end).toEqual([{ code: 'wave-result', message: 'account 200000000001 (acct-200000000001) has been reached by the rollout, but its SCPs are not what compile wants: it lacks the content of guardrails-scp-s3' }]);
    // Giving account 1 the old version back instead is no better: it is in the wave and must end with the new one.
    const stale = wave([...lossy, attach('guardrails-scp-s3', 'ou-a', 'OU Root/A')], { changing: ['200000000001'] }).end;
    expect(stale).toEqual([{ code: 'wave-result', message: 'account 200000000001 (acct-200000000001) has been reached by the rollout, but its SCPs are not what compile wants: it lacks the content of guardrails-scp-s3 and holds the content of guardrails-scp-s3 too' }]);
  });

  it('wave-result: an account outside the wave must end the wave holding what it held when the wave began', () => {
    // Compile moves the policy from the root to A: with both accounts in the wave, that is the result...
    const both = wave([attach('guardrails-scp-s3', 'ou-a', 'OU Root/A'), detach('guardrails-scp-s3', 'r-test', 'root Root')], { changing: ['200000000001', '200000000002'], desired: [{ name: 'guardrails-scp-s3', content: OLD, targets: ['ou-a'] }] });
    expect(both).toEqual({ steps: [], end: [] });
    // ...but account 2 outside the wave must keep what it had.
    const moved = wave([attach('guardrails-scp-s3', 'ou-a', 'OU Root/A'), detach('guardrails-scp-s3', 'r-test', 'root Root')], { changing: ['200000000001'], desired: [{ name: 'guardrails-scp-s3', content: OLD, targets: ['ou-a'] }] });
    expect(moved.steps.map((x) => [x.code, x.message.split(': ')[1]])).toEqual([
      ['continuity', 'account 200000000002 (acct-200000000002) would have neither the old nor the new version of control s3, policy guardrails-scp-s3'],
      ['wave-isolation', 'account 200000000002 (acct-200000000002) is not in this wave, but the SCPs reaching it would change'],
    ]);
    expect(moved.end).toEqual([{ code: 'wave-result', message: 'account 200000000002 (acct-200000000002) is not reached yet, but its SCPs are not what it held when the wave began: it lacks the content of guardrails-scp-s3' }]);
  });

  it('continuity falls back to lineage where a policy does not record its controls', () => {
    const untagged = { ...owned('guardrails-scp-s3', OLD, ['r-test']), tags: { 'managed-by': 'guardrails' } };
    // The replacement carries other controls by name, but its controls are unknown: only its lineage is checked.
    const ops: OrgOperation[] = [
      { op: 'create', policy: 'guardrails-scp-s3.next', type: 'scp', content: NEW, description: '', tags: {} },
      attach('guardrails-scp-s3.next', 'r-test', 'root Root'),
      detach('guardrails-scp-s3', 'r-test', 'root Root'),
    ];
    expect(run(ops, { changing: ['200000000001', '200000000002'], policies: [owned('guardrails-scp-s3', OLD, ['r-test'])] })).toEqual([]);
    expect(run(ops, { changing: ['200000000001', '200000000002'], policies: [untagged] })).toEqual([]);
    // Without the new version, the lineage is lost, tagged or not.
    expect(run([ops[2]!], { changing: ['200000000001', '200000000002'], policies: [untagged], desired: [{ name: 'guardrails-scp-s3', content: NEW, targets: ['ou-a'] }] }).map((x) => x.message)).toEqual(['detach guardrails-scp-s3 from root Root: account 200000000001 (acct-200000000001) would have neither the old nor the new version of policy guardrails-scp-s3']);
  });

  it('wave isolation: an operation that changes an account outside the wave', () => {
    const v = run([create('guardrails-scp-new'), attach('guardrails-scp-new', 'r-test', 'root Root')], { changing: ['200000000001'] });
    expect(v.map((x) => x.code)).toEqual(['wave-isolation']);
    expect(v[0]!.message).toBe('attach guardrails-scp-new to root Root: account 200000000002 (acct-200000000002) is not in this wave, but the SCPs reaching it would change');
  });

  it('wave isolation also catches an in-place update that reaches accounts outside the wave', () => {
    const v = run([{ op: 'update', policy: 'guardrails-scp-s3', type: 'scp', content: NEW }], { changing: ['200000000001'] });
    expect(v.map((x) => [x.code, x.message.split(': ')[1]])).toEqual([['wave-isolation', 'account 200000000002 (acct-200000000002) is not in this wave, but the SCPs reaching it would change']]);
  });

  it('slots: one policy more than the quota on a target', () => {
    const quotas = resolveQuotas({ profile: 'aws-legacy', scp: { maxPerTarget: 2 } })!;
    const v = run([create('guardrails-scp-x'), create('guardrails-scp-y'), attach('guardrails-scp-x', 'ou-a'), attach('guardrails-scp-y', 'ou-a', 'OU Root/A')], { changing: ['200000000001'], quotas });
    expect(v).toEqual([{ code: 'slots', message: 'attach guardrails-scp-y to OU Root/A: OU Root/A would hold 3 SCPs directly, over the quota of 2 (foreign policies included)' }]);
  });

  it('no-scp: detaching the last SCP of a target', () => {
    // FullAWSAccess is attached to OU A too: only our policy goes, so this is allowed...
    const shared = run([detach('guardrails-scp-s3', 'ou-a', 'OU Root/A')], { changing: ['200000000001'], policies: [owned('guardrails-scp-s3', OLD, ['ou-a'])], desired: [] });
    expect(shared.filter((x) => x.code === 'no-scp')).toEqual([]);
    // ...but with our policy the only one there, the target would have none.
    const lonely = run([detach('guardrails-scp-s3', 'ou-a', 'OU Root/A')], { changing: ['200000000001'], policies: [owned('guardrails-scp-s3', OLD, ['ou-a'])], desired: [], foreign: false });
    expect(lonely).toEqual([{ code: 'no-scp', message: 'detach guardrails-scp-s3 from OU Root/A: OU Root/A would be left with no SCP attached, which AWS refuses (and which would deny everything below it)' }]);
  });

  it('size: a policy larger than the quota', () => {
    const big = denyPolicy(Array.from({ length: 1000 }, (_, i) => `s3:Action${i}`));
    const v = run([create('guardrails-scp-big', big)]);
    expect(v).toEqual([{ code: 'size', message: `create SCP guardrails-scp-big (${big.length.toLocaleString('en-US')} characters): ${big.length.toLocaleString('en-US')} characters, over the quota of 10,240` }]);
  });

  it('policy-count: more policies than the organization may hold', () => {
    const quotas = resolveQuotas('aws-2026-05')!;
    quotas.scp.maxPerOrganization = 2;
    const v = run([create('guardrails-scp-third')], { quotas });
    expect(v.map((x) => x.code)).toEqual(['policy-count']);
    expect(v[0]!.message).toContain('the organization would hold 3 SCPs, over the quota of 2');
  });

  it('names: a policy name over 128 characters, or a tag value over 256, in a create, rename or tag', () => {
    const long = `guardrails-scp-${'x'.repeat(114)}`;
    expect(long.length).toBe(129);
    expect(run([create(long)])).toEqual([{ code: 'names', message: `create SCP ${long} (${NEW.length} characters): the name ${long} has 129 characters, over AWS's limit of 128` }]);
    expect(run([create(long.slice(0, 128))])).toEqual([]);
    const tooManyControls = Array.from({ length: 30 }, (_, i) => `control-number-${i}`).join(' ');
    expect(run([create('guardrails-scp-x', NEW, tooManyControls)]).map((x) => x.code)).toEqual(['names']);
    expect(run([{ op: 'update', policy: 'guardrails-scp-s3', type: 'scp', rename: long }], { changing: ['200000000001', '200000000002'] }).map((x) => x.message)).toEqual([
      `update SCP guardrails-scp-s3 renaming it ${long}: the name ${long} has 129 characters, over AWS's limit of 128`,
    ]);
    expect(run([{ op: 'tag', policy: 'guardrails-scp-s3', type: 'scp', tags: { 'guardrails:controls': tooManyControls } }], { changing: ['200000000001', '200000000002'] })[0]!.message).toContain(`the value of tag guardrails:controls has ${tooManyControls.length} characters, over AWS's limit of 256`);
  });

  it('an operation the model cannot apply is an invalid step, not a broken guardrail', () => {
    const v = run([detach('guardrails-scp-s3', 'ou-a', 'OU Root/A')], { changing: ['200000000001'] });
    expect(v).toEqual([{ code: 'invalid-step', message: 'detach guardrails-scp-s3 from OU Root/A: guardrails-scp-s3 is not attached to OU Root/A' }]);
    expect(run([detach('FullAWSAccess', 'ou-a', 'OU Root/A')], { changing: ['200000000001'] }).map((x) => x.code)).toEqual(['invalid-step']);
  });

  it('knows which accounts an operation can reach', () => {
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE)]), []);
    const model = AttachmentModel.fromDeployed(d.tree, d.deployed);
    const checker = new InvariantChecker({ start: model, required: new RequiredState(d, model, new ContentIds()), scope: new Set(), changing: new Set(), quotas: d.quotas, leaves: new Leaves(d.tree, MANAGEMENT) });
    const reach = (id: string) => checker.affected(model, { op: 'attach', policy: 'x', type: 'scp', target: target(id) }).map((n) => OrgTree.describe(n));
    expect(reach('r-test')).toEqual(['account 200000000001 (acct-200000000001)', 'account 200000000002 (acct-200000000002)']);
    expect(reach('ou-b')).toEqual(['account 200000000002 (acct-200000000002)']);
  });

  it('wave-result and wave-isolation judge what an account may do: old beside a new version that denies all it did is the new one; beside one that does not, it is not', () => {
    const staged = (name: string, content: string): OrgOperation => ({ op: 'create', policy: name, type: 'scp', content, description: '', tags: { 'guardrails:controls': 's3', 'guardrails:staging-of': 'guardrails-scp-s3' } });
    // Additive: the new version attached beside the old one, still at the root, on account 1 only.
    expect(wave([staged('guardrails-scp-s3.next', NEW), attach('guardrails-scp-s3.next', '200000000001')], { changing: ['200000000001'] })).toEqual({ steps: [], end: [] });
    // The same with a version that allows what the old one denied: account 1 holds both contents, not compile's.
    const looser = denyPolicy(['s3:PutBucketPolicy']);
    const { steps, end } = wave([staged('guardrails-scp-s3.next', looser), attach('guardrails-scp-s3.next', '200000000001')], { changing: ['200000000001'], desired: [{ name: 'guardrails-scp-s3', content: looser, targets: ['r-test'] }] });
    expect(steps).toEqual([]);
    expect(end).toEqual([{ code: 'wave-result', message: 'account 200000000001 (acct-200000000001) has been reached by the rollout, but its SCPs are not what compile wants: it holds the content of guardrails-scp-s3 too' }]);
    // An account outside the wave that gets the new version beside the old one now may do what the new
    // version allows: that is a change the wave must not make.
    const outside = run([staged('guardrails-scp-s3.next', NEW), attach('guardrails-scp-s3.next', '200000000002')], { changing: ['200000000001'] });
    expect(outside).toEqual([{ code: 'wave-isolation', message: 'attach guardrails-scp-s3.next to 200000000002: account 200000000002 (acct-200000000002) is not in this wave, but the SCPs reaching it would change' }]);
  });
});
