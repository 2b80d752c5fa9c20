import * as path from 'node:path';
import { hasErrors, sortDiagnostics, error, type Diagnostic } from '../diagnostics/index.js';
import { checkIntent, findIntentFiles, loadIntent } from '../intent/index.js';
import { CacheError, loadFromCache, type ReferenceIndex } from '../reference/index.js';
import { formatDiagnostic, summarizeCounts } from './format.js';
import { EXIT_BAD_INPUT, EXIT_OK, type CliIO } from './io.js';

export interface ValidateFlags {
  cache: string;
  json?: boolean;
}

export async function runValidate(files: string[], flags: ValidateFlags, io: CliIO): Promise<number> {
  const paths = files.length ? files.map((f) => path.resolve(io.cwd, f)) : await findIntentFiles(io.cwd);
  const { intent, diagnostics, sources } = await loadIntent(paths);
  const all: Diagnostic[] = [...diagnostics];
  if (intent) {
    let reference: ReferenceIndex | undefined;
    try {
      reference = (await loadFromCache(path.resolve(io.cwd, flags.cache))).index;
    } catch (e) {
      if (!(e instanceof CacheError)) throw e;
      all.push(error('no-reference', `actions and services were not checked: ${e.message}`, undefined, 'run guardrails sync (see the README for offline mirrors)'));
    }
    all.push(...checkIntent(intent, reference));
  }
  const sorted = sortDiagnostics(all, paths);
  if (flags.json) {
    io.stdout.write(JSON.stringify({ ok: !hasErrors(sorted), files: paths, diagnostics: sorted }, null, 2) + '\n');
  } else {
    for (const d of sorted) io.stderr.write(formatDiagnostic(d, { get: (f) => sources.text(f) }, io.cwd));
    const summary = `${paths.length} intent file${paths.length === 1 ? '' : 's'}, ${intent?.controls.length ?? 0} controls, ${intent?.tests.length ?? 0} tests: ${summarizeCounts(sorted)}`;
    (hasErrors(sorted) ? io.stderr : io.stdout).write(`${hasErrors(sorted) ? 'invalid' : 'valid'}: ${summary}\n`);
  }
  return hasErrors(sorted) ? EXIT_BAD_INPUT : EXIT_OK;
}
