/**
 * Distinct shapes and their counts: what a reduction keeps of its records, and all it keeps (memory
 * grows with the shapes, never with the events). Tables built on several threads merge into one with
 * the same rows as one table built over all the records. A table has a cap on its shapes: past it the
 * reduction fails with ShapeLimitError (the projection or the window is too wide for the machine, and
 * a report over part of the shapes would be wrong without saying so).
 */
import { keyFieldsOf, shapeKey } from './shape.js';
import type { ShapeKeyFields, ShapeRow } from './types.js';

/** About a few hundred bytes a shape: a million is a few hundred MB, the most a CI runner should hold. */
export const DEFAULT_MAX_SHAPES = 1_000_000;

export class ShapeLimitError extends Error {
  readonly code = 'too-many-shapes';
  constructor(readonly maxShapes: number) {
    super(`the records make more than ${maxShapes} distinct request shapes; narrow the window (--since, --until) or the accounts (--accounts), or raise --max-shapes`);
    this.name = 'ShapeLimitError';
  }
}

interface Counted {
  fields: ShapeKeyFields;
  events: number;
  firstMs: number;
  firstSeen: string;
  lastMs: number;
  lastSeen: string;
  exampleEventId: string;
}

export class ShapeTable {
  private readonly shapes = new Map<string, Counted>();

  constructor(readonly maxShapes = DEFAULT_MAX_SHAPES) {}

  get size(): number {
    return this.shapes.size;
  }

  /** One record of the shape (`key` is shapeKey(fields), passed when the caller has it already). */
  add(fields: ShapeKeyFields, eventTime: string, eventTimeMs: number, eventId: string, key = shapeKey(fields)): void {
    this.count(key, fields, 1, eventTime, eventTimeMs, eventTime, eventTimeMs, eventId);
  }

  /** Rows counted elsewhere (another thread's table, a query's result). */
  merge(rows: Iterable<ShapeRow>): void {
    for (const row of rows) {
      const fields = keyFieldsOf(row);
      this.count(shapeKey(fields), fields, row.events, row.firstSeen, Date.parse(row.firstSeen), row.lastSeen, Date.parse(row.lastSeen), row.exampleEventId);
    }
  }

  /** The rows, sorted by key: the same records give the same rows in the same order, whatever read them. */
  rows(): ShapeRow[] {
    return [...this.shapes.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, c]) => ({ ...c.fields, events: c.events, firstSeen: c.firstSeen, lastSeen: c.lastSeen, exampleEventId: c.exampleEventId }));
  }

  private count(key: string, fields: ShapeKeyFields, events: number, first: string, firstMs: number, last: string, lastMs: number, eventId: string): void {
    const seen = this.shapes.get(key);
    if (seen === undefined) {
      if (this.shapes.size >= this.maxShapes) throw new ShapeLimitError(this.maxShapes);
      this.shapes.set(key, { fields, events, firstMs, firstSeen: first, lastMs, lastSeen: last, exampleEventId: eventId });
      return;
    }
    seen.events += events;
    if (firstMs < seen.firstMs) [seen.firstMs, seen.firstSeen] = [firstMs, first];
    if (lastMs > seen.lastMs) [seen.lastMs, seen.lastSeen] = [lastMs, last];
    if (eventId < seen.exampleEventId) seen.exampleEventId = eventId;
  }
}
