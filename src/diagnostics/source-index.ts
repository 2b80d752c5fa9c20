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

interface Origin {
  file: string;
  span: Span;
  slots: Map<string | number, Slot>;
  /** The key that names this mapping in its parent (`only-org:` above the control's keys). */
  namedBy?: Span;
}

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
    this.origins.set(container, { file, span, slots: new Map() });
  }

  registerSlot(container: object, key: string | number, slot: Slot): void {
    this.origins.get(container)?.slots.set(key, slot);
    if (slot.key && typeof key === 'string') {
      const value = (container as Record<string, unknown>)[key];
      const child = value !== null && typeof value === 'object' ? this.origins.get(value) : undefined;
      if (child && !child.namedBy) child.namedBy = slot.key;
    }
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
      const slot = o.slots.get(key);
      const span = slot?.value ?? slot?.key;
      if (span) return this.position(o.file, span.start);
    }
    return this.position(o.file, (o.namedBy ?? o.span).start);
  }

  /** Where the key `key` of a mapping is written (for unknown or duplicate properties). */
  locateKey(container: object | undefined, key: string): SourceLocation | undefined {
    if (!container) return undefined;
    const o = this.origins.get(container);
    const span = o?.slots.get(key)?.key;
    if (!o) return undefined;
    return this.position(o.file, (span ?? o.span).start);
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
