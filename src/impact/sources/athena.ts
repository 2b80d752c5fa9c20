/**
 * The reduction in Amazon Athena, where an organization's logs already are: the Trino query of
 * sql/queries.ts over AWS's CloudTrail table (athenaTableDdl), started with StartQueryExecution (the
 * window as ExecutionParameters), polled with GetQueryExecution (250 ms doubling to 5 s, until a
 * timeout, then StopQueryExecution), and read with GetQueryResults page by page (the first row of the
 * first page is the header). Only the distinct shapes come back; each row is checked (sql/rows.ts).
 *
 * The client is configured as the project's other AWS clients (access-analyzer/client.ts): keys or
 * AWS_PROFILE from `env`, else the SDK's chain; AWS_ENDPOINT_URL_ATHENA or AWS_ENDPOINT_URL point it
 * elsewhere; throttling and transient errors are retried (aws/retries.ts).
 */
import { createRequire } from 'node:module';
import type { AthenaClient } from '@aws-sdk/client-athena';
import { stoppableRetries } from '../../aws/retries.js';
import type { Projection, Reduction } from '../types.js';
import { athenaReductionQuery, windowBounds, windowLiterals } from '../sql/queries.js';
import { reductionOfRows, SqlResultError, type Cell } from '../sql/rows.js';
import { credentialsFromEnv, maxAttemptsFromEnv } from '../../aws/client-config.js';

type AthenaSdk = typeof import('@aws-sdk/client-athena');
let sdk: AthenaSdk | undefined;
/** Loaded on first use: only `impact --cloudtrail athena:...` needs it. */
function athenaSdk(): AthenaSdk {
  return (sdk ??= createRequire(import.meta.url)('@aws-sdk/client-athena') as AthenaSdk);
}

export class AthenaQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AthenaQueryError';
  }
}

/** What the reduction needs of a client: tests pass their own. */
export interface AthenaApi {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

export const DEFAULT_ATHENA_MAX_ATTEMPTS = 5;

export function athenaClientFromEnv(env: NodeJS.ProcessEnv, options: { stop?: AbortSignal; maxAttempts?: number } = {}): AthenaClient {
  const endpoint = env.AWS_ENDPOINT_URL_ATHENA ?? env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const fromEnv = maxAttemptsFromEnv(env);
  const maxAttempts = options.maxAttempts ?? fromEnv ?? DEFAULT_ATHENA_MAX_ATTEMPTS;
  const { AthenaClient } = athenaSdk();
  return new AthenaClient({
    ...(region ? { region } : {}),
    maxAttempts,
    retryStrategy: stoppableRetries(maxAttempts, options.stop),
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    ...(endpoint ? { endpoint } : {}),
    ...credentialsFromEnv(env),
  });
}

export interface AthenaReduceOptions {
  client: AthenaApi;
  /** `[CATALOG.]DATABASE.TABLE` of `athena:` split: the table made by athenaTableDdl. */
  catalog?: string;
  database: string;
  table: string;
  workgroup?: string;
  /** `s3://bucket/prefix/` for the results, unless the workgroup sets one. */
  outputLocation?: string;
  projection: Projection;
  since: Date;
  until: Date;
  /** The whole query, from start to its last page (default 15 minutes). */
  timeoutMs?: number;
  /** The first wait between polls, doubled up to `pollMaxMs` (defaults 250 ms and 5 s). */
  pollStartMs?: number;
  pollMaxMs?: number;
  /** Rows per GetQueryResults page (at most 1000, Athena's limit). */
  pageSize?: number;
  /** More shape rows than this fail the run instead of filling memory (default 1,000,000). */
  maxRows?: number;
  stop?: AbortSignal;
}

const CATALOG = /^[A-Za-z0-9_-]{1,255}$/;
const WORKGROUP = /^[A-Za-z0-9._-]{1,128}$/;
const OUTPUT = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*)?$/;
const QUERY_ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_REASON = 500;

/** A short, single-line version of what a service said (untrusted: escaped where printed). */
function clip(text: unknown): string {
  return String(text ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_REASON);
}

export interface AthenaReduction extends Reduction {
  queryExecutionId: string;
}

export async function reduceWithAthena(options: AthenaReduceOptions): Promise<AthenaReduction> {
  if (options.catalog !== undefined && !CATALOG.test(options.catalog)) throw new AthenaQueryError(`catalog ${JSON.stringify(clip(options.catalog))} is not a catalog name`);
  if (options.workgroup !== undefined && !WORKGROUP.test(options.workgroup)) throw new AthenaQueryError(`workgroup ${JSON.stringify(clip(options.workgroup))} is not a workgroup name`);
  if (options.outputLocation !== undefined && !OUTPUT.test(options.outputLocation)) throw new AthenaQueryError(`output location ${JSON.stringify(clip(options.outputLocation))} is not s3://bucket/prefix`);
  const query = athenaReductionQuery({ database: options.database, table: options.table, projection: options.projection });
  const parameters = windowLiterals(query, windowBounds(options));
  const { StartQueryExecutionCommand, GetQueryExecutionCommand, GetQueryResultsCommand, StopQueryExecutionCommand } = athenaSdk();
  const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
  const send = (command: unknown) => options.client.send(command, options.stop ? { abortSignal: options.stop } : undefined);

  const started = (await send(
    new StartQueryExecutionCommand({
      QueryString: query.sql,
      ExecutionParameters: parameters,
      QueryExecutionContext: { Database: options.database, ...(options.catalog ? { Catalog: options.catalog } : {}) },
      ...(options.workgroup ? { WorkGroup: options.workgroup } : {}),
      ...(options.outputLocation ? { ResultConfiguration: { OutputLocation: options.outputLocation } } : {}),
    }),
  )) as { QueryExecutionId?: unknown };
  const id = started.QueryExecutionId;
  if (typeof id !== 'string' || !QUERY_ID.test(id)) throw new AthenaQueryError(`Athena gave no usable query execution id: ${JSON.stringify(clip(id))}`);

  const stopQuery = async () => {
    try {
      await options.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
    } catch {
      // The query may have ended meanwhile; the run fails with its own reason either way.
    }
  };
  let wait = options.pollStartMs ?? 250;
  const maxWait = options.pollMaxMs ?? 5_000;
  for (;;) {
    const execution = (await send(new GetQueryExecutionCommand({ QueryExecutionId: id }))) as { QueryExecution?: { Status?: { State?: unknown; StateChangeReason?: unknown; AthenaError?: { ErrorMessage?: unknown } } } };
    const status = execution.QueryExecution?.Status;
    const state = status?.State;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED')
      throw new AthenaQueryError(`Athena query ${id} ${String(state).toLowerCase()}: ${clip(status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage ?? 'no reason given')}`);
    if (state !== 'QUEUED' && state !== 'RUNNING') throw new AthenaQueryError(`Athena query ${id} is in an unknown state ${JSON.stringify(clip(state))}`);
    if (Date.now() + wait > deadline) {
      await stopQuery();
      throw new AthenaQueryError(`Athena query ${id} did not finish within ${(options.timeoutMs ?? 15 * 60_000) / 1000} s: stopped`);
    }
    await sleep(wait, options.stop);
    wait = Math.min(maxWait, wait * 2);
  }

  const pageSize = Math.min(1000, Math.max(1, options.pageSize ?? 1000));
  const maxRows = options.maxRows ?? 1_000_000;
  let header: string[] | undefined;
  const rows: Cell[][] = [];
  const tokens = new Set<string>();
  let nextToken: string | undefined;
  do {
    if (Date.now() > deadline) throw new AthenaQueryError(`reading the results of Athena query ${id} did not finish within the timeout`);
    const page = (await send(new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: pageSize, ...(nextToken ? { NextToken: nextToken } : {}) }))) as { ResultSet?: { Rows?: unknown }; NextToken?: unknown };
    const pageRows = page.ResultSet?.Rows;
    if (!Array.isArray(pageRows)) throw new SqlResultError(`Athena query ${id} returned a page without rows`);
    for (const row of pageRows) {
      const cells = cellsOf(row);
      if (header === undefined) {
        if (!cells || cells.some((c) => c === null)) throw new SqlResultError(`Athena query ${id} returned no header row`);
        header = cells as string[];
        continue;
      }
      rows.push(cells ?? []);
      if (rows.length > maxRows) throw new AthenaQueryError(`Athena query ${id} returned more than ${maxRows} rows`);
    }
    const token = page.NextToken;
    if (token !== undefined && token !== null && (typeof token !== 'string' || token.length > 4096 || tokens.has(token))) throw new SqlResultError(`Athena query ${id} returned an unusable NextToken`);
    nextToken = token ?? undefined;
    if (nextToken) tokens.add(nextToken);
  } while (nextToken);
  if (header === undefined) throw new SqlResultError(`Athena query ${id} returned no header row`);
  return { ...reductionOfRows(header, rows, 0), queryExecutionId: id };
}

/** A row's cells (`{}` is SQL NULL), or undefined when the row is not a list of cells. */
function cellsOf(row: unknown): Cell[] | undefined {
  const data = (row as { Data?: unknown } | null)?.Data;
  if (!Array.isArray(data)) return undefined;
  const cells: Cell[] = [];
  for (const datum of data) {
    const value = (datum as { VarCharValue?: unknown } | null)?.VarCharValue;
    if (value === undefined || value === null) cells.push(null);
    else if (typeof value === 'string') cells.push(value);
    else return undefined;
  }
  return cells;
}

function sleep(ms: number, stop: AbortSignal | undefined): Promise<void> {
  if (stop?.aborted) return Promise.reject(stop.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    const aborted = () => {
      clearTimeout(timer);
      reject(stop!.reason);
    };
    stop?.addEventListener('abort', aborted, { once: true });
  });
}
