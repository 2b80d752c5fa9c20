/**
 * The directory source of `guardrails impact`: a folder laid out as CloudTrail delivers to S3
 * (layout.ts), reduced to shapes on every core. The main thread lists the window's files and hands them
 * out in small batches to one worker per core (os.availableParallelism()), each reading one file at a
 * time into its own shape table (reduce-worker.ts); the tables are merged here. Memory is a file per
 * thread plus the shape tables: flat as the logs grow. Run from the TypeScript sources (the tests) there
 * is no compiled worker: the same reduction runs inline.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { repositoryOf, rootForNamedPath } from '../../files/repository.js';
import { DEFAULT_MAX_SHAPES, ShapeLimitError, ShapeTable } from '../shape-table.js';
import type { Projection, Reduction } from '../types.js';
import { findLogFiles, type LogFile, type RefusedPath } from './layout.js';
import { addTotals, emptyTotals, FileReducer, type FromWorker, type ReduceSettings, type ToWorker, type WorkerResult, type WorkerStart } from './reduce-worker.js';

const WORKER = new URL('./reduce-worker.js', import.meta.url);
/** Files handed to a worker at a time: small enough to balance the threads, large enough that messages cost nothing. */
const BATCH = 8;

export interface DirectoryOptions {
  projection: Projection;
  since: Date;
  until: Date;
  /** Only these accounts' folders. */
  accounts?: readonly string[];
  /** Threads (default: os.availableParallelism()). */
  concurrency?: number;
  maxShapes?: number;
  /** The working directory: a directory inside its repository must resolve inside it (default: the process's). */
  cwd?: string;
  /** Per file: compressed and inflated caps (reduce-worker.ts, gzip-records.ts). */
  maxFileBytes?: number;
  maxInflatedBytes?: number;
}

export interface DirectoryReduction extends Reduction {
  /** Paths refused (a symlink leading out of the repository, an unreadable file, one too large), each with why. */
  refused: RefusedPath[];
  /** Threads that reduced (0: inline on this thread). */
  threads: number;
}

export async function reduceDirectory(dir: string, options: DirectoryOptions): Promise<DirectoryReduction> {
  const cwd = options.cwd ?? process.cwd();
  const root = rootForNamedPath(dir, cwd, repositoryOf(cwd));
  const layout = findLogFiles(dir, { since: options.since, until: options.until, ...(options.accounts ? { accounts: options.accounts } : {}), ...(root !== undefined ? { root } : {}) });
  const settings: ReduceSettings = {
    projection: options.projection,
    sinceMs: options.since.getTime(),
    untilMs: options.until.getTime(),
    maxShapes: options.maxShapes ?? DEFAULT_MAX_SHAPES,
    ...(root !== undefined ? { root } : {}),
    ...(options.maxFileBytes !== undefined ? { maxFileBytes: options.maxFileBytes } : {}),
    ...(options.maxInflatedBytes !== undefined ? { maxInflatedBytes: options.maxInflatedBytes } : {}),
  };
  const threads = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), Math.ceil(layout.files.length / BATCH)));
  const compiled = WORKER.protocol === 'file:' && existsSync(fileURLToPath(WORKER));
  const onThreads = compiled && layout.files.length > 0 ? await onWorkers(layout.files, settings, threads) : undefined;
  const results = onThreads ?? [inline(layout.files, settings)];
  const table = new ShapeTable(settings.maxShapes);
  const totals = emptyTotals();
  const refused = [...layout.refused];
  for (const r of results) {
    table.merge(r.rows);
    addTotals(totals, r.totals);
    refused.push(...r.refused);
  }
  return { shapes: table.rows(), totals, refused, threads: onThreads ? onThreads.length : 0 };
}

function inline(files: readonly LogFile[], settings: ReduceSettings): WorkerResult {
  const reducer = new FileReducer(settings);
  for (const file of files) reducer.file(file);
  return { rows: reducer.table.rows(), totals: reducer.totals, refused: reducer.refused };
}

/** The results of every worker, or undefined when one could not run (the reduction then runs inline, as it would have). */
async function onWorkers(files: readonly LogFile[], settings: ReduceSettings, threads: number): Promise<WorkerResult[] | undefined> {
  let next = 0;
  const take = (): LogFile[] => {
    const batch = files.slice(next, next + BATCH);
    next += batch.length;
    return batch;
  };
  const started: Worker[] = [];
  try {
    const replies = await Promise.all(
      Array.from({ length: threads }, () =>
        new Promise<FromWorker | undefined>((resolve) => {
          let worker: Worker;
          try {
            worker = new Worker(WORKER, { workerData: { kind: 'impact-reduce', settings } satisfies WorkerStart });
          } catch {
            resolve(undefined);
            return;
          }
          started.push(worker);
          const send = (m: ToWorker) => worker.postMessage(m);
          worker.on('message', (m: FromWorker) => {
            // A failure decides the reduction: the other threads stop instead of reading on for nothing.
            if (m.kind === 'error') for (const w of started) if (w !== worker) void w.terminate();
            if (m.kind !== 'ready') return resolve(m);
            const batch = take();
            send(batch.length > 0 ? { batch } : { end: true });
          });
          worker.once('error', () => resolve(undefined));
          worker.once('exit', () => resolve(undefined));
          const batch = take();
          send(batch.length > 0 ? { batch } : { end: true });
        }),
      ),
    );
    const results: WorkerResult[] = [];
    for (const reply of replies) {
      if (reply?.kind === 'error') {
        if (reply.tooManyShapes !== undefined) throw new ShapeLimitError(reply.tooManyShapes);
        const error = new Error(reply.message);
        if (reply.stack) error.stack = reply.stack;
        throw error;
      }
    }
    for (const reply of replies) {
      if (reply?.kind !== 'result') return undefined;
      results.push(JSON.parse(reply.json) as WorkerResult);
    }
    return results;
  } finally {
    for (const w of started) void w.terminate();
  }
}
