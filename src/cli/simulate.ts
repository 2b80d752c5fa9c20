import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { hasErrors, quoteUntrusted, sortDiagnostics, type Diagnostic } from '../diagnostics/index.js';
import { compile } from '../compile/index.js';
import { applyWaivers, describeExpectation, junitXml, resultsJson, shortActual, simulate, summary, type ScenarioResult } from '../simulate/index.js';
import { summarizeCounts } from './format.js';
import { EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, UsageError, inGithubActions, terminalWidth, writeCommand, writeStyled, type CliIO } from './io.js';
import { annotationOfScenario, githubAnnotation } from '../report/github-annotations.js';
import { renderTable } from '../report/table.js';
import { readOutIfAny, reportPolicySource } from './policy-source.js';
import { openWorkspace, printDiagnostics, warningsShownByCompile } from './workspace.js';
import type { ReferenceLoad } from './reference-load.js';
import { writeJson } from './json-output.js';
import { outputFormat, writeSarif } from './output-format.js';
import { repoPaths } from './repo-paths.js';

export interface SimulateFlags {
  cache: string;
  /** Set when the cache is the copy shipped with guardrails: its version (reference-cache.ts). */
  shippedWith?: string;
  /** The reference's load, when the command line started it (reference-load.ts). */
  referenceLoad?: ReferenceLoad;
  engine: string;
  json?: boolean;
  /** text, json or sarif (output-format.ts). */
  format?: string;
  /** Errors only on stderr. */
  quiet?: boolean;
  junit?: string;
  generated: boolean;
  all?: boolean;
  /** The compiled policies: simulated as they are when compiled from the same inputs (policy-source.ts). */
  out?: string;
}

/** Failing scenarios annotated at most (GitHub shows ten errors of a step): the table lists them all. */
const ANNOTATED_FAILURES = 50;

export async function runSimulate(files: string[], flags: SimulateFlags, io: CliIO): Promise<number> {
  if (flags.engine !== 'local' && flags.engine !== 'aws') throw new UsageError(`--engine must be local or aws, not "${flags.engine}"`);
  const format = outputFormat(flags);
  const ws = await openWorkspace(files, flags, io, flags.referenceLoad);
  // A SARIF log is written whatever the outcome: a malformed intent is what code scanning must show.
  const failed = (diagnostics: readonly Diagnostic[], why: (counts: string) => string) => {
    const sorted = printDiagnostics(diagnostics, ws, io, { quiet: flags.quiet });
    io.stderr.write(`simulate failed: ${why(summarizeCounts(sorted))}\n`);
    if (format === 'sarif') writeSarif(io, { diagnostics: sorted, files: ws.files });
    return EXIT_BAD_INPUT;
  };
  if (!ws.intent || !ws.reference || hasErrors(ws.diagnostics)) return failed(ws.diagnostics, (counts) => counts);
  // out/ is simulated as committed when it is what the intent compiles to; else the intent compiled in
  // memory, afresh, as simulate always has (it does not require out/).
  const out = await readOutIfAny(flags.out ?? 'out', io.cwd);
  const compiled = compile({ intent: ws.intent, reference: ws.reference.index, referenceManifest: ws.reference.manifest, root: io.cwd, ...(out ? { out } : {}) });
  reportPolicySource(compiled, io, out ? undefined : 'no out/manifest.json with an input digest');
  if (!compiled.ok) return failed(compiled.diagnostics, (counts) => `the intent does not compile (${counts})`);
  const sim = simulate(ws.intent, compiled, ws.reference.index, { generated: flags.generated });
  if (hasErrors(sim.diagnostics)) return failed(sim.diagnostics, (counts) => counts);
  let results: ScenarioResult[] = sim.results;
  if (flags.engine === 'aws') {
    const { runWithAws, AwsEngineError } = await import('../simulate/aws-engine.js');
    try {
      results = applyWaivers(ws.intent, await runWithAws(sim.world, sim.scenarios, results, { env: io.env }));
    } catch (e) {
      if (!(e instanceof AwsEngineError)) throw e;
      // The message quotes what the IAM endpoint answered: any text, any length.
      io.stderr.write(`error aws-engine: ${quoteUntrusted(e.message, 1000)}\n`);
      return EXIT_BAD_INPUT;
    }
  }
  // The intent's warnings are printed here unless compile already did for these inputs (out/ reused).
  const shownByCompile = warningsShownByCompile(compiled, ws.diagnostics, compiled.diagnostics);
  const reported = [...ws.diagnostics, ...compiled.diagnostics, ...sim.diagnostics].filter((d) => !shownByCompile.has(d));
  printDiagnostics([...ws.diagnostics, ...compiled.diagnostics, ...sim.diagnostics], ws, io, { quiet: flags.quiet, shownByCompile });
  if (flags.junit) await fs.writeFile(path.resolve(io.cwd, flags.junit), junitXml(results, repoPaths(io.cwd).relative));
  const s = summary(results);
  if (format === 'json') writeJson(io, { ...(resultsJson(results) as object), unsimulated: sim.unsimulated });
  if (format === 'sarif') writeSarif(io, { diagnostics: sortDiagnostics(reported, ws.files), files: ws.files, scenarios: results });
  if (format !== 'text') return s.failed ? EXIT_FINDINGS : EXIT_OK;
  const shown = flags.all ? results : results.filter((r) => r.scenario.origin === 'test' || !r.pass || r.waived !== undefined);
  const rows = shown.map((r) => [r.pass ? 'pass' : r.waived !== undefined ? 'waived' : 'FAIL', r.scenario.name, describeExpectation(r.scenario.expect), r.pass ? shortActual(r) : (r.failure ?? r.actual), r.engine]);
  const lines = renderTable(['result', 'scenario', 'expected', 'actual (deciding statement)', 'engine'], rows, terminalWidth(io));
  lines.forEach((line, i) => {
    // A failing row starts with FAIL: red where colour shows.
    if (i >= 2 && rows[i - 2]![0] === 'FAIL') {
      writeStyled(io.stdout, 'FAIL', 'error');
      io.stdout.write(`${line.slice(4)}\n`);
    } else io.stdout.write(`${line}\n`);
  });
  const waivers = results.filter((r) => r.waived !== undefined);
  if (waivers.length) {
    io.stdout.write('\nwaived (simulate.waive in the intent):\n');
    for (const r of waivers) io.stdout.write(`  ${r.scenario.name}: ${quoteUntrusted(r.waived!, 500)}${r.pass ? ' (the scenario passes now: the waiver can go)' : ''}\n`);
  }
  if (sim.unsimulated.length) {
    io.stdout.write(`\n${sim.unsimulated.length} condition${sim.unsimulated.length === 1 ? '' : 's'} of Deny statements without generated scenarios (only the intent's tests check them):\n`);
    for (const u of sim.unsimulated) io.stdout.write(`  ${quoteUntrusted(u, 300)}\n`);
  }
  if (inGithubActions(io.env)) {
    const paths = repoPaths(io.cwd);
    const failing = results.filter((r) => !r.pass && r.waived === undefined);
    for (const r of failing.slice(0, ANNOTATED_FAILURES)) writeCommand(io.stderr, githubAnnotation(annotationOfScenario(r, (f) => paths.relative(f))));
  }
  const hidden = results.length - shown.length;
  io.stdout.write(
    `\n${s.passed} of ${s.total} scenarios pass (${s.declared} from the intent's tests, ${s.generated} generated from the controls${hidden ? `; ${hidden} passing generated scenarios not shown, --all shows them` : ''})` +
      `${s.waived ? `; ${s.waived} failing waived` : ''}${s.failed ? `; ${s.failed} FAILED` : ''}\n`,
  );
  return s.failed ? EXIT_FINDINGS : EXIT_OK;
}
