/** What every intent command starts from: the intent files, loaded and checked, and the pinned reference. */
import { error, sortDiagnostics, type Diagnostic } from '../diagnostics/index.js';
import { loadIntent, type Intent } from '../intent/index.js';
import { CacheError, type LoadedSnapshot } from '../reference/index.js';
import { startReferenceLoad, type ReferenceLoad } from './reference-load.js';
import { referenceError } from './reference-error.js';
import type { CacheChoice } from './reference-cache.js';
import type { SourceIndex } from '../diagnostics/index.js';
import { annotationOf, githubAnnotation } from '../report/github-annotations.js';
import { formatSelection, selectForPrinting, writeSpans } from './format.js';
import { inGithubActions, writeCommand, type CliIO } from './io.js';
import { repoPaths } from './repo-paths.js';

export interface Workspace {
  files: string[];
  /** The files that could be read. */
  read: string[];
  intent: Intent | undefined;
  reference: LoadedSnapshot | undefined;
  sources: SourceIndex;
  diagnostics: Diagnostic[];
}

/**
 * `cache`: the directory, or the cache the command line chose (reference-cache.ts: it may be the copy
 * shipped with guardrails); `started`: the reference's load for it, when the command line started it already.
 */
export async function openWorkspace(files: string[], cache: string | CacheChoice, io: CliIO, started?: ReferenceLoad): Promise<Workspace> {
  const chosen = typeof cache === 'string' ? { cache } : cache;
  // The reference is loaded on other threads while this one parses the intent's YAML (which never
  // yields to let the two interleave). It is used, and its errors reported, only when there is an intent.
  const loading = started ?? startReferenceLoad(chosen.cache, io.cwd);
  const { intent, diagnostics, sources, files: paths, read } = await loadIntent({ cwd: io.cwd, files });
  let reference: LoadedSnapshot | undefined;
  if (intent) {
    const loaded = await loading;
    if (loaded.ok) reference = loaded.value;
    else if (loaded.error instanceof CacheError) diagnostics.push(referenceError(loaded.error, chosen.shippedWith));
    else throw loaded.error;
  }
  return { files: paths, read, intent, reference, sources, diagnostics };
}

export { referenceError } from './reference-error.js';

export interface PrintOptions {
  /** --quiet: errors only. */
  quiet?: boolean;
  /**
   * Warnings that compile reported for these very inputs (out/ was written from them: its input digest
   * matches): counted in one line, not printed again by simulate, diff or plan.
   */
  shownByCompile?: ReadonlySet<Diagnostic>;
}

/**
 * Prints the diagnostics (each code capped, the rest counted: see formatDiagnostics) and returns them
 * all, sorted. Under GitHub Actions each one printed is also an annotation on its line of the pull request.
 */
export function printDiagnostics(diagnostics: readonly Diagnostic[], ws: Workspace, io: CliIO, options: PrintOptions = {}): Diagnostic[] {
  const sorted = sortDiagnostics(diagnostics, ws.files);
  const byCompile = options.shownByCompile;
  const repeated = byCompile ? sorted.filter((d) => d.severity === 'warning' && byCompile.has(d)).length : 0;
  const printed = sorted.filter((d) => d.severity === 'error' || !(options.quiet || byCompile?.has(d)));
  if (printed.length) {
    const selection = selectForPrinting(printed);
    writeSpans(io.stderr, formatSelection(selection, { get: (f) => ws.sources.text(f) }, io.cwd));
    if (inGithubActions(io.env)) {
      const paths = repoPaths(io.cwd);
      for (const d of selection.shown) writeCommand(io.stderr, githubAnnotation(annotationOf(d, (f) => paths.relative(f))));
    }
  }
  if (repeated && !options.quiet) io.stderr.write(`${repeated} warning${repeated === 1 ? '' : 's'} (shown by compile, which wrote out/ from these inputs; guardrails validate shows them again)\n`);
  return sorted;
}

/** The warnings of the intent and its compile when compile wrote out/ from these inputs (PrintOptions.shownByCompile). */
export function warningsShownByCompile(compiled: { reusedOut?: boolean }, ...diagnostics: readonly Diagnostic[][]): Set<Diagnostic> {
  return new Set(compiled.reusedOut ? diagnostics.flat().filter((d) => d.severity === 'warning') : []);
}
