/**
 * Each invariant, broken on purpose: the checker must name it. The planner never orders operations
 * like these; the checker is what guarantees it.
 */
import { describe, expect, it } from 'vitest';
import { OrgTree } from '../../src/model/org-tree.js';
import type { OrgOperation } from '../../src/org/index.js';
import { AttachmentModel, InvariantChecker, Leaves, type Violation } from '../../src/plan/index.js';
import { resolveQuotas, type Quotas } from '../../src/policy/index.js';
import { treeOfState } from '../../src/org/index.js';
import { denyPolicy, fullAccessEverywhere, MANAGEMENT, owned, stateOf } from '../support/org-state.js';

const TREE = { A: { accounts: ['200000000001'] }, B: { accounts: ['200000000002'] } };
const OLD = denyPolicy(['s3:DeleteBucket']);
const NEW = denyPolicy(['s3:DeleteBucket', 's3:PutBucketPolicy']);

/** Applies `ops` in order from the deployed state, the wave ending where the same ops in the given order end. */
function run(ops: OrgOperation[], options: { changing?: string[]; quotas?: Quotas; policies?: ReturnType<typeof owned>[]; endOps?: OrgOperation[] } = {}): Violation[] {
  const state = stateOf(TREE, [fullAccessEverywhere(TREE), ...(options.policies ?? [owned('guardrails-scp-s3', OLD, ['r-test'])])]);
  const tree = treeOfState(state);
  const start = AttachmentModel.fromDeployed(tree, state.policies);
  const end = start.clone();
  for (const o of options.endOps ?? ops) end.apply(o);
  const leaves = new Leaves(tree, MANAGEMENT);
  const checker = new InvariantChecker({ start, end, changing: new Set(options.changing ?? []), quotas: options.quotas ?? resolveQuotas('aws-2026-05')!, leaves });
  const model = start.clone();
  const out: Violation[] = [];
  for (const op of ops) {
    const before = checker.affected(model, op);
    model.apply(op);
    out.push(...checker.check(model, op, [...new Set([...before, ...checker.affected(model, op)])]));
  }
  return out;
}

const target = (id: string, label = id) => ({ id, label });
const create = (name: string, content = NEW, controls = 's3'): OrgOperation => ({ op: 'create', policy: name, type: 'scp', content, description: '', tags: { 'guardrails:controls': controls } });

describe('plan invariants', () => {
  it('continuity: detaching the old version before the new one is attached leaves the wave account with neither', () => {
    const ops: OrgOperation[] = [
      create('guardrails-scp-s3.next'),
      { op: 'attach', policy: 'guardrails-scp-s3', type: 'scp', target: target('ou-b', 'OU Root/B') },
      { op: 'detach', policy: 'guardrails-scp-s3', type: 'scp', target: target('r-test', 'root Root') },
      { op: 'attach', policy: 'guardrails-scp-s3.next', type: 'scp', target: target('ou-a', 'OU Root/A') },
    ];
    const v = run(ops, { changing: ['200000000001'] });
    expect(v).toEqual([{ code: 'continuity', message: 'detach guardrails-scp-s3 from root Root: account 200000000001 (acct-200000000001) would have neither the old nor the new version of control s3, policy guardrails-scp-s3' }]);
    // The same operations with the attach first keep every invariant.
    expect(run([ops[0]!, ops[1]!, ops[3]!, ops[2]!], { changing: ['200000000001'] })).toEqual([]);
  });

  it('wave isolation: an operation that changes an account outside the wave', () => {
    const v = run([create('guardrails-scp-new'), { op: 'attach', policy: 'guardrails-scp-new', type: 'scp', target: target('r-test', 'root Root') }], { changing: ['200000000001'] });
    expect(v.map((x) => x.code)).toEqual(['wave-isolation']);
    expect(v[0]!.message).toBe('attach guardrails-scp-new to root Root: account 200000000002 (acct-200000000002) is not in this wave, but the SCPs reaching it would change');
  });

  it('wave isolation also catches an in-place update that reaches accounts outside the wave', () => {
    const v = run([{ op: 'update', policy: 'guardrails-scp-s3', type: 'scp', content: NEW }], { changing: ['200000000001'] });
    expect(v.map((x) => [x.code, x.message.split(': ')[1]])).toEqual([['wave-isolation', 'account 200000000002 (acct-200000000002) is not in this wave, but the SCPs reaching it would change']]);
  });

  it('slots: one policy more than the quota on a target', () => {
    const quotas = resolveQuotas({ profile: 'aws-legacy', scp: { maxPerTarget: 2 } })!;
    const v = run([create('guardrails-scp-x'), create('guardrails-scp-y'), { op: 'attach', policy: 'guardrails-scp-x', type: 'scp', target: target('ou-a') }, { op: 'attach', policy: 'guardrails-scp-y', type: 'scp', target: target('ou-a', 'OU Root/A') }], { changing: ['200000000001'], quotas });
    expect(v).toEqual([{ code: 'slots', message: 'attach guardrails-scp-y to OU Root/A: OU Root/A would hold 3 SCPs directly, over the quota of 2 (foreign policies included)' }]);
  });

  it('no-scp: detaching the last SCP of a target', () => {
    const v = run([{ op: 'detach', policy: 'guardrails-scp-s3', type: 'scp', target: target('ou-a', 'OU Root/A') }], {
      changing: ['200000000001'],
      policies: [owned('guardrails-scp-s3', OLD, ['ou-a'])],
    });
    // FullAWSAccess is attached to OU A too: only our policy goes, so this is allowed...
    expect(v.filter((x) => x.code === 'no-scp')).toEqual([]);
    // ...but with our policy the only one there, the target would have none.
    const lonely = stateOf(TREE, [owned('guardrails-scp-s3', OLD, ['ou-a'])]);
    const tree = treeOfState(lonely);
    const start = AttachmentModel.fromDeployed(tree, lonely.policies);
    const model = start.clone();
    const op: OrgOperation = { op: 'detach', policy: 'guardrails-scp-s3', type: 'scp', target: target('ou-a', 'OU Root/A') };
    model.apply(op);
    const checker = new InvariantChecker({ start, end: model, changing: new Set(['200000000001']), quotas: resolveQuotas('aws-2026-05')!, leaves: new Leaves(tree, MANAGEMENT) });
    expect(checker.check(model, op, []).map((x) => x.message)).toEqual(['detach guardrails-scp-s3 from OU Root/A: OU Root/A would be left with no SCP attached, which AWS refuses (and which would deny everything below it)']);
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

  it('knows which accounts an operation can reach', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE)]);
    const tree = treeOfState(state);
    const model = AttachmentModel.fromDeployed(tree, state.policies);
    const checker = new InvariantChecker({ start: model, end: model, changing: new Set(), quotas: resolveQuotas('aws-2026-05')!, leaves: new Leaves(tree, MANAGEMENT) });
    const reach = (id: string) => checker.affected(model, { op: 'attach', policy: 'x', type: 'scp', target: target(id) }).map((n) => OrgTree.describe(n));
    expect(reach('r-test')).toEqual(['account 200000000001 (acct-200000000001)', 'account 200000000002 (acct-200000000002)']);
    expect(reach('ou-b')).toEqual(['account 200000000002 (acct-200000000002)']);
  });
});
