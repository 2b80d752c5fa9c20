/**
 * "Did you mean" suggestions. An unknown name is never silently dropped; it is reported with the
 * closest real names so that a typo costs one look, not a search through AWS documentation.
 */

/** Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring). */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const n = b.length;
  let prev2 = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n]!;
}

/**
 * Up to `max` candidates closest to `wanted`, compared case-insensitively. A candidate qualifies when
 * its edit distance is small relative to the name's length (at most 1 for names of 3 characters or
 * fewer), or when one name contains the other
 * (`ListGroupForUsers` -> `ListGroupsForUser` is distance 2; `Invoke` is inside `InvokeModel`).
 */
export function closestNames(wanted: string, candidates: Iterable<string>, max = 3): string[] {
  const w = wanted.toLowerCase();
  // Two edits turn a short name into almost any other (s4 -> q, ce): only one is a likely typo.
  const limit = w.length <= 3 ? 1 : Math.max(2, Math.floor(w.length / 3));
  const scored: { name: string; score: number }[] = [];
  for (const c of candidates) {
    const l = c.toLowerCase();
    const d = editDistance(w, l, limit);
    if (d <= limit) scored.push({ name: c, score: d });
    else if (w.length >= 4 && (l.includes(w) || w.includes(l)) && l.length >= 3) scored.push({ name: c, score: limit + 1 + Math.abs(l.length - w.length) / 100 });
  }
  scored.sort((x, y) => x.score - y.score || x.name.length - y.name.length || (x.name < y.name ? -1 : 1));
  return scored.slice(0, max).map((s) => s.name);
}

export function didYouMean(names: readonly string[]): string | undefined {
  if (names.length === 0) return undefined;
  return `did you mean ${names.map((n) => `'${n}'`).join(', ')}?`;
}
