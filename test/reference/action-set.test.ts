/** The action-set bitset's in-place operations and the scratch sets computations refill. */
import { describe, expect, it } from 'vitest';
import { ActionSet, scratchSets } from '../../src/reference/index.js';

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
});
