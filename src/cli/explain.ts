/**
 * `guardrails explain out/<policy>.json [--sid SID] [--pattern PATTERN] [--json]`: what a compiled
 * policy's patterns match in the pinned reference, where each statement comes from, and what each
 * wildcard will also match as AWS adds actions (src/explain). The file must resolve inside the
 * repository; its manifest is out/manifest.json beside it.
 */
import * as path from 'node:path';
import { error, SourceIndex, warning, type Diagnostic } from '../diagnostics/index.js';
import { locateOut, readOutManifest } from '../compile/index.js';
import { explainPolicy } from '../explain/explain.js';
import { LIMITS, readText, repositoryOf } from '../files/index.js';
import { parseJsonWithPositions, readPolicyDocument } from '../policy/index.js';
import { CacheError, loadFromCache, type LoadedSnapshot } from '../reference/index.js';
import { renderExplainText } from '../report/index.js';
import { displayPath, formatDiagnostic } from './format.js';
import { EXIT_BAD_INPUT, EXIT_OK, type CliIO } from './io.js';
import { packagedIndexes } from './reference-load.js';
import { referenceError } from './workspace.js';
import { writeJson } from './json-output.js';

export interface ExplainFlags {
  sid?: string;
  pattern?: string;
  json?: boolean;
  cache: string;
  /** Set when the cache is the copy shipped with guardrails: its version (reference-cache.ts). */
  shippedWith?: string;
}

export async function runExplain(file: string, flags: ExplainFlags, io: CliIO): Promise<number> {
  const full = path.resolve(io.cwd, file);
  const sources = new SourceIndex();
  const print = (diagnostics: readonly Diagnostic[]) => {
    for (const d of diagnostics) io.stderr.write(formatDiagnostic(d, { get: (f) => sources.text(f) }, io.cwd));
  };
  const refuse = (diagnostics: readonly Diagnostic[]) => {
    print(diagnostics);
    io.stderr.write(`explain failed: nothing explained\n`);
    return EXIT_BAD_INPUT;
  };
  // A compiled policy is a file of the pull request: it is read only inside the repository.
  const read = await readText(full, { root: repositoryOf(io.cwd), maxBytes: LIMITS.outPolicy, what: 'compiled policy' });
  if (!read.ok) return refuse([error(read.code, read.message, read.line !== undefined ? { file: full, line: read.line, col: read.col ?? 1 } : undefined, 'name a file of out/, e.g. out/guardrails-scp-<control>.json')]);
  const parsed = parseJsonWithPositions(full, read.text, sources);
  if (parsed.value === undefined) return refuse(parsed.diagnostics);
  const policy = readPolicyDocument(parsed.value, sources);
  if (!policy.document || policy.diagnostics.some((d) => d.severity === 'error')) return refuse(policy.diagnostics);

  const diagnostics: Diagnostic[] = [];
  // The manifest beside the file, when the file is in a directory compile could have written (else none).
  const outDir = path.dirname(full);
  const manifest = locateOut(outDir, io.cwd).ok ? await readOutManifest(outDir, { cwd: io.cwd, diagnostics }) : undefined;
  const entry = manifest?.policies.find((p) => p.file === path.basename(full));

  let reference: LoadedSnapshot;
  const cache = path.resolve(io.cwd, flags.cache);
  try {
    reference = await loadFromCache(cache, manifest?.reference.snapshotId ?? 'current', { cwd: io.cwd, ...packagedIndexes() });
  } catch (e) {
    if (!(e instanceof CacheError)) throw e;
    if (!manifest || e.code !== 'no-snapshot') return refuse([...diagnostics, referenceError(e, flags.shippedWith)]);
    try {
      reference = await loadFromCache(cache, 'current', { cwd: io.cwd, ...packagedIndexes() });
    } catch (again) {
      if (!(again instanceof CacheError)) throw again;
      return refuse([...diagnostics, referenceError(again, flags.shippedWith)]);
    }
  }

  const result = explainPolicy(
    { document: policy.document, entry, manifest, reference: reference.index, ...(flags.sid !== undefined ? { sid: flags.sid } : {}), ...(flags.pattern !== undefined ? { pattern: flags.pattern } : {}) },
    { referenceSyncedOn: reference.manifest.syncedAt.slice(0, 10), manifestPath: displayPath(path.join(outDir, 'manifest.json'), io.cwd) },
  );
  if (!result.ok) return refuse([...diagnostics, error(result.code, `${displayPath(full, io.cwd)}: ${result.message}`, undefined, 'guardrails explain FILE without --sid or --pattern lists every statement and pattern')]);
  print([...diagnostics, ...(flags.json ? [] : result.explanation.warnings.map((w) => warning('explain-provenance', w)))]);
  if (flags.json) writeJson(io, { ok: true, file: displayPath(full, io.cwd), ...result.explanation });
  else io.stdout.write(renderExplainText(result.explanation, displayPath(full, io.cwd), { allNames: flags.pattern !== undefined }));
  return EXIT_OK;
}
