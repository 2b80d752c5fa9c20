/**
 * The rollout's journal: append-only JSONL, one JournalRecord a line. It records what was done and why;
 * it is not the state (the organization is). Each record is written and fsynced before `append`
 * resolves, and the executor awaits the `step-start` record before the call it announces: a write the
 * journal does not announce never happened.
 *
 * A process killed mid-append leaves at most its last line torn. That record was never fsynced, so the
 * call it announced was never made: reading tolerates it (and says so), and opening the journal to
 * append cuts it off, so that the next record starts on a line of its own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JournalRecord, OwnedPolicySnapshot } from './types.js';

export interface Journal {
  readonly file: string;
  /** Resolves once the record is on disk. Appends are written in the order they are made. */
  append(record: JournalRecord): Promise<void>;
  close(): Promise<void>;
}

export interface OpenedJournal extends Journal {
  /** What opening found and repaired: a torn last line cut off (the bytes it held). */
  readonly repaired?: string;
}

export class JournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalError';
  }
}

export async function openJournal(file: string): Promise<OpenedJournal> {
  let repaired: string | undefined;
  let handle: fs.promises.FileHandle;
  const existed = fs.existsSync(file);
  try {
    handle = await fs.promises.open(file, 'a+');
    // A new file's name is durable only once its directory is synced: a journal must not vanish in a crash.
    if (!existed) await syncDirectory(path.dirname(path.resolve(file)));
  } catch (e) {
    throw new JournalError(`cannot open the journal ${file}: ${(e as Error).message}; pass --journal a writable file`);
  }
  const { size } = await handle.stat();
  if (size > 0) {
    const text = (await fs.promises.readFile(file)).toString('utf8');
    if (!text.endsWith('\n')) {
      const keep = text.lastIndexOf('\n') + 1;
      const torn = text.slice(keep);
      // A complete record without its newline is kept and finished; anything else is the torn tail of a kill.
      if (parseLine(torn) !== undefined) {
        await handle.appendFile('\n');
      } else {
        await handle.truncate(Buffer.byteLength(text.slice(0, keep), 'utf8'));
        repaired = `cut off a torn last line of ${Buffer.byteLength(torn, 'utf8')} bytes (a record being written when the process was stopped)`;
      }
      await handle.sync();
    }
  }
  let queue: Promise<void> = Promise.resolve();
  let closed = false;
  const append = (record: JournalRecord): Promise<void> => {
    if (closed) return Promise.reject(new JournalError(`the journal ${file} is closed`));
    const line = `${JSON.stringify(record)}\n`;
    const write = queue.then(async () => {
      // One write of the whole line, then fsync: a kill can tear only this line.
      await handle.write(line);
      await handle.sync();
    });
    queue = write.catch(() => undefined);
    return write;
  };
  return {
    file,
    ...(repaired ? { repaired } : {}),
    append,
    async close() {
      if (closed) return;
      closed = true;
      await queue;
      await handle.close();
    },
  };
}

async function syncDirectory(dir: string): Promise<void> {
  let d: fs.promises.FileHandle | undefined;
  try {
    d = await fs.promises.open(dir, 'r');
    await d.sync();
  } catch {
    // Some file systems cannot sync a directory; the records themselves are still synced.
  } finally {
    await d?.close();
  }
}

export interface JournalRead {
  records: JournalRecord[];
  /** What was tolerated: a torn last line. */
  problems: string[];
}

const KINDS = new Set(['run-start', 'wave-start', 'step-start', 'step-end', 'verify', 'signal', 'wave-end', 'run-end']);

/** A journal that does not exist reads as empty; any malformed line but a torn last one is an error naming it. */
export function readJournal(file: string): JournalRead {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [] };
    throw new JournalError(`cannot read the journal ${file}: ${(e as Error).message}`);
  }
  return parseJournal(text, file);
}

export function parseJournal(text: string, file: string): JournalRead {
  const records: JournalRecord[] = [];
  const problems: string[] = [];
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  if (endsWithNewline) lines.pop();
  for (const [i, line] of lines.entries()) {
    const record = parseLine(line);
    if (record) {
      records.push(record);
      continue;
    }
    const last = i === lines.length - 1;
    if (last && !endsWithNewline) {
      problems.push(`${file}:${i + 1}: the last line is torn (the process was stopped while writing it); it is ignored`);
      continue;
    }
    throw new JournalError(`${file}:${i + 1}: not a journal record (${line.trim() === '' ? 'empty line' : 'malformed JSON or unknown kind'}); the journal is append-only: restore it or start a new one with --journal`);
  }
  return { records, problems };
}

function parseLine(line: string): JournalRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.kind !== 'string' || !KINDS.has(r.kind) || typeof r.run !== 'string' || typeof r.at !== 'string') return undefined;
  return value as JournalRecord;
}

export interface WaveRecord {
  name: string;
  started: boolean;
  /** The wave-end result, when the wave ended. */
  result?: 'done' | 'skipped' | 'halted' | 'interrupted';
  verified?: boolean;
  /** Steps announced (step-start) and those that ended. */
  stepsStarted: number;
  stepsEnded: number;
}

export interface RunRecord {
  run: string;
  start?: Extract<JournalRecord, { kind: 'run-start' }>;
  end?: Extract<JournalRecord, { kind: 'run-end' }>;
  /** Per wave of the run, in the order the run first mentions them (the run-start's waves first). */
  waves: WaveRecord[];
  records: JournalRecord[];
}

/** The runs of a journal in the order they started, each with its records. */
export function runsOf(records: readonly JournalRecord[]): RunRecord[] {
  const runs = new Map<string, RunRecord>();
  const waveOf = (run: RunRecord, name: string): WaveRecord => {
    let w = run.waves.find((x) => x.name === name);
    if (!w) run.waves.push((w = { name, started: false, stepsStarted: 0, stepsEnded: 0 }));
    return w;
  };
  for (const r of records) {
    let run = runs.get(r.run);
    if (!run) runs.set(r.run, (run = { run: r.run, waves: [], records: [] }));
    run.records.push(r);
    switch (r.kind) {
      case 'run-start':
        run.start ??= r;
        for (const name of r.waves) waveOf(run, name);
        break;
      case 'run-end':
        run.end = r;
        break;
      case 'wave-start':
        waveOf(run, r.wave).started = true;
        break;
      case 'step-start':
        waveOf(run, r.wave).stepsStarted++;
        break;
      case 'step-end':
        waveOf(run, r.wave).stepsEnded++;
        break;
      case 'verify':
        waveOf(run, r.wave).verified = r.ok;
        break;
      case 'wave-end':
        waveOf(run, r.wave).result = r.result;
        break;
      case 'signal':
        break;
    }
  }
  return [...runs.values()];
}

export interface RunState {
  run: string;
  /** Waves that ended done, in order. */
  wavesDone: string[];
  /** The first wave of the run that has not ended done, if any. */
  nextWave?: string;
  /** A wave that started and has no wave-end: the run was stopped inside it. */
  openWave?: string;
  /** How the run ended, if it did. */
  end?: Extract<JournalRecord, { kind: 'run-end' }>;
  /** The last step announced without an end: the write may or may not have landed. */
  unfinishedStep?: Extract<JournalRecord, { kind: 'step-start' }>;
}

/** Where a run stands (the last run of the journal when `run` is not given); undefined when there is none. */
export function runState(records: readonly JournalRecord[], run?: string): RunState | undefined {
  const runs = runsOf(records);
  const r = run === undefined ? runs.at(-1) : runs.find((x) => x.run === run);
  if (!r) return undefined;
  const ended = (w: { result?: string }) => w.result === 'done' || w.result === 'skipped';
  const wavesDone = r.waves.filter(ended).map((w) => w.name);
  const nextWave = r.waves.find((w) => !ended(w))?.name;
  const openWave = r.waves.find((w) => w.started && w.result === undefined)?.name;
  // Paired in order: a resumed run may number the steps of a re-planned wave again from 0.
  const pending = new Map<string, Extract<JournalRecord, { kind: 'step-start' }>>();
  for (const rec of r.records) {
    if (rec.kind === 'step-start') pending.set(`${rec.wave}#${rec.index}`, rec);
    else if (rec.kind === 'step-end') pending.delete(`${rec.wave}#${rec.index}`);
  }
  const unfinishedStep = [...pending.values()].at(-1);
  return { run: r.run, wavesDone, ...(nextWave ? { nextWave } : {}), ...(openWave ? { openWave } : {}), ...(r.end ? { end: r.end } : {}), ...(unfinishedStep ? { unfinishedStep } : {}) };
}

/** The owned policies and their targets before `run` started: what `--revert RUN` returns to. */
export function snapshotOf(records: readonly JournalRecord[], run: string): OwnedPolicySnapshot[] | undefined {
  for (const r of records) if (r.kind === 'run-start' && r.run === run) return r.snapshot;
  return undefined;
}
