/**
 * Where `guardrails impact` reads traffic from (`--cloudtrail SOURCE`) and over which window: a
 * directory laid out as CloudTrail delivers to S3 (on worker threads, or DuckDB with --engine duckdb),
 * an S3 prefix, an Athena table, or a shapes file another run saved. Each returns the same Reduction
 * for the same records and projection (src/impact/types.ts).
 */
import * as path from 'node:path';
import { readBytesSync } from '../files/read.js';
import { repositoryOf, rootForNamedPath } from '../files/repository.js';
import { parseDuration } from '../intent/index.js';
import type { Projection, Reduction } from '../impact/index.js';
import { readShapesFile } from '../impact/sources/shapes-file.js';
import { checkIdentifier, SqlInputError } from '../impact/sql/queries.js';
import type { RefusedPath } from '../impact/sources/layout.js';
import { ShapeLimitError } from '../impact/shape-table.js';
import { UsageError, type CliIO } from './io.js';

/** Most bytes of a shapes file read. */
const MAX_SHAPES_FILE_BYTES = 512 * 1024 * 1024;
const DEFAULT_SINCE = '30d';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export interface SourceFlags {
  cloudtrail?: string;
  since?: string;
  until?: string;
  engine?: string;
  athenaWorkgroup?: string;
  athenaOutput?: string;
  athenaTimeout?: string;
  maxShapes?: string;
  accounts?: string;
}

/** The half-open window [since, until) of records read. */
export interface Window {
  since: Date;
  until: Date;
}

export type SourceSpec =
  | { kind: 'shapes'; location: string; file: string }
  | { kind: 'directory'; location: string; dir: string; engine: 'node' | 'duckdb' }
  | { kind: 's3'; location: string; url: string }
  | { kind: 'athena'; location: string; catalog?: string; database: string; table: string };

export interface ReadContext {
  projection: Projection;
  window: Window;
  maxShapes?: number;
  /** Only these accounts' folders (not for Athena, whose query reads the table's partitions). */
  accounts?: readonly string[];
  /** Where relative paths start, and the environment the AWS clients read. */
  io: Pick<CliIO, 'cwd' | 'env'>;
}

/** What a source read: the reduction, and the paths it refused (a symlink out of the repository, ...). */
export interface SourceRead {
  reduction: Reduction;
  refused: RefusedPath[];
}

/** Thrown for a source that cannot be read as given (exit 2, "error cloudtrail-source"). */
export class SourceError extends Error {}

/** `--since` (a duration back from until, or an ISO date) and `--until` (an ISO date; default now). */
export function windowOf(flags: SourceFlags, now: number): Window {
  const until = flags.until === undefined ? new Date(now) : dateOf('--until', flags.until);
  const since = flags.since ?? DEFAULT_SINCE;
  let start: Date;
  if (ISO_DATE.test(since)) start = dateOf('--since', since);
  else {
    const d = parseDuration(since);
    if (!d.ok || d.duration.seconds <= 0) throw new UsageError(`--since takes a duration back from --until (30d, 12h) or an ISO date (2026-10-07): ${d.ok ? 'it must be longer than 0' : d.problem}`);
    start = new Date(until.getTime() - d.duration.seconds * 1000);
  }
  if (start.getTime() >= until.getTime()) throw new UsageError(`the window is empty: --since ${start.toISOString()} is not before --until ${until.toISOString()}`);
  return { since: start, until };
}

function dateOf(flag: string, value: string): Date {
  const ms = ISO_DATE.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${flag} takes an ISO date or time (2026-10-07, 2026-10-07T12:00:00Z): ${JSON.stringify(value.slice(0, 100))}`);
  return new Date(ms);
}

/** `--accounts ID,ID`: 12-digit account ids. */
export function accountsOf(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = ids.find((id) => !/^\d{12}$/.test(id));
  if (ids.length === 0 || bad !== undefined) throw new UsageError(`--accounts takes account ids (12 digits), separated by commas${bad !== undefined ? `: ${JSON.stringify(bad.slice(0, 50))} is not one` : ''}`);
  return [...new Set(ids)];
}

/** The source --cloudtrail names, checked before anything is read. */
export function sourceSpec(value: string, flags: SourceFlags, cwd: string): SourceSpec {
  const engine = flags.engine ?? 'node';
  if (engine !== 'node' && engine !== 'duckdb') throw new UsageError(`--engine is node or duckdb, not ${JSON.stringify(engine.slice(0, 50))}`);
  const athenaFlags = ['athenaWorkgroup', 'athenaOutput', 'athenaTimeout'] as const;
  const kind = value.startsWith('shapes:') ? 'shapes' : value.startsWith('s3://') ? 's3' : value.startsWith('athena:') ? 'athena' : 'directory';
  if (kind !== 'athena' && athenaFlags.some((f) => flags[f] !== undefined)) throw new UsageError('--athena-workgroup, --athena-output and --athena-timeout go with --cloudtrail athena:[CATALOG.]DATABASE.TABLE');
  if (kind !== 'directory' && kind !== 's3' && flags.accounts !== undefined) throw new UsageError('--accounts chooses the account folders of a directory or an S3 prefix');
  if (kind !== 'directory' && flags.engine !== undefined) throw new UsageError('--engine chooses how a directory is read: give it with --cloudtrail DIR');
  if (kind === 'shapes') {
    if (flags.since !== undefined || flags.until !== undefined) throw new UsageError('--since and --until choose the records read; a shapes file was reduced over its own window');
    const file = value.slice('shapes:'.length);
    if (!file) throw new UsageError('--cloudtrail shapes:FILE needs a file');
    return { kind, location: file, file };
  }
  if (kind === 's3') return { kind, location: value, url: value };
  if (kind === 'athena') {
    const parts = value.slice('athena:'.length).split('.');
    if (parts.length < 2 || parts.length > 3) throw new UsageError(`--cloudtrail athena:[CATALOG.]DATABASE.TABLE: ${JSON.stringify(value.slice(0, 200))} names no table`);
    const [table, database, catalog] = parts.reverse() as [string, string, string | undefined];
    try {
      checkIdentifier('database', database);
      checkIdentifier('table', table);
    } catch (e) {
      if (e instanceof SqlInputError) throw new UsageError(`--cloudtrail ${e.message}`);
      throw e;
    }
    return { kind, location: value, database, table, ...(catalog !== undefined ? { catalog } : {}) };
  }
  return { kind, location: value, dir: path.resolve(cwd, value), engine };
}

/** Reads the source; a source that cannot be read throws SourceError. */
export async function readSource(spec: SourceSpec, flags: SourceFlags, context: ReadContext): Promise<SourceRead> {
  const { projection, window, io } = context;
  const maxShapes = { ...(context.maxShapes !== undefined ? { maxShapes: context.maxShapes } : {}), ...(context.accounts ? { accounts: context.accounts } : {}) };
  switch (spec.kind) {
    case 'shapes': {
      const root = rootForNamedPath(spec.file, io.cwd, repositoryOf(io.cwd));
      const read = readBytesSync(path.resolve(io.cwd, spec.file), { ...(root !== undefined ? { root } : {}), maxBytes: MAX_SHAPES_FILE_BYTES, what: 'shapes file' });
      if (!read.ok) throw new SourceError(`shapes:${spec.file}: ${read.message}`);
      const shapes = readShapesFile(Buffer.from(read.bytes).toString('utf8'));
      if (!shapes.ok) throw new SourceError(`shapes:${spec.file}:${shapes.line}: ${shapes.problem}`);
      return { reduction: shapes.reduction, refused: [] };
    }
    case 'directory': {
      const { LayoutError } = await import('../impact/sources/layout.js');
      try {
        if (spec.engine === 'duckdb') {
          const { reduceDirectoryWithDuckDb } = await import('../impact/sources/duckdb.js');
          const r = await reduceDirectoryWithDuckDb(spec.dir, { projection, ...window, cwd: io.cwd, ...(context.accounts ? { accounts: context.accounts } : {}) });
          return { reduction: { shapes: r.shapes, totals: r.totals }, refused: r.refused };
        }
        const { reduceDirectory } = await import('../impact/sources/directory.js');
        const r = await reduceDirectory(spec.dir, { projection, ...window, cwd: io.cwd, ...maxShapes });
        return { reduction: { shapes: r.shapes, totals: r.totals }, refused: r.refused };
      } catch (e) {
        const { DuckDbError } = await import('../impact/sources/duckdb.js');
        if (e instanceof LayoutError || e instanceof DuckDbError || e instanceof ShapeLimitError) throw new SourceError(`${spec.location}: ${e.message}`);
        throw e;
      }
    }
    case 's3': {
      const { parseS3Url, reduceS3, s3ClientFromEnv } = await import('../impact/sources/s3.js');
      const { bucket, prefix } = parseS3Url(spec.url);
      // An endpoint override (moto, MinIO, a VPC endpoint's name) serves path-style addresses.
      const client = s3ClientFromEnv(io.env, { forcePathStyle: Boolean(io.env.AWS_ENDPOINT_URL_S3 ?? io.env.AWS_ENDPOINT_URL) });
      try {
        return { reduction: await reduceS3({ client, bucket, prefix, projection, ...window, ...maxShapes }), refused: [] };
      } catch (e) {
        throw serviceError(spec.location, e);
      } finally {
        client.destroy();
      }
    }
    case 'athena': {
      const { athenaClientFromEnv, reduceWithAthena } = await import('../impact/sources/athena.js');
      const timeout = flags.athenaTimeout === undefined ? undefined : parseDuration(flags.athenaTimeout);
      if (timeout && (!timeout.ok || timeout.duration.seconds <= 0)) throw new UsageError(`--athena-timeout takes a duration (15m, 1h): ${timeout.ok ? 'it must be longer than 0' : timeout.problem}`);
      const client = athenaClientFromEnv(io.env);
      try {
        const r = await reduceWithAthena({
          client,
          database: spec.database,
          table: spec.table,
          ...(spec.catalog !== undefined ? { catalog: spec.catalog } : {}),
          ...(flags.athenaWorkgroup !== undefined ? { workgroup: flags.athenaWorkgroup } : {}),
          ...(flags.athenaOutput !== undefined ? { outputLocation: flags.athenaOutput } : {}),
          ...(timeout?.ok ? { timeoutMs: timeout.duration.seconds * 1000 } : {}),
          projection,
          ...window,
        });
        return { reduction: { shapes: r.shapes, totals: r.totals }, refused: [] };
      } catch (e) {
        throw serviceError(spec.location, e);
      } finally {
        client.destroy();
      }
    }
  }
}

/** A service's refusal (no such bucket, access denied, a failed query) as the source's error; a bug stays a bug. */
function serviceError(location: string, e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const fromService = typeof (e as { $metadata?: unknown }).$metadata === 'object' || /^(S3SourceError|AthenaQueryError|SqlResultError|SqlInputError|ShapeLimitError)$/.test(e.name) || e.name === 'TimeoutError' || (e as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  return fromService ? new SourceError(`${location}: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`) : e;
}
