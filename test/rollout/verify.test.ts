import { describe, expect, it } from 'vitest';
import { policyDigest } from '../../src/rollout/drift.js';
import type { ExpectedTarget } from '../../src/rollout/types.js';
import { verifyWave } from '../../src/rollout/verify.js';
import { ScriptedOrg } from './scripted-org.js';

const OWNED = { 'managed-by': 'guardrails' };

function org() {
  const o = new ScriptedOrg();
  o.add({ name: 'FullAWSAccess', awsManaged: true, targets: ['r-root', 'ou-a', 'ou-b'] });
  const base = o.add({ name: 'guardrails-base', tags: OWNED, targets: ['ou-a', 'ou-b'] });
  const expected: ExpectedTarget[] = ['ou-a', 'ou-b'].map((id) => ({ id, label: `OU ${id}`, type: 'scp', policies: [{ name: 'FullAWSAccess', owned: false }, { name: 'guardrails-base', owned: true, digest: policyDigest(base.content) }] }));
  return { o, expected };
}

/** A clock that moves only by the sleeps. */
function clock() {
  let t = 0;
  const sleeps: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps };
}

describe('verifyWave', () => {
  it('reads each policy\'s content once per poll, whatever the number of targets holding it', async () => {
    const { o, expected } = org();
    expect(await verifyWave(o, expected, { timeoutMs: 0, intervalMs: 0, ...clock() })).toMatchObject({ ok: true, polls: 1 });
    expect(o.count('ListPoliciesForTarget')).toBe(2);
    expect(o.count('DescribePolicy')).toBe(1);
  });

  it('polls at the interval until the timeout, then gives the last differences', async () => {
    const { o, expected } = org();
    o.byName('guardrails-base')!.targets.delete('ou-b');
    const c = clock();
    const result = await verifyWave(o, expected, { timeoutMs: 1000, intervalMs: 300, ...c });
    expect(result).toMatchObject({ ok: false, polls: 4, ms: 900 });
    expect(c.sleeps).toEqual([300, 300, 300]);
    expect(result.differences).toEqual([`OU ou-b: expected SCP guardrails-base (digest ${expected[1]!.policies[1]!.digest!.slice(0, 8)}..) attached, found none`]);
  });

  it('counts a throttled read as a poll to repeat, not a failure', async () => {
    const { o, expected } = org();
    o.fault('ListPoliciesForTarget', 2, 'throttle').fault('DescribePolicy', 1, 'reset');
    const c = clock();
    const result = await verifyWave(o, expected, { timeoutMs: 10_000, intervalMs: 100, ...c });
    expect(result).toMatchObject({ ok: true, polls: 2 });
  });

  it('says so when interrupted', async () => {
    const { o, expected } = org();
    o.byName('guardrails-base')!.targets.delete('ou-b');
    const controller = new AbortController();
    const result = await verifyWave(o, expected, {
      timeoutMs: 60_000,
      intervalMs: 1000,
      signal: controller.signal,
      sleep: (_ms, signal) => new Promise((_, reject) => { signal!.addEventListener('abort', () => reject(signal!.reason)); controller.abort(); }),
    });
    expect(result).toMatchObject({ ok: false, polls: 1, interrupted: true });
    expect(result.differences).toHaveLength(1);
  });
});
