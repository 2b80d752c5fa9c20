/**
 * What the intent commands print on stdout: text for people (the default), JSON (`--json`, the same as
 * `--format json`), or a SARIF 2.1.0 log (`--format sarif`) for code scanning. With JSON or SARIF,
 * stdout holds that one document whatever the outcome, and the exit code is the same as with text.
 */
import { packageVersion } from '../files/package-version.js';
import type { Diagnostic } from '../diagnostics/index.js';
import { sarifLog } from '../report/sarif.js';
import type { ScenarioResult } from '../simulate/run.js';
import { UsageError, type CliIO } from './io.js';
import { writeJson } from './json-output.js';
import { repoPaths } from './repo-paths.js';

export const OUTPUT_FORMATS = ['text', 'json', 'sarif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function outputFormat(flags: { format?: string; json?: boolean }): OutputFormat {
  const { format, json } = flags;
  if (format !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be ${OUTPUT_FORMATS.join(', ')}, not "${format}"`);
  if (json && format !== undefined && format !== 'json') throw new UsageError(`give either --json or --format ${format}`);
  return json ? 'json' : ((format as OutputFormat | undefined) ?? 'text');
}

/** The SARIF log of a run: its diagnostics and, for simulate, its results. `files`: the intent files (the first holds findings without a location). */
export function writeSarif(io: CliIO, run: { diagnostics: readonly Diagnostic[]; files: readonly string[]; scenarios?: readonly ScenarioResult[] }): void {
  const paths = repoPaths(io.cwd);
  const first = run.files[0];
  writeJson(
    io,
    sarifLog({
      tool: { name: 'guardrails', version: packageVersion() },
      diagnostics: run.diagnostics,
      ...(run.scenarios ? { scenarios: run.scenarios } : {}),
      relative: (f) => paths.relative(f),
      ...(first !== undefined ? { fallbackFile: paths.relative(first) } : {}),
    }),
  );
}
