/**
 * Building blocks of a GitHub comment that must stay whole: a table whose every row has its header's
 * cells (a row with one cell more or less renders as a paragraph of pipes, or loses a cell), and the
 * fitting of a comment into a length limit by giving up whole sections, least important first, never
 * part of a table, a fence or a `<details>`.
 *
 * Tables are built here rather than with a markdown library: the libraries that write GFM tables
 * (markdown-table and the like) join and pad the cells they are given, and leave the escaping to the
 * caller, which is the part that matters here (escape.ts: no cell may split, link, mention or open
 * HTML); what is left is a join and a count check.
 */

/** A GFM table; every cell must already be escaped (escape.ts). Throws when a row's cells do not match the header's. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  for (const r of rows) if (r.length !== header.length) throw new Error(`table row of ${r.length} cells under a header of ${header.length}`);
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\n/g, ' ')).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)];
}

/** A `<details>` block: `summary` is escaped text, `body` markdown lines. */
export function markdownDetails(summary: string, body: readonly string[]): string[] {
  return [`<details><summary>${summary}</summary>`, '', ...body, '', '</details>', ''];
}

/**
 * A part of the comment with the renderings it can shrink to, largest first; the last may be empty.
 * `cut` says in a few words what the smaller renderings leave out.
 */
export interface CommentSection {
  /** Higher is given up first. */
  expendable: number;
  renderings: string[][];
  cut: string;
}

export interface FittedComment {
  text: string;
  /** What was left out, per section shrunk. */
  cut: string[];
}

/**
 * The sections joined, shrunk until the text fits `maxLength` (0: no limit): each step shrinks the most
 * expendable section that can still shrink. `note` writes the lines that say what was cut, at the end,
 * where a reader looks for the rest. A text still too long once nothing can shrink is returned as it is.
 */
export function fitComment(sections: readonly CommentSection[], maxLength: number, note: (cut: readonly string[]) => string[]): FittedComment {
  const level = sections.map(() => 0);
  const render = (cut: readonly string[]) => [...sections.flatMap((s, i) => s.renderings[level[i]!]!), ...(cut.length ? note(cut) : [])].join('\n') + '\n';
  const cutOf = () => sections.filter((s, i) => level[i]! > 0).map((s) => s.cut);
  let text = render([]);
  while (maxLength > 0 && text.length > maxLength) {
    const order = sections.map((s, i) => i).filter((i) => level[i]! < sections[i]!.renderings.length - 1).sort((a, b) => sections[b]!.expendable - sections[a]!.expendable);
    if (!order.length) break;
    level[order[0]!]!++;
    text = render(cutOf());
  }
  return { text, cut: cutOf() };
}
