import { describe, expect, it } from 'vitest';
import type { OrgOperation } from '../../src/org/index.js';
import { executeWave, type ExecutorOptions } from '../../src/rollout/executor.js';
import { WritePacer } from '../../src/rollout/pacing.js';
import type { JournalRecord } from '../../src/rollout/types.js';
import { ScriptedOrg } from './scripted-org.js';

const OWNED = { 'managed-by': 'guardrails' };
const CONTENT = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}';
const OTHER = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*"}]}';
const ouA = { id: 'ou-a', label: 'OU A' };
const ouB = { id: 'ou-b', label: 'OU B' };

const create = (policy: string, content = CONTENT, tags: Record<string, string> = OWNED): OrgOperation => ({ op: 'create', policy, type: 'scp', content, description: 'd', tags });
const attach = (policy: string, target = ouA): OrgOperation => ({ op: 'attach', policy, type: 'scp', target });
const detach = (policy: string, target = ouA): OrgOperation => ({ op: 'detach', policy, type: 'scp', target });
const remove = (policy: string): OrgOperation => ({ op: 'delete', policy, type: 'scp' });
const rename = (policy: string, to: string, content?: string): OrgOperation => ({ op: 'update', policy, type: 'scp', rename: to, ...(content ? { content } : {}) });

/** The executor on a scripted org, with no real waiting: sleeps are recorded, the clock moves with them. */
function setup(org: ScriptedOrg, extra: Partial<ExecutorOptions> = {}) {
  const log: string[] = [];
  const journal: JournalRecord[] = [];
  const sleeps: number[] = [];
  let clock = 0;
  const send = org.send.bind(org);
  const client = {
    send: async (command: unknown) => {
      log.push(`call ${(command as object).constructor.name.replace(/Command$/, '')}`);
      return send(command);
    },
  };
  const options: ExecutorOptions = {
    client,
    state: org.state(),
    wave: 'canary',
    run: 'run-1',
    journal: {
      append: async (r) => {
        log.push(`journal ${r.kind}${'index' in r ? ` ${r.index}` : ''}`);
        journal.push(r);
      },
    },
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      clock += ms;
    },
    now: () => clock,
    random: () => 0.5,
    ...extra,
  };
  return { options, log, journal, sleeps };
}

function ownedOrg(): ScriptedOrg {
  const org = new ScriptedOrg();
  org.add({ name: 'FullAWSAccess', awsManaged: true, targets: ['r-root', 'ou-a', 'ou-b'] });
  org.add({ name: 'guardrails-base', tags: OWNED, targets: ['r-root', 'ou-a'] });
  return org;
}

describe('executeWave', () => {
  it('applies the steps in order, each announced in the journal before its call and recorded after it', async () => {
    const org = ownedOrg();
    const { options, log, journal } = setup(org);
    const steps = [create('guardrails-new'), attach('guardrails-new'), attach('guardrails-new', ouB), detach('guardrails-base'), rename('guardrails-base', 'guardrails-base-v2'), detach('guardrails-base-v2', { id: 'r-root', label: 'Root' }), remove('guardrails-base-v2')];
    const result = await executeWave(steps, options);
    expect(result).toMatchObject({ result: 'done', done: 7, calls: 7, retries: {} });
    expect(org.byName('guardrails-new')!.targets).toEqual(new Set(['ou-a', 'ou-b']));
    expect(org.byName('guardrails-base')).toBeUndefined();
    expect(org.byName('guardrails-base-v2')).toBeUndefined();
    expect(log).toEqual(steps.flatMap((s, i) => [`journal step-start ${i}`, `call ${{ create: 'CreatePolicy', attach: 'AttachPolicy', detach: 'DetachPolicy', update: 'UpdatePolicy', delete: 'DeletePolicy', tag: 'TagResource' }[s.op]}`, `journal step-end ${i}`]));
    const ends = journal.filter((r) => r.kind === 'step-end');
    expect(ends.map((r) => r.result)).toEqual(Array(7).fill('done'));
    expect(ends[1]).toMatchObject({ run: 'run-1', wave: 'canary', attempts: 1, requestId: 'req-AttachPolicy-1', retries: {} });
  });

  it('retries throttling and try-again-later refusals with a capped, jittered, growing backoff', async () => {
    const org = ownedOrg().fault('AttachPolicy', 1, 'throttle').fault('AttachPolicy', 2, { error: 'ConcurrentModificationException' }).fault('AttachPolicy', 3, '500').fault('AttachPolicy', 4, 'reset');
    const { options, journal, sleeps } = setup(org, { random: () => 0.999999 });
    const result = await executeWave([attach('guardrails-base', ouB)], options);
    expect(result).toMatchObject({ result: 'done', done: 1, calls: 5, retries: { TooManyRequestsException: 1, ConcurrentModificationException: 1, ServiceException: 1, ECONNRESET: 1 } });
    expect(sleeps).toEqual([499, 999, 1999, 3999]);
    expect(journal.find((r) => r.kind === 'step-end')).toMatchObject({ result: 'done', attempts: 5, retries: { TooManyRequestsException: 1, ConcurrentModificationException: 1 } });
    expect(journal.filter((r) => r.kind === 'step-start')).toHaveLength(1);
  });

  it('never waits more than 20 s between attempts', async () => {
    const org = ownedOrg();
    for (let i = 1; i <= 8; i++) org.fault('AttachPolicy', i, 'throttle');
    const { options, sleeps } = setup(org, { random: () => 0.999999, budgets: { perStep: 10, perWave: 10 } });
    expect((await executeWave([attach('guardrails-base', ouB)], options)).result).toBe('done');
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(20_000);
    expect(sleeps.at(-1)).toBe(19_999);
  });

  it('halts when a step spends its retry budget, and makes no later call', async () => {
    const org = ownedOrg();
    for (let i = 1; i <= 10; i++) org.fault('AttachPolicy', i, { error: 'PolicyChangesInProgressException' });
    const { options, journal } = setup(org, { budgets: { perStep: 3, perWave: 100 } });
    const result = await executeWave([attach('guardrails-base', ouB), detach('guardrails-base')], options);
    expect(result).toMatchObject({ result: 'halted', done: 0, calls: 4, retries: { PolicyChangesInProgressException: 3 } });
    expect(result.halt).toMatchObject({ index: 0, errorClass: 'retry', code: 'PolicyChangesInProgressException' });
    expect(result.halt!.message).toMatch(/gave up after 3 retries/);
    expect(org.count('DetachPolicy')).toBe(0);
    expect(journal.at(-1)).toMatchObject({ kind: 'step-end', result: 'halted', errorClass: 'retry', attempts: 4 });
  });

  it('halts when the wave spends its retry budget across steps', async () => {
    const org = ownedOrg().fault('AttachPolicy', 1, 'throttle').fault('AttachPolicy', 2, 'throttle').fault('DetachPolicy', 1, 'throttle').fault('DetachPolicy', 2, 'throttle');
    const { options } = setup(org, { budgets: { perStep: 5, perWave: 3 } });
    const result = await executeWave([attach('guardrails-base', ouB), detach('guardrails-base')], options);
    expect(result).toMatchObject({ result: 'halted', done: 1, halt: { index: 1, errorClass: 'retry' } });
    expect(result.halt!.message).toMatch(/wave's 3 retries/);
  });

  it('accepts an attach whose answer was lost once ListPoliciesForTarget shows it attached', async () => {
    const org = ownedOrg().fault('AttachPolicy', 1, 'lost');
    const { options, journal } = setup(org);
    const result = await executeWave([attach('guardrails-base', ouB)], options);
    expect(result).toMatchObject({ result: 'done', done: 1, calls: 2, retries: { ECONNRESET: 1 } });
    expect(org.count('ListPoliciesForTarget')).toBe(1);
    expect(journal.at(-1)).toMatchObject({ kind: 'step-end', result: 'already-done', attempts: 2 });
  });

  it('accepts a detach whose answer was lost once the policy is seen detached', async () => {
    const org = ownedOrg().fault('DetachPolicy', 1, 'lost');
    const { options, journal } = setup(org);
    expect(await executeWave([detach('guardrails-base')], options)).toMatchObject({ result: 'done', done: 1 });
    expect(org.byName('guardrails-base')!.targets).toEqual(new Set(['r-root']));
    expect(journal.at(-1)).toMatchObject({ result: 'already-done' });
  });

  it('accepts a delete whose answer was lost once ListPolicies lacks it', async () => {
    const org = ownedOrg();
    org.add({ name: 'guardrails-old', tags: OWNED });
    org.fault('DeletePolicy', 1, 'lost');
    const { options, journal } = setup(org);
    expect(await executeWave([remove('guardrails-old')], options)).toMatchObject({ result: 'done', done: 1 });
    expect(journal.at(-1)).toMatchObject({ result: 'already-done' });
  });

  it('adopts the policy a lost CreatePolicy made, and attaches that one', async () => {
    const org = ownedOrg().fault('CreatePolicy', 1, 'lost');
    const { options, journal } = setup(org);
    const result = await executeWave([create('guardrails-new'), attach('guardrails-new')], options);
    expect(result).toMatchObject({ result: 'done', done: 2, calls: 3 });
    expect(org.policies.filter((p) => p.name === 'guardrails-new')).toHaveLength(1);
    expect(org.byName('guardrails-new')!.targets).toEqual(new Set(['ou-a']));
    expect(journal.filter((r) => r.kind === 'step-end').map((r) => r.result)).toEqual(['already-done', 'done']);
  });

  it('refuses to adopt a policy of the same name that is not ours, or not the planned content', async () => {
    for (const [existing, why] of [
      [{ name: 'guardrails-new', tags: {} }, /not managed by guardrails/],
      [{ name: 'guardrails-new', tags: OWNED, content: OTHER }, /content differs/],
    ] as const) {
      const org = ownedOrg();
      const { options } = setup(org);
      // Another actor made it after the state was read.
      org.add(existing);
      const result = await executeWave([create('guardrails-new'), attach('guardrails-new')], options);
      expect(result).toMatchObject({ result: 'halted', done: 0, halt: { index: 0, errorClass: 'halt', code: 'DuplicatePolicyException' } });
      expect(result.halt!.message).toMatch(why);
      expect(org.count('AttachPolicy')).toBe(0);
    }
  });

  it('treats a create of a policy the state shows as ours with the planned content as done, without a call', async () => {
    const org = ownedOrg();
    const { options, journal } = setup(org);
    const base = org.byName('guardrails-base')!;
    expect(await executeWave([create('guardrails-base', base.content), attach('guardrails-base', ouB)], options)).toMatchObject({ result: 'done', done: 2, calls: 1 });
    expect(org.count('CreatePolicy')).toBe(0);
    expect(journal.map((r) => (r.kind === 'step-end' ? r.result : r.kind))).toEqual(['already-done', 'step-start', 'done']);
    const other = setup(ownedOrg());
    expect(await executeWave([create('guardrails-base', OTHER)], other.options)).toMatchObject({ result: 'halted', calls: 0, halt: { code: 'DuplicatePolicyException' } });
  });

  it('reports progress: each attempt, and each wait before a retry', async () => {
    const org = ownedOrg().fault('AttachPolicy', 1, 'throttle');
    const events: unknown[] = [];
    const { options } = setup(org, { onProgress: (e) => events.push(e) });
    await executeWave([attach('guardrails-base', ouB)], options);
    expect(events).toEqual([
      { index: 0, total: 1, text: 'attach guardrails-base to OU B', attempt: 1 },
      { index: 0, total: 1, text: 'attach guardrails-base to OU B', attempt: 1, waitMs: 250 },
      { index: 0, total: 1, text: 'attach guardrails-base to OU B', attempt: 2 },
    ]);
  });

  it('halts on a refusal a read does not confirm', async () => {
    const org = ownedOrg().fault('AttachPolicy', 1, { error: 'DuplicatePolicyAttachmentException' });
    const { options } = setup(org);
    const result = await executeWave([attach('guardrails-base', ouB)], options);
    expect(result).toMatchObject({ result: 'halted', halt: { code: 'DuplicatePolicyAttachmentException', errorClass: 'halt' } });
    expect(result.halt!.message).toMatch(/not attached to OU B/);
  });

  it('accepts a rename whose retry meets DuplicatePolicy when the policy already has the new name', async () => {
    const org = ownedOrg().fault('UpdatePolicy', 1, 'lost');
    const { options } = setup(org);
    const result = await executeWave([rename('guardrails-base', 'guardrails-base-v2'), detach('guardrails-base-v2')], options);
    expect(result).toMatchObject({ result: 'done', done: 2 });
    expect(org.byName('guardrails-base-v2')!.targets).toEqual(new Set(['r-root']));
  });

  it('halts a rename onto a name another policy took', async () => {
    const org = ownedOrg();
    const { options } = setup(org);
    org.add({ name: 'guardrails-base-v2', tags: {} });
    const result = await executeWave([rename('guardrails-base', 'guardrails-base-v2')], options);
    expect(result).toMatchObject({ result: 'halted', halt: { code: 'DuplicatePolicyException', errorClass: 'halt' } });
    expect(result.halt!.message).toMatch(/another policy holds that name/);
  });

  it.each([
    ['ConstraintViolationException', 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED'],
    ['AccessDeniedException', undefined],
    ['TargetNotFoundException', undefined],
    ['MalformedPolicyDocumentException', undefined],
  ])('halts on %s with the reason, without throwing', async (error, reason) => {
    const org = ownedOrg().fault('AttachPolicy', 2, { error, ...(reason ? { reason } : {}) });
    const { options, journal } = setup(org);
    const result = await executeWave([attach('guardrails-base', ouB), attach('guardrails-base', { id: '111111111111', label: 'account 111111111111' }), detach('guardrails-base')], options);
    expect(result).toMatchObject({ result: 'halted', done: 1, calls: 2, halt: { index: 1, code: error, errorClass: 'halt', text: 'attach guardrails-base to account 111111111111' } });
    if (reason) expect(result.halt!.message).toContain(reason);
    expect(org.count('DetachPolicy')).toBe(0);
    expect(journal.at(-1)).toMatchObject({ kind: 'step-end', index: 1, result: 'halted', requestId: 'req-AttachPolicy-2' });
  });

  it('halts on PolicyInUse and on PolicyNotFound for anything but a delete', async () => {
    const org = ownedOrg();
    const { options } = setup(org);
    expect((await executeWave([remove('guardrails-base')], options)).halt).toMatchObject({ code: 'PolicyInUseException' });
    const org2 = ownedOrg();
    const s2 = setup(org2);
    org2.policies = org2.policies.filter((p) => p.name !== 'guardrails-base');
    expect((await executeWave([attach('guardrails-base', ouB)], s2.options)).halt).toMatchObject({ code: 'PolicyNotFoundException', errorClass: 'halt' });
  });

  it('never writes a policy it does not own, nor creates one without the ownership tag', async () => {
    const org = ownedOrg();
    org.add({ name: 'team-policy', tags: {} });
    org.add({ name: 'guardrails-lookalike', tags: {} });
    for (const [step, code] of [
      [attach('FullAWSAccess', ouB), 'not-owned'],
      [detach('team-policy'), 'not-owned'],
      [remove('guardrails-lookalike'), 'not-owned'],
      [create('guardrails-lookalike'), 'name-taken'],
      [create('guardrails-untagged', CONTENT, {}), 'owner-tag-missing'],
      [create('someone-else', CONTENT), 'not-owned'],
      [rename('guardrails-base', 'team-policy-2'), 'not-owned'],
      [attach('guardrails-missing'), 'no-such-policy'],
    ] as const) {
      const { options, journal } = setup(org);
      const before = org.calls.length;
      const result = await executeWave([step], options);
      expect(result, step.op).toMatchObject({ result: 'halted', done: 0, calls: 0, halt: { code, errorClass: 'halt' } });
      expect(org.calls.length).toBe(before);
      expect(journal.map((r) => r.kind)).toEqual(['step-end']);
    }
  });

  it('starts nothing once the signal fired', async () => {
    const org = ownedOrg();
    const controller = new AbortController();
    controller.abort();
    const { options, journal } = setup(org, { signal: controller.signal });
    expect(await executeWave([attach('guardrails-base', ouB)], options)).toMatchObject({ result: 'interrupted', done: 0, calls: 0 });
    expect(journal).toEqual([]);
  });

  it('finishes the call in flight and stops before the next step when interrupted', async () => {
    const org = ownedOrg();
    const controller = new AbortController();
    const { options } = setup(org, { signal: controller.signal });
    const send = options.client.send;
    options.client = { send: async (c) => { const r = await send(c); controller.abort(); return r; } };
    const result = await executeWave([attach('guardrails-base', ouB), detach('guardrails-base')], options);
    expect(result).toMatchObject({ result: 'interrupted', done: 1, calls: 1 });
    expect(org.byName('guardrails-base')!.targets.has('ou-b')).toBe(true);
  });

  it('stops waiting out a backoff when interrupted, and records the step as not finished', async () => {
    const org = ownedOrg().fault('AttachPolicy', 1, 'throttle');
    const controller = new AbortController();
    const { options, journal } = setup(org, { signal: controller.signal, sleep: (_ms, signal) => new Promise((_, reject) => { signal!.addEventListener('abort', () => reject(signal!.reason)); controller.abort(); }) });
    const result = await executeWave([attach('guardrails-base', ouB)], options);
    expect(result).toMatchObject({ result: 'interrupted', done: 0, calls: 1 });
    expect(journal.map((r) => r.kind)).toEqual(['step-start', 'step-end']);
    expect(journal.at(-1)).toMatchObject({ result: 'failed', error: expect.stringMatching(/interrupted/) });
  });

  it('paces the writes at the rate limits', async () => {
    const org = ownedOrg();
    let clock = 0;
    const sleep = async (ms: number) => {
      clock += ms;
    };
    const pacer = new WritePacer({ now: () => clock, sleep });
    const { options } = setup(org, { pacer, now: () => clock, sleep });
    const targets = ['ou-b', '111111111111'].map((id) => ({ id, label: id }));
    const steps = [...targets.map((t) => attach('guardrails-base', t)), ...targets.map((t) => detach('guardrails-base', t)), attach('guardrails-base', ouB)];
    expect((await executeWave(steps, options)).result).toBe('done');
    // 5 writes at 2/s after a burst of 3: the 4th and 5th wait 0.5 s each.
    expect(clock).toBe(1000);
    expect(pacer.waitedMs).toBe(1000);
  });
});
