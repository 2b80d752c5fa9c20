/**
 * Candidate wildcard patterns for one service's share of an action list: every pattern is "pure" (all
 * the service's actions it matches, case-insensitively, are wanted), so any choice of them is exact
 * within the reference. Shapes, with P a prefix, S a suffix and I, A, B infixes taken from the wanted
 * names as arbitrary substrings (not only CamelCase words):
 *
 *   P*      *S      *I*      P*S      P*I*      *I*S      P*I*S      *A*B*      one `?`
 *
 * Only minimal patterns are kept: a pattern is dropped when shortening one of its segments by a
 * character (or dropping a one-character segment) leaves it pure, since that shorter pattern matches
 * at least as much for fewer characters. Segments come from each name that still has to be covered;
 * a test looks at the names holding its rarest segment, or intersects bitsets when every segment is
 * common, and checks real matches (order, anchoring) only for the names that survive.
 */

/**
 * Longest infix indexed (and used). The substring index is most of a service's set-up cost; on the
 * pre-processor's example 8 finds the same covers as 12 in half the time (longer infixes are rarely
 * cheaper than a prefix, a suffix or two shorter infixes).
 */
const MAX_INFIX = 8;
/** Longest prefix or suffix indexed (and used). */
const MAX_AFFIX = 32;
/**
 * Longest segment in the shapes with two or three segments, whose count grows with the cube of a
 * name's length. The characters they save come from short segments (`*Vpn*nt`, `*te*Tra*`): on the
 * pre-processor's example, 4 finds the same cover as 6 or 10, and 3 loses 7 characters.
 */
const MAX_SEGMENT_IN_COMBINATIONS = 4;
/** A segment held by at most this many names is tested by scanning them; else through bitsets. */
const SCAN_LIMIT = 48;

export interface PatternCandidate {
  /** The part after `service:`, in the casing of the name it was derived from. */
  text: string;
  /** Indexes (into the service's names) of the wanted actions it matches. */
  cover: number[];
  /**
   * Segment cuts that do not fall on a CamelCase word boundary. On equal characters the solver prefers
   * fewer: `*Policy` is more likely than `*olicy` to match only what its name says as AWS adds actions.
   */
  offWord: number;
}

type SegmentKind = 'prefix' | 'suffix' | 'infix';

/** The names holding one segment, as a sorted list and (for common segments) a bitset. */
interface Holders {
  key: string;
  list: readonly number[];
  mask: Uint32Array | undefined;
}

/** Per service: its names, lower-cased, with indexes of prefixes, suffixes and substrings. */
export class NameIndex {
  readonly lower: string[];
  readonly words: number;
  private readonly lists = { prefix: new Map<string, number[]>(), suffix: new Map<string, number[]>(), infix: new Map<string, number[]>() };
  private readonly holders = { prefix: new Map<string, Holders>(), suffix: new Map<string, Holders>(), infix: new Map<string, Holders>() };

  constructor(readonly names: readonly string[]) {
    this.lower = names.map((n) => n.toLowerCase());
    this.words = (names.length + 31) >>> 5;
    const { prefix, suffix, infix } = this.lists;
    this.lower.forEach((l, i) => {
      for (let k = 1; k <= Math.min(l.length, MAX_AFFIX); k++) {
        push(prefix, l.slice(0, k), i);
        push(suffix, l.slice(l.length - k), i);
      }
      for (let a = 0; a < l.length; a++) {
        for (let b = a + 1; b <= Math.min(l.length, a + MAX_INFIX); b++) {
          const key = l.slice(a, b);
          const list = infix.get(key);
          if (!list) infix.set(key, [i]);
          else if (list[list.length - 1] !== i) list.push(i);
        }
      }
    });
  }

  /** Who holds a segment; undefined when it is longer than what is indexed. */
  holdersOf(kind: SegmentKind, key: string): Holders | undefined {
    if (key.length > (kind === 'infix' ? MAX_INFIX : MAX_AFFIX)) return undefined;
    const known = this.holders[kind].get(key);
    if (known) return known;
    const list = this.lists[kind].get(key) ?? EMPTY;
    let mask: Uint32Array | undefined;
    if (list.length > SCAN_LIMIT) {
      mask = new Uint32Array(this.words);
      for (const i of list) mask[i >>> 5]! |= 1 << (i & 31);
    }
    const h = { key, list, mask };
    this.holders[kind].set(key, h);
    return h;
  }
}

const EMPTY: readonly number[] = [];

function push(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (list) list.push(i);
  else map.set(key, [i]);
}

/** Lower-case `P*A*B*S` matching (IAM's glob restricted to these shapes; empty segments are absent). */
function matches(name: string, prefix: string, a: string, b: string, suffix: string): boolean {
  if (name.length < prefix.length + a.length + b.length + suffix.length) return false;
  if (prefix && !name.startsWith(prefix)) return false;
  if (suffix && !name.endsWith(suffix)) return false;
  const end = name.length - suffix.length;
  let at = prefix.length;
  if (a) {
    const found = name.indexOf(a, at);
    if (found < 0 || found + a.length > end) return false;
    at = found + a.length;
  }
  if (b) {
    const found = name.indexOf(b, at);
    if (found < 0 || found + b.length > end) return false;
  }
  return true;
}

export interface GenerateOptions {
  /** The names still to cover: patterns are derived from them. */
  required: readonly number[];
  want: readonly boolean[];
  /**
   * Tests left for the shapes of two or three segments, shared by the caller across services; when it
   * runs out, the remaining names get single-segment shapes only (still exact, maybe longer).
   */
  budget?: { tests: number };
}

export interface Generated {
  candidates: PatternCandidate[];
  /** False when the budget ran out: the candidates are fewer than the shapes allow. */
  complete: boolean;
}

export function generatePatternCandidates(index: NameIndex, options: GenerateOptions): Generated {
  const { lower, names } = index;
  const n = lower.length;
  const { want } = options;
  const out: PatternCandidate[] = [];
  const emitted = new Set<string>();
  const budget = options.budget ?? { tests: Infinity };
  let complete = true;
  const unwanted = new Uint32Array(index.words);
  for (let i = 0; i < n; i++) if (!want[i]) unwanted[i >>> 5]! |= 1 << (i & 31);
  const words = index.words;
  /** An absent segment: matches every name. */
  const NONE: Holders = { key: '', list: EMPTY, mask: undefined };
  const ALL = new Uint32Array(words).fill(0xffffffff);

  let calls = 0;
  for (const w of options.required) {
    const l = lower[w]!;
    const L = l.length;
    // Holders of every prefix, suffix and infix of this name, looked up once.
    const pre: (Holders | undefined)[] = [undefined];
    const suf: (Holders | undefined)[] = [undefined];
    for (let k = 1; k <= L; k++) {
      pre.push(index.holdersOf('prefix', l.slice(0, k)));
      suf.push(index.holdersOf('suffix', l.slice(L - k)));
    }
    const inf: (Holders | undefined)[][] = [];
    for (let i = 0; i < L; i++) {
      const row: (Holders | undefined)[] = [];
      for (let j = i + 1; j <= Math.min(L, i + MAX_INFIX); j++) row.push(index.holdersOf('infix', l.slice(i, j)));
      inf.push(row);
    }
    const infix = (i: number, j: number) => inf[i]![j - i - 1];

    /**
     * Whether `P*A*B*S` (p, q: lengths of this name's prefix and suffix; mids: start/end pairs of at
     * most two infixes) is pure: it matches no unwanted name. Segments too long to be indexed count
     * as impure.
     */
    const pure = (p: number, mids: readonly number[], q: number): boolean => {
      calls++;
      const hp = p ? pre[p] : NONE;
      const hq = q ? suf[q] : NONE;
      const ha = mids.length > 0 ? infix(mids[0]!, mids[1]!) : NONE;
      const hb = mids.length > 2 ? infix(mids[2]!, mids[3]!) : NONE;
      if (!hp || !hq || !ha || !hb || (!p && !q && !mids.length)) return false;
      let rarest = p ? hp : q ? hq : ha;
      if (q && hq.list.length < rarest.list.length) rarest = hq;
      if (ha !== NONE && ha.list.length < rarest.list.length) rarest = ha;
      if (hb !== NONE && hb.list.length < rarest.list.length) rarest = hb;
      if (!rarest.mask) {
        for (const i of rarest.list) if (!want[i] && matches(lower[i]!, hp.key, ha.key, hb.key, hq.key)) return false;
        return true;
      }
      const mp = hp.mask ?? ALL;
      const mq = hq.mask ?? ALL;
      const ma = ha.mask ?? ALL;
      const mb = hb.mask ?? ALL;
      for (let k = 0; k < words; k++) {
        let bits = unwanted[k]! & mp[k]! & mq[k]! & ma[k]! & mb[k]!;
        while (bits) {
          const low = bits & -bits;
          const i = (k << 5) + 31 - Math.clz32(low);
          if (matches(lower[i]!, hp.key, ha.key, hb.key, hq.key)) return false;
          bits ^= low;
        }
      }
      return true;
    };
    /** The wanted names a pure pattern matches. */
    const coverOf = (p: number, mids: readonly number[], q: number): number[] => {
      const hp = p ? pre[p]! : NONE;
      const hq = q ? suf[q]! : NONE;
      const ha = mids.length > 0 ? infix(mids[0]!, mids[1]!)! : NONE;
      const hb = mids.length > 2 ? infix(mids[2]!, mids[3]!)! : NONE;
      let rarest: Holders | undefined;
      for (const h of [hp, hq, ha, hb]) if (h !== NONE && (!rarest || h.list.length < rarest.list.length)) rarest = h;
      const cover: number[] = [];
      for (const i of rarest?.list ?? lower.keys()) if (want[i] && matches(lower[i]!, hp.key, ha.key, hb.key, hq.key)) cover.push(i);
      return cover;
    };
    /**
     * Keeps a pure pattern unless a one-character-shorter one is pure too (it would dominate). The
     * enumeration below already grows each segment only until the pattern is pure; this also checks
     * the other end of each infix and the dropping of one-character segments.
     */
    const emit = (p: number, mids: number[], q: number) => {
      if (p > 0 && pure(p - 1, mids, q)) return;
      if (q > 0 && pure(p, mids, q - 1)) return;
      for (let k = 0; k < mids.length; k += 2) {
        const [a, b] = [mids[k]!, mids[k + 1]!];
        const shorter = b - a === 1 ? [...mids.slice(0, k), ...mids.slice(k + 2)] : null;
        if (shorter) {
          if ((p || q || shorter.length) && pure(p, shorter, q)) return;
          continue;
        }
        if (pure(p, [...mids.slice(0, k), a + 1, b, ...mids.slice(k + 2)], q)) return;
        if (pure(p, [...mids.slice(0, k), a, b - 1, ...mids.slice(k + 2)], q)) return;
      }
      let key = `${l.slice(0, p)}*`;
      for (let k = 0; k < mids.length; k += 2) key += `${l.slice(mids[k]!, mids[k + 1]!)}*`;
      key += l.slice(L - q);
      if (emitted.has(key)) return;
      emitted.add(key);
      const name = names[w]!;
      // The pattern in the casing of the name it came from: positions map one to one.
      let text = `${name.slice(0, p)}*`;
      for (let k = 0; k < mids.length; k += 2) text += `${name.slice(mids[k]!, mids[k + 1]!)}*`;
      text += name.slice(L - q);
      let offWord = 0;
      for (const cut of [p, ...mids, L - q]) if (!isWordBoundary(name, cut)) offWord++;
      const cover = coverOf(p, mids, q);
      if (cover.length) out.push({ text, cover, offWord });
    };

    // P* and *S: the shortest pure ones; nothing longer, and no other shape starting (ending) with them.
    let pureP = L;
    for (let p = 1; p < L; p++) {
      if (pure(p, [], 0)) {
        emit(p, [], 0);
        pureP = p;
        break;
      }
    }
    let pureS = L;
    for (let q = 1; q < L; q++) {
      if (pure(0, [], q)) {
        emit(0, [], q);
        pureS = q;
        break;
      }
    }
    // *I*: from each start, the shortest pure infix; shapes holding it, or a longer one, are dominated.
    const pureEnd: number[] = [];
    for (let i = 0; i < L; i++) {
      pureEnd.push(L + 1);
      for (let j = i + 1; j <= Math.min(L, i + MAX_INFIX); j++) {
        if (pure(0, [i, j], 0)) {
          emit(0, [i, j], 0);
          pureEnd[i] = j;
          break;
        }
      }
    }
    const maxP = Math.min(pureP - 1, MAX_AFFIX);
    const maxS = Math.min(pureS - 1, MAX_AFFIX);
    // P*S: for each prefix, the shortest suffix that makes it pure.
    const pureWithSuffix: number[] = [0];
    for (let p = 1; p <= maxP; p++) {
      pureWithSuffix.push(L);
      for (let q = 1; q <= maxS && p + q < L; q++) {
        if (pure(p, [], q)) {
          emit(p, [], q);
          pureWithSuffix[p] = q;
          break;
        }
      }
    }
    if (budget.tests <= 0) {
      complete = false;
      continue;
    }
    const before = calls;
    // P*I*, *I*S, P*I*S: one infix after an impure prefix and/or before an impure suffix.
    const maxPc = Math.min(maxP, MAX_SEGMENT_IN_COMBINATIONS);
    const maxSc = Math.min(maxS, MAX_SEGMENT_IN_COMBINATIONS);
    for (let p = 0; p <= maxPc; p++) {
      const qLimit = p === 0 ? maxSc : Math.min(maxSc, pureWithSuffix[p]! - 1);
      for (let q = 0; q <= qLimit; q++) {
        if (p === 0 && q === 0) continue;
        for (let i = p; i < L - q; i++) {
          const end = Math.min(L - q, pureEnd[i]! - 1, i + MAX_SEGMENT_IN_COMBINATIONS);
          for (let j = i + 1; j <= end; j++) {
            if (pure(p, [i, j], q)) {
              emit(p, [i, j], q);
              break;
            }
          }
        }
      }
    }
    // *A*B*: two infixes, each impure alone.
    for (let i = 0; i < L; i++) {
      const endA = Math.min(L, pureEnd[i]! - 1, i + MAX_SEGMENT_IN_COMBINATIONS);
      for (let j = i + 1; j <= endA; j++) {
        for (let k = j; k < L; k++) {
          const endB = Math.min(L, pureEnd[k]! - 1, k + MAX_SEGMENT_IN_COMBINATIONS);
          for (let m = k + 1; m <= endB; m++) {
            if (pure(0, [i, j, k, m], 0)) {
              emit(0, [i, j, k, m], 0);
              break;
            }
          }
        }
      }
    }
    budget.tests -= calls - before;
  }

  // One `?`: wanted names of equal length that differ in one letter, for the characters of one.
  const byMask = new Map<string, number[]>();
  for (const w of options.required) {
    const l = lower[w]!;
    for (let p = 0; p < l.length; p++) push(byMask, `${l.slice(0, p)}?${l.slice(p + 1)}`, w);
  }
  for (const [mask, members] of byMask) {
    if (members.length < 2) continue;
    const at = mask.indexOf('?');
    const head = mask.slice(0, at);
    const tail = mask.slice(at + 1);
    const pool = (head ? index.holdersOf('prefix', head)?.list : tail ? index.holdersOf('suffix', tail)?.list : undefined) ?? [...lower.keys()];
    const cover: number[] = [];
    let isPure = true;
    for (const i of pool) {
      const l = lower[i]!;
      if (l.length !== mask.length || !l.startsWith(head) || !l.endsWith(tail)) continue;
      if (!want[i]) {
        isPure = false;
        break;
      }
      cover.push(i);
    }
    if (!isPure) continue;
    const name = names[members[0]!]!;
    out.push({ text: `${name.slice(0, at)}?${name.slice(at + 1)}`, cover, offWord: 2 });
  }
  return { candidates: out, complete };
}

/** A cut before position `at` of a CamelCase name falls between words (or at either end). */
function isWordBoundary(name: string, at: number): boolean {
  if (at <= 0 || at >= name.length) return true;
  const next = name[at]!;
  const prev = name[at - 1]!;
  const upper = (c: string) => c >= 'A' && c <= 'Z';
  const digit = (c: string) => c >= '0' && c <= '9';
  return (upper(next) && !upper(prev)) || (upper(next) && at + 1 < name.length && !upper(name[at + 1]!) && !digit(name[at + 1]!)) || digit(next) !== digit(prev);
}
