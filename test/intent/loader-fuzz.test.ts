/**
 * The intent loader on arbitrary input: random text, YAML built from the constructs that have hurt
 * loaders (anchors and aliases, merge keys, deep nesting, odd scalars and tags, NUL bytes, huge lines,
 * several documents), and the example intents with random edits. Whatever the input, loading and
 * checking never throw, every case ends well within a bound (measured per case: a blow-up shows as
 * seconds; the bound is not a timing of the code), and every diagnostic of the loader points into the
 * file at a line and column that exist.
 *
 * The default run is a few hundred cases; `npm run test:exhaustive` runs many more with a fresh seed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkIntent, loadIntent } from '../../src/intent/index.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

const EXHAUSTIVE = process.env.GUARDRAILS_EXHAUSTIVE === '1';
const RUNS = EXHAUSTIVE ? 5_000 : 150;
const TIMEOUT_MS = EXHAUSTIVE ? 3_600_000 : 60_000;
const SEED = EXHAUSTIVE ? undefined : 20261104;
/** Generous: a case takes milliseconds; the blow-ups this guards against took seconds to minutes. */
const BOUND_MS = 2_000;

const EXAMPLES = fs
  .readdirSync(path.join(PROJECT_ROOT, 'guardrails'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => fs.readFileSync(path.join(PROJECT_ROOT, 'guardrails', f), 'utf8'));

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await tempDir('guardrails-fuzz-');
});

/** Loads the text as an intent file and checks what loads; returns what an assertion needs. */
async function loadText(text: string | Buffer) {
  const file = path.join(dir, `case-${n++}.yaml`);
  fs.writeFileSync(file, text);
  const started = performance.now();
  const result = await loadIntent({ cwd: dir, files: [file] });
  if (result.intent) checkIntent(result.intent, undefined);
  const ms = performance.now() - started;
  fs.rmSync(file);
  return { file, result, ms, lines: (typeof text === 'string' ? text : text.toString('latin1')).split('\n').length };
}

async function expectWellBehaved(text: string | Buffer): Promise<void> {
  const { file, result, ms, lines } = await loadText(text);
  expect(ms, `case took ${Math.round(ms)} ms`).toBeLessThan(BOUND_MS);
  for (const d of result.diagnostics) {
    const where = JSON.stringify(d);
    expect(d.location, where).toBeDefined();
    expect(d.location!.file, where).toBe(file);
    expect(d.location!.line, where).toBeGreaterThanOrEqual(1);
    expect(d.location!.line, where).toBeLessThanOrEqual(lines);
    expect(d.location!.col, where).toBeGreaterThanOrEqual(1);
    expect(d.code, where).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(d.message, where).not.toMatch(/call stack|Invalid string length|undefined is not|Cannot read prop/);
  }
}

// --- YAML built from pieces --------------------------------------------------------------------

const SCALARS = [
  '~', 'null', 'true', 'NO', 'on', '0x1F', '0o17', '1e999', '-.inf', '.nan', '012345678901', '1_000', '2026-08-22',
  '"\\u0000\\x1b[31m"', "'it''s'", '!!binary aGk=', '!foo bar', '!!str 1', '!!map {}', '""', "''", '__proto__', 'constructor',
  'prototype', '"<<"', '\u0000', '\uFEFF', '\u202e', '@x', '`x`', '%x', 's3:GetObject', 'Root', 'o-abcdefghij', '"111111111111"',
];
const KEYS = ['version', 'organization', 'controls', 'tree', 'Root', 'id', 'kind', 'actions', 'attach', 'exclude', 'accounts', 'waves', 'tests', 'defaults', 'quotas', 'parameters', '__proto__', 'constructor', 'x', '"quoted key"', '? complex'];
const ANCHORS = ['a', 'b', 'c'];

type Yaml =
  | { kind: 'scalar'; text: string }
  | { kind: 'seq'; flow: boolean; items: Yaml[] }
  | { kind: 'map'; flow: boolean; pairs: { key: string; value: Yaml }[]; merge?: string }
  | { kind: 'alias'; name: string }
  | { kind: 'anchor'; name: string; node: Yaml }
  | { kind: 'deep'; depth: number; open: string };

const yaml = fc.letrec<{ node: Yaml }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.constantFrom(...SCALARS), fc.string({ maxLength: 12 }), fc.constant(`x${'y'.repeat(100_000)}`)).map((text): Yaml => ({ kind: 'scalar', text })),
    fc.record({ kind: fc.constant('seq' as const), flow: fc.boolean(), items: fc.array(tie('node'), { maxLength: 4 }) }),
    fc.record({
      kind: fc.constant('map' as const),
      flow: fc.boolean(),
      pairs: fc.array(fc.record({ key: fc.constantFrom(...KEYS), value: tie('node') }), { maxLength: 4 }),
      merge: fc.option(fc.constantFrom(...ANCHORS), { nil: undefined }),
    }),
    fc.constantFrom(...ANCHORS).map((name): Yaml => ({ kind: 'alias', name })),
    fc.record({ kind: fc.constant('anchor' as const), name: fc.constantFrom(...ANCHORS), node: tie('node') }),
    fc.record({ kind: fc.constant('deep' as const), depth: fc.integer({ min: 1, max: 3000 }), open: fc.constantFrom('[', '{', '- ', '{a: ', '[[') }),
  ),
})).node;

function render(y: Yaml, indent: number, inFlow: boolean): string {
  const pad = ' '.repeat(indent);
  switch (y.kind) {
    case 'scalar':
      return y.text;
    case 'alias':
      return `*${y.name}`;
    case 'anchor':
      return `&${y.name} ${render(y.node, indent, inFlow)}`;
    case 'deep':
      return y.open.repeat(y.depth);
    case 'seq':
      if (y.flow || inFlow || y.items.length === 0) return `[${y.items.map((i) => render(i, indent, true)).join(', ')}]`;
      return '\n' + y.items.map((i) => `${pad}- ${render(i, indent + 2, false)}`).join('\n');
    case 'map': {
      const pairs = [...(y.merge ? [`<<: *${y.merge}`] : []), ...y.pairs.map((p) => `${p.key}: ${render(p.value, indent + 2, y.flow || inFlow)}`)];
      if (y.flow || inFlow || pairs.length === 0) return `{${pairs.join(', ')}}`;
      return '\n' + pairs.map((p) => `${pad}${p}`).join('\n');
    }
  }
}

/** A document: an intent-shaped top level whose values are generated, or any node. */
const documentText = fc.oneof(
  fc.array(fc.record({ key: fc.constantFrom(...KEYS), value: yaml }), { maxLength: 5 }).map((pairs) => `version: 1\n${pairs.map((p) => `${p.key}: ${render(p.value, 2, false)}`).join('\n')}\n`),
  yaml.map((y) => `${render(y, 0, false)}\n`),
);
const yamlText = fc.array(documentText, { minLength: 1, maxLength: 3 }).map((docs) => docs.join('---\n'));

// --- The examples, edited at random --------------------------------------------------------------

const EDIT_TEXT = [':', '-', '[', ']', '{', '}', '&a ', '*a', '<<: ', '\n', '  ', '\t', '#', '"', "'", '|', '>', '!', '%', '@', '`', '---\n', '...\n', '\u0000', '\r', ',', '?', '\\'];
const edited = fc
  .tuple(
    fc.constantFrom(...EXAMPLES),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...EDIT_TEXT)), { minLength: 1, maxLength: 8 }),
  )
  .map(([text, edits]) => {
    let out = text;
    for (const [at, remove, insert] of edits) {
      const i = at % (out.length + 1);
      out = out.slice(0, i) + insert + out.slice(i + remove);
    }
    return out;
  });

describe('the intent loader on arbitrary input', () => {
  it('arbitrary text', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 400 }), expectWellBehaved), { numRuns: RUNS, seed: SEED });
  }, TIMEOUT_MS);

  it('arbitrary bytes, invalid UTF-8 included', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), expectWellBehaved), { numRuns: RUNS, seed: SEED });
  }, TIMEOUT_MS);

  it('YAML of anchors, aliases, merge keys, deep nesting, odd scalars and huge lines', async () => {
    await fc.assert(fc.asyncProperty(yamlText, expectWellBehaved), { numRuns: RUNS * 2, seed: SEED });
  }, TIMEOUT_MS);

  it('the example intents with random edits', async () => {
    await fc.assert(fc.asyncProperty(edited, expectWellBehaved), { numRuns: RUNS * 2, seed: SEED });
  }, TIMEOUT_MS);
});
