/**
 * Source positions for values parsed from YAML (or JSON). Every object and array produced by the loader
 * is registered here with where it and each of its slots sit in the text, so any later stage can point
 * at `controls.x.attach[2]` by asking about the objects it holds: no path strings threaded through.
 */
import type { SourceLocation } from './diagnostic.js';

export interface Span {
  /** 0-based offsets into the file's text. */
  start: number;
  end: number;
}

interface Slot {
  key?: Span;
  value?: Span;
}

/**
 * Only start offsets are kept (every answer is a position where something starts), packed into one
 * array per container: a loaded organization holds tens of thousands of small mappings, and an
 * object per slot and per span made a tenth of a load's time garbage collection.
 */
interface Origin {
  file: string;
  start: number;
  /** The key that names this mapping in its parent (`only-org:` above the control's keys); -1: none. */
  namedBy: number;
  /** A sequence: item i's start at [i] (-1: none). A mapping: [key, keyStart, valueStart] per key, in the order registered. */
  slots: (string | number)[];
  isArray: boolean;
  /** A mapping's key -> index of its triple in slots, built on the first lookup in a big mapping. */
  index?: Map<string | number, number>;
}

/** Mappings up to this many keys are searched in place rather than through an index. */
const SCAN_LIMIT = 8;

export class SourceIndex {
  private readonly origins = new WeakMap<object, Origin>();
  private readonly lineStarts = new Map<string, number[]>();
  private readonly texts = new Map<string, string>();

  addText(file: string, text: string): void {
    this.texts.set(file, text);
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    this.lineStarts.set(file, starts);
  }

  text(file: string): string | undefined {
    return this.texts.get(file);
  }

  get files(): string[] {
    return [...this.texts.keys()];
  }

  register(container: object, file: string, span: Span): void {
    this.registerAt(container, file, span.start);
  }

  /** `register` by start offset alone. */
  registerAt(container: object, file: string, start: number): void {
    this.origins.set(container, { file, start, namedBy: -1, slots: [], isArray: Array.isArray(container) });
  }

  registerSlot(container: object, key: string | number, slot: Slot): void {
    this.registerSlotAt(container, key, slot.key ? slot.key.start : -1, slot.value ? slot.value.start : -1);
  }

  /** `registerSlot` by start offsets alone (-1: not written). */
  registerSlotAt(container: object, key: string | number, keyStart: number, valueStart: number): void {
    const o = this.origins.get(container);
    if (o) {
      if (o.isArray) {
        if (typeof key === 'number') {
          const slots = o.slots;
          while (slots.length < key) slots.push(-1);
          slots[key] = valueStart === -1 ? keyStart : valueStart;
        }
      } else {
        const at = this.find(o, key);
        if (at >= 0) {
          o.slots[at + 1] = keyStart;
          o.slots[at + 2] = valueStart;
        } else {
          o.index?.set(key, o.slots.length);
          o.slots.push(key, keyStart, valueStart);
        }
      }
    }
    if (keyStart !== -1 && typeof key === 'string') {
      const value = (container as Record<string, unknown>)[key];
      const child = value !== null && typeof value === 'object' ? this.origins.get(value) : undefined;
      if (child && child.namedBy === -1) child.namedBy = keyStart;
    }
  }

  /** Index in a mapping's slots of the triple for `key`, or -1. */
  private find(o: Origin, key: string | number): number {
    const slots = o.slots;
    if (slots.length <= SCAN_LIMIT * 3) {
      for (let i = 0; i < slots.length; i += 3) if (slots[i] === key) return i;
      return -1;
    }
    if (!o.index) {
      o.index = new Map();
      for (let i = 0; i < slots.length; i += 3) o.index.set(slots[i]!, i);
    }
    return o.index.get(key) ?? -1;
  }

  /** Where key `key` and its value start in the container, -1 for what is not written; undefined: no such slot. */
  private slot(o: Origin, key: string | number): [number, number] | undefined {
    if (o.isArray) {
      if (typeof key !== 'number' || !(key in o.slots)) return undefined;
      const v = o.slots[key] as number;
      return v === -1 ? undefined : [-1, v];
    }
    const at = this.find(o, key);
    return at < 0 ? undefined : [o.slots[at + 1] as number, o.slots[at + 2] as number];
  }

  /** The file a value came from. */
  fileOf(container: object): string | undefined {
    return this.origins.get(container)?.file;
  }

  /**
   * Where `container[key]` is written (its value; its key when the value is empty), or where the
   * container itself is: the key that names it when it has one, else where it starts.
   */
  locate(container: object | undefined, key?: string | number): SourceLocation | undefined {
    if (!container) return undefined;
    const o = this.origins.get(container);
    if (!o) return undefined;
    if (key !== undefined) {
      const slot = this.slot(o, key);
      const start = slot ? (slot[1] !== -1 ? slot[1] : slot[0]) : -1;
      if (start !== -1) return this.position(o.file, start);
    }
    return this.position(o.file, o.namedBy !== -1 ? o.namedBy : o.start);
  }

  /** Where the key `key` of a mapping is written (for unknown or duplicate properties). */
  locateKey(container: object | undefined, key: string): SourceLocation | undefined {
    if (!container) return undefined;
    const o = this.origins.get(container);
    if (!o) return undefined;
    const keyStart = this.slot(o, key)?.[0] ?? -1;
    return this.position(o.file, keyStart !== -1 ? keyStart : o.start);
  }

  /** Follows a JSON pointer (as ajv reports) from `root` and locates the last step. */
  locatePointer(root: unknown, pointer: string, keyOnly = false): SourceLocation | undefined {
    const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let parent: unknown = undefined;
    let current: unknown = root;
    let last: string | number | undefined;
    for (const seg of segments) {
      if (current === null || typeof current !== 'object') break;
      parent = current;
      last = Array.isArray(current) ? Number(seg) : seg;
      current = (current as Record<string | number, unknown>)[last];
    }
    if (parent && typeof parent === 'object' && last !== undefined) {
      return keyOnly && typeof last === 'string' ? this.locateKey(parent, last) : this.locate(parent, last);
    }
    return root && typeof root === 'object' ? this.locate(root) : undefined;
  }

  position(file: string, offset: number): SourceLocation {
    const starts = this.lineStarts.get(file) ?? [0];
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, col: offset - starts[lo]! + 1 };
  }
}
