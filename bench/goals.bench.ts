/**
 * Issue 15's goals, command by command, as a user runs them: `guardrails <command>` in a child process
 * on the scale workspace (scale-workspace.ts: 2,010 OUs, 300 controls, 10,000 or 50,000 accounts, an
 * org snapshot with nine tenths of the controls deployed), in the order a pull request runs them
 * (validate, compile, simulate, diff, plan). Wall time as the parent sees it (median of three) and the
 * child's own peak resident memory (usage-probe.ts, highest of the three), each beside its goal.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DirectorySource, loadFromDirectory, syncReference } from '../src/reference/index.js';
import { SNAPSHOT_2026 } from '../test/support/paths.js';
import type { Figure } from './harness.js';
import { runMeasured } from './measured-command.js';
import type { ScaleMix } from './scale-intent.js';
import { SNAPSHOT_FILE, writeScaleWorkspace } from './scale-workspace.js';

interface Goal {
  command: string[];
  /** Run with a reference the package does not ship (no prebuilt index: every service file parsed), for comparison. */
  unshipped?: boolean;
  seconds: number;
  /** Peak resident memory, MB (10^6 bytes, as the issue counts them). */
  mb?: number;
}

const ORG = ['--org', SNAPSHOT_FILE];
const AT_10K: Goal[] = [
  { command: ['validate'], seconds: 1 },
  { command: ['validate'], seconds: Infinity, unshipped: true },
  { command: ['compile'], seconds: 3, mb: 300 },
  { command: ['simulate'], seconds: 3, mb: 300 },
  { command: ['diff', ...ORG], seconds: 3, mb: 300 },
  { command: ['plan', ...ORG], seconds: 3, mb: 300 },
];
const AT_50K: Goal[] = [
  { command: ['compile'], seconds: Infinity },
  { command: ['diff', ...ORG], seconds: 5 },
  { command: ['plan', ...ORG], seconds: 5 },
];
const CASES: { mix: ScaleMix; accounts: number; goals: Goal[] }[] = [
  { mix: 'spread', accounts: 10_000, goals: AT_10K },
  { mix: 'layered', accounts: 10_000, goals: AT_10K },
  { mix: 'selectors', accounts: 10_000, goals: AT_10K },
  { mix: 'spread', accounts: 50_000, goals: AT_50K },
];
const RUNS = 3;

/** The 2026 snapshot less one service (a2c, which no control names): a snapshot no build of guardrails has a prebuilt index for. */
function unshippedSnapshot(root: string): string {
  const dir = path.join(root, 'snapshot-unshipped');
  fs.cpSync(SNAPSHOT_2026, dir, { recursive: true });
  const listFile = path.join(dir, 'v1', 'service-list.json');
  const list = JSON.parse(fs.readFileSync(listFile, 'utf8')) as { service: string }[];
  fs.writeFileSync(listFile, JSON.stringify(list.filter((e) => e.service !== 'a2c')));
  return dir;
}

export async function benchGoals(): Promise<Figure[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-bench-goals-'));
  try {
    const cache = path.join(root, 'cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    const unshippedCache = path.join(root, 'cache-unshipped');
    await syncReference({ cacheDir: unshippedCache, source: new DirectorySource(unshippedSnapshot(root)) });
    const reference = await loadFromDirectory(SNAPSHOT_2026);
    const usageFile = path.join(root, 'usage.json');
    const figures: Figure[] = [];
    for (const { mix, accounts, goals } of CASES) {
      const repo = path.join(root, `${mix}-${accounts}`);
      await writeScaleWorkspace(repo, { controls: 300, mix, accounts }, reference);
      spawnSync('git', ['init', '-q'], { cwd: repo });
      for (const goal of goals) {
        const walls: number[] = [];
        let peakKb = 0;
        for (let i = 0; i < RUNS; i++) {
          const run = runMeasured([...goal.command, '--cache', goal.unshipped ? unshippedCache : cache], repo, usageFile);
          walls.push(run.wallMs / 1000);
          peakKb = Math.max(peakKb, run.maxRssKb);
        }
        const wall = [...walls].sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
        const mb = (peakKb * 1024) / 1e6;
        const met = wall < goal.seconds && (goal.mb === undefined || mb < goal.mb);
        const goalText = goal.unshipped
          ? 'a reference guardrails does not ship: no prebuilt index, every service file parsed'
          : Number.isFinite(goal.seconds)
            ? `goal < ${goal.seconds} s${goal.mb ? ` and ${goal.mb} MB` : ''}: ${met ? 'met' : 'MISSED'}`
            : 'writes out/ for the commands after it';
        figures.push({ name: `${goal.command[0]}: 300 controls (${mix}), ${accounts.toLocaleString('en-US')} accounts`, value: wall, unit: 's', note: `peak ${Math.round(mb)} MB; ${goalText}` });
      }
    }
    return figures;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
