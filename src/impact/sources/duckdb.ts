/**
 * The reduction on DuckDB (`--engine duckdb`): the query of sql/queries.ts run by an embedded DuckDB
 * over the log files of a directory laid out as CloudTrail delivers to S3. `@duckdb/node-api` is an
 * optional peer dependency (71 MB of native library): it is imported only here, only when asked for,
 * and its absence is one clear error naming the package.
 *
 * DuckDB is created without extension autoloading or autoinstalling, so it never reaches the network.
 * A file DuckDB cannot read (not gzip, not JSON, over MAX_LOG_FILE_BYTES) fails the whole query and is
 * named in the error: it is then left out, counted (`malformed.file`), and the query run again.
 */
import * as os from 'node:os';
import { repositoryOf, rootForNamedPath } from '../../files/repository.js';
import type { Projection, Reduction } from '../types.js';
import { duckdbReductionQuery, windowBounds } from '../sql/queries.js';
import { reductionOfRows, type Cell } from '../sql/rows.js';
import { findLogFiles, type RefusedPath } from './layout.js';

export const DUCKDB_PACKAGE = '@duckdb/node-api';

export class DuckDbError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DuckDbError';
  }
}

/** What this module uses of @duckdb/node-api (written here so that no type of the optional package leaks out). */
interface DuckDbApi {
  DuckDBInstance: { create(path: string, options: Record<string, string>): Promise<DuckDbInstance> };
  listValue(items: readonly string[]): unknown;
  LIST(type: unknown): unknown;
  VARCHAR: unknown;
}
interface DuckDbInstance {
  connect(): Promise<DuckDbConnection>;
  closeSync?(): void;
}
interface DuckDbConnection {
  runAndReadAll(sql: string, values: Record<string, unknown>, types: Record<string, unknown>): Promise<{ columnNames(): string[]; getRows(): unknown[][] }>;
  closeSync?(): void;
}

/** Imports the optional package; `specifier` is for tests of its absence. */
export async function loadDuckDb(specifier: string = DUCKDB_PACKAGE): Promise<DuckDbApi> {
  try {
    return (await import(specifier)) as DuckDbApi;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new DuckDbError(`--engine duckdb needs the optional package ${DUCKDB_PACKAGE}, which is not installed: npm install ${DUCKDB_PACKAGE}@1.5.6-r.1`);
    throw new DuckDbError(`${DUCKDB_PACKAGE} could not be loaded: ${(e as Error).message}`);
  }
}

export interface DuckDbReduceOptions {
  projection: Projection;
  since: Date;
  until: Date;
  /** DuckDB's threads (default: the machine's available parallelism). */
  threads?: number;
  /** For tests of a missing package. */
  packageSpecifier?: string;
}

/**
 * Reduces the log files under `dir` with DuckDB: exactly the files the directory source reads
 * (layout.ts: the delivery layout, the window's day folders and the day after, no digest or Insights
 * folder, a symlink out of the repository refused), so both engines read the same records.
 */
export async function reduceDirectoryWithDuckDb(dir: string, options: DuckDbReduceOptions & { accounts?: readonly string[]; cwd?: string }): Promise<Reduction & { refused: RefusedPath[] }> {
  const cwd = options.cwd ?? process.cwd();
  const root = rootForNamedPath(dir, cwd, repositoryOf(cwd));
  const layout = findLogFiles(dir, { since: options.since, until: options.until, ...(options.accounts ? { accounts: options.accounts } : {}), ...(root !== undefined ? { root } : {}) });
  return { ...(await reduceFilesWithDuckDb(layout.files.map((f) => f.path), options)), refused: layout.refused };
}

/** Reduces the given `.json.gz` files with DuckDB. No file: an empty reduction (DuckDB refuses an empty list). */
export async function reduceFilesWithDuckDb(files: readonly string[], options: DuckDbReduceOptions): Promise<Reduction> {
  const bounds = windowBounds(options);
  const query = duckdbReductionQuery(options.projection);
  const empty = (): Reduction => ({ shapes: [], totals: { records: 0, authorizationEvents: 0, notAuthorization: 0, outsideWindow: 0, malformed: {}, files: 0 } });
  if (files.length === 0) return empty();
  const duckdb = await loadDuckDb(options.packageSpecifier);
  const threads = Math.max(1, Math.floor(options.threads ?? os.availableParallelism()));
  const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: String(threads), autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const connection = await instance.connect();
  try {
    let remaining = [...files];
    let unreadable = 0;
    for (;;) {
      if (remaining.length === 0) {
        const reduction = empty();
        reduction.totals.malformed = { file: unreadable };
        return reduction;
      }
      const values: Record<string, unknown> = { files: duckdb.listValue(remaining), since: bounds.since, until: bounds.until };
      const types: Record<string, unknown> = { files: duckdb.LIST(duckdb.VARCHAR), since: duckdb.VARCHAR, until: duckdb.VARCHAR };
      let result: { columnNames(): string[]; getRows(): unknown[][] };
      try {
        result = await connection.runAndReadAll(query.sql, pick(values, query.parameters), pick(types, query.parameters));
      } catch (e) {
        const message = (e as Error).message ?? String(e);
        // DuckDB names the file it failed on (quoted or not): the longest of ours the message holds.
        const bad = remaining.filter((f) => message.includes(f)).sort((a, b) => b.length - a.length)[0];
        if (bad === undefined) throw new DuckDbError(`DuckDB could not run the reduction: ${message.slice(0, 2000)}`);
        remaining = remaining.filter((f) => f !== bad);
        unreadable++;
        continue;
      }
      const rows = result.getRows().map((row) => row.map(cellOf));
      const reduction = reductionOfRows(result.columnNames(), rows, remaining.length + unreadable);
      if (unreadable > 0) reduction.totals.malformed = { ...reduction.totals.malformed, file: (reduction.totals.malformed.file ?? 0) + unreadable };
      return reduction;
    }
  } finally {
    connection.closeSync?.();
    instance.closeSync?.();
  }
}

function pick(values: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.map((n) => [n, values[n]]));
}

function cellOf(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  return String(value);
}
