/**
 * Compile at scale: N controls (scale-intent.ts) on the synthetic organization of 2,010 OUs and 10,000
 * accounts, for N = 100, 200 and 300.
 *
 * - The command a user runs (`node bin/guardrails.js compile`, out/ written) in a child process, which
 *   reports its own CPU time and peak memory (usage-probe.ts); median of three runs, each from an
 *   empty out/ (no previous spellings or packing to keep).
 * - The compile stage alone, in-process (`compile()` after the intent and the reference are loaded).
 * - The former default, before issue 13's levels, wrote every group with arbitrary-substring wildcards
 *   (level 3). Production code has no switch for it any more, so the benchmark times what it added: the
 *   target groups this compile formed, minimized at level 3 as packing did (merged and with Sids kept,
 *   under `sids: auto`), on a cold compaction cache. The former default's compile stage is counted as
 *   today's stage plus that work; today's level-1 pass, which it replaces, is in both, so the ratio is,
 *   if anything, low.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { clearCompactionCache, compile, maxLevelFor, minimizeStatements, type CompileResult, type ExpandedStatement, type IntendedStatement } from '../src/compile/index.js';
import { loadIntent } from '../src/intent/index.js';
import { DirectorySource, loadFromCache, syncReference, type ReferenceIndex } from '../src/reference/index.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../test/support/paths.js';
import type { Figure } from './harness.js';
import { writeScaleRepository } from './scale-intent.js';

const SIZES = [100, 200, 300] as const;
const RUNS = 3;

interface Usage {
  cpuMs: number;
  maxRssKb: number;
}

const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

export async function benchCompileScale(): Promise<Figure[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-bench-scale-'));
  try {
    const cache = path.join(root, 'cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    const reference = await loadFromCache(cache);
    const ref = reference.index;
    const bin = path.join(PROJECT_ROOT, 'bin', 'guardrails.js');
    const probe = pathToFileURL(path.join(path.dirname(new URL(import.meta.url).pathname), 'usage-probe.js')).href;

    const command = new Map<number, { cpuMs: number; maxRssKb: number; policies: number; atLevel1: number }>();
    const stage = new Map<number, number>();
    const former = new Map<number, number>();
    for (const n of SIZES) {
      const repo = path.join(root, `org-${n}`);
      writeScaleRepository(repo, n, ref);
      const out = path.join(repo, 'out');
      const usageFile = path.join(root, 'usage.json');
      const runs: Usage[] = [];
      for (let i = 0; i < RUNS; i++) {
        fs.rmSync(out, { recursive: true, force: true });
        const r = spawnSync(process.execPath, ['--import', probe, bin, 'compile', '--cache', cache, '--out', out], { cwd: repo, encoding: 'utf8', env: { ...process.env, GUARDRAILS_BENCH_USAGE: usageFile } });
        if (r.status !== 0) throw new Error(`compile of ${n} controls failed:\n${r.stderr.slice(-2000)}`);
        runs.push(JSON.parse(fs.readFileSync(usageFile, 'utf8')) as Usage);
      }
      const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { policies: { level?: number }[] };
      command.set(n, { cpuMs: medianOf(runs.map((u) => u.cpuMs)), maxRssKb: Math.max(...runs.map((u) => u.maxRssKb)), policies: manifest.policies.length, atLevel1: manifest.policies.filter((p) => (p.level ?? 1) === 1).length });

      // In-process: the compile stage, then the former default's extra work on the same groups.
      const { intent } = await loadIntent({ cwd: repo });
      const stages: number[] = [];
      const formers: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        clearCompactionCache(ref);
        const start = process.cpuUsage();
        const result = compile({ intent: intent!, reference: ref, referenceManifest: reference.manifest, root: repo });
        stages.push(cpuMsSince(start));
        if (!result.ok) throw new Error(`compile of ${n} controls failed in-process`);
        clearCompactionCache(ref);
        const extra = process.cpuUsage();
        compactLikeFormerDefault(result, ref);
        formers.push(stages[i]! + cpuMsSince(extra));
      }
      stage.set(n, medianOf(stages));
      former.set(n, medianOf(formers));
    }

    const figures: Figure[] = [];
    const first = SIZES[0];
    const last = SIZES[SIZES.length - 1]!;
    for (const n of SIZES) {
      const c = command.get(n)!;
      figures.push({
        name: `compile at scale: ${n} controls, command CPU`,
        value: c.cpuMs / 1000,
        unit: 's',
        note: `${(c.cpuMs / n).toFixed(1)} ms a control; peak ${Math.round(c.maxRssKb / 1024)} MB; ${c.policies} policies, ${c.atLevel1} at level 1; 2,010 OUs, 10,000 accounts`,
      });
    }
    for (const n of SIZES) {
      figures.push({ name: `compile at scale: ${n} controls, compile stage CPU`, value: stage.get(n)!, unit: 'ms', note: `${(stage.get(n)! / n).toFixed(2)} ms a control; former default (level 3 everywhere): ${Math.round(former.get(n)!).toLocaleString('en-US')} ms, ${(former.get(n)! / stage.get(n)!).toFixed(1)}x more` });
    }
    const ratio = (m: Map<number, number>) => m.get(last)! / m.get(first)!;
    const commandCpu = new Map([...command].map(([n, c]) => [n, c.cpuMs]));
    figures.push({ name: `compile at scale: CPU ${last} / ${first} controls`, value: ratio(commandCpu), unit: 'x', note: `linear in controls would be ${(last / first).toFixed(1)}x over a fixed cost; compile stage ${ratio(stage).toFixed(2)}x, former default's stage ${ratio(former).toFixed(2)}x` });
    const formerCommand = command.get(last)!.cpuMs + former.get(last)! - stage.get(last)!;
    figures.push({
      name: `compile at scale: ${last} controls, former default / today`,
      value: former.get(last)! / stage.get(last)!,
      unit: 'x',
      note: `compile stage CPU, ${Math.round(former.get(last)!).toLocaleString('en-US')} / ${Math.round(stage.get(last)!).toLocaleString('en-US')} ms; whole command ${(formerCommand / command.get(last)!.cpuMs).toFixed(1)}x (${(formerCommand / 1000).toFixed(2)} / ${(command.get(last)!.cpuMs / 1000).toFixed(2)} s, loading the 10,000-account intent is the same in both)`,
    });
    return figures;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * What the former default did on top of today's level-1 pass: every target group's statements
 * minimized at level 3 (every Deny of actions might be compacted, whatever its condition), both merged
 * and with Sids kept as packing compares them under `sids: auto`. Groups are formed as packing forms
 * them: the placements of the same policy type whose targets are the same.
 */
function compactLikeFormerDefault(result: CompileResult, ref: ReferenceIndex): void {
  for (const type of ['scp', 'rcp'] as const) {
    const groups = new Map<string, typeof result.placements>();
    for (const p of result.placements) {
      if (p.targets.length === 0 || !p.statements.some((s) => s.draft.type === type)) continue;
      const key = p.targets.map((t) => t.path).sort().join('|');
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    for (const placements of groups.values()) {
      const intended = placements.flatMap((p) => p.statements.filter((s) => s.draft.type === type).map((s) => formerIntended(s)));
      minimizeStatements(intended, ref, { merge: true, keepSids: false, policyType: type, level: 3 });
      for (const p of placements) minimizeStatements(intended.filter((i) => i.origin.draft.control === p.control), ref, { merge: false, keepSids: true, policyType: type, level: 3 });
    }
  }
}

function formerIntended(e: ExpandedStatement): IntendedStatement<ExpandedStatement> {
  const d = e.draft;
  const list = (e.actions ?? e.notActions)!;
  const element = e.actions ? 'Action' : 'NotAction';
  // `aggressive` is the levels' name for "no drift cap": the former default compacted every Deny of actions.
  const item: IntendedStatement<ExpandedStatement> = { effect: d.effect, element, actions: list.set, given: list.text, written: list.text, maxLevel: maxLevelFor({ effect: d.effect, element, condition: d.condition }, 'aggressive', d.type), sid: d.sid, origin: e };
  if (d.principal) item.principal = d.principal;
  if (d.resources) item.resources = [...new Set(d.resources)];
  if (d.notResources) item.notResources = [...new Set(d.notResources)];
  if (d.condition && Object.keys(d.condition).length) item.condition = d.condition;
  return item;
}
