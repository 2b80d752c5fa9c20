/**
 * The blocks of a classification (partial.ts classifyActions): the actions some statement may deny,
 * split by which of those statements may deny them. Partition refinement: a block a statement covers
 * whole, or misses, stays as it is; one it splits becomes the part inside (a set of its own), then the
 * part outside (the block's set, narrowed).
 *
 * Each block is worked on only over its span, the words of the bitset its actions sit in: actions are
 * numbered service by service, so a block of a few dozen actions spans a few words of the universe's
 * hundreds, and testing every statement against every block was most of what classifying a chain of
 * many levels cost. The sets are scratch sets while blocks split, whose words outside a block's span
 * are left over from other calls; the blocks kept are packed from their spans.
 */
import { PackedActionSet, scratchSets, type ActionSet } from '../reference/index.js';

/** A statement that may deny some actions, named by its signature. */
export interface MaybeDenied {
  actions: ActionSet;
  signature: string;
}

interface Block {
  /** Only the words in [lo, hi) are this block's; the others are zero in the block. */
  actions: ActionSet;
  lo: number;
  hi: number;
  signatures: string[];
}

/** Owns the sets blocks split in (scratchSets). */
const BLOCK_SCRATCH = {};

export function blocksOf(maybe: readonly MaybeDenied[], universe: ActionSet): { actions: PackedActionSet; signatures: string[] }[] {
  let pool: ActionSet[] = [];
  let used = 0;
  const fresh = (): ActionSet => {
    if (used === pool.length) pool = scratchSets(BLOCK_SCRATCH, universe, Math.max(16, pool.length * 2));
    return pool[used++]!;
  };
  const all = fresh().clear();
  for (const m of maybe) all.addAll(m.actions);
  const first: Block = { actions: all, ...spanOf(all.words, 0, all.words.length), signatures: [] };
  let blocks: Block[] = first.lo < first.hi ? [first] : [];
  for (const m of maybe) {
    const mw = m.actions.words;
    const { lo: mlo, hi: mhi } = spanOf(mw, 0, mw.length);
    const next: Block[] = [];
    for (const b of blocks) {
      const bw = b.actions.words;
      const lo = Math.max(b.lo, mlo);
      const hi = Math.min(b.hi, mhi);
      let shared = false;
      for (let i = lo; i < hi; i++) {
        if ((bw[i]! & mw[i]!) !== 0) {
          shared = true;
          break;
        }
      }
      if (!shared) {
        next.push(b);
        continue;
      }
      const signatures = b.signatures.includes(m.signature) ? b.signatures : [...b.signatures, m.signature];
      let within = true;
      for (let i = b.lo; i < b.hi; i++) {
        if ((bw[i]! & ~mw[i]!) !== 0) {
          within = false;
          break;
        }
      }
      if (within) {
        next.push({ ...b, signatures });
        continue;
      }
      const inside = fresh();
      const iw = inside.words;
      for (let i = lo; i < hi; i++) {
        iw[i] = bw[i]! & mw[i]!;
        bw[i]! &= ~mw[i]!;
      }
      next.push({ actions: inside, ...spanOf(iw, lo, hi), signatures });
      next.push({ actions: b.actions, ...spanOf(bw, b.lo, b.hi), signatures: b.signatures });
    }
    blocks = next;
  }
  return blocks.map((b) => ({ actions: PackedActionSet.of(b.actions, b.lo, b.hi), signatures: b.signatures.sort() }));
}

/** The narrowest [lo, hi) within [from, to) outside which `words` are zero. */
function spanOf(words: Uint32Array, from: number, to: number): { lo: number; hi: number } {
  let lo = from;
  let hi = to;
  while (lo < hi && words[lo] === 0) lo++;
  while (hi > lo && words[hi - 1] === 0) hi--;
  return { lo, hi };
}
