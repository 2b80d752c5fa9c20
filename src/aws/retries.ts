/**
 * Shared by every AWS client guardrails makes (Organizations, Access Analyzer).
 *
 * How an AWS client retries: what the SDK classifies as throttling or transient (429 and
 * the throttling error codes, timeouts, 500/502/503/504) is retried up to maxAttempts, after a wait
 * that grows exponentially with full jitter (from 500 ms for throttling, 100 ms otherwise, at most
 * 20 s, or longer when the server's Retry-After asks, as the SDK's standard mode does). A throttled
 * call also holds back every call that starts while it waits: the whole read slows down instead of
 * each call hammering Organizations' per-account rate limits on its own.
 *
 * The waits are ours, not the SDK's, for one reason: `stop`. When a read fails, every wait ends at
 * once and nothing starts again. The SDK's own strategies wait on timers an abort does not clear (its
 * adaptive token bucket and its backoff), which held the process for seconds after the read had
 * failed. The SDK's retry middleware calls this strategy (RetryStrategyV2 of @smithy/types, written
 * here structurally) and still sleeps on its own only when a token asks it to: ours never do.
 */

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

interface RetryErrorInfo {
  errorType: 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  retryAfterHint?: Date;
}

export interface RetryStrategy {
  acquireInitialRetryToken(scope: string): Promise<RetryToken>;
  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
}

const THROTTLING_BASE_MS = 500;
const TRANSIENT_BASE_MS = 100;
const MAX_DELAY_MS = 20_000;

export function stoppableRetries(maxAttempts: number, stop?: AbortSignal, random: () => number = Math.random): RetryStrategy {
  /** While a throttled call waits, calls that start wait with it. */
  let quietUntil = 0;
  const token = (count: number): RetryToken => ({ getRetryCount: () => count, getRetryDelay: () => 0 });
  return {
    async acquireInitialRetryToken() {
      await wait(quietUntil - Date.now(), stop);
      return token(0);
    },
    async refreshRetryTokenForRetry(previous, info) {
      const attempts = previous.getRetryCount() + 1;
      if ((info.errorType !== 'THROTTLING' && info.errorType !== 'TRANSIENT') || attempts >= maxAttempts || stop?.aborted) throw new Error('no retry');
      const base = info.errorType === 'THROTTLING' ? THROTTLING_BASE_MS : TRANSIENT_BASE_MS;
      let delay = Math.floor(random() * Math.min(MAX_DELAY_MS, base * 2 ** previous.getRetryCount()));
      if (info.retryAfterHint instanceof Date) delay = Math.max(delay, Math.min(info.retryAfterHint.getTime() - Date.now(), delay + 5_000));
      if (info.errorType === 'THROTTLING') quietUntil = Math.max(quietUntil, Date.now() + delay);
      await wait(delay, stop);
      return token(attempts);
    },
    recordSuccess() {},
  };
}

/** Resolves after `ms`, or rejects as soon as `stop` fires, its timer cleared so that nothing is left to keep the process alive. */
function wait(ms: number, stop: AbortSignal | undefined): Promise<void> {
  if (stop?.aborted) return Promise.reject(stop.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const done = () => {
      stop?.removeEventListener('abort', aborted);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(stop!.reason);
    };
    stop?.addEventListener('abort', aborted, { once: true });
  });
}
