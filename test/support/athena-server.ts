/**
 * A local stand-in for Amazon Athena's query API, speaking its wire protocol (botocore athena/2017-05-18:
 * JSON 1.1, `POST /`, `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target: AmazonAthena.<Operation>`;
 * an error is HTTP 400 with a JSON body `{"__type": ..., "message": ...}`). Calls must be signed (SigV4,
 * service athena). moto's Athena never paginates GetQueryResults and serves only results queued in
 * advance, which is not enough to test a client that pages.
 *
 * A started query goes QUEUED, then RUNNING (`runningPolls` GetQueryExecution answers), then SUCCEEDED
 * or FAILED as the test scripts it, or stays RUNNING until stopped. GetQueryResults serves the header
 * row and then the scripted rows, `MaxResults` at a time, with opaque NextTokens it issued (a token is
 * good for one query and one next page). Every QueryString and its ExecutionParameters are recorded.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StartedQuery {
  id: string;
  queryString: string;
  executionParameters: string[] | undefined;
  workGroup: string | undefined;
  database: string | undefined;
  catalog: string | undefined;
  outputLocation: string | undefined;
}

/** What a query does, decided by the test when it starts. */
export interface QueryScript {
  /** Column names of the header row. */
  header: string[];
  /** Cells; null is SQL NULL (served as a Datum without VarCharValue). */
  rows: (string | null)[][];
  /** GetQueryExecution answers of RUNNING before the end (default 1). */
  runningPolls?: number;
  /** End FAILED with this reason instead of SUCCEEDED. */
  fail?: string;
  /** Never end (until StopQueryExecution). */
  hang?: boolean;
  /** At most this many rows per page, whatever MaxResults asks. */
  pageCap?: number;
}

export interface AthenaServer {
  url: string;
  started: StartedQuery[];
  /** Every call's operation, in order (throttled ones included). */
  operations: string[];
  stopped: string[];
  throttled(): number;
  script(fn: (query: StartedQuery) => QueryScript): void;
  /** Answer the next `n` requests with a ThrottlingException. */
  throttleNext(n: number): void;
  close(): Promise<void>;
}

interface Running {
  query: StartedQuery;
  script: QueryScript;
  polls: number;
  state: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
}

export async function startAthenaServer(): Promise<AthenaServer> {
  const started: StartedQuery[] = [];
  const operations: string[] = [];
  const stopped: string[] = [];
  const queries = new Map<string, Running>();
  const tokens = new Map<string, { id: string; next: number }>();
  let scriptOf: (query: StartedQuery) => QueryScript = () => ({ header: [], rows: [] });
  let throttle = 0;
  let throttled = 0;
  let counter = 0;

  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `local-${operations.length}` });
        res.end(JSON.stringify(json));
      };
      const fail = (type: string, message: string, status = 400) => reply(status, { __type: type, message });
      if (req.method !== 'POST' || req.url !== '/') return fail('UnknownOperationException', `no operation ${req.method} ${req.url}`, 404);
      if (req.headers['content-type'] !== 'application/x-amz-json-1.1') return fail('SerializationException', 'Content-Type must be application/x-amz-json-1.1');
      const target = /^AmazonAthena\.([A-Za-z]+)$/.exec(String(req.headers['x-amz-target'] ?? ''));
      if (!target) return fail('UnknownOperationException', 'missing or foreign X-Amz-Target');
      const auth = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.exec(req.headers.authorization ?? '');
      if (!auth) return fail('UnrecognizedClientException', 'Missing or malformed Authentication token', 403);
      if (auth[3] !== 'athena') return fail('InvalidSignatureException', `Credential should be scoped to correct service: 'athena'`, 403);
      const operation = target[1]!;
      operations.push(operation);
      if (throttle > 0) {
        throttle--;
        throttled++;
        return fail('ThrottlingException', 'Rate exceeded');
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body) as Record<string, unknown>;
        if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new Error('not an object');
      } catch {
        return fail('SerializationException', 'the body is not a JSON object');
      }
      const invalid = (message: string) => fail('InvalidRequestException', message);
      const running = () => {
        const id = input.QueryExecutionId;
        return typeof id === 'string' ? queries.get(id) : undefined;
      };
      switch (operation) {
        case 'StartQueryExecution': {
          if (typeof input.QueryString !== 'string' || input.QueryString.length === 0) return invalid('QueryString is required');
          const params = input.ExecutionParameters;
          if (params !== undefined && (!Array.isArray(params) || params.some((p) => typeof p !== 'string'))) return invalid('ExecutionParameters must be a list of strings');
          // Placeholders outside string literals (the query's regular expressions hold `?` too).
          const placeholders = (input.QueryString.replace(/'(?:[^']|'')*'/g, "''").match(/\?/g) ?? []).length;
          if ((params as string[] | undefined)?.length !== (placeholders || undefined)) return invalid(`the query has ${placeholders} parameters, ${(params as unknown[] | undefined)?.length ?? 0} given`);
          const context = (input.QueryExecutionContext ?? {}) as Record<string, unknown>;
          const id = `q-${++counter}-${Math.random().toString(36).slice(2, 10)}`;
          const query: StartedQuery = {
            id,
            queryString: input.QueryString,
            executionParameters: params as string[] | undefined,
            workGroup: input.WorkGroup as string | undefined,
            database: context.Database as string | undefined,
            catalog: context.Catalog as string | undefined,
            outputLocation: (input.ResultConfiguration as Record<string, unknown> | undefined)?.OutputLocation as string | undefined,
          };
          started.push(query);
          queries.set(id, { query, script: scriptOf(query), polls: 0, state: 'QUEUED' });
          return reply(200, { QueryExecutionId: id });
        }
        case 'GetQueryExecution': {
          const q = running();
          if (!q) return invalid('QueryExecution not found');
          if (q.state === 'QUEUED' && q.polls > 0) q.state = 'RUNNING';
          if (q.state === 'RUNNING' && !q.script.hang && q.polls > (q.script.runningPolls ?? 1)) q.state = q.script.fail ? 'FAILED' : 'SUCCEEDED';
          q.polls++;
          const status: Record<string, unknown> = { State: q.state, SubmissionDateTime: 1_790_000_000 };
          if (q.state === 'FAILED') Object.assign(status, { StateChangeReason: q.script.fail, AthenaError: { ErrorCategory: 2, ErrorType: 1000, ErrorMessage: q.script.fail } });
          return reply(200, { QueryExecution: { QueryExecutionId: q.query.id, Query: q.query.queryString, Status: status, WorkGroup: q.query.workGroup ?? 'primary' } });
        }
        case 'StopQueryExecution': {
          const q = running();
          if (!q) return invalid('QueryExecution not found');
          stopped.push(q.query.id);
          if (q.state === 'QUEUED' || q.state === 'RUNNING') q.state = 'CANCELLED';
          return reply(200, {});
        }
        case 'GetQueryResults': {
          const q = running();
          if (!q) return invalid('QueryExecution not found');
          if (q.state !== 'SUCCEEDED') return invalid(`Query has not yet finished. Current state: ${q.state}`);
          const max = input.MaxResults === undefined ? 1000 : input.MaxResults;
          if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 1000) return invalid('MaxResults must be between 1 and 1000');
          let start = 0;
          if (input.NextToken !== undefined) {
            const issued = typeof input.NextToken === 'string' ? tokens.get(input.NextToken) : undefined;
            if (!issued || issued.id !== q.query.id) return invalid('Invalid NextToken');
            tokens.delete(input.NextToken as string);
            start = issued.next;
          }
          const all = [q.script.header, ...q.script.rows];
          const size = Math.min(max, q.script.pageCap ?? Infinity);
          const page = all.slice(start, start + size);
          const next = start + page.length;
          let token: string | undefined;
          if (next < all.length) {
            token = `t${Math.random().toString(36).slice(2)}${tokens.size}`;
            tokens.set(token, { id: q.query.id, next });
          }
          return reply(200, {
            ResultSet: {
              Rows: page.map((cells) => ({ Data: cells.map((c) => (c === null ? {} : { VarCharValue: c })) })),
              ResultSetMetadata: { ColumnInfo: q.script.header.map((name) => ({ CatalogName: 'hive', Name: name, Label: name, Type: name === 'events' ? 'bigint' : 'varchar', Nullable: 'UNKNOWN' })) },
            },
            ...(token ? { NextToken: token } : {}),
            UpdateCount: 0,
          });
        }
        default:
          return fail('UnknownOperationException', `operation ${operation} is not served here`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    started,
    operations,
    stopped,
    throttled: () => throttled,
    script: (fn) => (scriptOf = fn),
    throttleNext: (n) => (throttle = n),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
