/**
 * The executor, the lock and verification against a real moto_server through the real SDK, behind the
 * fault proxy (test/support/fault-proxy.ts) that answers AWS's refusals moto lacks and loses answers
 * after the write landed. The client makes one attempt per call: the executor owns the retries.
 */
import { CreatePolicyCommand, ListPoliciesCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OrgTree } from '../../src/model/org-tree.js';
import { AWS_POLICY_TYPE, isOwned, OWNER_TAG, readOrganization, type OrgOperation, type OrgState, type TargetRef } from '../../src/org/index.js';
import { buildDeployment, planRollout } from '../../src/plan/index.js';
import { DEFAULT_QUOTA_PROFILE, quotaProfile } from '../../src/policy/quotas.js';
import { acquireLock, forceUnlock, isRolloutLock, readLock, releaseLock, renewLock, ROLLOUT_LOCK_CONTENT, ROLLOUT_LOCK_NAME } from '../../src/rollout/lock.js';
import { executeWave } from '../../src/rollout/executor.js';
import { policyDigest } from '../../src/rollout/drift.js';
import type { ExpectedTarget, JournalRecord } from '../../src/rollout/types.js';
import { verifyWave } from '../../src/rollout/verify.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { buildOrganization, startMoto, type IdMap, type Moto } from '../support/moto.js';

const quotas = quotaProfile(DEFAULT_QUOTA_PROFILE)!;
let moto: Moto;
let proxy: FaultProxy;
let direct: OrganizationsClient;
let once1: OrganizationsClient;
let ids: IdMap;
let prod: TargetRef;
let dev: TargetRef;
let account: TargetRef;

function tree(): OrgTree {
  const t = new OrgTree('Root', 'r-intent');
  const p = t.add({ kind: 'ou', name: 'Prod', id: 'ou-intent-prod', parent: t.root });
  const d = t.add({ kind: 'ou', name: 'Dev', id: 'ou-intent-dev', parent: t.root });
  t.add({ kind: 'account', name: 'prod-a', id: '111111111111', parent: p });
  t.add({ kind: 'account', name: 'dev-a', id: '333333333333', parent: d });
  return t;
}

const scp = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: action, Resource: '*' }] });
const create = (policy: string, content: string): OrgOperation => ({ op: 'create', policy, type: 'scp', content, description: 'test', tags: { [OWNER_TAG.key]: OWNER_TAG.value } });
const attach = (policy: string, target: TargetRef): OrgOperation => ({ op: 'attach', policy, type: 'scp', target });
const detach = (policy: string, target: TargetRef): OrgOperation => ({ op: 'detach', policy, type: 'scp', target });

const read = async (): Promise<OrgState> => (await readOrganization(direct)).state;
const namesAt = (state: OrgState, target: string) => state.policies.filter((p) => p.type === 'scp' && p.targets.includes(target)).map((p) => p.name).sort();

beforeAll(async () => {
  moto = await startMoto();
  direct = moto.client();
  proxy = await startFaultProxy(moto.endpoint, { quotas });
  once1 = proxy.client({ maxAttempts: 1 });
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  ids = await buildOrganization(direct, tree(), { id: 'o-intent', managementAccount: '999999999999' });
  prod = { id: ids.get('ou-intent-prod')!, label: 'OU Prod' };
  dev = { id: ids.get('ou-intent-dev')!, label: 'OU Dev' };
  account = { id: ids.get('111111111111')!, label: 'account prod-a' };
  proxy.reset();
  proxy.auditor.clear();
  proxy.refuse = true;
  proxy.audit = false;
});

describe('executeWave against moto', () => {
  it('applies a wave, journals every call with its AWS request id, and leaves exactly the planned state', async () => {
    const journal: JournalRecord[] = [];
    const steps = [create('guardrails-a', scp('s3:DeleteBucket')), attach('guardrails-a', prod), attach('guardrails-a', account), create('guardrails-b', scp('iam:CreateUser')), attach('guardrails-b', dev), detach('guardrails-a', account), { op: 'update', policy: 'guardrails-b', type: 'scp', content: scp('iam:DeleteUser') } as OrgOperation];
    const result = await executeWave(steps, { client: once1, state: await read(), wave: 'canary', run: 'run-1', journal: { append: async (r) => void journal.push(r) } });
    expect(result).toMatchObject({ result: 'done', done: 7, calls: 7, retries: {} });
    const state = await read();
    expect(namesAt(state, prod.id)).toEqual(['FullAWSAccess', 'guardrails-a']);
    expect(namesAt(state, dev.id)).toEqual(['FullAWSAccess', 'guardrails-b']);
    expect(namesAt(state, account.id)).toEqual(['FullAWSAccess']);
    const b = state.policies.find((p) => p.name === 'guardrails-b')!;
    expect(isOwned(b)).toBe(true);
    expect(policyDigest(b.content)).toBe(policyDigest(scp('iam:DeleteUser')));
    const ends = journal.filter((r) => r.kind === 'step-end');
    expect(ends).toHaveLength(7);
    for (const e of ends) expect(e).toMatchObject({ result: 'done', attempts: 1, requestId: expect.stringMatching(/\S/) });
  });

  it('reconciles answers lost after the write landed and retries what AWS asks to retry, ending in the planned state', async () => {
    const before = await read();
    for (const [operation, call, fault] of [
      ['CreatePolicy', 1, 'lost-answer'],
      ['AttachPolicy', 1, 'lost-answer'],
      ['AttachPolicy', 3, 'throttle'],
      ['AttachPolicy', 4, 'concurrent-modification'],
      ['DetachPolicy', 1, 'lost-answer-500'],
      ['UpdatePolicy', 1, 'lost-answer'],
      ['DeletePolicy', 1, 'lost-answer'],
    ] as const) proxy.inject({ operation, call, fault });
    proxy.audit = true;
    await proxy.auditor.setWave([ids.get('111111111111')!]);
    const steps: OrgOperation[] = [
      create('guardrails-a', scp('s3:DeleteBucket')),
      attach('guardrails-a', account),
      attach('guardrails-a', prod),
      detach('guardrails-a', account),
      { op: 'update', policy: 'guardrails-a', type: 'scp', rename: 'guardrails-a2' },
      detach('guardrails-a2', prod),
      { op: 'delete', policy: 'guardrails-a2', type: 'scp' },
    ];
    const journal: JournalRecord[] = [];
    const result = await executeWave(steps, { client: once1, state: before, wave: 'canary', run: 'run-1', journal: { append: async (r) => void journal.push(r) }, sleep: async () => {} });
    expect(result.halt).toBeUndefined();
    expect(result).toMatchObject({ result: 'done', done: 7 });
    expect(result.retries).toMatchObject({ TooManyRequestsException: 1, ConcurrentModificationException: 1 });
    // A retried rename to the name the policy already has is accepted (AWS, and the proxy, refuse only another policy's name).
    expect(journal.filter((r) => r.kind === 'step-end').map((r) => r.result)).toEqual(['already-done', 'already-done', 'done', 'already-done', 'done', 'done', 'already-done']);
    expect(journal.find((r) => r.kind === 'step-end' && r.index === 3)).toMatchObject({ retries: { 'HTTP 500': 1 } });
    // The retries met the refusals AWS makes (the proxy's where moto lacks them), each confirmed by a read.
    expect(proxy.calls.filter((c) => c.status === 400 && !c.fault).map((c) => `${c.operation} ${c.refused ?? 'moto'}`)).toEqual([
      'CreatePolicy DuplicatePolicyException',
      'AttachPolicy DuplicatePolicyAttachmentException',
      'DetachPolicy PolicyNotAttachedException',
      'DeletePolicy moto',
    ]);
    await proxy.idle();
    expect(proxy.auditor.violations).toEqual([]);
    const after = await read();
    expect(after.policies.filter((p) => p.name.startsWith('guardrails-'))).toEqual([]);
    expect(namesAt(after, prod.id)).toEqual(namesAt(before, prod.id));
  });

  it('halts on a ConstraintViolation AWS makes and moto does not (detaching a target\'s last SCP), writing nothing after it', async () => {
    const ou = { id: prod.id, label: 'OU Prod' };
    const setup = await executeWave([create('guardrails-a', scp('s3:DeleteBucket')), attach('guardrails-a', ou)], { client: once1, state: await read(), wave: 'setup', run: 'run-0' });
    expect(setup.result).toBe('done');
    // FullAWSAccess is not ours: only a foreign actor can take it away, leaving guardrails-a the last SCP there.
    await direct.send(new (await import('@aws-sdk/client-organizations')).DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: ou.id }));
    const result = await executeWave([detach('guardrails-a', ou), attach('guardrails-a', dev)], { client: once1, state: await read(), wave: 'canary', run: 'run-1' });
    expect(result).toMatchObject({ result: 'halted', done: 0, halt: { index: 0, errorClass: 'halt', code: 'ConstraintViolationException' } });
    expect(result.halt!.message).toContain('MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED');
    expect(namesAt(await read(), dev.id)).toEqual(['FullAWSAccess']);
  });
});

describe('every fault class on every write operation', () => {
  const faults = ['throttle', 'server-error', 'unavailable', 'concurrent-modification', 'policy-changes-in-progress', 'lost-answer', 'lost-answer-500', 'delay'] as const;
  const OLD = scp('s3:DeleteBucket');
  const NEW = scp('s3:PutBucketPolicy');
  /** Per write: what the organization holds before (created directly), the step, and the check of its end state. */
  const cases: { operation: string; setup: { attachedTo?: 'prod' }; step: () => OrgOperation; check: (state: OrgState) => void }[] = [
    { operation: 'CreatePolicy', setup: {}, step: () => create('guardrails-x', NEW), check: (s) => expect(s.policies.filter((p) => p.name === 'guardrails-x').map((p) => [isOwned(p), policyDigest(p.content)])).toEqual([[true, policyDigest(NEW)]]) },
    { operation: 'UpdatePolicy', setup: {}, step: () => ({ op: 'update', policy: 'guardrails-x', type: 'scp', content: NEW }), check: (s) => expect(policyDigest(s.policies.find((p) => p.name === 'guardrails-x')!.content)).toBe(policyDigest(NEW)) },
    { operation: 'UpdatePolicy', setup: {}, step: () => ({ op: 'update', policy: 'guardrails-x', type: 'scp', rename: 'guardrails-y' }), check: (s) => expect(s.policies.filter((p) => p.name.startsWith('guardrails-')).map((p) => p.name)).toEqual(['guardrails-y']) },
    { operation: 'AttachPolicy', setup: {}, step: () => attach('guardrails-x', prod), check: (s) => expect(namesAt(s, prod.id)).toEqual(['FullAWSAccess', 'guardrails-x']) },
    { operation: 'DetachPolicy', setup: { attachedTo: 'prod' }, step: () => detach('guardrails-x', prod), check: (s) => expect(namesAt(s, prod.id)).toEqual(['FullAWSAccess']) },
    { operation: 'DeletePolicy', setup: {}, step: () => ({ op: 'delete', policy: 'guardrails-x', type: 'scp' }), check: (s) => expect(s.policies.filter((p) => p.name.startsWith('guardrails-'))).toEqual([]) },
    { operation: 'TagResource', setup: {}, step: () => ({ op: 'tag', policy: 'guardrails-x', type: 'scp', tags: { 'guardrails:controls': 'c1 c2' } }), check: (s) => expect(s.policies.find((p) => p.name === 'guardrails-x')!.tags).toMatchObject({ 'guardrails:controls': 'c1 c2' }) },
  ];
  for (const c of cases) {
    it.each(faults)(`${c.operation} ${c.step().op === 'update' && 'rename' in c.step() ? '(rename) ' : ''}meeting %s ends in the planned state`, async (fault) => {
      if (c.operation !== 'CreatePolicy') {
        const setup = await executeWave([create('guardrails-x', OLD), ...(c.setup.attachedTo ? [attach('guardrails-x', prod)] : [])], { client: once1, state: await read(), wave: 'setup', run: 'run-0' });
        expect(setup.result).toBe('done');
      }
      const injected = proxy.inject({ operation: c.operation, fault, ...(fault === 'delay' ? { delayMs: 50 } : {}), times: 1, when: (body) => c.operation === 'CreatePolicy' || 'PolicyId' in body || 'ResourceId' in body });
      const result = await executeWave([c.step()], { client: once1, state: await read(), wave: 'canary', run: 'run-1', sleep: async () => {} });
      expect(injected.fired).toBe(1);
      expect(result.halt).toBeUndefined();
      expect(result).toMatchObject({ result: 'done', done: 1 });
      c.check(await read());
    });
  }
});

describe('the rollout lock in moto', () => {
  const T = Date.parse('2026-12-05T08:00:00Z');
  const at = (ms: number) => () => new Date(T + ms);

  it('is taken by one run at a time: moto refuses a second policy of its name', async () => {
    const first = await acquireLock(once1, { run: 'run-1', holder: 'arn:aws:iam::1:role/a', ttlMs: 60_000, now: at(0) });
    expect(first).toMatchObject({ ok: true, lock: { run: 'run-1', holder: 'arn:aws:iam::1:role/a', acquiredAt: '2026-12-05T08:00:00.000Z', expiresAt: '2026-12-05T08:01:00.000Z' } });
    const second = await acquireLock(once1, { run: 'run-2', holder: 'arn:aws:iam::1:role/b', ttlMs: 60_000, now: at(1000) });
    expect(second).toMatchObject({ ok: false, heldBy: { run: 'run-1' } });
    // Atomicity rests on this: moto, like AWS, refuses the name twice.
    await expect(direct.send(new CreatePolicyCommand({ Name: ROLLOUT_LOCK_NAME, Type: 'SERVICE_CONTROL_POLICY', Content: ROLLOUT_LOCK_CONTENT, Description: 'x' }))).rejects.toMatchObject({ name: 'DuplicatePolicyException' });
    // The same run takes it again (a resumed run), extended.
    expect(await acquireLock(once1, { run: 'run-1', holder: 'arn:aws:iam::1:role/a', ttlMs: 60_000, now: at(30_000) })).toMatchObject({ ok: true, lock: { acquiredAt: '2026-12-05T08:00:00.000Z', expiresAt: '2026-12-05T08:01:30.000Z' } });
    expect(await releaseLock(once1, { run: 'run-2' })).toBe(false);
    expect(await readLock(once1)).toMatchObject({ run: 'run-1' });
    expect(await releaseLock(once1, { run: 'run-1' })).toBe(true);
    expect(await readLock(once1)).toBeUndefined();
  });

  it('is taken over once expired, and the run that lost it learns so when it renews', async () => {
    const first = await acquireLock(once1, { run: 'run-1', holder: 'h1', ttlMs: 1000, now: at(0) });
    expect(first.ok).toBe(true);
    const second = await acquireLock(once1, { run: 'run-2', holder: 'h2', ttlMs: 60_000, now: at(5000) });
    expect(second).toMatchObject({ ok: true, lock: { run: 'run-2' } });
    expect(await renewLock(once1, { run: 'run-1', holder: 'h1' }, { ttlMs: 1000, now: at(6000) })).toMatchObject({ ok: false, heldBy: { run: 'run-2' } });
    expect(await renewLock(once1, { run: 'run-2', holder: 'h2' }, { ttlMs: 60_000, now: at(6000) })).toMatchObject({ ok: true, lock: { expiresAt: '2026-12-05T08:01:06.000Z' } });
    const locks = ((await direct.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))).Policies ?? []).filter((p) => p.Name === ROLLOUT_LOCK_NAME);
    expect(locks).toHaveLength(1);
  });

  it('lets exactly one of two runs racing for an expired lock win', async () => {
    await acquireLock(once1, { run: 'run-0', holder: 'h0', ttlMs: 1000, now: at(0) });
    const results = await Promise.all(['run-1', 'run-2', 'run-3'].map((run) => acquireLock(once1, { run, holder: run, ttlMs: 60_000, now: at(5000) })));
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = (winners[0] as { lock: { run: string } }).lock.run;
    for (const r of results.filter((x) => !x.ok)) expect(r).toMatchObject({ ok: false, heldBy: { run: winner } });
    expect(await readLock(once1)).toMatchObject({ run: winner });
  });

  it('is force-unlocked only by its own run id', async () => {
    await acquireLock(once1, { run: 'run-1', holder: 'h1', ttlMs: 60_000, now: at(0) });
    expect(await forceUnlock(once1, 'run-2')).toMatchObject({ released: false, heldBy: { run: 'run-1' } });
    expect(await forceUnlock(once1, 'run-1')).toMatchObject({ released: true, lock: { run: 'run-1' } });
    expect(await forceUnlock(once1, 'run-1')).toEqual({ released: false });
  });

  it('is not a policy of guardrails: never attached, not owned, and the planner neither warns about it nor touches it', async () => {
    await acquireLock(once1, { run: 'run-1', holder: 'h1', ttlMs: 60_000, now: at(0) });
    const state = await read();
    const lock = state.policies.find((p) => p.name === ROLLOUT_LOCK_NAME)!;
    expect(isRolloutLock(lock)).toBe(true);
    expect(isOwned({ ...lock, tags: { [OWNER_TAG.key]: OWNER_TAG.value } })).toBe(false);
    expect(lock.targets).toEqual([]);
    const { deployment, diagnostics } = buildDeployment({ state, policies: [], quotas, organizationId: state.organization.id, managementAccount: state.organization.managementAccount });
    expect(diagnostics).toEqual([]);
    const plan = planRollout(deployment!, []);
    expect(plan.diagnostics.filter((d) => d.message.includes(ROLLOUT_LOCK_NAME))).toEqual([]);
    expect(plan.waves.flatMap((w) => w.steps).filter((s) => s.op.policy === ROLLOUT_LOCK_NAME)).toEqual([]);
    expect(AWS_POLICY_TYPE.scp).toBe('SERVICE_CONTROL_POLICY');
  });
});

describe('verifyWave against moto', () => {
  const expectedTargets = (): ExpectedTarget[] => [
    { id: prod.id, label: 'OU Prod', type: 'scp', policies: [{ name: 'FullAWSAccess', owned: false }, { name: 'guardrails-a', owned: true, digest: policyDigest(scp('s3:DeleteBucket')) }] },
    { id: dev.id, label: 'OU Dev', type: 'scp', policies: [{ name: 'FullAWSAccess', owned: false }] },
  ];
  async function deployed(): Promise<ExpectedTarget[]> {
    const result = await executeWave([create('guardrails-a', scp('s3:DeleteBucket')), attach('guardrails-a', prod)], { client: once1, state: await read(), wave: 'canary', run: 'run-1' });
    expect(result.result).toBe('done');
    return expectedTargets();
  }
  const quick = { timeoutMs: 0, intervalMs: 0, sleep: async () => {} };

  it('sees the wave\'s expected state', async () => {
    const expected = await deployed();
    expect(await verifyWave(once1, expected, quick)).toMatchObject({ ok: true, polls: 1, differences: [] });
  });

  it('says what differs, one line each', async () => {
    const [prodT, devT] = await deployed();
    const wrong: ExpectedTarget[] = [
      { ...prodT!, policies: [{ name: 'FullAWSAccess', owned: false }, { name: 'guardrails-a', owned: true, digest: policyDigest(scp('s3:PutObject')) }] },
      { ...devT!, policies: [{ name: 'guardrails-b', owned: true, digest: 'ab12cd34ef' }] },
    ];
    const result = await verifyWave(once1, wrong, quick);
    expect(result.ok).toBe(false);
    expect(result.differences).toEqual([
      `OU Prod: SCP guardrails-a is attached with content digest ${policyDigest(scp('s3:DeleteBucket')).slice(0, 8)}.., expected ${policyDigest(scp('s3:PutObject')).slice(0, 8)}..`,
      'OU Dev: expected SCP guardrails-b (digest ab12cd34..) attached, found none',
      'OU Dev: found SCP FullAWSAccess attached, not expected',
    ]);
  });

  it('polls again while a read still shows the state before the write', async () => {
    // The read before the wave, which the stale read below answers with again.
    const before = await verifyWave(once1, expectedTargets(), quick);
    expect(before).toMatchObject({ ok: false, differences: ['OU Prod: expected SCP guardrails-a (digest ' + policyDigest(scp('s3:DeleteBucket')).slice(0, 8) + '..) attached, found none'] });
    const expected = await deployed();
    const stale = proxy.inject({ operation: 'ListPoliciesForTarget', fault: 'stale-read', times: 1 });
    const sleeps: number[] = [];
    const result = await verifyWave(once1, expected, { timeoutMs: 10_000, intervalMs: 250, sleep: async (ms) => void sleeps.push(ms) });
    expect(stale.fired).toBe(1);
    expect(result).toMatchObject({ ok: true, polls: 2, differences: [] });
    expect(sleeps).toEqual([250]);
  });

  it('stops at once on a target that cannot be read', async () => {
    const result = await verifyWave(once1, [{ id: 'ou-abcd-12345678', label: 'OU Gone', type: 'scp', policies: [] }], { timeoutMs: 60_000, intervalMs: 1000, sleep: async () => {} });
    expect(result).toMatchObject({ ok: false, polls: 1 });
    expect(result.differences).toEqual([expect.stringMatching(/^OU Gone \(SCP\): could not be read \(/)]);
  });
});
