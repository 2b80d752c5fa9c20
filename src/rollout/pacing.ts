/**
 * Keeps the rollout's calls within Organizations' per-account rate limits (rate-limits.json): a token
 * bucket per operation, and for writes the shared `writes` bucket as well, since every policy write
 * counts against one budget. Being throttled costs a backoff of seconds; waiting for a token costs
 * exactly the time AWS would have made us wait, and no retry budget.
 *
 * The rollout writes serially; calls to `take` are still served one after the other in the order made.
 */
import limitsFile from '../org/rate-limits.json' with { type: 'json' };
import { abortableSleep } from './sleep.js';

export interface Bucket {
  /** Tokens added per second. */
  rate: number;
  /** Tokens the bucket holds at most, and starts with. */
  burst: number;
}

export interface RateLimits {
  operations: Record<string, Bucket>;
  writes: Bucket;
}

export const WRITE_OPERATIONS: ReadonlySet<string> = new Set(['CreatePolicy', 'UpdatePolicy', 'DeletePolicy', 'AttachPolicy', 'DetachPolicy', 'TagResource']);

/** Sleeps `ms`, or rejects with the signal's reason as soon as it fires. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface PacerOptions {
  limits?: RateLimits;
  /** Milliseconds; Date.now by default. */
  now?: () => number;
  sleep?: Sleep;
}

/** The rate limits recorded in src/org/rate-limits.json. */
export function recordedRateLimits(): RateLimits {
  const operations: Record<string, Bucket> = {};
  for (const [name, b] of Object.entries(limitsFile.operations)) operations[name] = { rate: b.rate, burst: b.burst };
  return { operations, writes: { rate: limitsFile.writes.rate, burst: limitsFile.writes.burst } };
}

/**
 * The recorded limits with every rate and burst multiplied by `factor`: a local endpoint (moto in the
 * tests and the benchmark) has no rate limits, and a test of a 66-call rollout should not take 33 s.
 */
export function scaledRateLimits(factor: number): RateLimits {
  const base = recordedRateLimits();
  const scale = (b: Bucket): Bucket => ({ rate: b.rate * factor, burst: Math.max(1, Math.round(b.burst * factor)) });
  return { operations: Object.fromEntries(Object.entries(base.operations).map(([k, b]) => [k, scale(b)])), writes: scale(base.writes) };
}

class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly spec: Bucket,
    now: number,
  ) {
    this.tokens = spec.burst;
    this.at = now;
  }
  private refill(now: number): void {
    if (now > this.at) this.tokens = Math.min(this.spec.burst, this.tokens + ((now - this.at) / 1000) * this.spec.rate);
    this.at = Math.max(this.at, now);
  }
  /** Milliseconds until a whole token is there (0: now). */
  waitFor(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.spec.rate) * 1000);
  }
  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }
}

export class WritePacer {
  private readonly limits: RateLimits;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly buckets = new Map<string, TokenBucket>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Milliseconds spent waiting for tokens, all operations together. */
  waitedMs = 0;

  constructor(options: PacerOptions = {}) {
    this.limits = options.limits ?? recordedRateLimits();
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
  }

  /**
   * Waits until `operation` (an API operation name: `AttachPolicy`) may be called, and takes its token.
   * Resolves with the milliseconds waited; rejects with the signal's reason when it fires first.
   */
  take(operation: string, signal?: AbortSignal): Promise<number> {
    const turn = this.queue.then(() => this.takeNow(operation, signal));
    // The next caller waits for this one whatever becomes of it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(operation: string, signal?: AbortSignal): Promise<number> {
    const buckets = this.bucketsOf(operation);
    let waited = 0;
    for (;;) {
      if (signal?.aborted) throw signal.reason;
      const now = this.now();
      const wait = Math.max(0, ...buckets.map((b) => b.waitFor(now)));
      if (wait === 0) {
        for (const b of buckets) b.take(now);
        this.waitedMs += waited;
        return waited;
      }
      await this.sleep(wait, signal);
      waited += wait;
    }
  }

  private bucketsOf(operation: string): TokenBucket[] {
    const out: TokenBucket[] = [];
    const spec = this.limits.operations[operation];
    if (spec) out.push(this.bucket(operation, spec));
    if (WRITE_OPERATIONS.has(operation)) out.push(this.bucket('writes', this.limits.writes));
    return out;
  }

  private bucket(key: string, spec: Bucket): TokenBucket {
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = new TokenBucket(spec, this.now())));
    return b;
  }
}
