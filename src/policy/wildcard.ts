/**
 * IAM's wildcards, `*` (any run of characters, none included) and `?` (exactly one), matched without
 * regular expressions: a backtracking engine takes exponential time on patterns like
 * `*?*?*?*?*?*?*?*?Z`, and patterns come from pull requests. Every caller that matches a wildcard
 * (action patterns against the reference, Resource ARNs, StringLike, ArnLike) goes through here.
 *
 * The pattern is cut at each `*` into pieces of fixed length (characters and `?`). The first piece is
 * anchored at the start of the value, the last at its end, and each piece in between is taken at its
 * leftmost place after the previous one: taking a piece as early as possible never loses a match,
 * since it leaves the most room for the rest. Each piece scans the value at most once, so a test costs
 * O(value length x pattern length) at worst and about O(value length) on real patterns; a pattern
 * longer (without its stars) than the value is refused at once.
 *
 * `?` stands for one UTF-16 code unit, as the regular expressions this replaces did. Case-insensitive
 * matching folds each code unit on its own (foldCase), comparing in place: folding every value first
 * would allocate a string per test, which was most of the cost of matching a pattern against the
 * 22,000 names of the reference.
 */

export type WildcardTest = (value: string) => boolean;

export interface WildcardOptions {
  /** Compare case-insensitively (action names and service prefixes); else exactly (StringLike, ARNs). */
  ignoreCase?: boolean;
  /**
   * The characters a literal run of the pattern stands for, when the caller escapes wildcards with
   * stand-ins (policy variables' `${*}` and `${?}`): applied to the text between wildcards only.
   */
  literal?: (text: string) => string;
}

/** A run of the pattern between two `*`: its characters (folded when matching ignores case), and its `?`. */
interface Piece {
  text: string;
  /** Positions of `?` in `text`; undefined when it has none. */
  holes: Uint8Array | undefined;
  /** The first run of characters without `?` (an anchor to look for), and where it starts. */
  anchor: string;
  anchorAt: number;
}

/** How a value is compared with a piece: exactly (with indexOf) or folding each code unit. */
interface Comparison {
  matchesAt(v: string, at: number, piece: Piece): boolean;
  /** The first position >= from where `anchor` occurs in `v`, or -1. */
  find(v: string, anchor: string, from: number): number;
}

const identity = (s: string) => s;

export function wildcardTest(pattern: string, options: WildcardOptions = {}): WildcardTest {
  const fold = options.ignoreCase ? foldCase : identity;
  const compare = options.ignoreCase ? FOLDED : EXACT;
  const literal = options.literal ?? identity;
  const pieces = pattern.split('*').map((text) => pieceOf(text, (s) => fold(literal(s))));
  if (pieces.length === 1) {
    const only = pieces[0]!;
    return (v) => v.length === only.text.length && compare.matchesAt(v, 0, only);
  }
  const head = pieces[0]!;
  const tail = pieces[pieces.length - 1]!;
  const middle = pieces.slice(1, -1).filter((p) => p.text.length > 0);
  const minLength = pieces.reduce((n, p) => n + p.text.length, 0);
  return (v) => {
    if (v.length < minLength) return false;
    const end = v.length - tail.text.length;
    if (!compare.matchesAt(v, 0, head) || !compare.matchesAt(v, end, tail)) return false;
    let at = head.text.length;
    for (const piece of middle) {
      const found = leftmost(compare, v, piece, at, end);
      if (found < 0) return false;
      at = found + piece.text.length;
    }
    return true;
  };
}

/**
 * Case folding that keeps positions: each UTF-16 code unit on its own, lower-cased when that gives one
 * code unit (ASCII, which is what action names are, takes the fast path).
 */
export function foldCase(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 0x80;
  if (ascii) return s.toLowerCase();
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(foldUnit(s.charCodeAt(i)));
  return out;
}

/** Folded non-ASCII code units, as found (at most one entry per code unit). */
const FOLDED_UNITS = new Map<number, number>();

function foldUnit(c: number): number {
  if (c < 0x80) return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  let folded = FOLDED_UNITS.get(c);
  if (folded === undefined) {
    const lower = String.fromCharCode(c).toLowerCase();
    folded = lower.length === 1 ? lower.charCodeAt(0) : c;
    FOLDED_UNITS.set(c, folded);
  }
  return folded;
}

const EXACT: Comparison = {
  matchesAt(v, at, { text, holes }) {
    if (!holes) return v.startsWith(text, at);
    for (let j = 0; j < text.length; j++) {
      if (holes[j] === 0 && v.charCodeAt(at + j) !== text.charCodeAt(j)) return false;
    }
    return true;
  },
  find: (v, anchor, from) => v.indexOf(anchor, from),
};

const FOLDED: Comparison = {
  matchesAt(v, at, { text, holes }) {
    for (let j = 0; j < text.length; j++) {
      if ((!holes || holes[j] === 0) && foldUnit(v.charCodeAt(at + j)) !== text.charCodeAt(j)) return false;
    }
    return true;
  },
  find(v, anchor, from) {
    const first = anchor.charCodeAt(0);
    const last = v.length - anchor.length;
    for (let i = from; i <= last; i++) {
      if (foldUnit(v.charCodeAt(i)) !== first) continue;
      let j = 1;
      while (j < anchor.length && foldUnit(v.charCodeAt(i + j)) === anchor.charCodeAt(j)) j++;
      if (j === anchor.length) return i;
    }
    return -1;
  },
};

function pieceOf(text: string, literal: (s: string) => string): Piece {
  if (!text.includes('?')) {
    const t = literal(text);
    return { text: t, holes: undefined, anchor: t, anchorAt: 0 };
  }
  let joined = '';
  const holeAt: number[] = [];
  let anchor = '';
  let anchorAt = -1;
  text.split('?').forEach((run, k) => {
    if (k > 0) {
      holeAt.push(joined.length);
      joined += '?';
    }
    const chars = literal(run);
    if (anchorAt < 0 && chars.length > 0) {
      anchor = chars;
      anchorAt = joined.length;
    }
    joined += chars;
  });
  const holes = new Uint8Array(joined.length);
  for (const h of holeAt) holes[h] = 1;
  return { text: joined, holes, anchor, anchorAt: Math.max(anchorAt, 0) };
}

/**
 * The first position in [from, end - length] where `piece` matches, or -1. Only places where its
 * anchor occurs are tried, each found after the last, so the value is scanned once per piece.
 */
function leftmost(compare: Comparison, v: string, piece: Piece, from: number, end: number): number {
  const last = end - piece.text.length;
  if (from > last) return -1;
  if (piece.anchor.length === 0) return from;
  for (let i = from; i <= last; i++) {
    const k = compare.find(v, piece.anchor, i + piece.anchorAt);
    if (k < 0 || k - piece.anchorAt > last) return -1;
    i = k - piece.anchorAt;
    if (piece.text === piece.anchor || compare.matchesAt(v, i, piece)) return i;
  }
  return -1;
}
