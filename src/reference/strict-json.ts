/**
 * JSON that came from outside (a mirror's service files, a committed cache), read strictly:
 *   - UTF-8 only: a bad byte is an error at its offset, never replaced silently;
 *   - one value per key: JSON.parse keeps the last of two equal keys, so a reviewer reading the first
 *     would see something else than the tool uses;
 *   - an error says where, never what is there. V8's own messages quote the input ("Unexpected token
 *     'A', "AWS_SECRET"... is not valid JSON"), and a file that is not what it claims to be must not
 *     end up in a CI log.
 */
import { isUtf8 } from 'node:buffer';
import { decodeUtf8 } from '../files/read.js';
import { quoteUntrusted } from '../diagnostics/untrusted.js';

export type StrictJson = { ok: true; value: unknown } | { ok: false; message: string };

export function parseStrictJson(bytes: Uint8Array): StrictJson {
  if (!isUtf8(bytes)) {
    const bad = decodeUtf8(bytes);
    if (!bad.ok) return { ok: false, message: `not UTF-8: byte 0x${bad.byte.toString(16).padStart(2, '0')} at offset ${bad.byteOffset} (line ${bad.line}, column ${bad.col}) is not valid UTF-8` };
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const error = syntaxError(text);
    return { ok: false, message: `invalid JSON: ${error.reason} at ${where(text, error.offset)}` };
  }
  const duplicate = duplicateKey(text);
  if (duplicate) return { ok: false, message: `the key ${quoteUntrusted(JSON.stringify(duplicate.key), 80)} appears twice in one object, the second time at ${where(text, duplicate.offset)}` };
  return { ok: true, value };
}

function where(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${offset - lineStart + 1}`;
}

/**
 * The first key that an object of `text` (valid JSON) repeats. Only keys are kept, innermost object
 * last; string values are skipped with indexOf, which keeps the scan of a 14 MB snapshot in tens of
 * milliseconds.
 */
export function duplicateKey(text: string): { key: string; offset: number } | undefined {
  // The keys of each open object (null for an array or the top level), innermost last.
  const open: (string[] | Set<string> | null)[] = [];
  let keys: string[] | Set<string> | null = null;
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (expectKey && keys) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (Array.isArray(keys)) {
          if (keys.includes(key)) return { key, offset: i };
          keys.push(key);
          // Objects with many keys (a service's resource map) switch to a set.
          if (keys.length > 16) keys = open[open.length - 1] = new Set(keys);
        } else {
          if (keys.has(key)) return { key, offset: i };
          keys.add(key);
        }
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b) {
      keys = [];
      open.push(keys);
      expectKey = true;
    } else if (c === 0x5b) {
      keys = null;
      open.push(null);
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
      keys = open.length ? open[open.length - 1]! : null;
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = keys !== null;
    }
  }
  return undefined;
}

/** The index of the quote that closes the string opening at `start` (the text is valid JSON). */
function stringEnd(text: string, start: number): number {
  for (let q = text.indexOf('"', start + 1); ; q = text.indexOf('"', q + 1)) {
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === 0x5c) slashes++;
    if (slashes % 2 === 0) return q;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** Where and why `text` is not JSON (RFC 8259), found without recursion (nesting can be deep). */
export function syntaxError(text: string): { offset: number; reason: string } {
  const open: number[] = [];
  // value: a value must come; first-value: a value or "]" (just after "["); key: a quoted name must
  // come; first-key: a name or "}"; colon; after: a value ended.
  let state: 'value' | 'first-value' | 'key' | 'first-key' | 'colon' | 'after' = 'value';
  const n = text.length;
  let i = 0;
  const fail = (reason: string, offset = i) => ({ offset, reason });
  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
    if (i >= n) return state === 'after' && open.length === 0 ? fail('nothing wrong found', n) : fail('unexpected end of the text', n);
    const ch = text[i]!;
    if (state === 'after') {
      if (open.length === 0) return fail('more text after the JSON value');
      const top = open[open.length - 1];
      if (ch === ',') {
        state = top === 0x7b ? 'key' : 'value';
        i++;
      } else if ((ch === '}' && top === 0x7b) || (ch === ']' && top === 0x5b)) {
        open.pop();
        i++;
      } else {
        return fail(`expected "," or "${top === 0x7b ? '}' : ']'}"`);
      }
    } else if (state === 'colon') {
      if (ch !== ':') return fail('expected ":" after a key');
      state = 'value';
      i++;
    } else if (state === 'key' || state === 'first-key') {
      if (state === 'first-key' && ch === '}') {
        open.pop();
        state = 'after';
        i++;
      } else if (ch === '"') {
        const end = scanString(text, i);
        if (typeof end !== 'number') return end;
        i = end;
        state = 'colon';
      } else {
        return fail(ch === '}' ? 'a comma before "}"' : 'expected a key in double quotes');
      }
    } else if (state === 'first-value' && ch === ']') {
      open.pop();
      state = 'after';
      i++;
    } else if (ch === '{' || ch === '[') {
      open.push(ch.charCodeAt(0));
      state = ch === '{' ? 'first-key' : 'first-value';
      i++;
    } else if (ch === '"') {
      const end = scanString(text, i);
      if (typeof end !== 'number') return end;
      i = end;
      state = 'after';
    } else {
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(text);
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (number) i += number[0].length;
      else if (word) i += word.length;
      else return fail(ch === ']' ? 'a comma before "]"' : i === 0 && ch === '\ufeff' ? 'a byte order mark' : 'expected a value');
      state = 'after';
    }
  }
}

function scanString(text: string, start: number): number | { offset: number; reason: string } {
  for (let j = start + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return { offset: j, reason: 'a control character inside a string' };
    if (c === 0x5c) {
      const esc = text[j + 1] ?? '';
      if (ESCAPES.has(esc)) j++;
      else if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) j += 5;
      else return { offset: j, reason: 'an invalid escape inside a string' };
    }
  }
  return { offset: start, reason: 'a string that is never closed' };
}
