/**
 * How deeply a JSON text nests, found by scanning it (strings skipped) before anything parses it: a
 * recursive parser, and any recursive walk of what it returns, would overflow the stack on a hostile
 * file made of 100,000 `[`. A reader that knows how deep its format goes refuses anything deeper.
 */

/** The offset of the first `[` or `{` nested deeper than `max` levels, or undefined when none is. */
export function jsonNestingOver(text: string, max: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, over escapes.
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}
