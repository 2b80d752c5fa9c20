import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson, ShapeError } from '../../src/reference/index.js';
import { syntaxError } from '../../src/reference/strict-json.js';

function failure(text: string | Buffer): string {
  try {
    parseJson(typeof text === 'string' ? Buffer.from(text) : text);
  } catch (e) {
    expect(e).toBeInstanceOf(ShapeError);
    return (e as Error).message;
  }
  throw new Error('parsed');
}

describe('JSON from a mirror or the cache', () => {
  it('says where a syntax error is and never quotes the text (V8 would: "AWS_SECRET..." is not valid JSON)', () => {
    const secret = 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG';
    expect(failure(secret)).toBe(`invalid JSON: expected a value at line 1, column 1 (${secret.length} bytes)`);
    expect(failure(`{"a": 1,\n "b": ${secret}}`)).toBe('invalid JSON: expected a value at line 2, column 7 (59 bytes)');
    expect(failure('{"a": "unterminated')).toContain('invalid JSON: a string that is never closed at line 1, column 7');
    expect(failure('[1, 2,]')).toContain('invalid JSON: a comma before "]" at line 1, column 7');
    expect(failure('{"a": 1} {"b": 2}')).toContain('invalid JSON: more text after the JSON value at line 1, column 10');
  });

  it('refuses bytes that are not UTF-8, naming the byte and its offset, instead of replacing them', () => {
    expect(failure(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x0a, 0x22, 0xc3, 0x28, 0x22, 0x7d]))).toBe(
      'not UTF-8: byte 0xc3 at offset 7 (line 2, column 2) is not valid UTF-8 (11 bytes)',
    );
  });

  it('refuses a key that appears twice in one object, naming the key and where (JSON.parse keeps the last)', () => {
    expect(failure('{"Name": "iam", "Actions": [{"Name": "CreateAccessKey", "Annotations": {"Properties": {"IsWrite": true,\n "IsWrite": false}}}]}')).toBe(
      'the key "IsWrite" appears twice in one object, the second time at line 2, column 2 (126 bytes)',
    );
    // Equal once unescaped, as JSON.parse sees them.
    expect(failure('{"IsWrite": true, "Is\\u0057rite": false}')).toContain('the key "IsWrite" appears twice');
    // Many keys (the set the scan switches to) and keys that only look alike.
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    expect(failure(JSON.stringify(many).replace('}', ',"k3":0}'))).toContain('the key "k3" appears twice');
    expect(parseJson(Buffer.from('[{"a": 1}, {"a": 2}, {"a": {"a": {"b": "\\"a\\"", "a\\"": 1}}}]'))).toEqual([{ a: 1 }, { a: 2 }, { a: { a: { b: '"a"', 'a"': 1 } } }]);
  });

  it('quotes a duplicate key as inert text', () => {
    const message = failure('{"\\u001b[31mk": 1, "\\u001b[31mk": 2}');
    expect(message).toContain('the key "\\u001b[31mk" appears twice');
    expect(message).not.toContain('\x1b');
  });

  it('finds an error wherever JSON.parse does, and none where it does not', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '1', ' ', 'a', '\\', 'u', '0', 'e', '-', '.'), maxLength: 12 })), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(syntaxError(text).reason === 'nothing wrong found').toBe(valid);
      }),
      { numRuns: 3000 },
    );
  });
});
