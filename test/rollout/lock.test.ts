import { describe, expect, it } from 'vitest';
import { acquireLock, describeHeldLock, forceUnlock, LockError, readLock, ROLLOUT_LOCK_NAME } from '../../src/rollout/lock.js';
import { ScriptedOrg } from './scripted-org.js';

describe('rollout lock edge cases', () => {
  it('treats a policy of the lock\'s name that guardrails did not make as held, forever, and never deletes it', async () => {
    const org = new ScriptedOrg();
    org.add({ name: ROLLOUT_LOCK_NAME, description: 'made by hand' });
    const lock = await readLock(org);
    expect(lock).toMatchObject({ run: '(unknown)', expiresAt: '' });
    const taken = await acquireLock(org, { run: 'run-1', holder: 'h', ttlMs: 1, now: () => new Date('2099-01-01T00:00:00Z') });
    expect(taken.ok).toBe(false);
    expect(await forceUnlock(org, 'run-1')).toMatchObject({ released: false });
    expect(org.count('DeletePolicy')).toBe(0);
    expect(describeHeldLock(lock!)).toMatch(/did not create: delete it by hand/);
  });

  it('says how to get past a held lock', async () => {
    const org = new ScriptedOrg();
    await acquireLock(org, { run: 'run-1', holder: 'arn:aws:iam::1:role/ci', ttlMs: 60_000, now: () => new Date('2026-12-05T08:00:00Z') });
    const refused = await acquireLock(org, { run: 'run-2', holder: 'x', ttlMs: 60_000, now: () => new Date('2026-12-05T08:00:30Z') });
    expect(refused.ok).toBe(false);
    expect(describeHeldLock((refused as { heldBy: Parameters<typeof describeHeldLock>[0] }).heldBy)).toBe(
      'another rollout holds the lock: run run-1 by arn:aws:iam::1:role/ci since 2026-12-05T08:00:00.000Z, until 2026-12-05T08:01:00.000Z; wait for it, or if that run is dead, run `guardrails rollout unlock run-1`',
    );
  });

  it('refuses a description over AWS\'s 512 characters before any write', async () => {
    const org = new ScriptedOrg();
    await expect(acquireLock(org, { run: 'r', holder: 'x'.repeat(600), ttlMs: 1000 })).rejects.toThrow(/over AWS's 512: use a shorter run id/);
    expect(org.count('CreatePolicy')).toBe(0);
  });

  it('turns an AWS error into one LockError line', async () => {
    const org = new ScriptedOrg().fault('CreatePolicy', 1, { error: 'AccessDeniedException', status: 403 });
    const e = await acquireLock(org, { run: 'r', holder: 'h', ttlMs: 1000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LockError);
    expect((e as Error).message).toBe(`could not take the rollout lock (SCP ${ROLLOUT_LOCK_NAME}): AccessDeniedException: scripted AccessDeniedException`);
  });
});
