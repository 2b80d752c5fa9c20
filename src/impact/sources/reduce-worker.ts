/**
 * The reduction of log files to shapes: read (through files/read.ts's gate), inflate, parse, read each
 * record, count its shape. One file at a time, so memory holds one file and the shape table, whatever
 * the number of files. directory.ts runs it on worker threads, handing out batches of files; run from
 * the TypeScript sources (the tests) there is no compiled worker and it runs inline, the same code.
 *
 * As a worker (started by directory.ts with workerData.kind 'impact-reduce'): it takes batches of files
 * from messages, answers `ready` after each, and on `end` hands back its table's rows and totals as
 * JSON text (one string crosses threads in one copy).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readBytesSync } from '../../files/read.js';
import { readRecord } from '../record.js';
import { shapeKey, shapeOf } from '../shape.js';
import { ShapeLimitError, ShapeTable } from '../shape-table.js';
import type { Projection, ReductionTotals, ShapeRow } from '../types.js';
import { recordsOfLogFile } from './gzip-records.js';
import type { LogFile, RefusedPath } from './layout.js';

/** A compressed log file is a few hundred KB at most (CloudTrail delivers every ~5 minutes). */
export const MAX_LOG_FILE_BYTES = 64 * 1024 * 1024;

export interface ReduceSettings {
  projection: Projection;
  /** The window: records with since <= eventTime < until, in ms since the epoch. */
  sinceMs: number;
  untilMs: number;
  maxShapes: number;
  /** The real directory every file must resolve inside (files/read.ts), when there is one. */
  root?: string;
  maxFileBytes?: number;
  maxInflatedBytes?: number;
}

export function emptyTotals(): ReductionTotals {
  return { records: 0, authorizationEvents: 0, notAuthorization: 0, outsideWindow: 0, malformed: {}, files: 0 };
}

/** A reducer over files: its table, its totals and the files it refused. */
export class FileReducer {
  readonly table: ShapeTable;
  readonly totals = emptyTotals();
  readonly refused: RefusedPath[] = [];

  constructor(private readonly settings: ReduceSettings) {
    this.table = new ShapeTable(settings.maxShapes);
  }

  file(file: LogFile): void {
    const read = readBytesSync(file.path, { ...(this.settings.root !== undefined ? { root: this.settings.root } : {}), maxBytes: this.settings.maxFileBytes ?? MAX_LOG_FILE_BYTES, what: 'CloudTrail log file' });
    if (!read.ok) {
      this.refused.push({ path: file.path, code: read.code, message: read.message });
      return;
    }
    this.bytes(read.bytes, file.account);
  }

  /**
   * One log file's bytes (gzip, as CloudTrail delivers them), from a directory or an S3 object: every
   * source reduces a file with this one function. `account` is the account folder it was delivered under.
   */
  bytes(gz: Uint8Array, account: string | undefined): void {
    this.totals.files++;
    const parsed = recordsOfLogFile(gz, this.settings.maxInflatedBytes);
    if (!parsed.ok) {
      this.malformed(`file:${parsed.reason}`);
      return;
    }
    const { projection, sinceMs, untilMs } = this.settings;
    for (const raw of parsed.records) {
      this.totals.records++;
      const record = readRecord(raw, account);
      if (record.kind === 'not-authorization') this.totals.notAuthorization++;
      else if (record.kind === 'malformed') this.malformed(record.reason);
      else {
        const f = record.fields;
        if (f.eventTimeMs < sinceMs || f.eventTimeMs >= untilMs) {
          this.totals.outsideWindow++;
          continue;
        }
        const shape = shapeOf(f, projection);
        this.table.add(shape, f.eventTime, f.eventTimeMs, f.eventId, shapeKey(shape));
        this.totals.authorizationEvents++;
      }
    }
  }

  private malformed(reason: string): void {
    this.totals.malformed[reason] = (this.totals.malformed[reason] ?? 0) + 1;
  }
}

export function addTotals(into: ReductionTotals, from: ReductionTotals): void {
  into.records += from.records;
  into.authorizationEvents += from.authorizationEvents;
  into.notAuthorization += from.notAuthorization;
  into.outsideWindow += from.outsideWindow;
  into.files += from.files;
  for (const [reason, n] of Object.entries(from.malformed)) into.malformed[reason] = (into.malformed[reason] ?? 0) + n;
}

export interface WorkerStart {
  kind: 'impact-reduce';
  settings: ReduceSettings;
}
export type ToWorker = { batch: LogFile[] } | { end: true };
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'result'; json: string }
  | { kind: 'error'; tooManyShapes?: number; message: string; stack?: string };
export interface WorkerResult {
  rows: ShapeRow[];
  totals: ReductionTotals;
  refused: RefusedPath[];
}

if (!isMainThread && (workerData as WorkerStart | undefined)?.kind === 'impact-reduce') {
  const reducer = new FileReducer((workerData as WorkerStart).settings);
  const port = parentPort!;
  port.on('message', (message: ToWorker) => {
    try {
      if ('batch' in message) {
        for (const file of message.batch) reducer.file(file);
        port.postMessage({ kind: 'ready' } satisfies FromWorker);
      } else {
        const result: WorkerResult = { rows: reducer.table.rows(), totals: reducer.totals, refused: reducer.refused };
        port.postMessage({ kind: 'result', json: JSON.stringify(result) } satisfies FromWorker);
        port.close();
      }
    } catch (e) {
      const reply: FromWorker =
        e instanceof ShapeLimitError
          ? { kind: 'error', tooManyShapes: e.maxShapes, message: e.message }
          : { kind: 'error', message: e instanceof Error ? e.message : String(e), ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) };
      port.postMessage(reply);
      port.close();
    }
  });
}
