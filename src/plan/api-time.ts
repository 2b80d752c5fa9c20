/**
 * The least time a sequence of Organizations write calls takes at the API's rate limits (a token
 * bucket per operation: a sustained rate and a burst, from rate-limits.json), assuming every call
 * answers at once. Real runs take longer; this is the floor a rollout cannot beat.
 */
import limits from '../org/rate-limits.json' with { type: 'json' };
import type { OrgOperation } from '../org/index.js';

const OPERATION: Record<OrgOperation['op'], string> = {
  create: 'CreatePolicy',
  update: 'UpdatePolicy',
  attach: 'AttachPolicy',
  detach: 'DetachPolicy',
  delete: 'DeletePolicy',
  tag: 'TagResource',
};

export function leastSeconds(ops: readonly OrgOperation[]): number {
  const table = limits.operations as Record<string, { rate: number; burst: number }>;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let t = 0;
  for (const o of ops) {
    const name = OPERATION[o.op];
    const { rate, burst } = table[name] ?? limits.writes;
    const b = buckets.get(name) ?? { tokens: burst, at: 0 };
    b.tokens = Math.min(burst, b.tokens + (t - b.at) * rate);
    b.at = t;
    if (b.tokens < 1) {
      const wait = (1 - b.tokens) / rate;
      t += wait;
      b.tokens = 1;
      b.at = t;
    }
    b.tokens -= 1;
    buckets.set(name, b);
  }
  return t;
}
