import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/index.js';
import { compile } from '../compile/index.js';
import { checkIntent } from '../intent/index.js';
import { summarizeCounts } from './format.js';
import { openWorkspace, printDiagnostics } from './workspace.js';
import type { ReferenceLoad } from './reference-load.js';
import { EXIT_BAD_INPUT, EXIT_OK, type CliIO } from './io.js';
import { writeJson } from './json-output.js';
import { outputFormat, writeSarif } from './output-format.js';
import { accessAnalyzerCrossCheck } from './access-analyzer.js';

export interface ValidateFlags {
  cache: string;
  /** Set when the cache is the copy shipped with guardrails: its version (reference-cache.ts). */
  shippedWith?: string;
  /** The reference's load, when the command line started it (reference-load.ts). */
  referenceLoad?: ReferenceLoad;
  json?: boolean;
  /** text, json or sarif (output-format.ts). */
  format?: string;
  /** Errors only on stderr. */
  quiet?: boolean;
  /** Cross-check the policies the intent compiles to with IAM Access Analyzer (access-analyzer.ts). */
  accessAnalyzer?: boolean;
}

export async function runValidate(files: string[], flags: ValidateFlags, io: CliIO): Promise<number> {
  const format = outputFormat(flags);
  const ws = await openWorkspace(files, flags, io, flags.referenceLoad);
  const all: Diagnostic[] = [...ws.diagnostics];
  let crossChecked: string | undefined;
  if (ws.intent && ws.reference && !hasErrors(ws.diagnostics)) {
    // Everything compile would reject (imported files, templates, quotas, slots) is a validation error
    // too: a pull request that validates must compile. Nothing is written.
    const compiled = compile({ intent: ws.intent, reference: ws.reference.index, referenceManifest: ws.reference.manifest, root: io.cwd, manifest: false });
    for (const d of compiled.diagnostics) all.push(d);
    if (flags.accessAnalyzer && compiled.ok && !hasErrors(all)) {
      const checked = await accessAnalyzerCrossCheck(compiled.policies, ws.intent, io);
      all.push(...checked.diagnostics);
      crossChecked = checked.summary;
    }
  } else if (ws.intent) {
    all.push(...checkIntent(ws.intent, ws.reference?.index));
  }
  const sorted = sortDiagnostics(all, ws.files);
  const ok = !hasErrors(sorted);
  if (format === 'json') writeJson(io, { ok, files: ws.files, diagnostics: sorted });
  if (format === 'sarif') writeSarif(io, { diagnostics: sorted, files: ws.files });
  if (format !== 'text') return ok ? EXIT_OK : EXIT_BAD_INPUT;
  printDiagnostics(sorted, ws, io, { quiet: flags.quiet });
  if (flags.accessAnalyzer) io.stdout.write(`${crossChecked ?? 'IAM Access Analyzer: not asked, the intent does not compile'}\n`);
  const n = ws.read.length;
  const summary = `${n} intent file${n === 1 ? '' : 's'}, ${ws.intent?.controls.length ?? 0} controls, ${ws.intent?.tests.length ?? 0} tests: ${summarizeCounts(sorted)}`;
  (ok ? io.stdout : io.stderr).write(`${ok ? 'valid' : 'invalid'}: ${summary}\n`);
  return ok ? EXIT_OK : EXIT_BAD_INPUT;
}
