/** The action-set bitset's in-place operations and the scratch sets computations refill. */
import { describe, expect, it } from 'vitest';
import { ActionSet, PackedActionSet, scratchSets } from '../../src/reference/index.js';

describe('action sets', () => {
  it('copyFrom and clear overwrite in place', () => {
    const a = ActionSet.of(100, [1, 50, 99]);
    const b = ActionSet.of(100, [2]);
    expect(b.copyFrom(a).toArray()).toEqual([1, 50, 99]);
    expect(a.toArray()).toEqual([1, 50, 99]);
    b.add(3);
    expect(a.has(3)).toBe(false);
    expect(b.clear().isEmpty()).toBe(true);
  });

  it('scratch sets are the same sets at every call of one owner and size, and no other owner or size gets them', () => {
    const owner = {};
    const universe = ActionSet.range(100, 0, 100);
    const first = scratchSets(owner, universe, 2);
    expect(first).toHaveLength(2);
    expect(first[0]).not.toBe(first[1]);
    const again = scratchSets(owner, universe, 3);
    expect(again).toHaveLength(3);
    expect(again[0]).toBe(first[0]);
    expect(again[1]).toBe(first[1]);
    expect(scratchSets(owner, universe, 2)).toHaveLength(2);
    expect(scratchSets({}, universe, 1)[0]).not.toBe(first[0]);
    const other = scratchSets(owner, ActionSet.range(300, 0, 300), 1)[0]!;
    expect(other).not.toBe(first[0]);
    expect(other.universe).toBe(300);
  });

  it('a packed set holds what the set held, sparse or dense, and intersects and subtracts as the bitset does', () => {
    const universe = 1000;
    const sparseIds = [0, 31, 32, 500, 999];
    const denseIds = Array.from({ length: 700 }, (_, i) => i * 1.4).map(Math.floor);
    const other = ActionSet.of(universe, [31, 33, 500, 600, 998, 999, ...Array.from({ length: 100 }, (_, i) => i * 10)]);
    for (const ids of [sparseIds, denseIds, []]) {
      const set = ActionSet.of(universe, ids);
      const packed = PackedActionSet.of(set);
      expect(packed.toArray()).toEqual(set.toArray());
      expect(packed.size).toBe(set.size);
      for (let id = 0; id < universe; id++) expect(packed.has(id)).toBe(set.has(id));
      const out = new ActionSet(universe);
      for (const with_ of [other, PackedActionSet.of(other), PackedActionSet.of(ActionSet.of(universe, denseIds)), PackedActionSet.of(ActionSet.of(universe, [31, 500, 640]))]) {
        const dense = with_ instanceof ActionSet ? with_ : ActionSet.of(universe, with_);
        expect(packed.intersectionInto(with_, out)).toBe(set.intersects(dense));
        expect(out.toArray()).toEqual(set.intersect(dense).toArray());
        expect(packed.intersects(with_)).toBe(set.intersects(dense));
      }
      const from = other.clone();
      packed.removeFrom(from);
      expect(from.toArray()).toEqual(other.minus(set).toArray());
    }
  });

  it('a set packed from a span of its words holds the words of that span alone, as the set with the rest cleared would pack', () => {
    const universe = 1000;
    const words = Math.ceil(universe / 32);
    const ids = [...Array.from({ length: 40 }, (_, i) => i * 3), 400, 401, 450, ...Array.from({ length: 300 }, (_, i) => 500 + i)];
    for (const [from, to] of [[0, words], [12, 15], [0, 4], [15, 26], [14, 14], [3, words]] as const) {
      const set = ActionSet.of(universe, ids);
      const cleared = new ActionSet(universe);
      for (let i = from; i < to; i++) cleared.words[i] = set.words[i]!;
      const packed = PackedActionSet.of(set, from, to);
      expect(packed.toArray()).toEqual(cleared.toArray());
      expect(packed.size).toBe(cleared.size);
      expect(packed.intersects(ActionSet.range(universe, 0, universe))).toBe(!cleared.isEmpty());
      const rest = ActionSet.range(universe, 0, universe);
      packed.removeFrom(rest);
      expect(rest.size).toBe(universe - cleared.size);
    }
  });
});
