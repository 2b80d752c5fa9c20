/**
 * Errors are values. Every stage of the pipeline reports problems as Diagnostics carrying a stable code,
 * a message, and where it can a source location; only the CLI turns them into text.
 */

export type Severity = 'error' | 'warning';

/** 1-based line and column, as editors and `file:line:col` links expect. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export interface Diagnostic {
  severity: Severity;
  /** Stable, kebab-case identifier (e.g. `unknown-action`) that tests and users can rely on. */
  code: string;
  message: string;
  location?: SourceLocation;
  hint?: string;
}

export function error(code: string, message: string, location?: SourceLocation, hint?: string): Diagnostic {
  return withOptional({ severity: 'error', code, message }, location, hint);
}

export function warning(code: string, message: string, location?: SourceLocation, hint?: string): Diagnostic {
  return withOptional({ severity: 'warning', code, message }, location, hint);
}

function withOptional(d: Diagnostic, location?: SourceLocation, hint?: string): Diagnostic {
  if (location) d.location = location;
  if (hint) d.hint = hint;
  return d;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * Thrown when a stage cannot go on. It carries every diagnostic gathered so far, so the caller
 * still reports all problems at once instead of the first one.
 */
export class DiagnosticError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n'));
    this.name = 'DiagnosticError';
    this.diagnostics = diagnostics;
  }
}

/** Orders diagnostics by file, then position; diagnostics without a location keep their order at the end. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[], fileOrder: readonly string[] = []): Diagnostic[] {
  const rank = new Map(fileOrder.map((f, i) => [f, i]));
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const la = a.d.location;
      const lb = b.d.location;
      if (!la || !lb) return la ? -1 : lb ? 1 : a.i - b.i;
      const fa = rank.get(la.file) ?? Number.MAX_SAFE_INTEGER;
      const fb = rank.get(lb.file) ?? Number.MAX_SAFE_INTEGER;
      if (fa !== fb) return fa - fb;
      if (la.file !== lb.file) return la.file < lb.file ? -1 : 1;
      return la.line - lb.line || la.col - lb.col || a.i - b.i;
    })
    .map((x) => x.d);
}
