/**
 * Human-readable rendering of diagnostics: `file:line:col: error CODE: message`, the line, a caret, a hint.
 *
 * What is printed is bounded whatever the input: a line is shown as an excerpt around the column, a
 * message and a hint are clipped, and at most a few diagnostics of each code are printed (the rest are
 * counted). One 75 KB line with 3,000 unknown actions once printed the whole line and a padded caret
 * per diagnostic: 338 MB of stderr. Everything quoted from the input is inert (no escape sequence).
 */
import * as path from 'node:path';
import { clip, inertLine, type Diagnostic } from '../diagnostics/index.js';
import { formatCount } from '../report/format.js';
import { writeStyled, type Output, type Style } from './io.js';

export interface SourceTexts {
  get(file: string): string | undefined;
}

/** The lines of each file, split once however many diagnostics point into it. */
export class SourceLines {
  private readonly split = new Map<string, string[] | undefined>();

  constructor(private readonly texts: SourceTexts) {}

  line(file: string, n: number): string | undefined {
    if (!this.split.has(file)) this.split.set(file, this.texts.get(file)?.split(/\r?\n/));
    return this.split.get(file)?.[n - 1];
  }
}

/** Columns of a source line shown around the column a diagnostic points at. */
export const EXCERPT_WIDTH = 120;
/** Characters of a message and of a hint; the rest is counted. */
const MESSAGE_MAX = 1000;
const HINT_MAX = 500;

/** Text, or text in a style of the CLI's own (the severity of a diagnostic: errors red, warnings yellow). */
export type Span = string | { text: string; style: Style };

export function spansText(spans: readonly Span[]): string {
  return spans.map((s) => (typeof s === 'string' ? s : s.text)).join('');
}

export function formatDiagnostic(d: Diagnostic, sources: SourceTexts | SourceLines, cwd: string): string {
  return spansText(diagnosticSpans(d, sources, cwd));
}

/** formatDiagnostic, with the severity as a styled span. */
export function diagnosticSpans(d: Diagnostic, sources: SourceTexts | SourceLines, cwd: string): Span[] {
  const lines = sources instanceof SourceLines ? sources : new SourceLines(sources);
  const loc = d.location;
  const where = loc ? `${inertLine(displayPath(loc.file, cwd))}:${loc.line}:${loc.col}: ` : '';
  const spans: Span[] = [where, { text: d.severity, style: d.severity }];
  let out = ` ${d.code}: ${clip(inertLine(d.message), MESSAGE_MAX)}\n`;
  if (loc) {
    const line = lines.line(loc.file, loc.line);
    if (line !== undefined) {
      const { text, caret } = excerpt(line, loc.col);
      const gutter = String(loc.line).padStart(4);
      out += `${gutter} | ${text}\n`;
      out += `${' '.repeat(gutter.length)} | ${' '.repeat(caret)}^\n`;
    }
  }
  if (d.hint) out += `  hint: ${clip(inertLine(d.hint), HINT_MAX)}\n`;
  spans.push(out);
  return spans;
}

/**
 * At most `width` characters of `line` around the 1-based column `col`, marked with `...` where cut,
 * shown inert (a control character as its escape, a tab as a space), and where the caret goes under it.
 */
export function excerpt(line: string, col: number, width = EXCERPT_WIDTH): { text: string; caret: number } {
  const at = Math.min(Math.max(0, col - 1), line.length);
  let start = 0;
  let end = line.length;
  if (line.length > width) {
    start = Math.max(0, Math.min(at - Math.floor(width / 2), line.length - width));
    end = start + width;
    // Never cut a surrogate pair in two: half a character prints as a replacement character.
    if (start > 0 && isLowSurrogate(line.charCodeAt(start))) start++;
    if (end < line.length && isLowSurrogate(line.charCodeAt(end))) end--;
  }
  const head = start > 0 ? '...' : '';
  let text = head;
  let caret = head.length;
  for (let i = start; i < end; i++) {
    if (i === at) caret = text.length;
    const c = line[i]!;
    text += c === '\t' ? ' ' : inertLine(c);
  }
  if (at >= end) caret = text.length;
  if (end < line.length) text += '...';
  return { text, caret };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Diagnostics of one severity and code printed at most; the rest are counted in one line. */
export const PRINTED_PER_CODE = 20;
/** Diagnostics printed at most in all (errors first when there are more). */
export const PRINTED_IN_ALL = 100;

export interface PrintSelection {
  /** What to print, in the order given. */
  shown: Diagnostic[];
  /** One line per severity and code with diagnostics left out. */
  leftOut: { severity: Diagnostic['severity']; code: string; count: number }[];
}

/**
 * Which of the (sorted) diagnostics are printed: the first PRINTED_PER_CODE of each severity and code,
 * and no more than PRINTED_IN_ALL, errors chosen before warnings so that warnings never crowd out an
 * error. The order of what is printed stays the order given.
 */
export function selectForPrinting(diagnostics: readonly Diagnostic[], perCode = PRINTED_PER_CODE, inAll = PRINTED_IN_ALL): PrintSelection {
  const key = (d: Diagnostic) => `${d.severity} ${d.code}`;
  const perKey = new Map<string, number>();
  const candidates: number[] = [];
  diagnostics.forEach((d, i) => {
    const n = perKey.get(key(d)) ?? 0;
    perKey.set(key(d), n + 1);
    if (n < perCode) candidates.push(i);
  });
  const errorsFirst = [...candidates.filter((i) => diagnostics[i]!.severity === 'error'), ...candidates.filter((i) => diagnostics[i]!.severity !== 'error')];
  const chosen = new Set(errorsFirst.slice(0, inAll));
  const shown = diagnostics.filter((_, i) => chosen.has(i));
  const printed = new Map<string, number>();
  for (const d of shown) printed.set(key(d), (printed.get(key(d)) ?? 0) + 1);
  const leftOut: PrintSelection['leftOut'] = [];
  const seen = new Set<string>();
  for (const d of diagnostics) {
    const k = key(d);
    if (seen.has(k)) continue;
    seen.add(k);
    const count = perKey.get(k)! - (printed.get(k) ?? 0);
    if (count > 0) leftOut.push({ severity: d.severity, code: d.code, count });
  }
  return { shown, leftOut };
}

/** `... and 2,980 more unknown-action errors (guardrails validate --json lists them all)` */
export function formatLeftOut(l: PrintSelection['leftOut'][number]): string {
  return `... and ${formatCount(l.count)} more ${inertLine(l.code)} ${l.severity}${l.count === 1 ? '' : 's'} (guardrails validate --json lists them all)\n`;
}

/** The diagnostics as printed, in the order given: each code capped, the rest counted. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], sources: SourceTexts, cwd: string): string {
  return spansText(formatSelection(selectForPrinting(diagnostics), sources, cwd));
}

export function formatSelection({ shown, leftOut }: PrintSelection, sources: SourceTexts, cwd: string): Span[] {
  const lines = new SourceLines(sources);
  return [...shown.flatMap((d) => diagnosticSpans(d, lines, cwd)), ...leftOut.map(formatLeftOut)];
}

/** Writes spans, each styled one through the output's own colour (none where it shows none). */
export function writeSpans(out: Output, spans: readonly Span[]): void {
  let plain = '';
  for (const s of spans) {
    if (typeof s === 'string') {
      plain += s;
      continue;
    }
    if (plain) out.write(plain);
    plain = '';
    writeStyled(out, s.text, s.style);
  }
  if (plain) out.write(plain);
}

export function displayPath(file: string, cwd: string): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function summarizeCounts(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  return `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
}

export { formatCount } from '../report/format.js';
