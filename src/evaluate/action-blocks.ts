/**
 * The blocks of a classification (partial.ts classifyActions): the actions some statement may deny,
 * split by which of those statements may deny them. Partition refinement: a block a statement covers
 * whole, or misses, stays as it is; one it splits becomes the part inside (a set of its own), then the
 * part outside (the block's set, narrowed).
 *
 * A chain's statements are refined level by level from the blocks of the levels above (`before`), so
 * that chains sharing their upper levels (every chain shares the root's) refine those once: the blocks
 * of the levels above cover the actions their statements may deny, the actions only the new level's
 * statements may deny follow as one more block, and refining that list by the new statements gives
 * what refining all the actions by all the statements in order gives, blocks and order alike.
 *
 * Each block is worked on only over its span, the words of the bitset its actions sit in: actions are
 * numbered service by service, so a block of a few dozen actions spans a few words of the universe's
 * hundreds. The sets are scratch sets while blocks split, whose words outside a block's span are left
 * over from other calls; the blocks kept are packed from their spans.
 */
import { PackedActionSet, scratchSets, type ActionSet } from '../reference/index.js';

/** A statement that may deny some actions, named by its signature. */
export interface MaybeDenied {
  actions: ActionSet;
  signature: string;
}

/** Actions the same statements may deny; `signatures` in the order the statements came (classifyActions sorts them). */
export interface ActionBlock {
  actions: PackedActionSet;
  signatures: string[];
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

/** The blocks of `before`'s actions and `maybe`'s, refined by `maybe`'s statements. */
export function refineBlocks(before: readonly ActionBlock[], maybe: readonly MaybeDenied[], universe: ActionSet): ActionBlock[] {
  if (!maybe.length) return [...before];
  let pool: ActionSet[] = [];
  let used = 0;
  const fresh = (): ActionSet => {
    if (used === pool.length) pool = scratchSets(BLOCK_SCRATCH, universe, Math.max(16, pool.length * 2));
    return pool[used++]!;
  };
  let blocks: Block[] = before.map((b) => {
    const actions = fresh();
    b.actions.writeInto(actions);
    const { lo, hi } = b.actions.span;
    return block(actions, lo, hi, b.signatures);
  });
  const added = fresh().clear();
  for (const m of maybe) added.addAll(m.actions);
  for (const b of before) b.actions.removeFrom(added);
  const last = spanned(added, 0, added.words.length, []);
  if (last.lo < last.hi) blocks.push(last);
  for (const m of maybe) {
    const mw = m.actions.words;
    let mlo = 0;
    let mhi = mw.length;
    while (mlo < mhi && mw[mlo] === 0) mlo++;
    while (mhi > mlo && mw[mhi - 1] === 0) mhi--;
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
        next.push(block(b.actions, b.lo, b.hi, signatures));
        continue;
      }
      const inside = fresh();
      const iw = inside.words;
      for (let i = lo; i < hi; i++) {
        iw[i] = bw[i]! & mw[i]!;
        bw[i]! &= ~mw[i]!;
      }
      next.push(spanned(inside, lo, hi, signatures));
      next.push(spanned(b.actions, b.lo, b.hi, b.signatures));
    }
    blocks = next;
  }
  return blocks.map((b) => ({ actions: PackedActionSet.of(b.actions, b.lo, b.hi), signatures: b.signatures }));
}

/** Every block made the same way (one shape for the engine's optimized code). */
function block(actions: ActionSet, lo: number, hi: number, signatures: string[]): Block {
  return { actions, lo, hi, signatures };
}

/** A block of the actions of `actions` in [from, to), spanning the narrowest range outside which its words are zero. */
function spanned(actions: ActionSet, from: number, to: number, signatures: string[]): Block {
  const words = actions.words;
  let lo = from;
  let hi = to;
  while (lo < hi && words[lo] === 0) lo++;
  while (hi > lo && words[hi - 1] === 0) hi--;
  return block(actions, lo, hi, signatures);
}
