/**
 * The bake's `access-denied` signal (issue 18): what AWS's guidance says to do after attaching an SCP or
 * RCP ("review AWS CloudTrail logs for Access Denied errors"), done while the wave bakes. It counts the
 * AccessDenied events in the wave's accounts that an organization policy gave, since the wave started,
 * against the same length of time just before it: denials whose message names a policy guardrails owns
 * (AWS names the policy in same-account and same-organization messages), and SCP or RCP denials whose
 * message names none (services that do not name it yet). More than the thresholds halts the rollout.
 *
 * The windows end CloudTrail's delivery lag before now: the last minutes' records are not delivered
 * yet, and an empty stretch would read as a quiet one. How the counts are read (a CloudTrail directory,
 * reduced to shapes by src/impact) is the caller's: the rollout gets a function.
 */
import type { SignalResult } from './bake.js';

/** AccessDenied events organization policies gave, in a window of the wave's accounts. */
export interface AccessDeniedCounts {
  /** Events whose message names a policy guardrails owns. */
  ownedNamed: number;
  /** SCP and RCP denials whose message names no policy (a message naming another organization's counts in neither). */
  unnamed: number;
  /** Some of the owned policies named (ids), for the signal's detail. */
  policies: string[];
}

export interface AccessDeniedSource {
  /** The counts in [from, to) (ms since the epoch), in the wave's accounts. */
  read(window: { from: number; to: number }, signal?: AbortSignal): Promise<AccessDeniedCounts>;
  /** When the wave started writing: the window before it ends there, the one during it starts there. */
  waveStartedAt: number;
  now: () => number;
  /** CloudTrail's delivery lag: the windows end this long before now. */
  lagMs: number;
  /** Halt past max(maxOwned, 2 x the count before the wave) denials naming an owned policy. */
  maxOwned: number;
  /** Halt past max(maxUnnamed, 3 x the count before the wave) SCP and RCP denials naming no policy. */
  maxUnnamed: number;
}

/** CloudTrail delivers a record about 5 minutes after the call, on average (not guaranteed). */
export const CLOUDTRAIL_DELIVERY_LAG_MS = 5 * 60_000;
export const DEFAULT_MAX_OWNED_DENIALS = 5;
export const DEFAULT_MAX_UNNAMED_DENIALS = 20;
/** A bake shorter than this sees little CloudTrail past its delivery lag. */
export const SHORTEST_USEFUL_BAKE_MS = 15 * 60_000;

export async function accessDeniedSignal(source: AccessDeniedSource, signal?: AbortSignal): Promise<SignalResult> {
  const end = source.now() - source.lagMs;
  const length = end - source.waveStartedAt;
  const lag = minutes(source.lagMs);
  if (length <= 0) return { signal: 'access-denied', ok: true, detail: `no data yet: CloudTrail delivers about ${lag} after the call, and the wave started ${minutes(source.now() - source.waveStartedAt)} ago` };
  const during = await source.read({ from: source.waveStartedAt, to: end }, signal);
  const before = await source.read({ from: source.waveStartedAt - length, to: source.waveStartedAt }, signal);
  const ownedLimit = Math.max(source.maxOwned, 2 * before.ownedNamed);
  const unnamedLimit = Math.max(source.maxUnnamed, 3 * before.unnamed);
  const span = `in the ${minutes(length)} since the wave started (to ${lag} ago)`;
  const named = `${during.ownedNamed} naming a policy guardrails owns${during.policies.length ? ` (${during.policies.slice(0, 5).join(', ')}${during.policies.length > 5 ? ', ...' : ''})` : ''}, ${before.ownedNamed} before`;
  const unnamed = `${during.unnamed} by an SCP or RCP naming none, ${before.unnamed} before`;
  const ok = during.ownedNamed <= ownedLimit && during.unnamed <= unnamedLimit;
  const over = [...(during.ownedNamed > ownedLimit ? [`more than ${ownedLimit} naming an owned policy`] : []), ...(during.unnamed > unnamedLimit ? [`more than ${unnamedLimit} naming none`] : [])];
  return { signal: 'access-denied', ok, detail: `AccessDenied ${span}: ${named}; ${unnamed}${ok ? '' : `: ${over.join(' and ')}`}` };
}

function minutes(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  return m >= 1 ? `${m} min` : `${Math.max(0, Math.round(ms / 1000))} s`;
}
