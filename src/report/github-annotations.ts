/**
 * GitHub Actions annotations: one workflow command line per finding, which GitHub shows on the line of
 * the pull request's file (`::error file=guardrails/baseline.yaml,line=10,col=9,title=unknown-action::...`).
 *
 * Escaped as the runner unescapes: `%`, CR and LF in the message; those and `:` and `,` in a property,
 * so that no text from the intent can end a property, add one, end the command or start another line.
 * Control characters are shown as escapes (inertText) before that.
 */
import { clip, inertText, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import type { ScenarioResult } from '../simulate/run.js';
import { describeExpectation } from '../simulate/scenario.js';

/** Characters of an annotation's message: GitHub shows a few lines of it. */
const MESSAGE_MAX = 1000;

export interface Annotation {
  level: 'error' | 'warning';
  title: string;
  message: string;
  /** The file relative to the repository, as GitHub matches it against the pull request. */
  file?: string;
  location?: Pick<SourceLocation, 'line' | 'col'>;
}

export function annotationOf(d: Diagnostic, relative: (file: string) => string): Annotation {
  return {
    level: d.severity,
    title: d.code,
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    ...(d.location ? { file: relative(d.location.file), location: d.location } : {}),
  };
}

/** A failing scenario of simulate, at its test or control. */
export function annotationOfScenario(r: ScenarioResult, relative: (file: string) => string): Annotation {
  const loc = r.scenario.location;
  return {
    level: 'error',
    title: 'scenario-failed',
    message: `${r.scenario.origin === 'test' ? 'test' : 'generated scenario'} "${r.scenario.name}": expected ${describeExpectation(r.scenario.expect)}, actual ${r.actual}${r.failure ? `\n${r.failure}` : ''}`,
    ...(loc ? { file: relative(loc.file), location: loc } : {}),
  };
}

export function githubAnnotation(a: Annotation): string {
  const properties = [
    ...(a.file !== undefined ? [`file=${escapeProperty(a.file)}`] : []),
    ...(a.location ? [`line=${a.location.line}`, `col=${a.location.col}`] : []),
    `title=${escapeProperty(a.title)}`,
  ];
  return `::${a.level} ${properties.join(',')}::${escapeData(inertText(clip(a.message, MESSAGE_MAX)))}\n`;
}

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(inertText(s)).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
