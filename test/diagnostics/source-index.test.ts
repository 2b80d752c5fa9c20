/**
 * SourceIndex keeps start offsets packed in one array per container, with a key index only for big
 * mappings: these check the answers stay those of a map of slots, on both lookup paths.
 */
import { describe, expect, it } from 'vitest';
import { SourceIndex } from '../../src/diagnostics/index.js';

/** A text of one line per key `kNN: vNN`, each line 9 characters with its line break. */
function mapping(keys: number) {
  const lines = Array.from({ length: keys }, (_, i) => `k${String(i).padStart(2, '0')}: v${String(i).padStart(2, '0')}`);
  const text = lines.join('\n') + '\n';
  const s = new SourceIndex();
  s.addText('f.yaml', text);
  const obj: Record<string, unknown> = {};
  s.register(obj, 'f.yaml', { start: 0, end: text.length });
  lines.forEach((_, i) => {
    obj[`k${String(i).padStart(2, '0')}`] = `v${i}`;
    s.registerSlot(obj, `k${String(i).padStart(2, '0')}`, { key: { start: i * 9, end: i * 9 + 3 }, value: { start: i * 9 + 5, end: i * 9 + 8 } });
  });
  return { s, obj };
}

describe('SourceIndex', () => {
  for (const keys of [3, 8, 9, 40]) {
    it(`locates every key and value of a ${keys}-key mapping`, () => {
      const { s, obj } = mapping(keys);
      for (let i = 0; i < keys; i++) {
        const k = `k${String(i).padStart(2, '0')}`;
        expect(s.locate(obj, k)).toEqual({ file: 'f.yaml', line: i + 1, col: 6 });
        expect(s.locateKey(obj, k)).toEqual({ file: 'f.yaml', line: i + 1, col: 1 });
      }
      // Unknown keys fall back to where the mapping starts.
      expect(s.locate(obj, 'nope')).toEqual({ file: 'f.yaml', line: 1, col: 1 });
      expect(s.locateKey(obj, 'nope')).toEqual({ file: 'f.yaml', line: 1, col: 1 });
      expect(s.locate(obj, 0)).toEqual({ file: 'f.yaml', line: 1, col: 1 });
    });
  }

  it('keeps the last registration of a key, before and after a big mapping is indexed', () => {
    for (const keys of [3, 40]) {
      const { s, obj } = mapping(keys);
      s.locate(obj, 'k00'); // builds the index of a big mapping
      s.registerSlot(obj, 'k00', { key: { start: 18, end: 21 } });
      expect(s.locate(obj, 'k00')).toEqual({ file: 'f.yaml', line: 3, col: 1 });
      s.registerSlot(obj, 'extra', { key: { start: 9, end: 12 }, value: { start: 14, end: 17 } });
      expect(s.locate(obj, 'extra')).toEqual({ file: 'f.yaml', line: 2, col: 6 });
      expect(s.locateKey(obj, 'extra')).toEqual({ file: 'f.yaml', line: 2, col: 1 });
    }
  });

  it('locates sequence items by index, never by a string, and falls back for items not registered', () => {
    const s = new SourceIndex();
    s.addText('f.yaml', 'a:\n  - x\n  - y\n');
    const arr = ['x', 'y', 'z'];
    s.register(arr, 'f.yaml', { start: 5, end: 15 });
    s.registerSlot(arr, 0, { value: { start: 7, end: 8 } });
    s.registerSlot(arr, 1, { value: { start: 13, end: 14 } });
    expect(s.locate(arr, 1)).toEqual({ file: 'f.yaml', line: 3, col: 5 });
    expect(s.locate(arr, '1')).toEqual({ file: 'f.yaml', line: 2, col: 3 });
    expect(s.locate(arr, 2)).toEqual({ file: 'f.yaml', line: 2, col: 3 });
    expect(s.locateKey(arr, '0')).toEqual({ file: 'f.yaml', line: 2, col: 3 });
    expect(s.locatePointer(arr, '/1')).toEqual({ file: 'f.yaml', line: 3, col: 5 });
  });

  it('locates a mapping at the key that names it, once its parent registers that key', () => {
    const s = new SourceIndex();
    s.addText('f.yaml', 'only-org:\n  kind: x\n');
    const inner = { kind: 'x' };
    const outer = { 'only-org': inner };
    s.register(outer, 'f.yaml', { start: 0, end: 20 });
    s.register(inner, 'f.yaml', { start: 12, end: 20 });
    expect(s.locate(inner)).toEqual({ file: 'f.yaml', line: 2, col: 3 });
    s.registerSlot(outer, 'only-org', { key: { start: 0, end: 8 }, value: { start: 12, end: 20 } });
    expect(s.locate(inner)).toEqual({ file: 'f.yaml', line: 1, col: 1 });
    expect(s.locate(outer, 'only-org')).toEqual({ file: 'f.yaml', line: 2, col: 3 });
    // `kind` has no slot: the mapping holding it is pointed at, by the key naming it.
    expect(s.locatePointer(outer, '/only-org/kind')).toEqual({ file: 'f.yaml', line: 1, col: 1 });
  });
});
