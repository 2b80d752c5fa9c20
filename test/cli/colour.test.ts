/**
 * Colour: on an interactive terminal only, off with NO_COLOR (any value but empty) and in CI logs unless
 * FORCE_COLOR is set; errors red, warnings yellow; and never a way for text from outside to colour itself.
 */
import { describe, expect, it } from 'vitest';
import { inertWriter, showsColour } from '../../src/cli/io.js';
import { writeSpans } from '../../src/cli/format.js';

const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const RESET = '\u001b[39m';

describe('whether a stream shows colour', () => {
  it.each([
    ['a terminal', {}, true, true],
    ['a pipe or a file', {}, false, false],
    ['NO_COLOR=1 on a terminal', { NO_COLOR: '1' }, true, false],
    ['NO_COLOR=0 (any value) on a terminal', { NO_COLOR: '0' }, true, false],
    ['NO_COLOR empty on a terminal', { NO_COLOR: '' }, true, true],
    ['a terminal in CI', { CI: 'true' }, true, false],
    ['GitHub Actions', { GITHUB_ACTIONS: 'true' }, true, false],
    ['CI=false on a terminal', { CI: 'false' }, true, true],
    ['FORCE_COLOR=1 in a CI log', { CI: 'true', FORCE_COLOR: '1' }, false, true],
    ['FORCE_COLOR empty in a CI log', { CI: 'true', FORCE_COLOR: '' }, false, true],
    ['FORCE_COLOR=0 on a terminal', { FORCE_COLOR: '0' }, true, false],
    ['FORCE_COLOR=1 and NO_COLOR=1', { FORCE_COLOR: '1', NO_COLOR: '1' }, true, false],
    ['a dumb terminal', { TERM: 'dumb' }, true, false],
  ] as [string, NodeJS.ProcessEnv, boolean, boolean][])('%s', (_, env, isTTY, colour) => {
    expect(showsColour(env, isTTY)).toBe(colour);
  });
});

function capture(colour: boolean) {
  const written: string[] = [];
  const stream = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WritableStream;
  return { out: inertWriter(stream, { colour }), text: () => written.join('') };
}

describe('styled text', () => {
  it('errors red and warnings yellow where colour shows; the same text plain where it does not', () => {
    const spans = ['a.yaml:1:1: ', { text: 'error', style: 'error' as const }, ' x: y\n', { text: 'warning', style: 'warning' as const }, ' z\n'];
    const coloured = capture(true);
    writeSpans(coloured.out, spans);
    expect(coloured.text()).toBe(`a.yaml:1:1: ${RED}error${RESET} x: y\n${YELLOW}warning${RESET} z\n`);
    const plain = capture(false);
    writeSpans(plain.out, spans);
    expect(plain.text()).toBe('a.yaml:1:1: error x: y\nwarning z\n');
  });

  it('escapes an escape sequence inside styled text and beside it', () => {
    const c = capture(true);
    writeSpans(c.out, [{ text: `error\u001b[32m`, style: 'error' }, ' \u001b[2J name\n']);
    expect(c.text()).toBe(`${RED}error\\u001b[32m${RESET} \\u001b[2J name\n`);
  });
});
