/** What every intent command starts from: the intent files, loaded and checked, and the pinned reference. */
import { error, sortDiagnostics, type Diagnostic } from '../diagnostics/index.js';
import { loadIntent, type Intent } from '../intent/index.js';
import { CacheError, type LoadedSnapshot } from '../reference/index.js';
import { startReferenceLoad, type ReferenceLoad } from './reference-load.js';
import { referenceError } from './reference-error.js';
import type { SourceIndex } from '../diagnostics/index.js';
import { formatDiagnostics } from './format.js';
import type { CliIO } from './io.js';

export interface Workspace {
  files: string[];
  /** The files that could be read. */
  read: string[];
  intent: Intent | undefined;
  reference: LoadedSnapshot | undefined;
  sources: SourceIndex;
  diagnostics: Diagnostic[];
}

/** `started`: the reference's load for this cache, when the command line started it already. */
export async function openWorkspace(files: string[], cacheDir: string, io: CliIO, started?: ReferenceLoad): Promise<Workspace> {
  // The reference is loaded on other threads while this one parses the intent's YAML (which never
  // yields to let the two interleave). It is used, and its errors reported, only when there is an intent.
  const loading = started ?? startReferenceLoad(cacheDir, io.cwd);
  const { intent, diagnostics, sources, files: paths, read } = await loadIntent({ cwd: io.cwd, files });
  let reference: LoadedSnapshot | undefined;
  if (intent) {
    const loaded = await loading;
    if (loaded.ok) reference = loaded.value;
    else if (loaded.error instanceof CacheError) diagnostics.push(referenceError(loaded.error));
    else throw loaded.error;
  }
  return { files: paths, read, intent, reference, sources, diagnostics };
}

export { referenceError } from './reference-error.js';

/** Prints the diagnostics (each code capped, the rest counted: see formatDiagnostics) and returns them all, sorted. */
export function printDiagnostics(diagnostics: readonly Diagnostic[], ws: Workspace, io: CliIO): Diagnostic[] {
  const sorted = sortDiagnostics(diagnostics, ws.files);
  if (sorted.length) io.stderr.write(formatDiagnostics(sorted, { get: (f) => ws.sources.text(f) }, io.cwd));
  return sorted;
}
