/**
 * What one intent file can make the YAML loader do is bounded: tokens, documents, nesting and the
 * values aliases add. Each bound is an error at its place in the file, never a crash, a hang or
 * "Maximum call stack size exceeded"; intents within the bounds load as before, aliases included.
 */
import { describe, expect, it } from 'vitest';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { YAML_LIMITS, loadYaml } from '../../src/intent/yaml-loader.js';

const load = (text: string) => loadYaml('x.yaml', text, new SourceIndex());
const where = (d: { code: string; location?: { line: number; col: number } }) => `${d.code} at ${d.location?.line}:${d.location?.col}`;

/** `levels` anchors, each a list of `width` aliases of the one before: width^levels values. */
function laughs(levels: number, width: number): string {
  let text = `l0: &a0 [${Array(width).fill('lol').join(', ')}]\n`;
  for (let i = 1; i < levels; i++) text += `l${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(', ')}]\n`;
  return text;
}

describe('aliases', () => {
  it('refuses a billion laughs at the alias whose expansion goes over the budget', async () => {
    const text = laughs(10, 10);
    expect(text.length).toBeLessThan(700);
    const r = await load(text);
    expect(r.documents).toEqual([]);
    expect(r.diagnostics.map(where)).toEqual(['yaml-alias-expansion at 5:45']);
    expect(r.diagnostics[0]!.message).toBe('aliases expand this file to more than 100,000 values (expanding *a3 here)');
  });

  it('refuses nesting that only aliases build: each anchor a deep list around the previous one', async () => {
    let text = `a0: &a0 ${'['.repeat(40)}x${']'.repeat(40)}\n`;
    for (let i = 1; i < 50; i++) text += `a${i}: &a${i} ${'['.repeat(40)}*a${i - 1}${']'.repeat(40)}\n`;
    const r = await load(text);
    expect(r.diagnostics.map(where)).toEqual(['yaml-too-deep at 2:49']);
    expect(r.diagnostics[0]!.message).toBe('collections nest more than 64 levels deep here (expanding *a0)');
  });

  it('expands what real intents share: defaults merged into hundreds of controls, lists reused', async () => {
    let text = 'defaults: &d { kind: deny-actions, attach: [Root, Workloads], exclude: [Sandbox] }\naccounts: &acc [' + Array.from({ length: 200 }, (_, i) => `"${String(i).padStart(12, '0')}"`).join(', ') + ']\ncontrols:\n';
    for (let i = 0; i < 300; i++) text += `  c${i}: { <<: *d, actions: [s3:GetObject], accounts: *acc }\n`;
    const r = await load(text);
    expect(r.diagnostics).toEqual([]);
    const controls = (r.documents[0]!.value as { controls: Record<string, { kind: string; accounts: string[] }> }).controls;
    expect(Object.keys(controls)).toHaveLength(300);
    expect(controls.c299!.kind).toBe('deny-actions');
    expect(controls.c299!.accounts).toHaveLength(200);
  });

  it('gives every alias its own copy: one control aliased as two keeps two ids', async () => {
    const r = await load('controls:\n  a: &c { kind: deny-actions, actions: [s3:GetObject], attach: [Root] }\n  b: *c\n');
    const controls = (r.documents[0]!.value as { controls: Record<string, object> }).controls;
    expect(controls.a).toEqual(controls.b);
    expect(controls.a).not.toBe(controls.b);
    Object.assign(controls.a!, { id: 'a' });
    expect(controls.b).not.toHaveProperty('id');
  });

  it('resolves an alias to the latest anchor of its name before it, and still refuses one inside itself', async () => {
    const r = await load('a: &x 1\nb: *x\nc: &x 2\nd: *x\n');
    expect(r.documents[0]!.value).toEqual({ a: 1, b: 1, c: 2, d: 2 });
    expect((await load('a: &s [1, *s]\n')).diagnostics.map(where)).toEqual(['yaml-syntax at 1:11']);
    expect((await load('a: *nope\n')).diagnostics.map(where)).toEqual(['yaml-syntax at 1:4']);
  });
});

describe('nesting', () => {
  it('refuses 100,000 unclosed [ at the bracket past the limit, without a stack overflow', async () => {
    const r = await load('['.repeat(100_000));
    expect(r.diagnostics.map(where)).toEqual(['yaml-too-deep at 1:66']);
    expect(r.diagnostics[0]!.message).toBe('collections nest more than 64 levels deep here');
    expect(r.diagnostics[0]!.hint).toContain('unclosed [');
  });

  it('refuses deep block mappings too', async () => {
    let text = '';
    for (let i = 0; i < 5000; i++) text += `${' '.repeat(i)}k:\n`;
    expect((await load(text)).diagnostics.map((d) => d.code)).toEqual(['yaml-too-deep']);
  });

  it('reads nesting up to the limit', async () => {
    const depth = YAML_LIMITS.depth;
    const r = await load(`${'['.repeat(depth)}x${']'.repeat(depth)}\n`);
    expect(r.diagnostics).toEqual([]);
    let v = r.documents[0]!.value;
    for (let i = 0; i < depth; i++) v = (v as unknown[])[0];
    expect(v).toBe('x');
  });
});

describe('size', () => {
  it('refuses more tokens than the limit at the first one past it', async () => {
    const r = await load(`[${'x,'.repeat(YAML_LIMITS.tokens)}]`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['yaml-too-large']);
    expect(r.diagnostics[0]!.location).toEqual({ file: 'x.yaml', line: 1, col: YAML_LIMITS.tokens + 1 });
  });

  it('refuses more documents than the limit', async () => {
    const r = await load('---\na: 1\n'.repeat(YAML_LIMITS.documents + 1));
    expect(r.diagnostics.map(where)).toEqual([`yaml-too-large at ${2 * YAML_LIMITS.documents + 1}:1`]);
  });

  it('finds duplicate keys among tens of thousands without comparing each with every other', async () => {
    // The library's own check compares each key with every earlier one: minutes for this mapping.
    const keys = Array.from({ length: 30_000 }, (_, i) => `k${i}: ${i}`);
    const r = await load(`${keys.join('\n')}\nk17: again\n`);
    expect(r.diagnostics.map(where)).toEqual(['duplicate-key at 30001:1']);
    expect(r.diagnostics[0]!.message).toBe('key "k17" is already in this mapping; map keys must be unique');
    expect((await load(`${keys.join('\n')}\n`)).documents[0]!.value).toHaveProperty('k29999', 29999);
  });
});
