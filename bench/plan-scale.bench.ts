/**
 * The wave planner at scale, linear in accounts: the scale workspace (scale-workspace.ts: 300 controls
 * spread over 2,010 OUs, the first nine tenths already deployed, four waves) at 1,000, 10,000 and 50,000
 * accounts.
 *
 * - The planner stage alone (`planRollout`, in-process, median of three, CPU time: this machine is
 *   shared), with the ratio of 50,000 accounts to 10,000: linear is 5x.
 * - The whole `plan --org org-snapshot.json` command in a child process (usage-probe.ts), at 10,000 and
 *   50,000 accounts: wall time and peak memory, against issue 15's goals (under 3 s and 300 MB at
 *   10,000 accounts, under 5 s at 50,000). Start-up (reading the intent, the reference, out/ and the
 *   snapshot) is in it, and is most of it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDeployment } from '../src/cli/deployment.js';
import { planRollout, wavesOf } from '../src/plan/index.js';
import { DirectorySource, loadFromCache, syncReference } from '../src/reference/index.js';
import { SNAPSHOT_2026 } from '../test/support/paths.js';
import type { Figure } from './harness.js';
import { runMeasured } from './measured-command.js';
import { SNAPSHOT_FILE, writeScaleWorkspace } from './scale-workspace.js';

const SIZES = [1_000, 10_000, 50_000] as const;
/** Sizes the whole command is timed at, with issue 15's goals for it. */
const COMMAND_GOALS: ReadonlyMap<number, { seconds: number; mib?: number }> = new Map([
  [10_000, { seconds: 3, mib: 300 }],
  [50_000, { seconds: 5 }],
]);
const STAGE_RUNS = 3;
const CONTROLS = 300;

const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchPlanScale(): Promise<Figure[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-bench-plan-'));
  try {
    const cache = path.join(root, 'cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    const reference = await loadFromCache(cache);
    const usageFile = path.join(root, 'usage.json');
    const figures: Figure[] = [];
    const stageMs = new Map<number, number>();
    for (const accounts of SIZES) {
      const dir = path.join(root, `w${accounts}`);
      await writeScaleWorkspace(dir, { controls: CONTROLS, mix: 'spread', accounts }, reference);
      runMeasured(['compile', '--cache', cache], dir, usageFile);

      const sink = { write: () => true } as unknown as NodeJS.WritableStream;
      const loaded = await loadDeployment([], { org: SNAPSHOT_FILE, cache, out: 'out' }, { stdout: sink, stderr: sink, env: process.env, cwd: dir } as never, 'plan');
      if (typeof loaded === 'number') throw new Error(`the scale workspace (${accounts} accounts) did not load for plan`);
      const { waves } = wavesOf(loaded.intent, loaded.deployment.tree);
      const runs: number[] = [];
      let calls = 0;
      for (let i = 0; i < STAGE_RUNS; i++) {
        const start = process.cpuUsage();
        const plan = planRollout(loaded.deployment, waves);
        const used = process.cpuUsage(start);
        runs.push((used.user + used.system) / 1000);
        if (!plan.ok) throw new Error(`the scale plan (${accounts} accounts) was refused: ${plan.diagnostics.map((d) => d.message).slice(0, 3).join('; ')}`);
        calls = plan.totals.calls;
      }
      const ms = medianOf(runs);
      stageMs.set(accounts, ms);
      figures.push({ name: `plan stage: ${accounts.toLocaleString('en-US')} accounts`, value: ms / 1000, unit: 's', note: `planRollout CPU, median of ${STAGE_RUNS}; ${CONTROLS} controls spread, ${waves.length} waves, ${calls} API calls; ${((ms * 1000) / accounts).toFixed(0)} µs an account` });

      const goal = COMMAND_GOALS.get(accounts);
      if (!goal) continue;
      const usage = runMeasured(['plan', '--org', SNAPSHOT_FILE, '--cache', cache], dir, usageFile);
      const wallMs = usage.wallMs;
      const mib = Math.round(usage.maxRssKb / 1024);
      figures.push({
        name: `plan command: ${accounts.toLocaleString('en-US')} accounts`,
        value: wallMs / 1000,
        unit: 's',
        note: `wall; CPU ${(usage.cpuMs / 1000).toFixed(2)} s, peak ${mib} MiB; goal under ${goal.seconds} s${goal.mib ? ` and ${goal.mib} MB` : ''}`,
      });
    }
    const ratio = stageMs.get(50_000)! / stageMs.get(10_000)!;
    figures.push({ name: 'plan stage: 50,000 / 10,000 accounts', value: ratio, unit: 'x', note: 'linear in accounts is 5x' });
    return figures;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
