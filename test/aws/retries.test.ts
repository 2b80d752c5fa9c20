/**
 * The Organizations client's retries (src/aws/retries.ts), driven as the SDK's retry middleware drives
 * them, on fake timers: what is retried, how a throttled call holds back the others, and that a stop
 * ends every wait at once and leaves no timer behind to keep the process alive.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stoppableRetries } from '../../src/aws/retries.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const throttled = { errorType: 'THROTTLING' as const };

describe('retries of the Organizations client', () => {
  it('retries throttling and transient errors up to maxAttempts, never client errors', async () => {
    const retries = stoppableRetries(3, undefined, () => 0.5);
    const first = await retries.acquireInitialRetryToken('');
    const second = retries.refreshRetryTokenForRetry(first, { errorType: 'TRANSIENT' });
    await vi.runAllTimersAsync();
    const token = await second;
    expect(token.getRetryCount()).toBe(1);
    expect(token.getRetryDelay()).toBe(0);
    const third = retries.refreshRetryTokenForRetry(token, throttled);
    await vi.runAllTimersAsync();
    await expect(retries.refreshRetryTokenForRetry(await third, throttled)).rejects.toThrow('no retry');
    await expect(retries.refreshRetryTokenForRetry(first, { errorType: 'CLIENT_ERROR' })).rejects.toThrow('no retry');
  });

  it('a throttled call holds back the calls that start while it waits', async () => {
    const retries = stoppableRetries(5, undefined, () => 1);
    const waiting = retries.refreshRetryTokenForRetry(await retries.acquireInitialRetryToken(''), throttled);
    let started = false;
    const next = retries.acquireInitialRetryToken('').then(() => (started = true));
    await vi.advanceTimersByTimeAsync(250);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(250);
    await next;
    await waiting;
    expect(started).toBe(true);
  });

  it('a stop ends every wait at once, with its reason, and leaves no timer behind', async () => {
    const stop = new AbortController();
    const retries = stoppableRetries(10, stop.signal, () => 1);
    const token = await retries.acquireInitialRetryToken('');
    const backingOff = retries.refreshRetryTokenForRetry(token, throttled);
    const heldBack = retries.acquireInitialRetryToken('');
    expect(vi.getTimerCount()).toBe(2);
    const reason = new Error('ListRoots failed');
    stop.abort(reason);
    await expect(backingOff).rejects.toBe(reason);
    await expect(heldBack).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
    await expect(retries.refreshRetryTokenForRetry(token, throttled)).rejects.toThrow();
  });
});
