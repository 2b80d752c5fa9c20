/**
 * The reduction query's result rows (queries.ts, RESULT_COLUMNS) back into a Reduction, for every
 * engine that runs it (DuckDB, Athena). Cells are untrusted: Athena's are text from a service, and a
 * result can be served by anything that answers at the endpoint. A row that does not hold exactly what
 * the query writes is counted (`malformed['result-row']`), never thrown on and never half-read; only a
 * header other than the query's is an error (the rows could not be read at all).
 */
import type { Reduction, ReductionTotals, ShapeRow } from '../types.js';
import { EVENT_TIME_PATTERN, MAX_FIELD_CHARS, MAX_RESOURCES, RESULT_COLUMNS, SHAPE_COLUMNS } from './columns.js';

export class SqlResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlResultError';
  }
}

export type Cell = string | null;

const REQUIRED = new Set(['event_source', 'event_name', 'aws_region', 'recipient_account_id', 'principal_type']);
const EVENT_TIME = new RegExp(EVENT_TIME_PATTERN);
const EVENTS = /^[1-9][0-9]{0,14}$/;
const REASON = /^[A-Za-z][A-Za-z0-9.:-]{0,63}$/;
/** The file-level reason: a log file without a `Records` list holds no record to count. */
const NO_RECORDS = 'Records';

export function checkHeader(header: readonly string[]): void {
  if (header.length !== RESULT_COLUMNS.length || header.some((h, i) => h.toLowerCase() !== RESULT_COLUMNS[i]))
    throw new SqlResultError(`the result's columns are not the reduction query's: ${JSON.stringify(header.slice(0, 40).map((h) => String(h).slice(0, 64)))}`);
}

/** One shape row, or undefined when any cell is not what the query writes. */
export function parseShapeRow(cells: readonly Cell[]): ShapeRow | undefined {
  if (cells.length !== RESULT_COLUMNS.length || cells[0] !== 'shape') return undefined;
  const row: Record<string, unknown> = {};
  for (let i = 0; i < SHAPE_COLUMNS.length; i++) {
    const [column, field] = SHAPE_COLUMNS[i]!;
    const cell = cells[i + 1];
    if (cell === undefined) return undefined;
    if (column === 'resource_arns') {
      const arns = parseArns(cell);
      if (!arns) return undefined;
      row[field] = arns;
      continue;
    }
    if (cell === null) {
      if (REQUIRED.has(column)) return undefined;
      row[field] = null;
      continue;
    }
    if (typeof cell !== 'string' || cell.length > MAX_FIELD_CHARS) return undefined;
    if (REQUIRED.has(column) && cell === '') return undefined;
    row[field] = cell;
  }
  if (row.deniedBy !== null && row.deniedBy !== 'scp' && row.deniedBy !== 'rcp') return undefined;
  if (row.deniedByPolicy !== null && !/^p-[a-z0-9]{8,128}$/.test(row.deniedByPolicy as string)) return undefined;
  const [events, firstSeen, lastSeen, exampleEventId] = cells.slice(1 + SHAPE_COLUMNS.length);
  if (typeof events !== 'string' || !EVENTS.test(events)) return undefined;
  if (typeof firstSeen !== 'string' || typeof lastSeen !== 'string' || !EVENT_TIME.test(firstSeen) || !EVENT_TIME.test(lastSeen) || firstSeen > lastSeen) return undefined;
  if (typeof exampleEventId !== 'string' || exampleEventId.length === 0 || exampleEventId.length > MAX_FIELD_CHARS) return undefined;
  return { ...(row as Omit<ShapeRow, 'events' | 'firstSeen' | 'lastSeen' | 'exampleEventId'>), events: Number(events), firstSeen, lastSeen, exampleEventId };
}

/** A JSON list of strings; sorted and de-duplicated here so that every engine gives JavaScript's order. */
function parseArns(cell: Cell): string[] | undefined {
  if (typeof cell !== 'string' || cell.length > (MAX_FIELD_CHARS + 8) * MAX_RESOURCES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(cell);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length > MAX_RESOURCES || value.some((a) => typeof a !== 'string' || a.length > MAX_FIELD_CHARS)) return undefined;
  return [...new Set(value as string[])].sort();
}

function keyOf(row: ShapeRow): string {
  return JSON.stringify(SHAPE_COLUMNS.map(([, field]) => row[field]));
}

/**
 * Every row of a result into a Reduction: shapes (merged when two rows are the same shape, sorted by
 * their fields) and the totals the query counted. `files` is what the source knows of the files read.
 */
export function reductionOfRows(header: readonly string[], rows: Iterable<readonly Cell[]>, files: number): Reduction {
  checkHeader(header);
  const totals: ReductionTotals = { records: 0, authorizationEvents: 0, notAuthorization: 0, outsideWindow: 0, malformed: {}, files };
  const malformed = new Map<string, number>();
  const count = (reason: string, n: number) => malformed.set(reason, (malformed.get(reason) ?? 0) + n);
  const shapes = new Map<string, ShapeRow>();
  for (const cells of rows) {
    const kind = cells[0];
    const eventsCell = cells[1 + SHAPE_COLUMNS.length];
    const events = cells.length === RESULT_COLUMNS.length && typeof eventsCell === 'string' && EVENTS.test(eventsCell) ? Number(eventsCell) : undefined;
    if (kind === 'shape') {
      const row = parseShapeRow(cells);
      if (!row) {
        count('result-row', 1);
        continue;
      }
      totals.records += row.events;
      totals.authorizationEvents += row.events;
      const key = keyOf(row);
      const seen = shapes.get(key);
      if (!seen) shapes.set(key, row);
      else {
        seen.events += row.events;
        if (row.firstSeen < seen.firstSeen) seen.firstSeen = row.firstSeen;
        if (row.lastSeen > seen.lastSeen) seen.lastSeen = row.lastSeen;
        if (row.exampleEventId < seen.exampleEventId) seen.exampleEventId = row.exampleEventId;
      }
      continue;
    }
    const reason = typeof kind === 'string' && kind.startsWith('malformed:') ? kind.slice('malformed:'.length) : undefined;
    if (events === undefined || (kind !== 'not-authorization' && kind !== 'outside-window' && (reason === undefined || !REASON.test(reason)))) {
      count('result-row', 1);
      continue;
    }
    if (kind === 'not-authorization') totals.notAuthorization += events;
    else if (kind === 'outside-window') totals.outsideWindow += events;
    else count(reason!, events);
    if (reason !== NO_RECORDS) totals.records += events;
  }
  totals.malformed = Object.fromEntries([...malformed].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const sorted = [...shapes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  return { shapes: sorted, totals };
}

