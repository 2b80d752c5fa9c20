/** Human-readable rendering of diagnostics: `file:line:col: error CODE: message`, the line, a caret, a hint. */
import * as path from 'node:path';
import type { Diagnostic } from '../diagnostics/index.js';

export interface SourceTexts {
  get(file: string): string | undefined;
}

export function formatDiagnostic(d: Diagnostic, sources: SourceTexts, cwd: string): string {
  const loc = d.location;
  const where = loc ? `${displayPath(loc.file, cwd)}:${loc.line}:${loc.col}: ` : '';
  let out = `${where}${d.severity} ${d.code}: ${d.message}\n`;
  if (loc) {
    const text = sources.get(loc.file);
    const line = text?.split(/\r?\n/)[loc.line - 1];
    if (line !== undefined) {
      const gutter = String(loc.line).padStart(4);
      out += `${gutter} | ${line}\n`;
      out += `${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(0, loc.col - 1))}^\n`;
    }
  }
  if (d.hint) out += `  hint: ${d.hint}\n`;
  return out;
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
