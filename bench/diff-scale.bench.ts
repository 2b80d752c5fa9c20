/**
 * `guardrails diff` at scale: the workspace of scale-workspace.ts (300 controls spread over the
 * synthetic tree of 2,010 OUs; the organization's snapshot has the first nine tenths deployed) at
 * 1,000, 10,000 and 50,000 accounts.
 *
 * - The command a user runs (`node bin/guardrails.js diff --org org-snapshot.json`, out/ compiled first)
 *   in a child process: wall time measured here, CPU and peak memory reported by the child
 *   (usage-probe.ts); median of two runs (one at 50,000 accounts), highest peak.
 * - The semantic-diff stage alone, in-process, CPU time (a shared machine stretches wall time), median of three (after the workspace, out/ and the
 *   snapshot are loaded as the command loads them): the part that grows with the accounts. It works per
 *   distinct policy chain, so its count of chains and of decided outcomes is printed beside it.
 *
 * Issue 15's goals are printed beside each figure: 10,000 accounts under 3 s and 300 MB for the command,
 * 50,000 under 5 s; linear in accounts would make 50,000 cost 5x 10,000 at most.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDeployment } from '../src/cli/deployment.js';
import { deploymentSemanticDiff, partnerAccountsOf } from '../src/plan/index.js';
import { DirectorySource, loadFromCache, syncReference } from '../src/reference/index.js';
import type { SemanticDiffStats } from '../src/semantic-diff/index.js';
import { SNAPSHOT_2026 } from '../test/support/paths.js';
import type { Figure } from './harness.js';
import { runMeasured } from './measured-command.js';
import { SNAPSHOT_FILE, writeScaleWorkspace } from './scale-workspace.js';

/** `runs` of the command (median wall): the 50,000-account workspace once, to keep the suite near a minute and a half. */
const CASES: readonly { accounts: number; runs: number; goalSeconds?: number; goalMb?: number }[] = [
  { accounts: 1_000, runs: 2 },
  { accounts: 10_000, runs: 2, goalSeconds: 3, goalMb: 300 },
  { accounts: 50_000, runs: 1, goalSeconds: 5 },
];
const CONTROLS = 300;
const STAGE_RUNS = 3;

interface Measured {
  accounts: number;
  wallMs: number;
  cpuMs: number;
  maxRssKb: number;
  stageMs: number;
  stats: SemanticDiffStats;
  groups: number;
}

const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const silent = { write: () => true };

export async function benchDiffScale(): Promise<Figure[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-bench-diff-'));
  try {
    const cache = path.join(root, 'cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    const reference = await loadFromCache(cache);
    const usageFile = path.join(root, 'usage.json');
    const measured: Measured[] = [];
    for (const { accounts, runs } of CASES) {
      const repo = path.join(root, `accounts-${accounts}`);
      await writeScaleWorkspace(repo, { controls: CONTROLS, mix: 'spread', accounts }, reference);
      runMeasured(['compile', '--cache', cache], repo, usageFile);
      const walls: number[] = [];
      const cpus: number[] = [];
      let maxRssKb = 0;
      for (let i = 0; i < runs; i++) {
        const usage = runMeasured(['diff', '--org', SNAPSHOT_FILE, '--cache', cache], repo, usageFile);
        walls.push(usage.wallMs);
        cpus.push(usage.cpuMs);
        maxRssKb = Math.max(maxRssKb, usage.maxRssKb);
      }

      const io = { stdout: silent, stderr: silent, env: process.env, cwd: repo };
      const loaded = await loadDeployment([], { cache, out: 'out', org: SNAPSHOT_FILE }, io, 'diff');
      if (typeof loaded === 'number') throw new Error(`the ${accounts}-account workspace did not load in-process`);
      const personas = { partnerAccounts: partnerAccountsOf(loaded.intent) };
      const stats: SemanticDiffStats = { accounts: 0, chains: 0, decided: 0 };
      const stages: number[] = [];
      let groups = 0;
      for (let i = 0; i < STAGE_RUNS; i++) {
        const start = process.cpuUsage();
        groups = deploymentSemanticDiff(loaded.deployment, loaded.ws.reference!.index, personas, { stats }).length;
        const used = process.cpuUsage(start);
        stages.push((used.user + used.system) / 1000);
      }
      measured.push({ accounts, wallMs: medianOf(walls), cpuMs: medianOf(cpus), maxRssKb, stageMs: medianOf(stages), stats, groups });
      fs.rmSync(repo, { recursive: true, force: true });
    }
    return figuresOf(measured);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function figuresOf(measured: readonly Measured[]): Figure[] {
  const figures: Figure[] = [];
  const count = (n: number) => n.toLocaleString('en-US');
  for (const m of measured) {
    const goal = CASES.find((c) => c.accounts === m.accounts)!;
    const goals = [goal.goalSeconds ? `under ${goal.goalSeconds} s` : '', goal.goalMb ? `${goal.goalMb} MB` : ''].filter(Boolean).join(' and ');
    figures.push({
      name: `diff at scale: ${count(m.accounts)} accounts, command wall`,
      value: m.wallMs / 1000,
      unit: 's',
      note: `CPU ${(m.cpuMs / 1000).toFixed(2)} s, peak ${Math.round(m.maxRssKb / 1024)} MiB${goals ? `; goal ${goals}` : ''}`,
    });
  }
  for (const m of measured) {
    figures.push({
      name: `diff at scale: ${count(m.accounts)} accounts, semantic-diff stage CPU`,
      value: m.stageMs,
      unit: 'ms',
      note: `${count(m.stats.accounts)} accounts, ${count(m.stats.chains)} distinct chains, ${count(m.stats.decided)} outcomes decided, ${m.groups} groups reported`,
    });
  }
  const [ten, fifty] = [measured.find((m) => m.accounts === 10_000)!, measured.find((m) => m.accounts === 50_000)!];
  figures.push({
    name: 'diff at scale: 50,000 / 10,000 accounts',
    value: fifty.wallMs / ten.wallMs,
    unit: 'x',
    note: `command wall; command CPU ${(fifty.cpuMs / ten.cpuMs).toFixed(2)}x; semantic-diff stage ${(fifty.stageMs / ten.stageMs).toFixed(2)}x; linear in accounts would be 5x at most`,
  });
  return figures;
}
