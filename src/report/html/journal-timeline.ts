/**
 * A rollout journal (rollouts/<run>.jsonl) as the timeline the HTML report draws: per run, per wave, the
 * calls (with their attempts and retries), the verification, the bake and its signals, and how the wave
 * and the run ended (a halt with its reason). The file is read as untrusted input, more strictly than
 * the rollout reads its own journal: a size cap, a nesting cap, every field the timeline uses checked
 * for its type and range, every string clipped and made inert; a line that is not a record is an error
 * naming it, but for a torn last line (a run killed while writing), which is left out and said so.
 */
import { clip, inertLine } from '../../diagnostics/index.js';
import { jsonNestingOver } from '../../files/json-depth.js';

export const JOURNAL_LIMITS = {
  /** A rollout of 10,000 accounts journals a few thousand calls: a few MB. */
  bytes: 64 * 1024 * 1024,
  lines: 1_000_000,
  /** run-start holds the owned policies' snapshot: objects in a list, their tags an object. */
  nesting: 8,
  /** Calls kept per wave; past it they are counted, not listed (halts, verifications and signals are always kept). */
  callsPerWave: 500,
  /** Characters kept of any string read. */
  text: 2000,
} as const;

export type TimelineEventKind = 'wave-start' | 'call' | 'verify' | 'bake' | 'signal' | 'wave-end' | 'halt';

export interface TimelineEvent {
  /** Milliseconds since the run started (its first record). */
  t: number;
  kind: TimelineEventKind;
  ok: boolean;
  text: string;
}

export interface TimelineWave {
  name: string;
  result?: string;
  /** Calls made (step-end records), the attempts beyond the first, and the retries by error class. */
  calls: number;
  retries: number;
  /** From the wave's start to its end (or its last record). */
  ms: number;
  events: TimelineEvent[];
  /** Calls read but not listed (past JOURNAL_LIMITS.callsPerWave). */
  omitted: number;
}

export interface TimelineRun {
  run: string;
  command: string;
  startedAt: string;
  result?: string;
  reason?: string;
  waves: TimelineWave[];
}

export interface JournalTimeline {
  file: string;
  runs: TimelineRun[];
  /** What was tolerated (a torn last line). */
  notes: string[];
}

export type TimelineRead = { ok: true; timeline: JournalTimeline } | { ok: false; problem: string };

const STEP_RESULTS = new Set(['done', 'already-done', 'halted', 'failed']);
const WAVE_RESULTS = new Set(['done', 'skipped', 'halted', 'interrupted']);
const RUN_RESULTS = new Set(['done', 'stopped', 'halted', 'refused', 'interrupted']);
const SIGNALS = new Set(['canary', 'drift', 'check', 'access-denied']);

class BadRecord extends Error {}

/** The timeline of a journal's text; `file` names it in problems and on the page. */
export function journalTimeline(text: string, file: string): TimelineRead {
  if (Buffer.byteLength(text, 'utf8') > JOURNAL_LIMITS.bytes) return { ok: false, problem: `${file}: larger than ${JOURNAL_LIMITS.bytes / 1024 / 1024} MiB` };
  const lines = text.split('\n');
  const terminated = text.endsWith('\n');
  if (terminated) lines.pop();
  if (lines.length > JOURNAL_LIMITS.lines) return { ok: false, problem: `${file}: more than ${JOURNAL_LIMITS.lines} records` };
  const notes: string[] = [];
  const runs = new Map<string, RunBuilder>();
  for (const [i, line] of lines.entries()) {
    const where = `${file}:${i + 1}`;
    let record: Record<string, unknown>;
    try {
      record = parseRecord(line);
    } catch (e) {
      if (i === lines.length - 1 && !terminated) {
        notes.push(`${inertLine(file)}:${i + 1}: the last line is torn (the run was stopped while writing it); left out`);
        continue;
      }
      return { ok: false, problem: `${where}: ${(e as Error).message}` };
    }
    try {
      add(runs, record);
    } catch (e) {
      if (!(e instanceof BadRecord)) throw e;
      return { ok: false, problem: `${where}: ${e.message}` };
    }
  }
  return { ok: true, timeline: { file: inertLine(file), runs: [...runs.values()].map((r) => r.done()), notes } };
}

function parseRecord(line: string): Record<string, unknown> {
  if (jsonNestingOver(line, JOURNAL_LIMITS.nesting) !== undefined) throw new BadRecord(`nested deeper than ${JOURNAL_LIMITS.nesting} levels`);
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BadRecord(line.trim() === '' ? 'an empty line' : 'not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRecord('not a JSON object');
  return value as Record<string, unknown>;
}

function str(r: Record<string, unknown>, key: string): string {
  const v = r[key];
  if (typeof v !== 'string') throw new BadRecord(`"${key}" must be a string`);
  return clip(inertLine(v), JOURNAL_LIMITS.text);
}

function optStr(r: Record<string, unknown>, key: string): string | undefined {
  return r[key] === undefined ? undefined : str(r, key);
}

function num(r: Record<string, unknown>, key: string, integer = false): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) throw new BadRecord(`"${key}" must be a ${integer ? 'whole ' : ''}number, 0 or more`);
  return v;
}

function bool(r: Record<string, unknown>, key: string): boolean {
  const v = r[key];
  if (typeof v !== 'boolean') throw new BadRecord(`"${key}" must be true or false`);
  return v;
}

function oneOf(r: Record<string, unknown>, key: string, allowed: ReadonlySet<string>): string {
  const v = r[key];
  if (typeof v !== 'string' || !allowed.has(v)) throw new BadRecord(`"${key}" must be one of ${[...allowed].join(', ')}`);
  return v;
}

function strings(r: Record<string, unknown>, key: string): string[] {
  const v = r[key];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadRecord(`"${key}" must be a list of strings`);
  return (v as string[]).map((x) => clip(inertLine(x), JOURNAL_LIMITS.text));
}

function time(r: Record<string, unknown>): number {
  const at = r.at;
  const ms = typeof at === 'string' ? Date.parse(at) : NaN;
  if (!Number.isFinite(ms)) throw new BadRecord('"at" must be an ISO date and time');
  return ms;
}

interface WaveBuilder {
  wave: TimelineWave;
  start?: number;
  verifiedAt?: number;
  signals: number;
  listedCalls: number;
  steps: Map<number, string>;
}

interface RunBuilder {
  add(record: Record<string, unknown>): void;
  done(): TimelineRun;
}

function add(runs: Map<string, RunBuilder>, r: Record<string, unknown>): void {
  const kind = oneOf(r, 'kind', KINDS);
  const id = str(r, 'run');
  const at = time(r);
  let run = runs.get(id);
  if (!run) runs.set(id, (run = runBuilder(id, at)));
  run.add({ ...r, kind, at });
}

const KINDS = new Set(['run-start', 'wave-start', 'step-start', 'step-end', 'verify', 'signal', 'wave-end', 'run-end']);

function runBuilder(id: string, firstAt: number): RunBuilder {
  const run: TimelineRun = { run: id, command: '', startedAt: new Date(firstAt).toISOString(), waves: [] };
  const waves = new Map<string, WaveBuilder>();
  let last: WaveBuilder | undefined;
  const waveOf = (name: string): WaveBuilder => {
    let w = waves.get(name);
    if (!w) {
      w = { wave: { name, calls: 0, retries: 0, ms: 0, events: [], omitted: 0 }, signals: 0, listedCalls: 0, steps: new Map() };
      waves.set(name, w);
      run.waves.push(w.wave);
    }
    return w;
  };
  return {
    add(r) {
      const at = r.at as number;
      const t = Math.max(0, at - firstAt);
      const event = (w: WaveBuilder, kind: TimelineEventKind, ok: boolean, text: string) => {
        w.wave.events.push({ t, kind, ok, text });
        if (w.start !== undefined) w.wave.ms = Math.max(w.wave.ms, at - w.start);
        last = w;
      };
      switch (r.kind) {
        case 'run-start':
          run.command = str(r, 'command');
          for (const name of strings(r, 'waves')) waveOf(name);
          break;
        case 'wave-start': {
          const w = waveOf(str(r, 'wave'));
          w.start = at;
          const steps = num(r, 'steps', true);
          event(w, 'wave-start', true, `started: ${steps} call${steps === 1 ? '' : 's'} planned, at least ${formatSeconds(num(r, 'leastSeconds'))} by the rate limits`);
          break;
        }
        case 'step-start': {
          const w = waveOf(str(r, 'wave'));
          w.steps.set(num(r, 'index', true), str(r, 'text'));
          break;
        }
        case 'step-end': {
          const w = waveOf(str(r, 'wave'));
          const index = num(r, 'index', true);
          const result = oneOf(r, 'result', STEP_RESULTS);
          const attempts = num(r, 'attempts', true);
          const retries = r.retries;
          if (typeof retries !== 'object' || retries === null || Array.isArray(retries)) throw new BadRecord('"retries" must be an object of counts');
          const byClass = Object.entries(retries as Record<string, unknown>).map(([k, v]) => {
            if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new BadRecord('"retries" must be an object of counts');
            return `${inertLine(k).slice(0, 40)} ${v}`;
          });
          const ms = num(r, 'ms');
          const error = optStr(r, 'error');
          w.wave.calls++;
          w.wave.retries += Math.max(0, attempts - 1);
          const ok = result === 'done' || result === 'already-done';
          // Failed calls are always listed; past the cap, calls that went well are counted only.
          if (ok && w.listedCalls >= JOURNAL_LIMITS.callsPerWave) {
            w.wave.omitted++;
            if (w.start !== undefined) w.wave.ms = Math.max(w.wave.ms, at - w.start);
            break;
          }
          w.listedCalls++;
          const what = w.steps.get(index) ?? `call ${index + 1}`;
          const tries = attempts > 1 ? `, ${attempts} attempts${byClass.length ? ` (retried: ${byClass.join(', ')})` : ''}` : '';
          event(w, 'call', ok, `${what}: ${result}${tries}, ${formatMs(ms)}${error ? `: ${error}` : ''}`);
          break;
        }
        case 'verify': {
          const w = waveOf(str(r, 'wave'));
          const ok = bool(r, 'ok');
          const differences = strings(r, 'differences');
          w.verifiedAt = at;
          event(w, 'verify', ok, `verification ${ok ? 'passed' : 'failed'} after ${num(r, 'polls', true)} read${r.polls === 1 ? '' : 's'}, ${formatMs(num(r, 'ms'))}${differences.length ? `: ${differences.slice(0, 5).join('; ')}${differences.length > 5 ? `; and ${differences.length - 5} more` : ''}` : ''}`);
          break;
        }
        case 'signal': {
          const w = waveOf(str(r, 'wave'));
          const ok = bool(r, 'ok');
          w.signals++;
          event(w, 'signal', ok, `${oneOf(r, 'signal', SIGNALS)}: ${ok ? 'ok' : 'failed'}: ${str(r, 'detail')}`);
          break;
        }
        case 'wave-end': {
          const w = waveOf(str(r, 'wave'));
          const result = oneOf(r, 'result', WAVE_RESULTS);
          num(r, 'calls', true);
          num(r, 'ms');
          if (w.verifiedAt !== undefined) event(w, 'bake', result === 'done', `bake ${result === 'done' ? 'ended' : 'stopped'} after ${formatMs(at - w.verifiedAt)}, ${w.signals} signal check${w.signals === 1 ? '' : 's'}`);
          w.wave.result = result;
          event(w, 'wave-end', result === 'done' || result === 'skipped', `wave ${result}`);
          break;
        }
        case 'run-end': {
          const result = oneOf(r, 'result', RUN_RESULTS);
          const reason = optStr(r, 'reason');
          num(r, 'exitCode', true);
          run.result = result;
          if (reason) run.reason = reason;
          // The halt is drawn in the wave it stopped: the last one with a record.
          if (result === 'halted' || result === 'interrupted' || result === 'refused') {
            const w = [...waves.values()].find((x) => x.wave.result === 'halted') ?? last;
            if (w) event(w, 'halt', false, `run ${result}${reason ? `: ${reason}` : ''}`);
          }
          break;
        }
      }
    },
    done: () => run,
  };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : formatSeconds(ms / 1000);
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.round(s * 10) / 10} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return m < 60 ? `${m}m ${rest}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}
