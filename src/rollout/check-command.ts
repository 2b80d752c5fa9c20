/**
 * `--check CMD`: the user's own health check, run after each wave and at the end of its bake. It is
 * how any monitoring a team already has (an alarm query, a synthetic test, a smoke deploy) plugs into
 * the rollout: the command is told which wave and accounts just changed, and its failure halts.
 *
 * It runs through `/bin/sh -c` so that the flag takes what a shell line takes (pipes, &&, variables).
 * It gets a process group of its own, so that a timeout or an interruption ends everything it started,
 * not only the shell. Its output is kept in memory only up to a bound, from the end: a chatty check
 * cannot exhaust memory, and the end is where a failing command says why.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { MAX_TIMER_MS } from './sleep.js';

export type CheckPhase = 'after-wave' | 'bake-end';

export interface CheckOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The rollout run id, so that a check can tie its own records to the journal. */
  run: string;
  wave: string;
  accounts: string[];
  phase: CheckPhase;
  /** Infinity: no timeout. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Between SIGTERM and SIGKILL when the command is stopped (default 5 s): time to clean up. */
  graceMs?: number;
  /** Output bytes kept, from the end (default 4096). */
  outputBytes?: number;
}

export interface CheckResult {
  ok: boolean;
  /** Null when a signal ended it, or it never started. */
  exitCode: number | null;
  /** The last `outputBytes` of stdout and stderr, interleaved as they came. */
  output: string;
  /** Bytes dropped from the start of the output to keep within the bound. */
  droppedBytes: number;
  ms: number;
  /** Why it was stopped, when it was. */
  stopped?: 'timeout' | 'interrupted';
  /** The signal that ended it, when one did. */
  killedBy?: NodeJS.Signals;
  /** It could not be started (a missing working directory, no /bin/sh). */
  error?: string;
}

/** After the shell exits, how long output still in the pipes may take to arrive. */
const DRAIN_MS = 1_000;

export function runCheck(command: string, options: CheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const limit = options.outputBytes ?? 4096;
  const elapsed = () => Math.round(performance.now() - started);
  if (options.signal?.aborted) return Promise.resolve({ ok: false, exitCode: null, output: '', droppedBytes: 0, ms: 0, stopped: 'interrupted' });
  return new Promise((resolve) => {
    let tail = Buffer.alloc(0);
    let dropped = 0;
    let stopped: CheckResult['stopped'];
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const child = spawn('/bin/sh', ['-c', command], {
      cwd: options.cwd,
      env: {
        ...options.env,
        GUARDRAILS_RUN: options.run,
        GUARDRAILS_WAVE: options.wave,
        GUARDRAILS_ACCOUNTS: options.accounts.join(','),
        GUARDRAILS_PHASE: options.phase,
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      const all = tail.length + chunk.length;
      if (all <= limit) tail = Buffer.concat([tail, chunk]);
      else {
        dropped += all - limit;
        tail = Buffer.concat([tail, chunk]).subarray(all - limit);
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // The group is gone already.
      }
    };
    const stop = (why: NonNullable<CheckResult['stopped']>) => {
      if (exit || stopped) return;
      stopped = why;
      killGroup('SIGTERM');
      timers.push(setTimeout(() => killGroup('SIGKILL'), options.graceMs ?? 5_000));
    };
    const onAbort = () => stop('interrupted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (Number.isFinite(options.timeoutMs)) timers.push(setTimeout(() => stop('timeout'), Math.min(Math.max(0, options.timeoutMs), MAX_TIMER_MS)));
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout!.destroy();
      child.stderr!.destroy();
      const result: CheckResult = { ok: !error && !stopped && exit?.code === 0, exitCode: exit?.code ?? null, output: decodeTail(tail, dropped > 0), droppedBytes: dropped, ms: elapsed() };
      if (stopped) result.stopped = stopped;
      if (exit?.signal) result.killedBy = exit.signal;
      if (error) result.error = error;
      resolve(result);
    };
    child.on('error', (e) => finish(`could not run ${JSON.stringify(command)} in ${options.cwd}: ${e.message}`));
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever the command left running in its group would hold the pipes open: the check is over.
      killGroup('SIGKILL');
      timers.push(setTimeout(() => finish(), DRAIN_MS));
    });
    child.on('close', () => {
      if (exit) finish();
    });
  });
}

/** The kept bytes as text; a cut through a UTF-8 character at the start loses that character only. */
function decodeTail(bytes: Buffer, cut: boolean): string {
  let start = 0;
  if (cut) while (start < bytes.length && start < 4 && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}
