/**
 * First-fit decreasing: items (by size, largest first) go into the first bin with room. Within a bin,
 * items keep their original order so that reviewers see statements in the order they were written.
 */
export function binPack(sizes: readonly number[], capacity: number, overheadPerBin: number, separator = 1): number[][] {
  const order = sizes.map((s, i) => i).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  const bins: { items: number[]; used: number }[] = [];
  for (const i of order) {
    const size = sizes[i]!;
    const bin = bins.find((b) => b.used + separator + size <= capacity);
    if (bin) {
      bin.items.push(i);
      bin.used += separator + size;
    } else {
      bins.push({ items: [i], used: overheadPerBin + size });
    }
  }
  return bins.map((b) => b.items.sort((x, y) => x - y));
}

/** Characters of `{"Version":"2012-10-17","Statement":[` + `]}` around the statements. */
export const POLICY_OVERHEAD = '{"Version":"2012-10-17","Statement":[]}'.length;
