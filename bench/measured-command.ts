/**
 * `guardrails <args>` as a user runs it, in a child process that reports its own CPU time and peak
 * memory (usage-probe.ts), with the wall time the parent sees around it. Every suite that times whole
 * commands runs them through here, so that they all measure the same thing the same way.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../test/support/paths.js';

export interface MeasuredRun {
  wallMs: number;
  cpuMs: number;
  maxRssKb: number;
  stdout: string;
}

const BIN = path.join(PROJECT_ROOT, 'bin', 'guardrails.js');
const PROBE = new URL('./usage-probe.js', import.meta.url).href;

/**
 * Runs the command in `cwd`; `usageFile` is where the probe writes (a scratch file of the suite). A
 * status outside `expect` (default: 0) is an error carrying the end of stderr.
 */
export function runMeasured(args: readonly string[], cwd: string, usageFile: string, expect: readonly number[] = [0]): MeasuredRun {
  fs.rmSync(usageFile, { force: true });
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--import', PROBE, BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, GUARDRAILS_BENCH_USAGE: usageFile } });
  const wallMs = performance.now() - start;
  if (r.status === null || !expect.includes(r.status)) throw new Error(`guardrails ${args.join(' ')} in ${cwd} exited ${r.status}:\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-1000)}`);
  const usage = JSON.parse(fs.readFileSync(usageFile, 'utf8')) as { cpuMs: number; maxRssKb: number };
  return { wallMs, cpuMs: usage.cpuMs, maxRssKb: usage.maxRssKb, stdout: r.stdout };
}
