/**
 * `guardrails impact --cloudtrail SOURCE`: what the change would have done to real traffic. The sources
 * reduce CloudTrail records to request shapes; this command decides them before and after the change
 * (src/impact) and prints the report. Exit 0, 2 on bad input; with --detailed-exitcode 3 when requests
 * would be newly denied or may be, 4 when some would be newly allowed (as diff's 4: looser first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { impact, type Reduction } from '../impact/index.js';
import { sameNamedActions } from '../impact/operations-fallback.js';
import { readShapesFile } from '../impact/sources/shapes-file.js';
import { renderImpactMarkdown } from '../report/impact-markdown.js';
import { renderImpactText } from '../report/impact-text.js';
import { loadDeployment, type DeploymentFlags } from './deployment.js';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError, type CliIO } from './io.js';
import { writeJson } from './json-output.js';
import { printDiagnostics } from './workspace.js';
import { GITHUB_COMMENT_MAX } from '../report/diff-markdown.js';

export interface ImpactFlags extends DeploymentFlags {
  cloudtrail?: string;
  json?: boolean;
  markdown?: boolean;
  maxLength?: string;
  detailedExitcode?: boolean;
}

/** With --detailed-exitcode: requests would be newly denied, or may be. */
export const EXIT_IMPACT_DENIES = 3;
/** With --detailed-exitcode: requests would be newly allowed. */
export const EXIT_IMPACT_ALLOWS = 4;

/** Most bytes of a shapes file read. */
const MAX_SHAPES_FILE_BYTES = 512 * 1024 * 1024;

interface Source {
  kind: string;
  location: string;
  read(): Reduction | string;
}

export async function runImpact(files: string[], flags: ImpactFlags, io: CliIO): Promise<number> {
  if (flags.markdown && flags.json) throw new UsageError('give either --markdown or --json');
  if (!flags.cloudtrail) throw new UsageError('impact needs --cloudtrail SOURCE: shapes:FILE (request shapes, one JSON object per line)');
  const maxLength = flags.maxLength === undefined ? GITHUB_COMMENT_MAX : Number(flags.maxLength);
  if (!Number.isInteger(maxLength) || maxLength < 0) throw new UsageError('--max-length takes a number of characters (0: no limit)');
  const source = sourceOf(flags.cloudtrail, io);
  const loaded = await loadDeployment(files, flags, io, 'impact');
  if (typeof loaded === 'number') return loaded;
  const reduction = source.read();
  if (typeof reduction === 'string') {
    io.stderr.write(`error cloudtrail-source: ${reduction}\n`);
    return EXIT_BAD_INPUT;
  }
  const reference = loaded.ws.reference!.index;
  const times = reduction.shapes.flatMap((s) => [s.firstSeen, s.lastSeen]).sort();
  // REPLACED AT MERGE: operations.ts's mapEvent(...) (the reference's operations) instead of the same-named action.
  const eventActions = sameNamedActions(reference);
  const report = impact({ deployment: loaded.deployment, reference, reduction, eventActions, window: { since: times[0] ?? null, until: times.at(-1) ?? null, source: source.kind, location: source.location } });
  printDiagnostics([...loaded.diagnostics, ...report.warnings], loaded.ws, io, { quiet: flags.quiet, shownByCompile: loaded.shownByCompile });
  if (flags.json) writeJson(io, report);
  else if (flags.markdown) io.stdout.write(renderImpactMarkdown(report, { maxLength }));
  else io.stdout.write(renderImpactText(report));
  if (!flags.detailedExitcode) return EXIT_OK;
  if (report.totals.newlyAllowed) return EXIT_IMPACT_ALLOWS;
  return report.totals.newlyDenied || report.totals.mayDeny ? EXIT_IMPACT_DENIES : EXIT_OK;
}

/**
 * The source a --cloudtrail value names.
 * PLUGGED IN BY THE LEAD AT MERGE: DIR (CloudTrail's S3 layout), s3://BUCKET/PREFIX, athena:DB.TABLE and
 * --engine duckdb go here, each returning a Reduction (src/impact/sources/).
 */
function sourceOf(value: string, io: CliIO): Source {
  if (value.startsWith('shapes:')) {
    const file = path.resolve(io.cwd, value.slice('shapes:'.length));
    return {
      kind: 'shapes',
      location: value.slice('shapes:'.length),
      read: () => {
        let text: string;
        try {
          const size = fs.statSync(file).size;
          if (size > MAX_SHAPES_FILE_BYTES) return `${value}: larger than ${MAX_SHAPES_FILE_BYTES} bytes`;
          text = fs.readFileSync(file, 'utf8');
        } catch (e) {
          return `${value}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
        }
        const read = readShapesFile(text);
        return read.ok ? read.reduction : `${value}:${read.line}: ${read.problem}`;
      },
    };
  }
  throw new UsageError(`--cloudtrail ${JSON.stringify(value.slice(0, 200))}: this build reads shapes:FILE only (request shapes, one JSON object per line)`);
}
