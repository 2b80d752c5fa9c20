import * as path from 'node:path';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/index.js';
import { compile, locateOut, readOutManifest, readOutPolicies, writeOut } from '../compile/index.js';
import { displayPath, formatCount, summarizeCounts } from './format.js';
import { EXIT_BAD_INPUT, EXIT_OK, terminalWidth, type CliIO } from './io.js';
import { table } from '../report/table.js';
import { openWorkspace, printDiagnostics } from './workspace.js';
import type { ReferenceLoad } from './reference-load.js';
import { snapshotDate } from '../reference/index.js';
import { writeJson } from './json-output.js';
import { shippedNote } from './reference-cache.js';
import { outputFormat, writeSarif } from './output-format.js';
import { accessAnalyzerCrossCheck } from './access-analyzer.js';

export interface CompileFlags {
  cache: string;
  /** Set when the cache is the copy shipped with guardrails: its version (reference-cache.ts). */
  shippedWith?: string;
  /** The reference's load, when the command line started it (reference-load.ts). */
  referenceLoad?: ReferenceLoad;
  out: string;
  json?: boolean;
  /** text, json or sarif (output-format.ts). */
  format?: string;
  /** Errors only on stderr. */
  quiet?: boolean;
  repack?: boolean;
  /** Cross-check every policy with IAM Access Analyzer before out/ is written (access-analyzer.ts). */
  accessAnalyzer?: boolean;
}

export async function runCompile(files: string[], flags: CompileFlags, io: CliIO): Promise<number> {
  const format = outputFormat(flags);
  // JSON and SARIF go to stdout alone; stderr then shows only the errors.
  const machine = format !== 'text';
  const ws = await openWorkspace(files, flags, io, flags.referenceLoad);
  // With --json or --format sarif, stdout always holds one document, failed or not (like validate's).
  const failJson = (diagnostics: Diagnostic[]) => {
    const sorted = sortDiagnostics(diagnostics, ws.files);
    if (format === 'json') writeJson(io, { ok: false, files: ws.files, diagnostics: sorted });
    if (format === 'sarif') writeSarif(io, { diagnostics: sorted, files: ws.files });
  };
  if (!ws.intent || !ws.reference || hasErrors(ws.diagnostics)) {
    const sorted = printDiagnostics(ws.diagnostics, ws, io, { quiet: flags.quiet });
    io.stderr.write(`compile failed: ${summarizeCounts(sorted)}; nothing written\n`);
    failJson(ws.diagnostics);
    return EXIT_BAD_INPUT;
  }
  const outDir = path.resolve(io.cwd, flags.out);
  const shownOut = `${displayPath(outDir, io.cwd)}/`;
  const located = locateOut(flags.out, io.cwd);
  if (!located.ok) {
    const sorted = printDiagnostics([...ws.diagnostics, ...located.diagnostics], ws, io, { quiet: flags.quiet });
    io.stderr.write(`compile failed: ${summarizeCounts(sorted)}; nothing written\n`);
    failJson([...ws.diagnostics, ...located.diagnostics]);
    return EXIT_BAD_INPUT;
  }
  const outDiagnostics: Diagnostic[] = [];
  const previous = flags.repack ? undefined : await readOutManifest(located.dir, { cwd: io.cwd, sources: ws.sources, diagnostics: outDiagnostics });
  const previousTexts = previous ? await readOutPolicies(located.dir, previous, { cwd: io.cwd, diagnostics: outDiagnostics }) : undefined;
  const result = compile({ intent: ws.intent, reference: ws.reference.index, referenceManifest: ws.reference.manifest, root: io.cwd, previous, ...(previousTexts ? { previousTexts } : {}) });
  let all = [...ws.diagnostics, ...outDiagnostics, ...result.diagnostics];
  /** `checked`: what the Access Analyzer cross-check found, said after the diagnostics it counts. */
  const fail = (what: string, checked?: string) => {
    const sorted = printDiagnostics(machine ? all.filter((d) => d.severity === 'error') : all, ws, io, { quiet: flags.quiet });
    if (checked && !machine) io.stderr.write(`${checked}\n`);
    io.stderr.write(`compile failed: ${summarizeCounts(sorted)}; ${what}\n`);
    failJson(all);
    return EXIT_BAD_INPUT;
  };
  if (!result.ok || !result.manifest) return fail(`${shownOut} left as it was`);
  // Before anything is written: an ERROR finding leaves out/ as it was.
  let crossChecked: string | undefined;
  if (flags.accessAnalyzer) {
    const checked = await accessAnalyzerCrossCheck(result.policies, ws.intent, io, (p) => `${shownOut}${p.file}`);
    all = [...all, ...checked.diagnostics];
    crossChecked = checked.summary;
    if (hasErrors(checked.diagnostics)) return fail(`${shownOut} left as it was`, checked.summary);
  }
  const written = await writeOut(located.dir, result.policies, result.manifest);
  all = [...all, ...written.diagnostics];
  if (!written.ok) return fail(`${shownOut} left as it was`);
  printDiagnostics(machine ? all.filter((d) => d.severity === 'error') : all, ws, io, { quiet: flags.quiet });
  if (format === 'json') writeJson(io, { ok: true, out: displayPath(outDir, io.cwd), manifest: result.manifest, diagnostics: sortDiagnostics(all, ws.files) });
  if (format === 'sarif') writeSarif(io, { diagnostics: sortDiagnostics(all, ws.files), files: ws.files });
  if (machine) return EXIT_OK;
  const rows = result.policies.map((p) => [
    p.name,
    p.type.toUpperCase(),
    `${formatCount(p.chars)} / ${formatCount(p.maxChars)}`,
    `${Math.round((p.chars / p.maxChars) * 100)}%`,
    String(p.statements.length),
    p.level === 1 ? '1' : `${p.level} (${p.escalatedFor?.split(':')[0] ?? 'quota'})`,
    listTargets(p.targets.map((t) => t.path.split('/').slice(1).join('/') || t.path)),
  ]);
  io.stdout.write(table(['policy', 'type', 'characters', 'used', 'statements', 'level', 'targets'], rows, terminalWidth(io)));
  const snap = result.manifest.reference;
  // The date of what the reference holds (a mirror's dated path, AWS's Last-Modified), not of the copy.
  const dated = snapshotDate(ws.reference!.manifest, 'cache');
  const of = dated.basis === 'synced' ? `synced ${dated.date.slice(0, 10)}` : `of ${dated.date.slice(0, 10)}`;
  io.stdout.write(
    `\n${result.policies.length} policies from ${ws.intent.controls.length} controls written to ${displayPath(outDir, io.cwd)}/ (reference ${snap.snapshotId} ${of}${shippedNote(flags)}, quotas ${result.quotas.profile}); ${summarizeCounts(all)}\n`,
  );
  if (crossChecked) io.stdout.write(`${crossChecked}\n`);
  return EXIT_OK;
}

/** A few targets by name: a control that excludes one account per OU can land on tens of thousands. */
function listTargets(paths: string[], shown = 12): string {
  if (paths.length <= shown) return paths.join(', ');
  return `${paths.slice(0, shown).join(', ')} and ${formatCount(paths.length - shown)} more (out/manifest.json lists them all)`;
}
