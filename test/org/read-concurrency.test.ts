/**
 * --concurrency bounds the API calls in flight, all operations together: a fake Organizations API that
 * answers after a pause and records how many calls it is answering at once.
 */
import { describe, expect, it } from 'vitest';
import { fakeOrganizations } from '../../bench/synthetic-org.js';
import { limiter, readOrganization, type OrganizationsApi } from '../../src/org/index.js';
import { fullAccessEverywhere, owned, stateOf, type OuSpec } from '../support/org-state.js';

const TREE: Record<string, OuSpec> = {};
for (let i = 0; i < 6; i++) TREE[`Ou${i}`] = { accounts: [`20000000000${i}`], ous: { [`Team${i}`]: { accounts: [`30000000000${i}`] } } };
// Policies whose names may be ours: each read runs DescribePolicy, ListTargetsForPolicy and ListTagsForResource side by side.
const POLICIES = [fullAccessEverywhere(TREE), ...Array.from({ length: 12 }, (_, i) => owned(`guardrails-scp-p${i}`, '{}', ['r-test']))];

function slow(api: OrganizationsApi): OrganizationsApi & { peak: number } {
  let inFlight = 0;
  const wrapped = {
    peak: 0,
    async send(command: unknown) {
      inFlight++;
      wrapped.peak = Math.max(wrapped.peak, inFlight);
      try {
        await new Promise((r) => setTimeout(r, 2));
        return await api.send(command);
      } finally {
        inFlight--;
      }
    },
  };
  return wrapped;
}

describe('reading with bounded concurrency', () => {
  it.each([1, 2, 4, 7])('--concurrency %i: never more calls in flight, and the reads overlap up to it', async (concurrency) => {
    const state = stateOf(TREE, POLICIES);
    const api = slow(fakeOrganizations(state));
    const { state: read, calls } = await readOrganization(api, { concurrency });
    expect(api.peak).toBe(concurrency);
    expect(read.policies.map((p) => p.name)).toEqual(state.policies.map((p) => p.name).sort());
    expect(calls.ListTagsForResource).toBe(12);
  });

  it('a limiter runs at most n at once, in order, and frees the slot on failure', async () => {
    const limit = limiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = (i: number, fail = false) =>
      limit(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 1));
        running--;
        order.push(i);
        if (fail) throw new Error(`job ${i}`);
        return i;
      });
    const results = await Promise.allSettled([job(0), job(1, true), job(2), job(3), job(4)]);
    expect(peak).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('the first fatal error stops the read', () => {
  it('a stopped limiter drops what waits and refuses what comes, with the reason it was stopped for', async () => {
    const stop = new AbortController();
    const limit = limiter(1, stop.signal);
    let release!: () => void;
    const ran: string[] = [];
    const first = limit(() => new Promise<string>((r) => (release = () => r('first'))));
    const queued = [limit(async () => ran.push('queued 1')), limit(async () => ran.push('queued 2'))];
    const reason = new Error('ListRoots failed');
    stop.abort(reason);
    for (const q of queued) await expect(q).rejects.toBe(reason);
    release();
    await expect(first).resolves.toBe('first');
    await expect(limit(async () => ran.push('later'))).rejects.toBe(reason);
    expect(ran).toEqual([]);
  });

  it('no call starts after the first one that fails, and the calls in flight are aborted', async () => {
    const state = stateOf(TREE, POLICIES);
    const api = fakeOrganizations(state);
    const started: string[] = [];
    const signals: AbortSignal[] = [];
    let failedAt: number | undefined;
    const failing: OrganizationsApi = {
      async send(command: unknown, options?: { abortSignal?: AbortSignal }) {
        const name = (command as object).constructor.name.replace(/Command$/, '');
        started.push(name);
        if (options?.abortSignal) signals.push(options.abortSignal);
        await new Promise((r) => setTimeout(r, 2));
        if (name === 'ListTargetsForPolicy' && failedAt === undefined) {
          failedAt = started.length;
          throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
        }
        return api.send(command);
      },
    };
    await expect(readOrganization(failing, { concurrency: 4 })).rejects.toThrow(/^ListTargetsForPolicy failed: AccessDeniedException: denied/);
    // Let whatever was in flight settle: nothing new may start meanwhile.
    await new Promise((r) => setTimeout(r, 20));
    expect(started.slice(failedAt)).toEqual([]);
    expect(signals.every((s) => s.aborted)).toBe(true);
  });
});
