/**
 * The bake: after a wave is verified, the rollout waits before the next one (enforcement and
 * CloudTrail lag by minutes, and what breaks shows up in the minutes after), watching health signals
 * the whole time. The first failed signal ends the bake at once: a halt is cheaper the earlier it comes.
 *
 * Signals run every `everyMs` from the start of the bake (not at its start: the wave's verification
 * and the canary's propagation watch have just run) and once more at its end, whatever the cadence,
 * so that the gate to the next wave always judges a fresh answer. A round that runs late does not
 * make the next ones come back to back: missed times are skipped.
 */
import type { OrgState } from '../org/index.js';
import { accessDeniedSignal, type AccessDeniedSource } from './access-denied.js';
import { probeCanary, type CanaryOutcome, type CanaryProbe, type IamApi, type ProbeOptions } from './canary.js';
import { runCheck, type CheckOptions, type CheckResult } from './check-command.js';
import { detectDrift, type DriftExpectation } from './drift.js';
import { abortableSleep } from './sleep.js';

export type SignalKind = 'canary' | 'drift' | 'check' | 'access-denied';

export interface SignalResult {
  signal: SignalKind;
  ok: boolean;
  detail: string;
}

export interface BakeRound {
  /** 0 for the first round. */
  index: number;
  /** The round at the bake's end (the check command's `bake-end` phase). */
  final: boolean;
  elapsedMs: number;
}

export interface BakeTick {
  elapsedMs: number;
  remainingMs: number;
  checks: number;
  /** The latest round's signals (empty before the first). */
  last: SignalResult[];
}

export interface BakeOptions {
  seconds: number;
  /** One round of every signal. A throw ends the bake with it: wrap each signal with guardSignal to count its failure as a halt instead. */
  signals: (round: BakeRound) => Promise<SignalResult[]>;
  /** Between rounds; 0 or less: one round, at the end. */
  everyMs: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  signal?: AbortSignal;
  /** Progress: after every round and, while waiting, every `tickMs` (default 1 s). */
  onTick?: (tick: BakeTick) => void;
  tickMs?: number;
}

export interface BakeOutcome {
  ok: boolean;
  result: 'done' | 'halted' | 'interrupted';
  /** The first failed signal of the round that halted. */
  failed?: SignalResult;
  ms: number;
  checks: number;
  /** The latest round's signals. */
  last: SignalResult[];
}

export async function bake(options: BakeOptions): Promise<BakeOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const start = now();
  const deadline = start + Math.max(0, options.seconds) * 1000;
  const every = options.everyMs > 0 ? options.everyMs : Infinity;
  let nextAt = start + every;
  let checks = 0;
  let last: SignalResult[] = [];
  const end = (result: BakeOutcome['result'], failed?: SignalResult): BakeOutcome => ({ ok: result === 'done', result, ...(failed ? { failed } : {}), ms: now() - start, checks, last });
  const tick = () => {
    const t = now();
    options.onTick?.({ elapsedMs: t - start, remainingMs: Math.max(0, deadline - t), checks, last });
  };
  for (;;) {
    if (options.signal?.aborted) return end('interrupted');
    const t = now();
    if (t >= nextAt || t >= deadline) {
      const final = t >= deadline;
      last = await options.signals({ index: checks, final, elapsedMs: t - start });
      checks++;
      // A signal cut short by the interruption is not a finding about the wave.
      if (options.signal?.aborted) return end('interrupted');
      tick();
      const failed = last.find((s) => !s.ok);
      if (failed) return end('halted', failed);
      if (final) return end('done');
      while (nextAt <= now()) nextAt += every;
      continue;
    }
    let wait = Math.min(nextAt, deadline) - t;
    if (options.onTick) wait = Math.min(wait, options.tickMs ?? 1000);
    try {
      await sleep(wait, options.signal);
    } catch (e) {
      if (options.signal?.aborted) return end('interrupted');
      throw e;
    }
    if (options.onTick && now() < Math.min(nextAt, deadline)) tick();
  }
}

/** One signal that cannot throw: a signal that could not be asked (IAM down, a read refused) is a failed signal. */
export async function guardSignal(kind: SignalKind, run: () => Promise<SignalResult>): Promise<SignalResult> {
  try {
    return await run();
  } catch (e) {
    return { signal: kind, ok: false, detail: `could not be checked: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function canarySignal(principal: string, outcome: CanaryOutcome): SignalResult {
  if (outcome.ok) {
    const engines = [...new Set(outcome.results.map((r) => r.engine))].join(' and ');
    return { signal: 'canary', ok: true, detail: `${principal}: ${outcome.results.length} probes as wanted (${engines || 'none asked'})` };
  }
  return { signal: 'canary', ok: false, detail: outcome.problems.join('; ') };
}

export function driftSignal(lines: string[]): SignalResult {
  return lines.length ? { signal: 'drift', ok: false, detail: `changed by another actor: ${lines.join('; ')}` } : { signal: 'drift', ok: true, detail: 'no drift' };
}

export function checkSignal(command: string, result: CheckResult): SignalResult {
  const took = `${(result.ms / 1000).toFixed(1)} s`;
  const lastLine = result.output.trimEnd().split('\n').at(-1)?.trim();
  const said = lastLine ? `: ${lastLine}` : '';
  if (result.ok) return { signal: 'check', ok: true, detail: `${command}: exit 0 in ${took}` };
  if (result.error) return { signal: 'check', ok: false, detail: result.error };
  if (result.stopped === 'timeout') return { signal: 'check', ok: false, detail: `${command}: timed out after ${took}${said}` };
  if (result.stopped === 'interrupted') return { signal: 'check', ok: false, detail: `${command}: interrupted after ${took}` };
  const how = result.exitCode !== null ? `exit ${result.exitCode}` : `killed by ${result.killedBy ?? 'a signal'}`;
  return { signal: 'check', ok: false, detail: `${command}: ${how} after ${took}${said}` };
}

/** What a wave's bake watches. */
export interface BakeSignalSources {
  /** Each canary principal with the IAM client of its account (see canaryClient). */
  canaries?: { iam: IamApi; probe: CanaryProbe }[];
  /** The state the rollout left, and how to read the organization now (what matters of it: owned policies, wave targets). */
  drift?: { expected: DriftExpectation; read: (signal?: AbortSignal) => Promise<OrgState> };
  /** `--check`: run at the bake's end only (its after-wave run comes before the bake). */
  check?: { command: string; options: Omit<CheckOptions, 'phase' | 'signal'> };
  probeOptions?: Omit<ProbeOptions, 'signal'>;
  /** `--access-denied`: AccessDenied events of organization policies in the wave's accounts, against the time before the wave (access-denied.ts). */
  accessDenied?: AccessDeniedSource;
  signal?: AbortSignal;
}

/**
 * One round of a wave's signals for `bake`, each guarded so that a signal that cannot be asked halts
 * instead of crashing the rollout: drift first (another actor's change makes the other answers moot),
 * then every canary, then CloudTrail's AccessDenied events, then, in the final round, the check command.
 */
export function bakeSignals(sources: BakeSignalSources): (round: BakeRound) => Promise<SignalResult[]> {
  const signal = sources.signal;
  return async (round) => {
    const out: SignalResult[] = [];
    if (sources.drift) {
      const { expected, read } = sources.drift;
      out.push(await guardSignal('drift', async () => driftSignal(detectDrift(expected, await read(signal)))));
    }
    for (const { iam, probe } of sources.canaries ?? []) {
      out.push(await guardSignal('canary', async () => canarySignal(probe.principal, await probeCanary(iam, probe, { ...sources.probeOptions, ...(signal ? { signal } : {}) }))));
    }
    if (sources.accessDenied) {
      const source = sources.accessDenied;
      out.push(await guardSignal('access-denied', () => accessDeniedSignal(source, signal)));
    }
    if (sources.check && round.final) {
      const { command, options } = sources.check;
      out.push(checkSignal(command, await runCheck(command, { ...options, phase: 'bake-end', ...(signal ? { signal } : {}) })));
    }
    return out;
  };
}
