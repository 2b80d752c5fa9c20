/**
 * A single-pass reader for the plain subset of YAML intent files are written in, tried before the
 * `yaml` library (whose lexer, parser and composer build three trees of a big organization file before
 * our converter walks the last one): block mappings and sequences, single-line flow sequences and
 * mappings, single-line plain and quoted scalars (no escapes), comments, one document. It produces
 * exactly what the library path produces (values, key order, scalar types, the start of every value
 * and key recorded in the SourceIndex), and gives up, returning undefined, on anything else: anchors,
 * aliases, tags, block scalars, multi-line scalars or flow collections, explicit keys, directives,
 * document markers, tabs, control characters, duplicate keys, merge keys, empty keys or items, or any
 * text it is not sure about. Every error is thus left to the library path, which then runs unchanged
 * and reports it with its position. test/intent/yaml-fast.test.ts checks both paths agree.
 */
import type { SourceIndex } from '../diagnostics/source-index.js';

/** A plain scalar of exactly 12 digits stays the string written (AWS account ids keep leading zeros). */
const ACCOUNT_ID_LIKE = /^\d{12}$/;
/** Characters the fast path never reads: tabs, CR, other controls, NEL, line/paragraph separators, BOM, surrogates. */
const UNSUPPORTED_CHARS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]/;

/** Thrown to abandon the fast path; never escapes this module. */
const GIVE_UP = new Error('not in the fast subset');

export interface FastLimits {
  /** Significant tokens (scalars and indicators) beyond which the library path must judge the file. */
  tokens: number;
  /** Nesting of collections beyond which the library path must judge the file. */
  depth: number;
}

/**
 * The document's value and where its content starts, or undefined when the text is outside the
 * subset (the caller then runs the library path). Registers every collection in `sources`.
 */
export function loadYamlFast(file: string, text: string, sources: SourceIndex, limits: FastLimits): { value: unknown; start: number; tokens: number } | undefined {
  if (UNSUPPORTED_CHARS.test(text)) return undefined;
  const reader = new FastReader(file, text, sources, limits);
  try {
    return reader.document();
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

const SPACE = 0x20;
const LF = 0x0a;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const COMMA = 0x2c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const SQUOTE = 0x27;
const DQUOTE = 0x22;

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

/** Characters that may not start a plain scalar here (or that start what the fast path leaves alone). */
function isIndicatorStart(c: number): boolean {
  // - ? : , [ ] { } # & * ! | > ' " % @ `
  return c === DASH || c === 0x3f || c === COLON || isFlowIndicator(c) || c === HASH || c === 0x26 || c === 0x2a || c === 0x21 || c === 0x7c || c === 0x3e || c === SQUOTE || c === DQUOTE || c === 0x25 || c === 0x40 || c === 0x60;
}

class FastReader {
  private i = 0;
  private readonly n: number;
  /** Column of the content of the line `i` is at the start of (after next()), -1 at the end of the text. */
  private indent = -1;
  tokens = 0;

  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly sources: SourceIndex,
    private readonly limits: FastLimits,
  ) {
    this.n = text.length;
  }

  document(): { value: unknown; start: number; tokens: number } {
    this.nextLine(0);
    if (this.indent !== 0) throw GIVE_UP; // empty document, or content not at column 0
    const start = this.i;
    const c = this.text.charCodeAt(start);
    let value: unknown;
    if (c === LBRACKET || c === LBRACE) {
      value = this.flow(0);
      this.endLine();
    } else value = this.blockNode(0, 0);
    if ((this.indent as number) !== -1) throw GIVE_UP;
    return { value, start, tokens: this.tokens };
  }

  private count(k: number): void {
    this.tokens += k;
    if (this.tokens > this.limits.tokens) throw GIVE_UP;
  }

  /**
   * From the start of a line (position `from`), skips blank and comment-only lines; leaves `i` at the
   * first character of the next content line and `indent` at its column (-1 at the end).
   */
  private nextLine(from: number): void {
    const t = this.text;
    let p = from;
    for (;;) {
      const lineStart = p;
      while (p < this.n && t.charCodeAt(p) === SPACE) p++;
      if (p >= this.n) {
        this.i = this.n;
        this.indent = -1;
        return;
      }
      const c = t.charCodeAt(p);
      if (c === LF) {
        p++;
        continue;
      }
      if (c === HASH) {
        const nl = t.indexOf('\n', p);
        if (nl < 0) {
          this.i = this.n;
          this.indent = -1;
          return;
        }
        p = nl + 1;
        continue;
      }
      if (p === lineStart) {
        // Document markers and directives: `---`, `...`, `%`.
        if (c === 0x25) throw GIVE_UP;
        if ((c === DASH || c === 0x2e) && t.charCodeAt(p + 1) === c && t.charCodeAt(p + 2) === c) throw GIVE_UP;
      }
      this.i = p;
      this.indent = p - lineStart;
      return;
    }
  }

  /** After a value: the rest of the line holds only spaces and a comment; moves to the next content line. */
  private endLine(): void {
    const t = this.text;
    let p = this.i;
    while (p < this.n && t.charCodeAt(p) === SPACE) p++;
    if (p < this.n) {
      const c = t.charCodeAt(p);
      if (c === HASH) {
        if (p === 0 || t.charCodeAt(p - 1) !== SPACE) throw GIVE_UP;
        const nl = t.indexOf('\n', p);
        p = nl < 0 ? this.n : nl;
      } else if (c !== LF) throw GIVE_UP;
    }
    this.nextLine(p < this.n ? p + 1 : p);
  }

  /** A value on its own line(s) at column `column` (`i` at its first character). */
  private blockNode(column: number, depth: number): unknown {
    if (depth >= this.limits.depth) throw GIVE_UP;
    const t = this.text;
    const c = t.charCodeAt(this.i);
    if (c === DASH && this.isBlank(this.i + 1)) return this.blockSequence(column, depth);
    if (this.keyAhead()) return this.blockMapping(column, depth);
    throw GIVE_UP;
  }

  /** Whether position p is a space, line break or the end. */
  private isBlank(p: number): boolean {
    if (p >= this.n) return true;
    const c = this.text.charCodeAt(p);
    return c === SPACE || c === LF;
  }

  /** Whether the line at `i` holds `key:` (the key plain or quoted), without moving. */
  private keyAhead(): boolean {
    const save = this.i;
    const saveTokens = this.tokens;
    try {
      this.key();
      return true;
    } catch (e) {
      if (e !== GIVE_UP) throw e;
      return false;
    } finally {
      this.i = save;
      this.tokens = saveTokens;
    }
  }

  /** Reads `key:` in block context and the spaces after it; `i` ends after the colon. */
  private key(): string {
    const t = this.text;
    const keyStart = this.i;
    const c = t.charCodeAt(this.i);
    let key: string;
    if (c === SQUOTE || c === DQUOTE) {
      key = this.quoted();
      this.count(1);
      while (t.charCodeAt(this.i) === SPACE) this.i++;
    } else {
      if (isIndicatorStart(c)) throw GIVE_UP;
      const start = this.i;
      let p = start;
      for (;;) {
        if (p >= this.n) throw GIVE_UP;
        const d = t.charCodeAt(p);
        if (d === LF) throw GIVE_UP;
        if (d === COLON && this.isBlank(p + 1)) break;
        if (d === HASH && t.charCodeAt(p - 1) === SPACE) throw GIVE_UP;
        p++;
      }
      let end = p;
      while (t.charCodeAt(end - 1) === SPACE) end--;
      key = t.slice(start, end);
      if (key === '~' || key === '<<') throw GIVE_UP;
      this.i = p;
      this.count(1);
    }
    // The library bounds how far an implicit key's colon may be from its start (1,024 characters).
    if (t.charCodeAt(this.i) !== COLON || !this.isBlank(this.i + 1) || this.i - keyStart > 1000) throw GIVE_UP;
    this.i++;
    this.count(1);
    return key;
  }

  private blockMapping(column: number, depth: number): Record<string, unknown> {
    const t = this.text;
    const obj: Record<string, unknown> = {};
    this.sources.registerAt(obj, this.file, this.i);
    for (;;) {
      const keyStart = this.i;
      const key = this.key();
      if (Object.hasOwn(obj, key)) throw GIVE_UP;
      while (t.charCodeAt(this.i) === SPACE) this.i++;
      let value: unknown;
      let valueStart = -1;
      const c = this.i < this.n ? t.charCodeAt(this.i) : LF;
      if (c === LF || c === HASH) {
        this.endLine();
        if (this.indent > column || (this.indent === column && t.charCodeAt(this.i) === DASH && this.isBlank(this.i + 1))) {
          valueStart = this.i;
          value = this.blockNode(this.indent, depth + 1);
        } else {
          value = null;
        }
      } else {
        valueStart = this.i;
        value = this.inlineValue(depth + 1);
        this.endLine();
      }
      setOwn(obj, key, value);
      this.sources.registerSlotAt(obj, key, keyStart, valueStart);
      if (this.indent < column) return obj;
      if (this.indent > column) throw GIVE_UP;
    }
  }

  private blockSequence(column: number, depth: number): unknown[] {
    const t = this.text;
    const arr: unknown[] = [];
    this.sources.registerAt(arr, this.file, this.i);
    for (;;) {
      if (t.charCodeAt(this.i) !== DASH || !this.isBlank(this.i + 1)) throw GIVE_UP;
      this.i++;
      this.count(1);
      while (t.charCodeAt(this.i) === SPACE) this.i++;
      const c = this.i < this.n ? t.charCodeAt(this.i) : LF;
      if (c === LF || c === HASH) throw GIVE_UP; // an item on the following lines, or none
      const valueStart = this.i;
      let value: unknown;
      if (c === DASH && this.isBlank(this.i + 1)) throw GIVE_UP; // `- - x`
      if (c !== LBRACKET && c !== LBRACE && this.keyAhead()) {
        // `- key: value` and the mapping's further keys below it, at the key's column
        const lineStart = t.lastIndexOf('\n', this.i - 1) + 1;
        value = this.blockMapping(this.i - lineStart, depth + 1);
      } else {
        value = this.inlineValue(depth + 1);
        this.endLine();
      }
      arr.push(value);
      this.sources.registerSlotAt(arr, arr.length - 1, -1, valueStart);
      if (this.indent < column) return arr;
      if (this.indent > column) throw GIVE_UP;
      if (t.charCodeAt(this.i) !== DASH || !this.isBlank(this.i + 1)) return arr; // the parent mapping's next key
    }
  }

  /** A value that starts and ends on this line: a flow collection or a scalar. */
  private inlineValue(depth: number): unknown {
    const c = this.text.charCodeAt(this.i);
    if (c === LBRACKET || c === LBRACE) return this.flow(depth);
    if (c === SQUOTE || c === DQUOTE) {
      this.count(1);
      return this.quoted();
    }
    return this.plainBlock();
  }

  /** A plain scalar in block context, to the end of the line or a comment. */
  private plainBlock(): unknown {
    const t = this.text;
    const start = this.i;
    if (isIndicatorStart(t.charCodeAt(start)) && !(t.charCodeAt(start) === DASH && !this.isBlank(start + 1) && !isFlowIndicator(t.charCodeAt(start + 1)))) throw GIVE_UP;
    let p = start;
    while (p < this.n) {
      const d = t.charCodeAt(p);
      if (d === LF) break;
      if (d === HASH && t.charCodeAt(p - 1) === SPACE) break;
      if (d === COLON && this.isBlank(p + 1)) throw GIVE_UP; // `a: b: c`
      p++;
    }
    let end = p;
    while (t.charCodeAt(end - 1) === SPACE) end--;
    this.i = end;
    this.count(1);
    return resolvePlain(t.slice(start, end));
  }

  /** A plain scalar in a flow collection. */
  private plainFlow(): unknown {
    const t = this.text;
    const start = this.i;
    const first = t.charCodeAt(start);
    if (isIndicatorStart(first)) {
      const next = t.charCodeAt(start + 1);
      if (first !== DASH || this.isBlank(start + 1) || isFlowIndicator(next)) throw GIVE_UP;
    }
    let p = start;
    while (p < this.n) {
      const d = t.charCodeAt(p);
      if (d === LF || isFlowIndicator(d)) break;
      if (d === HASH && t.charCodeAt(p - 1) === SPACE) throw GIVE_UP;
      if (d === COLON) {
        const next = p + 1 < this.n ? t.charCodeAt(p + 1) : LF;
        if (next === SPACE || next === LF || isFlowIndicator(next)) break;
      }
      p++;
    }
    let end = p;
    while (t.charCodeAt(end - 1) === SPACE) end--;
    if (end === start) throw GIVE_UP;
    this.i = end;
    this.count(1);
    return t.slice(start, end);
  }

  /** A single-line quoted scalar without escapes; `i` ends after the closing quote. */
  private quoted(): string {
    const t = this.text;
    const q = t.charCodeAt(this.i);
    let p = this.i + 1;
    let out = '';
    let from = p;
    for (;;) {
      if (p >= this.n) throw GIVE_UP;
      const d = t.charCodeAt(p);
      if (d === LF || (d === 0x5c && q === DQUOTE)) throw GIVE_UP;
      if (d === q) {
        if (q === SQUOTE && t.charCodeAt(p + 1) === SQUOTE) {
          out += t.slice(from, p + 1);
          p += 2;
          from = p;
          continue;
        }
        break;
      }
      p++;
    }
    out += t.slice(from, p);
    this.i = p + 1;
    return out;
  }

  private skipFlowSpaces(): void {
    const t = this.text;
    while (t.charCodeAt(this.i) === SPACE) this.i++;
  }

  /** A flow value: a collection, a quoted scalar or a plain one. */
  private flowNode(depth: number): unknown {
    const c = this.text.charCodeAt(this.i);
    if (c === LBRACKET || c === LBRACE) return this.flow(depth);
    if (c === SQUOTE || c === DQUOTE) {
      this.count(1);
      return this.quoted();
    }
    return resolvePlain(this.plainFlow() as string);
  }

  /** `[...]` or `{...}` on one line; `i` ends after the closing bracket. */
  private flow(depth: number): unknown {
    if (depth >= this.limits.depth) throw GIVE_UP;
    const t = this.text;
    const isMap = t.charCodeAt(this.i) === LBRACE;
    const close = isMap ? RBRACE : RBRACKET;
    const container: unknown[] | Record<string, unknown> = isMap ? {} : [];
    this.sources.registerAt(container, this.file, this.i);
    this.i++;
    this.count(1);
    this.skipFlowSpaces();
    if (t.charCodeAt(this.i) === close) {
      this.i++;
      this.count(1);
      return container;
    }
    for (;;) {
      const itemStart = this.i;
      if (isMap) {
        const obj = container as Record<string, unknown>;
        const c = t.charCodeAt(this.i);
        let key: string;
        if (c === SQUOTE || c === DQUOTE) key = this.quoted();
        else {
          key = this.plainFlow() as string;
          if (key === '~' || key === '<<') throw GIVE_UP;
        }
        if (c === SQUOTE || c === DQUOTE) this.count(1);
        if (Object.hasOwn(obj, key)) throw GIVE_UP;
        this.skipFlowSpaces();
        if (t.charCodeAt(this.i) !== COLON || t.charCodeAt(this.i + 1) !== SPACE || this.i - itemStart > 1000) throw GIVE_UP;
        this.i++;
        this.count(1);
        this.skipFlowSpaces();
        const d = t.charCodeAt(this.i);
        if (d === COMMA || d === RBRACE || d === LF || d === HASH || this.i >= this.n) throw GIVE_UP;
        const valueStart = this.i;
        setOwn(obj, key, this.flowNode(depth + 1));
        this.sources.registerSlotAt(obj, key, itemStart, valueStart);
      } else {
        const arr = container as unknown[];
        arr.push(this.flowNode(depth + 1));
        this.sources.registerSlotAt(arr, arr.length - 1, -1, itemStart);
      }
      this.skipFlowSpaces();
      const d = t.charCodeAt(this.i);
      if (d === close) {
        this.i++;
        this.count(1);
        return container;
      }
      if (d !== COMMA) throw GIVE_UP;
      this.i++;
      this.count(1);
      this.skipFlowSpaces();
      const e = t.charCodeAt(this.i);
      if (e === close || e === COMMA || e === LF || this.i >= this.n) throw GIVE_UP;
    }
  }
}

/** The YAML 1.2 core schema's reading of a plain scalar, in the library's order, plus ACCOUNT_ID_LIKE. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Only scalars starting with one of these can be anything but a string.
  if (!((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e || c === 0x7e || c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46)) return s;
  if (s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  if (/^0o[0-7]+$/.test(s)) return parseInt(s.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(s)) return ACCOUNT_ID_LIKE.test(s) ? s : parseInt(s, 10);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) throw GIVE_UP;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) return parseFloat(s);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return parseFloat(s);
  return s;
}

/** As in yaml-loader: a `__proto__` key is an own property, never the prototype. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
