/**
 * A plain-text table: columns padded to their widest cell, two spaces apart. Given a width (a
 * terminal's columns), the widest columns give way first, down to their header's width (and never below
 * MIN_COLUMN), and a cell longer than its column is cut with `...`: a line that wraps on a terminal is
 * harder to read than one cut. Without a width (a pipe, a file, a CI log) nothing is cut.
 */

/** Characters a column keeps at least, whatever the width. */
export const MIN_COLUMN = 8;
const GAP = '  ';
const CUT = '...';

export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], width?: number): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  if (width !== undefined && width > 0) fit(widths, header, width);
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? cut(c, widths[i]!) : cut(c, widths[i]!).padEnd(widths[i]!))).join(GAP);
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The table as one text, each line ended. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], width?: number): string {
  return renderTable(header, rows, width).map((l) => l + '\n').join('');
}

/** Narrows the widest columns, one character at a time, until the lines fit or every column is at its floor. */
function fit(widths: number[], header: readonly string[], width: number): void {
  const floor = header.map((h) => Math.max(MIN_COLUMN, Math.min(h.length, MIN_COLUMN * 2)));
  let excess = widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1) - width;
  while (excess > 0) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++) if (widths[i]! > floor[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) return;
    widths[widest]!--;
    excess--;
  }
}

function cut(cell: string, width: number): string {
  return cell.length <= width ? cell : `${cell.slice(0, Math.max(0, width - CUT.length))}${CUT}`;
}
