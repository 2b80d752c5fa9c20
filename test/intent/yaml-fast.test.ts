/**
 * The fast YAML path against the library path: for every YAML file of the repository, the scale
 * workspace's intent in its three mixes, and generated documents and their mutations, the fast path
 * either gives up or yields the same values (key order, types) and the same recorded positions (every
 * collection, key and value, through the SourceIndex's own API) as the library path.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lexer } from 'yaml';
import { scaleOrganizationYaml, writeScaleRepository } from '../../bench/scale-intent.js';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { loadYamlFast } from '../../src/intent/yaml-fast.js';
import { loadYamlSlow } from '../../src/intent/yaml-library.js';
import { loadYaml, YAML_LIMITS } from '../../src/intent/yaml-loader.js';
import { reference2026 } from '../support/reference.js';

const LIMITS = { tokens: YAML_LIMITS.tokens, depth: YAML_LIMITS.depth };
const ROOT = path.resolve(import.meta.dirname, '../..');

/** The first difference between two loaded values and their positions, or undefined. */
function difference(a: unknown, b: unknown, sa: SourceIndex, sb: SourceIndex, at: string): string | undefined {
  if (a === null || typeof a !== 'object' || b === null || typeof b !== 'object') {
    return Object.is(a, b) ? undefined : `${at}: ${JSON.stringify(a)} (${typeof a}) vs ${JSON.stringify(b)} (${typeof b})`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${at}: array vs not`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${at}: prototypes differ`;
  const same = (what: string, x: unknown, y: unknown) => (JSON.stringify(x) === JSON.stringify(y) ? undefined : `${at} ${what}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  const d0 = same('locate', sa.locate(a), sb.locate(b)) ?? same('fileOf', sa.fileOf(a), sb.fileOf(b));
  if (d0) return d0;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const dk = same('keys', ka, kb);
  if (dk) return dk;
  for (const k of ka) {
    const key = Array.isArray(a) ? Number(k) : k;
    const d = same(`locate ${k}`, sa.locate(a, key), sb.locate(b, key)) ?? (Array.isArray(a) ? undefined : same(`locateKey ${k}`, sa.locateKey(a, k), sb.locateKey(b, k)));
    if (d) return d;
    const inner = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], sa, sb, `${at}/${k}`);
    if (inner) return inner;
  }
  return undefined;
}

/** Tokens as the library path counts them toward YAML_LIMITS.tokens. */
function libraryTokens(text: string): number {
  let n = 0;
  for (const lexeme of new Lexer().lex(text)) {
    const first = lexeme.charCodeAt(0);
    if (first === 0x23 || (lexeme.length === 1 && (first === 0x02 || first === 0x18 || first === 0x1f))) continue;
    if (/[^ \t\r\n]/.test(lexeme)) n++;
  }
  return n;
}

/** 'fast' when the fast path read the text (and agreed), 'gave-up' otherwise; throws on disagreement. */
function agree(file: string, text: string): 'fast' | 'gave-up' {
  const fastSources = new SourceIndex();
  fastSources.addText(file, text);
  const fast = loadYamlFast(file, text, fastSources, LIMITS);
  if (!fast) return 'gave-up';
  const slowSources = new SourceIndex();
  const slow = loadYamlSlow(file, text, slowSources);
  const where = `${file}: ${JSON.stringify(text.length > 300 ? text.slice(0, 300) + '...' : text)}`;
  if (slow.diagnostics.length) throw new Error(`${where}: fast path read a text the library path reports: ${slow.diagnostics.map((d) => d.code + ' ' + d.message).join('; ')}`);
  if (slow.documents.length !== 1) throw new Error(`${where}: library path read ${slow.documents.length} documents`);
  if (slow.documents[0]!.start !== fast.start) throw new Error(`${where}: document start ${slow.documents[0]!.start} vs fast ${fast.start}`);
  const d = difference(slow.documents[0]!.value, fast.value, slowSources, fastSources, '');
  if (d) throw new Error(`${where}: ${d}`);
  // The fast path's count is never below the library's by more than the margin loadYaml leaves.
  const library = libraryTokens(text);
  if (fast.tokens < library * 0.8) throw new Error(`${where}: fast path counts ${fast.tokens} tokens, the library ${library}`);
  return 'fast';
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'dist') continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(entry.name)) out.push(p);
  }
  return out;
}

describe('fast YAML path', () => {
  it('agrees with the library path on every YAML file of the repository, and reads the example intent', () => {
    const files = yamlFiles(ROOT);
    expect(files.length).toBeGreaterThan(50);
    const outcome = new Map<string, string>();
    for (const f of files) outcome.set(path.relative(ROOT, f), agree(path.relative(ROOT, f), fs.readFileSync(f, 'utf8')));
    for (const f of fs.readdirSync(path.join(ROOT, 'guardrails')).filter((f) => f.endsWith('.yaml'))) expect(outcome.get(`guardrails/${f}`), f).toBe('fast');
    expect([...outcome.values()].filter((o) => o === 'fast').length).toBeGreaterThan(files.length / 2);
  });

  it('reads the scale workspace intent (all three mixes) as the library path does', async () => {
    const { index } = await reference2026();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yaml-fast-'));
    try {
      for (const mix of ['spread', 'layered', 'selectors'] as const) {
        writeScaleRepository(dir, 300, mix, index);
        expect(agree('controls.yaml', fs.readFileSync(path.join(dir, 'guardrails/controls.yaml'), 'utf8')), mix).toBe('fast');
      }
      expect(agree('organization.yaml', fs.readFileSync(path.join(dir, 'guardrails/organization.yaml'), 'utf8'))).toBe('fast');
      expect(agree('organization.yaml', scaleOrganizationYaml(1_000))).toBe('fast');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('loadYaml gives what the library path gives for a file the fast path reads', async () => {
    const text = 'version: 1\norganization:\n  tree:\n    Root:\n      accounts: [{ id: "012345678901", name: a }, { id: 012345678902, name: b }]\n';
    const a = new SourceIndex();
    const b = new SourceIndex();
    const fast = await loadYaml('o.yaml', text, a);
    const slow = loadYamlSlow('o.yaml', text, b);
    expect(fast).toEqual(slow);
    expect(difference(slow.documents[0]!.value, fast.documents[0]!.value, b, a, '')).toBeUndefined();
  });

  it('gives up on what it does not read, leaving the diagnostics to the library path', async () => {
    for (const text of ['a: &x 1\nb: *x\n', 'a: |\n  text\n', 'a: b\n  c\n', 'a: 1\na: 2\n', '---\na: 1\n', 'a:\tb\n', '? a\n: b\n', 'a: "x\\ny"\n', 'a: [1,\n  2]\n', 'a: !!str 1\n', '<<: {a: 1}\n', 'a: .inf\n', '- \n']) {
      const s = new SourceIndex();
      s.addText('f.yaml', text);
      expect(loadYamlFast('f.yaml', text, s, LIMITS), text).toBeUndefined();
    }
    const s = new SourceIndex();
    const dup = await loadYaml('f.yaml', 'a: 1\na: 2\n', s);
    expect(dup.diagnostics.map((d) => [d.code, d.location?.line, d.location?.col])).toEqual([['duplicate-key', 2, 1]]);
  });

  // Generated documents: values rendered in block and flow styles with comments, quoting choices,
  // odd spacing and texts that need quoting rendered plain on purpose (the fast path must then give
  // up or agree), then mutated by truncation, insertion and deletion.
  const words = ['a', 'id', 'name', 'Root', 'x y', 'ou-ab12-cd34', 's3:GetObject', 'arn:aws:iam::*:role/Admin', 'a#b', 'a #b', 'a: b', 'a:b', '-x', '- x', '012345678901', '123456789012', '12345678901', '1234567890123', '0x1F', '0o17', '1e3', '-1.5', '.5', '+12', '007', 'null', 'Null', '~', 'true', 'False', 'yes', '__proto__', "it's", 'say "hi"', '[x]', '{x}', 'x,y', '', ' lead', 'trail ', '2026-01-01', '.inf', '@x', '`x', '%x', '&a', '*a', '!t', '|', '>', '?', ':', '---', '...', 'é', '😀'];
  const safeWords = ['a', 'id', 'name', 'Root', 'x y', 'ou-ab12-cd34', 's3:GetObject', 'arn:aws:iam::*:role/Admin', 'a#b', '012345678901', '12', '1.5', 'true', 'null', '-x'];
  const keyWord = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...safeWords) }, { weight: 1, arbitrary: fc.constantFrom(...words) });
  type Tree = string | number | boolean | null | Tree[] | { [k: string]: Tree };
  const scalar: fc.Arbitrary<Tree> = fc.oneof(keyWord, keyWord, fc.integer({ min: -1e6, max: 1e12 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
  const { tree } = fc.letrec<{ tree: Tree; map: Tree; seq: Tree }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('seq')),
    map: fc.dictionary(keyWord, tie('tree'), { maxKeys: 5 }) as fc.Arbitrary<Tree>,
    seq: fc.array(tie('tree'), { maxLength: 4 }),
  }));
  // Documents are mostly mappings, as intent files are.
  const doc = fc.oneof({ weight: 4, arbitrary: fc.dictionary(keyWord, tree, { minKeys: 1, maxKeys: 6 }) as fc.Arbitrary<Tree> }, { weight: 1, arbitrary: tree });
  type Style = { flow: boolean; quote: 0 | 1 | 2; comment: boolean; space: string };
  const styles = fc.array(fc.record({ flow: fc.boolean(), quote: fc.constantFrom<0 | 1 | 2>(0, 0, 1, 2), comment: fc.boolean(), space: fc.constantFrom('', ' ', '  ') }), { minLength: 1, maxLength: 16 });

  function render(value: Tree, st: Style[]): string {
    let k = 0;
    const next = () => st[k++ % st.length]!;
    const scalarText = (v: Tree): string => {
      const s = next();
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      if (s.quote === 1) return `"${text.replace(/["\\]/g, '')}"`;
      if (s.quote === 2) return `'${text.replace(/'/g, "''")}'`;
      return text;
    };
    const flow = (v: Tree): string => {
      if (Array.isArray(v)) return `[${v.map(flow).join(`,${next().space || ' '}`)}]`;
      if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([key, x]) => `${next().space}${scalarText(key)}: ${flow(x)}`).join(',')}${next().space}}`;
      return scalarText(v);
    };
    const lines: string[] = [];
    const block = (v: Tree, indent: string, prefix: string): void => {
      const s = next();
      const comment = s.comment ? ' # note' : '';
      if (v === null || typeof v !== 'object' || s.flow || (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0)) {
        lines.push(`${prefix}${prefix.endsWith(':') || prefix.endsWith('-') ? ' ' : ''}${flow(v)}${comment}`);
        return;
      }
      if (prefix.endsWith('-') && !Array.isArray(v) && !s.comment) {
        // `- key: value` with the mapping's other keys below the first
        const first = lines.length;
        const inner = prefix.slice(0, -1) + '  ';
        for (const [key, x] of Object.entries(v)) block(x, inner, `${inner}${scalarText(key)}${next().space}:`);
        lines[first] = `${prefix} ${lines[first]!.trimStart()}`;
        return;
      }
      if (prefix) lines.push(prefix + comment);
      if (s.comment) lines.push(`${indent}# a comment line`, '');
      const inner = prefix ? indent + '  ' : indent;
      if (Array.isArray(v)) for (const x of v) block(x, inner + '  ', `${inner}-`);
      else for (const [key, x] of Object.entries(v)) block(x, inner, `${inner}${scalarText(key)}${next().space}:`);
    };
    block(value, '', '');
    return lines.join('\n') + '\n';
  }

  it('agrees with the library path on generated documents', () => {
    let fast = 0;
    fc.assert(
      fc.property(doc, styles, (v, st) => {
        if (agree('g.yaml', render(v, st)) === 'fast') fast++;
      }),
      { numRuns: 1500 },
    );
    expect(fast).toBeGreaterThan(300);
  });

  it('agrees with the library path on mutated documents', () => {
    const palette = [' ', '\n', ':', '-', '#', '"', "'", '[', ']', '{', '}', ',', 'x', '0', '  ', '\n  ', '&', '*', '!', '|', '\t', '?', '~'];
    fc.assert(
      fc.property(doc, styles, fc.array(fc.tuple(fc.nat(), fc.constantFrom('cut', 'insert', 'delete'), fc.constantFrom(...palette)), { minLength: 1, maxLength: 3 }), (v, st, edits) => {
        let text = render(v, st);
        for (const [at, op, ch] of edits) {
          const p = text.length ? at % (text.length + 1) : 0;
          if (op === 'cut') text = text.slice(0, p);
          else if (op === 'insert') text = text.slice(0, p) + ch + text.slice(p);
          else text = text.slice(0, p) + text.slice(p + 1);
        }
        agree('m.yaml', text);
      }),
      { numRuns: 3000 },
    );
  });
});
