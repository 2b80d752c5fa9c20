/**
 * Start-up: what every command pays before its own work, on the scale workspace (scale-workspace.ts:
 * 300 controls spread, 2,010 OUs and 10,000 accounts written out in organization.yaml).
 *
 * - `guardrails validate` as a user runs it, in a child process that reports its own CPU time and peak
 *   memory (usage-probe.ts); wall time measured around it; median of three. `guardrails --help` alone
 *   is the cost of starting node and loading the CLI.
 * - Each start-up stage in-process, median of five: the service reference load, the YAML of
 *   organization.yaml (the fast path loadYaml takes, and the library path for comparison), the schema check of it, the whole intent load (both files: YAML, schema, merge,
 *   tree), the reference load and the intent load together as validate runs them, and the in-memory
 *   compile validate ends with.
 * - YAML with aliases: the loader's time for N and 4N aliases (linear is 4x).
 * - `simulate` of 2,816 tests written with aliases against the same tests written out (the example
 *   repository's tests, repeated), each in a child process: the same work, so linear loading is 1x.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { compile } from '../src/compile/index.js';
import { SourceIndex } from '../src/diagnostics/source-index.js';
import { loadIntent } from '../src/intent/index.js';
import { checkSchema } from '../src/intent/schema-check.js';
import { loadYamlSlow } from '../src/intent/yaml-library.js';
import { loadYaml } from '../src/intent/yaml-loader.js';
import { DirectorySource, loadFromCache, loadFromCacheAside, syncReference } from '../src/reference/index.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../test/support/paths.js';
import { median, type Figure } from './harness.js';
import { runMeasured } from './measured-command.js';
import { writeScaleWorkspace } from './scale-workspace.js';

const COMMAND_RUNS = 3;
const STAGE_RUNS = 5;
/** Aliases in the smaller YAML document; the larger has four times as many. */
const ALIASES = 2_000;
/** The issue's case: 2,816 tests written with aliases. */
const ALIASED_TESTS = 2_816;

interface Usage {
  cpuMs: number;
  maxRssKb: number;
}

interface Run extends Usage {
  wallMs: number;
}

export async function benchStartup(): Promise<Figure[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-bench-startup-'));
  try {
    const cache = path.join(root, 'cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    const reference = await loadFromCache(cache);
    const repo = path.join(root, 'scale');
    await writeScaleWorkspace(repo, { controls: 300, mix: 'spread', accounts: 10_000 }, reference);
    const usageFile = path.join(root, 'usage.json');
    const command = (cwd: string, args: string[], expectStatus = 0): Run => {
      const { wallMs, cpuMs, maxRssKb } = runMeasured(args, cwd, usageFile, [expectStatus]);
      return { wallMs, cpuMs, maxRssKb };
    };
    const medianOf = (runs: Run[]): Run => {
      const mid = (k: keyof Usage | 'wallMs') => runs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
      return { wallMs: mid('wallMs'), cpuMs: mid('cpuMs'), maxRssKb: Math.max(...runs.map((r) => r.maxRssKb)) };
    };
    const repeat = (n: number, f: () => Run) => medianOf(Array.from({ length: n }, f));

    const help = repeat(COMMAND_RUNS, () => command(repo, ['--help']));
    const validate = repeat(COMMAND_RUNS, () => command(repo, ['validate', '--cache', cache]));

    // The stages, in-process (modules loaded, so no module-load time in these).
    const loadReference = () => loadFromCache(cache, 'current', { cwd: repo });
    const orgFile = path.join(repo, 'guardrails', 'organization.yaml');
    const orgText = fs.readFileSync(orgFile, 'utf8');
    const orgValue = (await loadYaml(orgFile, orgText, new SourceIndex())).documents[0]!.value;
    const referenceMs = await median(STAGE_RUNS, loadReference);
    const yamlMs = await median(STAGE_RUNS, () => loadYaml(orgFile, orgText, new SourceIndex()));
    const yamlLibraryMs = await median(STAGE_RUNS, () => loadYamlSlow(orgFile, orgText, new SourceIndex()));
    const schemaMs = await median(STAGE_RUNS, () => checkSchema(orgValue, new SourceIndex()));
    const intentMs = await median(STAGE_RUNS, () => loadIntent({ cwd: repo }));
    const togetherMs = await median(STAGE_RUNS, async () => {
      const ref = loadFromCacheAside(cache, 'current', { cwd: repo });
      await loadIntent({ cwd: repo });
      await ref;
    });
    const { intent } = await loadIntent({ cwd: repo });
    const compileMs = await median(STAGE_RUNS, () => compile({ intent: intent!, reference: reference.index, referenceManifest: reference.manifest, root: repo }));

    // YAML with N and 4N aliases.
    const small = aliasedDocument(ALIASES);
    const large = aliasedDocument(4 * ALIASES);
    const smallMs = await median(STAGE_RUNS, () => loadYaml('a.yaml', small, new SourceIndex()));
    const largeMs = await median(STAGE_RUNS, () => loadYaml('a.yaml', large, new SourceIndex()));

    // simulate: the example's tests repeated, written with aliases and written out.
    const simulate = (aliases: boolean): Run => {
      const dir = path.join(root, aliases ? 'aliased' : 'written');
      fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(dir, 'guardrails'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'guardrails', 'repeated-tests.yaml'), repeatedTests(path.join(PROJECT_ROOT, 'guardrails', 'tests.yaml'), ALIASED_TESTS, aliases));
      return repeat(1, () => command(dir, ['simulate', '--cache', cache]));
    };
    const aliased = simulate(true);
    const written = simulate(false);

    const s = (ms: number) => ms / 1000;
    return [
      { name: 'guardrails --help (node and the CLI)', value: s(help.wallMs), unit: 's', note: `${s(help.cpuMs).toFixed(2)} s CPU, ${Math.round(help.maxRssKb / 1024)} MB` },
      { name: 'validate, 300 controls, 10k accounts: wall', value: s(validate.wallMs), unit: 's', note: `goal under 1 s; ${s(validate.cpuMs).toFixed(2)} s CPU; median of ${COMMAND_RUNS}` },
      { name: 'validate, 300 controls, 10k accounts: peak RSS', value: validate.maxRssKb / 1024, unit: 'MB' },
      { name: '  stage: service reference load', value: referenceMs, unit: 'ms' },
      { name: '  stage: YAML of organization.yaml', value: yamlMs, unit: 'ms', note: `${Math.round(orgText.length / 1024)} KB; the fast path (yaml-fast.ts)` },
      { name: '  stage: YAML of organization.yaml, library path', value: yamlLibraryMs, unit: 'ms', note: `what a file outside the fast subset costs; fast path ${(yamlLibraryMs / yamlMs).toFixed(1)}x faster` },
      { name: '  stage: schema check of organization.yaml', value: schemaMs, unit: 'ms' },
      { name: '  stage: intent load (both files)', value: intentMs, unit: 'ms', note: 'YAML, schema, merge, tree' },
      { name: '  stage: reference (worker) and intent together', value: togetherMs, unit: 'ms', note: `${Math.round(referenceMs + intentMs)} ms one after the other, both warm; the worker starts cold each time, as in the CLI` },
      { name: '  stage: in-memory compile', value: compileMs, unit: 'ms' },
      { name: `YAML, ${ALIASES.toLocaleString('en-US')} aliases`, value: smallMs, unit: 'ms' },
      { name: `YAML, ${(4 * ALIASES).toLocaleString('en-US')} aliases`, value: largeMs, unit: 'ms', note: `${(largeMs / smallMs).toFixed(1)}x for 4x the aliases (linear: 4x)` },
      { name: `simulate, ${ALIASED_TESTS.toLocaleString('en-US')} tests with aliases`, value: s(aliased.wallMs), unit: 's', note: `${s(aliased.cpuMs).toFixed(2)} s CPU` },
      {
        name: `simulate, the same tests written out`,
        value: s(written.wallMs),
        unit: 's',
        note: `${s(written.cpuMs).toFixed(2)} s CPU; aliases/written ${(aliased.cpuMs / written.cpuMs).toFixed(2)}x CPU (linear: about 1x)`,
      },
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** Ten anchored requests and `aliases` tests using them, as `*reqK` or merged with `<<: *reqK`. */
function aliasedDocument(aliases: number): string {
  const lines = ['version: 1', 'tests:'];
  for (let k = 0; k < 10; k++) {
    lines.push(`  - name: base-${k}`, `    request: &req${k} { principal: "arn:aws:iam::111111111111:role/r${k}", action: s3:GetObject, resource: "arn:aws:s3:::b${k}/k" }`, '    expect: deny');
  }
  for (let i = 0; i < aliases; i++) lines.push(`  - name: t-${i}`, i % 2 ? `    request: *req${i % 10}` : `    request: { <<: *req${i % 10}, resourceAccount: "222222222222" }`, '    expect: deny');
  return lines.join('\n') + '\n';
}

/**
 * The tests of `file`, repeated to `count` under new names. With aliases, each test's request is
 * anchored where it is first written and every repetition is an alias of it (every other one merged
 * into a mapping, `<<: *reqK`); without, every request is written out.
 */
function repeatedTests(file: string, count: number, aliases: boolean): string {
  const tests = (parse(fs.readFileSync(file, 'utf8')) as { tests: Record<string, unknown>[] }).tests;
  const lines = ['version: 1', 'tests:'];
  for (let i = 0; i < count; i++) {
    const k = i % tests.length;
    const t = tests[k]!;
    const request = JSON.stringify(t.request);
    lines.push(`  - name: ${JSON.stringify(`${String(t.name)} (repeated, ${i})`)}`);
    if (!aliases) lines.push(`    request: ${request}`);
    else if (i < tests.length) lines.push(`    request: &req${k} ${request}`);
    else lines.push(i % 2 ? `    request: *req${k}` : `    request: { <<: *req${k} }`);
    for (const [key, value] of Object.entries(t)) if (key !== 'name' && key !== 'request') lines.push(`    ${key}: ${JSON.stringify(value)}`);
  }
  return lines.join('\n') + '\n';
}
