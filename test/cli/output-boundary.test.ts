/**
 * The output boundary of the process (src/cli/run.ts wires every write through inertWriter): whatever a
 * renderer forgets, no control character reaches the terminal or the CI log, and JSON stays JSON.
 */
import { describe, expect, it } from 'vitest';
import { inertOutput, inertWriter, STDERR_LINE_MAX } from '../../src/cli/io.js';
import { describeInternalError } from '../../src/cli/run.js';

const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function fakeStream(isTTY: boolean): { stream: NodeJS.WritableStream & { isTTY?: boolean }; written: string[] } {
  const written: string[] = [];
  const stream = { isTTY, write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream & { isTTY?: boolean };
  return { stream, written };
}

describe('inert output', () => {
  it('shows escape sequences, C1 controls, carriage returns, separators and bidi overrides as \\u escapes; keeps newlines, tabs and text', () => {
    const hostile = 'OU \u001b]8;;http://evil\u0007click\u001b]8;;\u0007 \u001b[2J\u009b31m \u202eevil\u2066 \u007f\u2028ok\r\n\tnext line é 😀';
    const out = inertOutput(hostile);
    expect(out).not.toMatch(UNSAFE);
    expect(out).toBe('OU \\u001b]8;;http://evil\\u0007click\\u001b]8;;\\u0007 \\u001b[2J\\u009b31m \\u202eevil\\u2066 \\u007f\\u2028ok\\u000d\n\tnext line é 😀');
  });

  it('leaves JSON valid, with the same values: JSON.stringify does not escape DEL, C1 or bidi controls itself', () => {
    const value = { name: 'ou\u009b2J\u202eevil\u007f\u2028', nested: ['\u001b[31m'] };
    const raw = JSON.stringify(value, null, 2);
    expect(raw).toMatch(UNSAFE);
    const out = inertOutput(raw);
    expect(out).not.toMatch(UNSAFE);
    expect(JSON.parse(out)).toEqual(value);
  });
});

describe('the writers of the process', () => {
  it('keep the erase-line that starts a progress line on an interactive terminal, and escape the rest', () => {
    const tty = fakeStream(true);
    const w = inertWriter(tty.stream);
    w.write('\r\u001b[2Ksync 3/466 s3\u001b[2J');
    w.write('retrying\r\u001b[2K');
    expect(tty.written).toEqual(['\r\u001b[2Ksync 3/466 s3\\u001b[2J', 'retrying\\u000d\\u001b[2K']);
    const log = fakeStream(false);
    inertWriter(log.stream).write('\r\u001b[2Ksync 3/466 s3');
    expect(log.written).toEqual(['\\u000d\\u001b[2Ksync 3/466 s3']);
  });

  it('cut a line of stderr past STDERR_LINE_MAX characters, saying how many were left out', () => {
    const err = fakeStream(false);
    inertWriter(err.stream, { clipLines: true }).write(`error sync-failed: ${'x'.repeat(100_000)}\nthe cache is unchanged\n`);
    const [first, second] = err.written[0]!.split('\n');
    expect(first!.length).toBeLessThan(STDERR_LINE_MAX + 50);
    expect(first).toMatch(/\.\.\. \(\d+ more characters\)$/);
    expect(second).toBe('the cache is unchanged');
    const out = fakeStream(false);
    inertWriter(out.stream).write('y'.repeat(100_000));
    expect(out.written[0]!.length).toBe(100_000);
  });

  it('report the isTTY of the stream they write to', () => {
    expect(inertWriter(fakeStream(true).stream).isTTY).toBe(true);
    expect(inertWriter(fakeStream(false).stream).isTTY).toBe(false);
  });
});

describe('an unexpected failure', () => {
  it('quotes its message on one bounded, inert line: a server can fill it with anything', () => {
    const text = describeInternalError(new Error(`upstream said: ${'H: v\r\n'.repeat(5000)}\u001b]0;pwned\u0007`), {});
    const [line, help, rest] = text.split('\n');
    expect(line).toMatch(/^error internal: upstream said: H: v\\x0d\\nH: v/);
    expect(line!.length).toBeLessThan(600);
    expect(line).toMatch(/more characters\)$/);
    expect(help).toBe('  (set GUARDRAILS_DEBUG=1 to see where it happened)');
    expect(rest).toBe('');
    expect(text).not.toMatch(UNSAFE);
  });

  it('shows the stack to whoever asks, still inert', () => {
    const text = describeInternalError(new Error('bad \u001b[2J name'), { GUARDRAILS_DEBUG: '1' });
    expect(text).toMatch(/^error internal: Error: bad \\x1b\[2J name\n\s+at /);
    expect(text).not.toMatch(UNSAFE);
  });
});
