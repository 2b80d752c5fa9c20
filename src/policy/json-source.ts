/**
 * Strict JSON (RFC 8259) with positions: every object and array is registered in a SourceIndex, and
 * a syntax error is a diagnostic at its line and column with a reason a human recognises (a comment,
 * a trailing comma, a single quote), not "Unexpected token".
 */
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceIndex } from '../diagnostics/source-index.js';

export interface JsonParseResult {
  /** Undefined when the text is not valid JSON. */
  value: unknown;
  diagnostics: Diagnostic[];
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly code = 'json-syntax',
  ) {
    super(message);
  }
}

export function parseJsonWithPositions(file: string, text: string, sources: SourceIndex): JsonParseResult {
  sources.addText(file, text);
  const parser = new Parser(file, text, sources);
  try {
    const value = parser.parseDocument();
    return { value, diagnostics: [] };
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    return { value: undefined, diagnostics: [error(e.code, e.message, sources.position(file, e.offset))] };
  }
}

/**
 * Arrays and objects within each other (a policy nests six: Statement, a statement, Condition, an
 * operator, a key, its values). Parsing recurses; an imported file or a rendered template comes from a
 * pull request, so its depth is bounded with an error at the bracket, not a stack overflow.
 */
export const MAX_JSON_DEPTH = 64;

const LITERALS = [
  ['true', true],
  ['false', false],
  ['null', null],
] as const;

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly sources: SourceIndex,
  ) {}

  parseDocument(): unknown {
    if (this.text.charCodeAt(0) === 0xfeff) this.i = 1;
    this.skipSpace();
    if (this.i >= this.text.length) throw new JsonSyntaxError('the file is empty', this.i);
    const value = this.parseValue();
    this.skipSpace();
    if (this.i < this.text.length) throw this.unexpected('after the end of the JSON value');
    return value;
  }

  private parseValue(): unknown {
    const ch = this.text[this.i];
    if (ch === '{' || ch === '[') {
      if (this.depth >= MAX_JSON_DEPTH) throw new JsonSyntaxError(`arrays and objects nest more than ${MAX_JSON_DEPTH} levels deep here`, this.i, 'json-too-deep');
      this.depth++;
      try {
        return ch === '{' ? this.parseObject() : this.parseArray();
      } finally {
        this.depth--;
      }
    }
    if (ch === '"') return this.parseString();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.parseNumber();
    for (const [word, value] of LITERALS) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return value;
      }
    }
    throw this.unexpected('where a value should be');
  }

  private parseObject(): Record<string, unknown> {
    const start = this.i++;
    const obj: Record<string, unknown> = {};
    this.sources.registerAt(obj, this.file, start);
    this.skipSpace();
    if (this.text[this.i] === '}') {
      this.i++;
      return obj;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.i] !== '"') {
        if (this.text[this.i] === '}') throw new JsonSyntaxError('trailing comma before "}" (JSON does not allow one)', this.i - 1);
        throw this.unexpected('where a property name in double quotes should be');
      }
      const keyStart = this.i;
      const key = this.parseString();
      if (Object.prototype.hasOwnProperty.call(obj, key)) throw new JsonSyntaxError(`duplicate property "${key}"`, keyStart, 'duplicate-key');
      this.skipSpace();
      if (this.text[this.i] !== ':') throw this.unexpected(`after the property name "${key}" (expected ":")`);
      this.i++;
      this.skipSpace();
      const valueStart = this.i;
      // defineProperty: a key named __proto__ is data, not the object's prototype.
      Object.defineProperty(obj, key, { value: this.parseValue(), enumerable: true, writable: true, configurable: true });
      this.sources.registerSlotAt(obj, key, keyStart, valueStart);
      this.skipSpace();
      const sep = this.text[this.i];
      if (sep === ',') {
        this.i++;
        continue;
      }
      if (sep === '}') {
        this.i++;
        return obj;
      }
      throw this.unexpected('in an object (expected "," or "}")');
    }
  }

  private parseArray(): unknown[] {
    const start = this.i++;
    const arr: unknown[] = [];
    this.sources.registerAt(arr, this.file, start);
    this.skipSpace();
    if (this.text[this.i] === ']') {
      this.i++;
      return arr;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.i] === ']') throw new JsonSyntaxError('trailing comma before "]" (JSON does not allow one)', this.i - 1);
      const valueStart = this.i;
      arr.push(this.parseValue());
      this.sources.registerSlotAt(arr, arr.length - 1, -1, valueStart);
      this.skipSpace();
      const sep = this.text[this.i];
      if (sep === ',') {
        this.i++;
        continue;
      }
      if (sep === ']') {
        this.i++;
        return arr;
      }
      throw this.unexpected('in a list (expected "," or "]")');
    }
  }

  /**
   * The characters between escapes are taken as one slice each: appended one at a time, a policy
   * text in an org snapshot (thousands of characters) was a chain of as many string pieces, tens of
   * megabytes for the snapshot of a large organization.
   */
  private parseString(): string {
    const text = this.text;
    const start = this.i++;
    let out = '';
    let plainFrom = this.i;
    for (;;) {
      const c = text.charCodeAt(this.i);
      if (c === 0x22) {
        out += text.slice(plainFrom, this.i);
        this.i++;
        return out;
      }
      if (c === 0x5c) {
        out += text.slice(plainFrom, this.i);
        const esc = text[this.i + 1];
        if (esc !== undefined && Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, esc)) {
          out += SIMPLE_ESCAPES[esc];
          this.i += 2;
        } else if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(this.i + 2, this.i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else throw new JsonSyntaxError(`invalid escape "\\${esc ?? ''}" in a string`, this.i);
        plainFrom = this.i;
        continue;
      }
      if (c < 0x20 || this.i >= text.length) {
        if (this.i >= text.length) throw new JsonSyntaxError('unterminated string', start);
        if (c === 0x0a) throw new JsonSyntaxError('unterminated string (a line break inside a string must be written \\n)', start);
        throw new JsonSyntaxError('control character inside a string', this.i);
      }
      this.i++;
    }
  }

  private parseNumber(): number {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.i, this.i + 64));
    if (!m) throw this.unexpected('where a number should be');
    this.i += m[0].length;
    return Number(m[0]);
  }

  private skipSpace(): void {
    while (this.i < this.text.length) {
      const c = this.text.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }

  private unexpected(where: string): JsonSyntaxError {
    const rest = this.text.slice(this.i);
    if (rest.startsWith('//') || rest.startsWith('/*')) return new JsonSyntaxError('comments are not allowed in JSON (AWS rejects the policy)', this.i);
    if (rest.startsWith("'")) return new JsonSyntaxError('strings must use double quotes in JSON', this.i);
    if (rest.length === 0) return new JsonSyntaxError(`unexpected end of file ${where}`, this.i);
    return new JsonSyntaxError(`unexpected ${JSON.stringify(rest[0])} ${where}`, this.i);
  }
}
