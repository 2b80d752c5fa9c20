/** Minimization: characters in and out, time, and the equivalence proof over the whole action universe. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SourceIndex } from '../src/diagnostics/index.js';
import { clearCompactionCache, compile, LEVEL_NAMES, minimizePolicy, minimizeStatements, proofInputs, proofOutputs, proveEquivalence } from '../src/compile/index.js';
import { findIntentFiles, loadIntent } from '../src/intent/index.js';
import { parseJsonWithPositions, quotaProfile, readPolicyDocument } from '../src/policy/index.js';
import { DirectorySource, loadFromDirectory, syncReference } from '../src/reference/index.js';
import { PREPROCESSOR_EXAMPLES, PROJECT_ROOT, SNAPSHOT_2026 } from '../test/support/paths.js';
import { median, type Figure } from './harness.js';

export async function benchMinimize(): Promise<Figure[]> {
  const figures: Figure[] = await benchMinimizeCommand();
  const { index: ref, manifest } = await loadFromDirectory(SNAPSHOT_2026);
  const file = path.join(PREPROCESSOR_EXAMPLES, 'example.json');
  const text = fs.readFileSync(file, 'utf8');
  const charsIn = JSON.stringify(JSON.parse(text)).length;
  // The levels: readable by default (level 1, escalating only while the quota is missed, here forced by
  // fewer free slots), --aggressive (today's smallest), --exact (level 1, no wildcard the input does not have).
  const runs = [
    ['aws-legacy', 'readable', undefined],
    ['aws-legacy', 'readable', 3],
    ['aws-legacy', 'readable', 2],
    ['aws-legacy', 'readable', 1],
    ['aws-legacy', 'aggressive', undefined],
    ['aws-2026-05', 'readable', undefined],
    ['aws-legacy', 'exact', undefined],
  ] as const;
  for (const [profile, mode, slots] of runs) {
    const quota = quotaProfile(profile)!.scp;
    const maxPerTarget = slots ?? quota.maxPerTarget;
    let r: ReturnType<typeof minimizePolicy> | undefined;
    const ms = await median(3, () => {
      clearCompactionCache(ref);
      const sources = new SourceIndex();
      const doc = readPolicyDocument(parseJsonWithPositions(file, text, sources).value, sources, { ignoreKeys: ['Comment', 'Comments'] }).document!;
      r = minimizePolicy(doc, sources, ref, { type: 'scp', maxChars: quota.maxChars, maxPerTarget, keepSids: false, mode });
      if (!r.ok) throw new Error('example.json does not minimize');
    });
    const out = r!.policies.reduce((n, p) => n + p.chars, 0);
    const policies = r!.policies.length;
    const sizes = r!.policies.map((p) => p.chars.toLocaleString('en-US')).join(' + ');
    const wildcards = r!.policies.reduce((n, p) => n + p.statements.reduce((m, s) => m + s.introduced.length, 0), 0);
    const label = `minimize example.json, ${profile}${mode === 'readable' ? '' : ` --${mode}`}${slots ? ` --slots ${slots}` : ''}`;
    const why = r!.escalatedFor ? `, forced by ${r!.escalatedFor}` : '';
    figures.push({
      name: label,
      value: ms,
      unit: 'ms',
      note: `level ${r!.level} (${LEVEL_NAMES[r!.level]}${why}); ${charsIn.toLocaleString('en-US')} -> ${out.toLocaleString('en-US')} characters in ${policies} ${policies === 1 ? 'policy' : 'policies'} (${sizes}), ${maxPerTarget} fit per target; ${wildcards} wildcards introduced; 22 of 22 guardrails kept (proven; pre-processor: 7,425, losing 4)`,
    });
  }

  const files = await findIntentFiles(PROJECT_ROOT);
  for (const mode of ['exact', 'readable'] as const) {
    let written = 0;
    let minimized = 0;
    let atLevel1 = '';
    const ms = await median(3, async () => {
      clearCompactionCache(ref);
      const { intent } = await loadIntent({ cwd: PROJECT_ROOT, files });
      intent!.defaults.wildcards = mode;
      const r = compile({ intent: intent!, reference: ref, referenceManifest: manifest, root: PROJECT_ROOT });
      minimized = r.policies.reduce((n, p) => n + p.chars, 0);
      atLevel1 = `${r.policies.filter((p) => p.level === 1).length} of ${r.policies.length} policies at level 1`;
      written = r.placements.flatMap((p) => p.statements).reduce((n, s) => n + JSON.stringify((s.actions ?? s.notActions)!.text).length, 0);
    });
    figures.push({ name: `compile example organization, ${mode}`, value: ms, unit: 'ms', note: `${minimized.toLocaleString('en-US')} characters in all policies (action lists as expanded: ${written.toLocaleString('en-US')}); ${atLevel1}` });
  }

  // The proof on the example organization, and on a statement that names every action of the universe.
  const { intent } = await loadIntent({ cwd: PROJECT_ROOT, files });
  const result = compile({ intent: intent!, reference: ref, referenceManifest: manifest, root: PROJECT_ROOT });
  const statements = result.policies.flatMap((p) => p.statements);
  const inputs = proofInputs(result.placements, PROJECT_ROOT);
  const outputs = proofOutputs(result.policies);
  const proofOrg = await median(7, () => proveEquivalence(inputs, outputs, ref));
  figures.push({ name: 'proof: example organization', value: proofOrg, unit: 'ms', note: `${statements.length} statements, each expanded against all ${ref.size.toLocaleString('en-US')} actions` });
  const everything = ref.allActions();
  for (let id = 0; id < ref.size; id += 7) everything.delete(id);
  const [big] = minimizeStatements([{ effect: 'Deny', element: 'Action', actions: everything, given: [], maxLevel: 1, resources: ['*'], origin: 0 }], ref, { merge: false, keepSids: false, policyType: 'rcp', level: 4 });
  const bigInput = { effect: 'Deny' as const, element: 'Action' as const, actions: everything, resources: ['*'], scopes: [''], label: 'input' };
  const proofBig = await median(5, () => proveEquivalence([bigInput], [{ scopes: [''], statement: big!.statement, label: 'output' }], ref));
  figures.push({ name: 'proof: one statement of 18,842 actions', value: proofBig, unit: 'ms', note: 'every action of the universe but one in seven, as literals' });
  return figures;
}

/** Whole-process runs of each command, alternated so that both see the same machine. */
const COMMAND_RUNS = 5;
/** The issue's goals for `minimize example.json`, whole process. */
const GOAL_RSS_MIB = 100;

interface Usage {
  wallMs: number;
  cpuMs: number;
  maxRssKb: number;
}

/**
 * `guardrails minimize example.json` as a user runs it (a child process: start-up, loading the
 * reference from a synced cache, minimizing, printing), wall time and peak memory, beside AWS's SCP
 * pre-processor on the same file and the same reference snapshot when GUARDRAILS_BENCH_PREPROCESSOR
 * names a checkout of aws-samples/service-control-policy-preprocessor (run offline by
 * preprocessor-offline.py; it needs python3 and `requests`, its only dependency).
 */
async function benchMinimizeCommand(): Promise<Figure[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-bench-minimize-'));
  try {
    const cache = path.join(root, 'service-reference-cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    const file = path.join(PREPROCESSOR_EXAMPLES, 'example.json');
    const usageFile = path.join(root, 'usage.json');
    const probe = new URL('./usage-probe.js', import.meta.url).href;
    const ours = { command: process.execPath, args: ['--import', probe, path.join(PROJECT_ROOT, 'bin', 'guardrails.js'), 'minimize', file, '--type', 'scp', '--cache', cache] };
    const checkout = process.env.GUARDRAILS_BENCH_PREPROCESSOR;
    const theirs = checkout ? { command: 'python3', args: [path.join(PROJECT_ROOT, 'bench', 'preprocessor-offline.py'), path.resolve(checkout), SNAPSHOT_2026, 'process', `file://${file}`] } : undefined;
    const run = (c: { command: string; args: string[] }, what: string): Usage => {
      fs.rmSync(usageFile, { force: true });
      const start = performance.now();
      const r = spawnSync(c.command, c.args, { cwd: root, encoding: 'utf8', env: { ...process.env, GUARDRAILS_BENCH_USAGE: usageFile }, maxBuffer: 64 * 1024 * 1024 });
      const wallMs = performance.now() - start;
      if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${(r.stderr ?? String(r.error)).slice(-2000)}`);
      return { wallMs, ...(JSON.parse(fs.readFileSync(usageFile, 'utf8')) as { cpuMs: number; maxRssKb: number }) };
    };
    const ourRuns: Usage[] = [];
    const theirRuns: Usage[] = [];
    for (let i = 0; i < COMMAND_RUNS; i++) {
      ourRuns.push(run(ours, 'guardrails minimize example.json'));
      if (theirs) theirRuns.push(run(theirs, 'the SCP pre-processor on example.json'));
    }
    const mid = (runs: Usage[], k: keyof Usage) => [...runs.map((u) => u[k])].sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
    const peakMiB = (runs: Usage[]) => Math.max(...runs.map((u) => u.maxRssKb)) / 1024;
    const ourWall = mid(ourRuns, 'wallMs');
    const ourPeak = peakMiB(ourRuns);
    const figures: Figure[] = [];
    if (!theirs) {
      figures.push({
        name: 'minimize example.json, whole process',
        value: ourWall / 1000,
        unit: 's',
        note: `wall, median of ${COMMAND_RUNS}; CPU ${(mid(ourRuns, 'cpuMs') / 1000).toFixed(2)} s; peak ${Math.round(ourPeak)} MiB (goal: under ${GOAL_RSS_MIB} MiB); comparison with the SCP pre-processor skipped: set GUARDRAILS_BENCH_PREPROCESSOR to a checkout of aws-samples/service-control-policy-preprocessor`,
      });
      return figures;
    }
    const theirWall = mid(theirRuns, 'wallMs');
    figures.push({
      name: 'minimize example.json, whole process',
      value: ourWall / 1000,
      unit: 's',
      note: `wall, median of ${COMMAND_RUNS}, alternated with the pre-processor's; CPU ${(mid(ourRuns, 'cpuMs') / 1000).toFixed(2)} s; peak ${Math.round(ourPeak)} MiB (goal: under ${GOAL_RSS_MIB} MiB)`,
    });
    figures.push({
      name: 'SCP pre-processor on example.json, whole process',
      value: theirWall / 1000,
      unit: 's',
      note: `wall, same runs, same snapshot read from disk; CPU ${(mid(theirRuns, 'cpuMs') / 1000).toFixed(2)} s; peak ${Math.round(peakMiB(theirRuns))} MiB`,
    });
    figures.push({
      name: 'minimize example.json / SCP pre-processor',
      value: ourWall / theirWall,
      unit: 'x',
      note: `wall (goal: at most 1.0x); peak memory ${(ourPeak / peakMiB(theirRuns)).toFixed(1)}x`,
    });
    return figures;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
