import { describe, expect, it } from 'vitest';
import { recordedRateLimits, WritePacer, type RateLimits } from '../../src/rollout/pacing.js';

/** A clock that moves only when the pacer sleeps. */
function fakeTime() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      now += ms;
    },
    sleeps,
    advance: (ms: number) => (now += ms),
    get time() {
      return now;
    },
  };
}

const limits: RateLimits = { operations: { AttachPolicy: { rate: 2, burst: 3 }, DetachPolicy: { rate: 2, burst: 3 }, ListPolicies: { rate: 5, burst: 5 } }, writes: { rate: 1, burst: 4 } };

describe('WritePacer', () => {
  it('reads the recorded rate limits', () => {
    const r = recordedRateLimits();
    expect(r.operations.AttachPolicy).toEqual({ rate: 2, burst: 3 });
    expect(r.writes).toEqual({ rate: 2, burst: 3 });
  });

  it('lets a burst through at once, then one call per 1/rate seconds', async () => {
    const t = fakeTime();
    const pacer = new WritePacer({ limits: { ...limits, writes: { rate: 100, burst: 100 } }, now: t.now, sleep: t.sleep });
    const at: number[] = [];
    for (let i = 0; i < 6; i++) {
      await pacer.take('AttachPolicy');
      at.push(t.time);
    }
    expect(at).toEqual([0, 0, 0, 500, 1000, 1500]);
  });

  it('holds writes of different operations to the shared writes bucket', async () => {
    const t = fakeTime();
    const pacer = new WritePacer({ limits, now: t.now, sleep: t.sleep });
    const at: number[] = [];
    for (const op of ['AttachPolicy', 'DetachPolicy', 'AttachPolicy', 'DetachPolicy', 'AttachPolicy', 'DetachPolicy']) {
      await pacer.take(op);
      at.push(t.time);
    }
    // Each operation alone would allow 3 at once; the writes bucket (burst 4, 1/s) allows 4, then one a second.
    expect(at).toEqual([0, 0, 0, 0, 1000, 2000]);
  });

  it('does not count reads against the writes bucket', async () => {
    const t = fakeTime();
    const pacer = new WritePacer({ limits, now: t.now, sleep: t.sleep });
    for (let i = 0; i < 4; i++) await pacer.take('AttachPolicy');
    // The writes bucket is empty; ListPolicies has its own.
    await pacer.take('ListPolicies');
    expect(t.time).toBeLessThan(1000);
  });

  it('refills with time that passes between calls', async () => {
    const t = fakeTime();
    const pacer = new WritePacer({ limits: { ...limits, writes: { rate: 100, burst: 100 } }, now: t.now, sleep: t.sleep });
    for (let i = 0; i < 3; i++) await pacer.take('AttachPolicy');
    t.advance(1500);
    const before = t.time;
    for (let i = 0; i < 3; i++) await pacer.take('AttachPolicy');
    expect(t.time).toBe(before);
    expect(t.sleeps).toEqual([]);
  });

  it('serves concurrent takes in order', async () => {
    const t = fakeTime();
    const pacer = new WritePacer({ limits: { ...limits, writes: { rate: 100, burst: 100 } }, now: t.now, sleep: t.sleep });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => pacer.take('AttachPolicy').then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('stops waiting when the signal fires', async () => {
    const controller = new AbortController();
    const pacer = new WritePacer({ limits: { ...limits, writes: { rate: 100, burst: 100 } } });
    for (let i = 0; i < 3; i++) await pacer.take('AttachPolicy');
    const waiting = pacer.take('AttachPolicy', controller.signal);
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
  });
});
