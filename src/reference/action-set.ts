/**
 * A set of actions of one reference index, as a bitset over the index's action ids. Expansion,
 * minimization and the equivalence proof are all set algebra over ~22,000 actions; bitsets make each
 * operation a few hundred word operations.
 */
export class ActionSet {
  readonly words: Uint32Array;

  constructor(readonly universe: number, words?: Uint32Array) {
    this.words = words ?? allocateWords((universe + 31) >>> 5);
  }

  static of(universe: number, ids: Iterable<number>): ActionSet {
    const s = new ActionSet(universe);
    for (const id of ids) s.add(id);
    return s;
  }

  /** Ids in [start, end). */
  static range(universe: number, start: number, end: number): ActionSet {
    const s = new ActionSet(universe);
    for (let i = start; i < end; i++) s.add(i);
    return s;
  }

  add(id: number): void {
    this.words[id >>> 5]! |= 1 << (id & 31);
  }

  delete(id: number): void {
    this.words[id >>> 5]! &= ~(1 << (id & 31));
  }

  has(id: number): boolean {
    return (this.words[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  clone(): ActionSet {
    const words = allocateWords(this.words.length);
    words.set(this.words);
    return new ActionSet(this.universe, words);
  }

  /** In place: this = other. A scratch set filled again and again allocates nothing (see allocateWords). */
  copyFrom(other: ActionSet): this {
    this.words.set(other.words);
    return this;
  }

  /** In place: this = ∅. */
  clear(): this {
    this.words.fill(0);
    return this;
  }

  /** In place: this = this ∪ other. */
  addAll(other: ActionSet): this {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i]! |= o[i]!;
    return this;
  }

  /** In place: this = this \ other. */
  removeAll(other: ActionSet): this {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i]! &= ~o[i]!;
    return this;
  }

  /** In place: this = this ∩ other. */
  retainAll(other: ActionSet): this {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i]! &= o[i]!;
    return this;
  }

  union(other: ActionSet): ActionSet {
    return this.clone().addAll(other);
  }

  minus(other: ActionSet): ActionSet {
    return this.clone().removeAll(other);
  }

  intersect(other: ActionSet): ActionSet {
    return this.clone().retainAll(other);
  }

  get size(): number {
    let n = 0;
    for (const x of this.words) n += popcount(x);
    return n;
  }

  isEmpty(): boolean {
    const w = this.words;
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) return false;
    return true;
  }

  equals(other: ActionSet): boolean {
    const w = this.words;
    const o = other.words;
    if (w.length !== o.length) return false;
    for (let i = 0; i < w.length; i++) if (w[i] !== o[i]) return false;
    return true;
  }

  /** True when every member of this set is in `other`. */
  isSubsetOf(other: ActionSet): boolean {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) if ((w[i]! & ~o[i]!) !== 0) return false;
    return true;
  }

  intersects(other: ActionSet): boolean {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) if ((w[i]! & o[i]!) !== 0) return true;
    return false;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    const w = this.words;
    for (let i = 0; i < w.length; i++) {
      let x = w[i]!;
      while (x !== 0) {
        const low = x & -x;
        yield (i << 5) + (31 - Math.clz32(low));
        x ^= low;
      }
    }
  }

  toArray(): number[] {
    return [...this];
  }
}

/**
 * An action set that no longer changes, kept as its nonzero words and where they sit: the blocks of a
 * classification (evaluate/partial.ts) hold a few dozen actions each, and a semantic diff keeps the
 * blocks of every chain it classifies, thousands of them, each a bitset over ~22,000 actions (2.7 KB)
 * otherwise. A set with half of its words nonzero or more keeps them all, as a bitset does.
 */
export class PackedActionSet {
  private constructor(
    readonly universe: number,
    /** Words kept. */
    private readonly count: number,
    /** Sparse: the indices of the words kept, ascending, then the words. Dense: every word. */
    private readonly data: Uint32Array,
    private readonly dense: boolean,
  ) {}

  /** The set, or only its words in [from, to) (the others taken as zero: a scratch set's leftovers). */
  static of(set: ActionSet, from = 0, to = set.words.length): PackedActionSet {
    const w = set.words;
    let nonzero = 0;
    for (let i = from; i < to; i++) if (w[i] !== 0) nonzero++;
    if (nonzero * 2 >= w.length) {
      const all = new Uint32Array(w.length);
      all.set(w.subarray(from, to), from);
      return new PackedActionSet(set.universe, w.length, all, true);
    }
    const data = new Uint32Array(nonzero * 2);
    for (let i = from, k = 0; i < to; i++) {
      if (w[i] === 0) continue;
      data[k] = i;
      data[nonzero + k] = w[i]!;
      k++;
    }
    return new PackedActionSet(set.universe, nonzero, data, false);
  }

  private indexAt(k: number): number {
    return this.dense ? k : this.data[k]!;
  }

  private wordAt(k: number): number {
    return this.dense ? this.data[k]! : this.data[this.count + k]!;
  }

  /** The word at index `i` of the full bitset. */
  private wordOf(i: number): number {
    if (this.dense) return this.data[i] ?? 0;
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.data[mid]!;
      if (at === i) return this.data[this.count + mid]!;
      if (at < i) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  get size(): number {
    let n = 0;
    for (let k = 0; k < this.count; k++) n += popcount(this.wordAt(k));
    return n;
  }

  has(id: number): boolean {
    return (this.wordOf(id >>> 5) & (1 << (id & 31))) !== 0;
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let k = 0; k < this.count; k++) {
      let x = this.wordAt(k);
      const base = this.indexAt(k) << 5;
      while (x !== 0) {
        const low = x & -x;
        yield base + (31 - Math.clz32(low));
        x ^= low;
      }
    }
  }

  toArray(): number[] {
    return [...this];
  }

  /** In place: set = set \ this. */
  removeFrom(set: ActionSet): void {
    const w = set.words;
    for (let k = 0; k < this.count; k++) w[this.indexAt(k)]! &= ~this.wordAt(k);
  }

  /** Whether this and `other` (a bitset or packed) share an action. */
  intersects(other: ActionSet | PackedActionSet): boolean {
    if (other instanceof PackedActionSet && this.dense && !other.dense) return other.intersects(this);
    const words = other instanceof ActionSet ? other.words : undefined;
    for (let k = 0; k < this.count; k++) {
      const i = this.indexAt(k);
      if ((this.wordAt(k) & (words ? words[i]! : (other as PackedActionSet).wordOf(i))) !== 0) return true;
    }
    return false;
  }

  /** out = this ∩ other (a bitset or packed); whether that holds any action. */
  intersectionInto(other: ActionSet | PackedActionSet, out: ActionSet): boolean {
    out.clear();
    const o = out.words;
    let any = 0;
    if (other instanceof ActionSet) {
      const w = other.words;
      for (let k = 0; k < this.count; k++) {
        const i = this.indexAt(k);
        o[i] = this.wordAt(k) & w[i]!;
        any |= o[i]!;
      }
    } else if (other.dense || !this.dense) {
      for (let k = 0; k < this.count; k++) {
        const i = this.indexAt(k);
        o[i] = this.wordAt(k) & other.wordOf(i);
        any |= o[i]!;
      }
    } else return other.intersectionInto(this, out);
    return any !== 0;
  }
}

const scratch = new WeakMap<object, Map<number, ActionSet[]>>();

/**
 * `count` sets the size of `universe`'s that belong to `owner` (a key object of the computation that
 * uses them) and are the same sets at every call, holding whatever the last call left: for sets a
 * computation needs only while it runs. A set allocated for a moment keeps its slab (allocateWords)
 * as long as any other set carved from it lives, and the results of a computation are carved from the
 * same slabs as its intermediate sets: those were most of what the semantic diff of 10,000 accounts
 * held in slabs at its peak. A computation that can call itself must not share an owner with itself.
 */
export function scratchSets(owner: object, universe: ActionSet, count: number): ActionSet[] {
  let bySize = scratch.get(owner);
  if (!bySize) scratch.set(owner, (bySize = new Map()));
  let sets = bySize.get(universe.universe);
  if (!sets) bySize.set(universe.universe, (sets = []));
  while (sets.length < count) sets.push(new ActionSet(universe.universe));
  return sets.slice(0, count);
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Typed arrays above 64 bytes each get their own off-heap buffer, which costs microseconds; a set of
 * 22,000 actions is 2.7 KB. Sets are carved out of shared zeroed slabs instead (about 7x cheaper);
 * a slab is freed by the garbage collector once none of its sets is reachable. Slabs are small (24
 * sets) because one set that lives on keeps its whole slab: with 1 MB slabs, the few sets a diff keeps
 * held 98 MB of slabs made for sets long dead (13 MB with these).
 */
const SLAB_BYTES = 1 << 16;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabOffset = 0;

function allocateWords(count: number): Uint32Array {
  const bytes = count * 4;
  if (bytes > SLAB_BYTES / 4) return new Uint32Array(count);
  if (slabOffset + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const words = new Uint32Array(slab, slabOffset, count);
  slabOffset += bytes;
  return words;
}
