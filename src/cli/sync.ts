import * as path from 'node:path';
import { repositoryOf, rootForNamedPath } from '../files/index.js';
import { REFERENCE_URL_ENV, resolveSource, sourceSpec, syncReference, SyncError, CacheError, unsupportedScheme, type SyncResult } from '../reference/index.js';
import { EXIT_BAD_INPUT, EXIT_OK, showsProgress, UsageError, type CliIO } from './io.js';
import { displayPath, formatCount } from './format.js';
import { writeJson } from './json-output.js';

export interface SyncFlags {
  from?: string;
  cache: string;
  concurrency: number;
  timeout: number;
  retries: number;
  json?: boolean;
}

export async function runSync(flags: SyncFlags, io: CliIO): Promise<number> {
  const cacheDir = path.resolve(io.cwd, flags.cache);
  const spec = sourceSpec(flags.from, io.env);
  const scheme = unsupportedScheme(spec);
  if (scheme) {
    throw new UsageError(`${flags.from !== undefined ? '--from' : REFERENCE_URL_ENV} ${spec}: sync reads http and https URLs and directories, not ${scheme}:// URLs`);
  }
  const from = flags.from && !/^[a-z][a-z0-9+.-]*:\/\//i.test(flags.from) ? path.resolve(io.cwd, flags.from) : flags.from;
  // A mirror directory committed in the repository is the pull request's: its files must resolve inside it.
  const directory = /^https?:\/\//i.test(spec) ? {} : { root: rootForNamedPath(spec.startsWith('file://') ? new URL(spec).pathname : spec, io.cwd, repositoryOf(io.cwd)) };
  const source = resolveSource(from, io.env, { timeoutMs: flags.timeout }, directory);
  const progress = showsProgress(io);
  const started = performance.now();
  let result: SyncResult;
  try {
    result = await syncReference({
      cacheDir,
      source,
      concurrency: flags.concurrency,
      retry: { attempts: flags.retries + 1, baseDelayMs: 500, maxDelayMs: 8000 },
      onProgress: progress ? (p) => io.stderr.write(`\r\x1b[2Ksync ${p.done}/${p.total} ${p.service}`) : undefined,
      onRetry: (url, attempt, reason) => io.stderr.write(`${progress ? '\r\x1b[2K' : ''}retrying ${url} (attempt ${attempt} failed: ${reason})\n`),
      cwd: io.cwd,
    });
  } catch (e) {
    if (progress) io.stderr.write('\r\x1b[2K');
    if (e instanceof SyncError || e instanceof CacheError) {
      io.stderr.write(`error sync-failed: ${e.message}\n`);
      io.stderr.write(`  the cache in ${displayPath(cacheDir, io.cwd)} is unchanged\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  if (progress) io.stderr.write('\r\x1b[2K');
  if (result.discardedManifest) io.stderr.write(`note: the previous manifest was not used (${result.discardedManifest}); the history starts with this snapshot\n`);
  const seconds = (performance.now() - started) / 1000;
  const { manifest, stats } = result;
  if (flags.json) {
    writeJson(io, { snapshotId: manifest.snapshotId, previousSnapshotId: result.previousSnapshotId ?? null, changed: result.changed, source: manifest.source, totals: manifest.totals, schemaVersions: manifest.schemaVersions, stats, seconds });
    return EXIT_OK;
  }
  const versions = Object.entries(manifest.schemaVersions)
    .map(([v, n]) => `${v}: ${n}`)
    .join(', ');
  io.stdout.write(
    `synced ${formatCount(manifest.totals.services)} services, ${formatCount(manifest.totals.actions)} actions from ${manifest.source}\n` +
      `  snapshot ${manifest.snapshotId}${result.changed ? (result.previousSnapshotId ? ` (was ${result.previousSnapshotId})` : ' (first snapshot)') : ' (unchanged)'}\n` +
      `  ${result.previousSnapshotId ? `${stats.added} services added, ${stats.removed} removed, ${stats.changed} changed` : 'no earlier snapshot'}; ` +
      `${stats.downloaded} files fetched, ${stats.notModified} not modified${stats.retries ? `, ${stats.retries} retries` : ''}\n` +
      `  schema versions ${versions}\n` +
      `  cache ${displayPath(cacheDir, io.cwd)}, ${manifest.history.length} snapshot${manifest.history.length === 1 ? '' : 's'} kept; ${seconds.toFixed(1)} s\n`,
  );
  return EXIT_OK;
}
