/**
 * `guardrails impact --cloudtrail SOURCE`: what the change would have done to real traffic. The sources
 * reduce CloudTrail records to request shapes (impact-source.ts), keeping only the fields the policies
 * before and after read; each shape's event is mapped to its IAM actions through the reference's
 * operations; this command decides them before and after the change (src/impact) and prints the
 * report. Exit 0, 2 on bad input; with --detailed-exitcode 3 when requests would be newly denied or may
 * be, 4 when some would be newly allowed (as diff's 4: looser first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { warning } from '../diagnostics/index.js';
import { repositoryOf, rootForNamedPath, isInside, realOrResolved } from '../files/repository.js';
import { impact, projectionOfDeployment, type EventActions, type ImpactReport, type ShapeRow } from '../impact/index.js';
import { mapEvent } from '../impact/operations.js';
import { prefixesOfEventSources } from '../impact/event-sources.js';
import { loadOperationsFromCache } from '../reference/load-operations.js';
import { regionInfo, regionCodes } from '../reference/regions.js';
import { renderImpactMarkdown } from '../report/impact-markdown.js';
import { renderImpactText } from '../report/impact-text.js';
import { GITHUB_COMMENT_MAX } from '../report/diff-markdown.js';
import { loadDeployment, type DeploymentFlags, type LoadedDeployment } from './deployment.js';
import { accountsOf, readSource, sourceSpec, SourceError, windowOf, type SourceFlags, type SourceSpec, type Window } from './impact-source.js';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError, type CliIO } from './io.js';
import { writeJson } from './json-output.js';
import { displayPath } from './format.js';
import { inertLine } from '../diagnostics/index.js';
import { printDiagnostics } from './workspace.js';

export interface ImpactFlags extends DeploymentFlags, SourceFlags {
  json?: boolean;
  markdown?: boolean;
  maxLength?: string;
  detailedExitcode?: boolean;
  printSql?: string;
  printAthenaDdl?: string;
  saveShapes?: string;
}

/** With --detailed-exitcode: requests would be newly denied, or may be. */
export const EXIT_IMPACT_DENIES = 3;
/** With --detailed-exitcode: requests would be newly allowed. */
export const EXIT_IMPACT_ALLOWS = 4;

const SOURCE_FORMS = 'DIR (CloudTrail\'s S3 layout), s3://BUCKET[/PREFIX], athena:[CATALOG.]DATABASE.TABLE or shapes:FILE';

export async function runImpact(files: string[], flags: ImpactFlags, io: CliIO): Promise<number> {
  if (flags.markdown && flags.json) throw new UsageError('give either --markdown or --json');
  if (flags.printSql !== undefined && flags.printSql !== 'athena' && flags.printSql !== 'duckdb') throw new UsageError('--print-sql is athena or duckdb');
  const printing = flags.printSql !== undefined || flags.printAthenaDdl !== undefined;
  if (!flags.cloudtrail && !printing) throw new UsageError(`impact needs --cloudtrail SOURCE: ${SOURCE_FORMS}`);
  const maxLength = flags.maxLength === undefined ? GITHUB_COMMENT_MAX : Number(flags.maxLength);
  if (!Number.isInteger(maxLength) || maxLength < 0) throw new UsageError('--max-length takes a number of characters (0: no limit)');
  const maxShapes = flags.maxShapes === undefined ? undefined : Number(flags.maxShapes);
  if (maxShapes !== undefined && (!Number.isInteger(maxShapes) || maxShapes < 1)) throw new UsageError('--max-shapes takes a whole number of shapes');
  const spec = flags.cloudtrail ? sourceSpec(flags.cloudtrail, flags, io.cwd) : undefined;
  const accounts = accountsOf(flags.accounts);
  const window = spec?.kind === 'shapes' ? undefined : windowOf(flags, io.now?.() ?? Date.now());
  const saveTo = flags.saveShapes === undefined ? undefined : savePath(flags.saveShapes, io);
  if (typeof saveTo === 'number') return saveTo;

  const loaded = await loadDeployment(files, flags, io, 'impact');
  if (typeof loaded === 'number') return loaded;
  const projection = projectionOfDeployment(loaded.deployment);
  if (printing) return printQueries(flags, spec, window!, loaded, io);

  let read;
  try {
    read = await readSource(spec!, flags, { projection, window: window!, io, ...(maxShapes !== undefined ? { maxShapes } : {}), ...(accounts ? { accounts } : {}) });
  } catch (e) {
    if (!(e instanceof SourceError)) throw e;
    printDiagnostics(loaded.diagnostics, loaded.ws, io, { quiet: flags.quiet, shownByCompile: loaded.shownByCompile });
    io.stderr.write(`error cloudtrail-source: ${inertLine(e.message)}\n`);
    return EXIT_BAD_INPUT;
  }
  const { reduction, refused } = read;
  if (saveTo !== undefined) {
    try {
      fs.writeFileSync(saveTo, reduction.shapes.map((s) => JSON.stringify(s)).join('\n') + (reduction.shapes.length ? '\n' : ''));
    } catch (e) {
      io.stderr.write(`error shapes-not-saved: cannot write ${inertLine(saveTo)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
  }

  const reference = loaded.ws.reference!;
  const eventActions = await eventActionsOf(reduction.shapes, reference.origin, reference.manifest, io.cwd);
  const report = impact({ deployment: loaded.deployment, reference: reference.index, reduction, eventActions, window: windowOfReport(spec!, window, reduction.shapes) });
  for (const r of refused.slice(0, 20)) report.warnings.push(warning('cloudtrail-file-refused', `${r.path}: ${r.message}`, undefined));
  if (refused.length > 20) report.warnings.push(warning('cloudtrail-file-refused', `and ${refused.length - 20} more paths refused`, undefined));
  printDiagnostics([...loaded.diagnostics, ...report.warnings], loaded.ws, io, { quiet: flags.quiet, shownByCompile: loaded.shownByCompile });
  if (saveTo !== undefined) io.stderr.write(`${reduction.shapes.length} request shapes saved to ${displayPath(saveTo, io.cwd)} (decide them again with --cloudtrail shapes:FILE)\n`);
  if (flags.json) writeJson(io, report);
  else if (flags.markdown) io.stdout.write(renderImpactMarkdown(report, { maxLength }));
  else io.stdout.write(renderImpactText(report));
  if (!flags.detailedExitcode) return EXIT_OK;
  if (report.totals.newlyAllowed) return EXIT_IMPACT_ALLOWS;
  return report.totals.newlyDenied || report.totals.mayDeny ? EXIT_IMPACT_DENIES : EXIT_OK;
}

/**
 * The actions of each event, from the operations of the services the shapes' event sources name: only
 * those are loaded (a few dozen of the reference's services), each file checked against the manifest.
 */
async function eventActionsOf(shapes: readonly ShapeRow[], cache: string, manifest: Parameters<typeof loadOperationsFromCache>[1], cwd: string): Promise<(row: ShapeRow) => EventActions | undefined> {
  const operations = await loadOperationsFromCache(cache, manifest, prefixesOfEventSources(new Set(shapes.map((s) => s.eventSource))), { cwd });
  const known = new Map<string, EventActions | undefined>();
  return (row) => {
    const key = `${row.eventSource} ${row.eventName}`;
    if (!known.has(key)) known.set(key, mapEvent(operations, row.eventSource, row.eventName));
    return known.get(key);
  };
}

function windowOfReport(spec: SourceSpec, window: Window | undefined, shapes: readonly ShapeRow[]): ImpactReport['window'] {
  const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');
  if (window) return { since: iso(window.since), until: iso(window.until), source: spec.kind, location: spec.location };
  // A shapes file was reduced elsewhere: its window is what its shapes were seen in.
  const times = shapes.flatMap((s) => [s.firstSeen, s.lastSeen]).sort();
  return { since: times[0] ?? null, until: times.at(-1) ?? null, source: spec.kind, location: spec.location };
}

/** --save-shapes FILE, checked before anything is read: inside the repository as named, it must stay inside. */
function savePath(named: string, io: CliIO): string | number {
  const file = path.resolve(io.cwd, named);
  const root = rootForNamedPath(named, io.cwd, repositoryOf(io.cwd));
  const dir = realOrResolved(path.dirname(file));
  if (root !== undefined && !isInside(root, dir)) {
    io.stderr.write(`error shapes-save-outside-repository: ${inertLine(file)} is in ${inertLine(dir)}, outside the repository ${root}; a path in the repository must not lead out of it\n`);
    return EXIT_BAD_INPUT;
  }
  return file;
}

/**
 * --print-sql and --print-athena-ddl: the query this run would send (its projection is the
 * deployment's, so the policies decide which columns it keeps) and AWS's table for it.
 */
async function printQueries(flags: ImpactFlags, spec: SourceSpec | undefined, window: Window, loaded: LoadedDeployment, io: CliIO): Promise<number> {
  const { athenaReductionQuery, athenaTableDdl, duckdbReductionQuery, SqlInputError, windowBounds, windowLiterals } = await import('../impact/sql/queries.js');
  const table = spec?.kind === 'athena' ? spec : { database: 'default', table: 'guardrails_cloudtrail' };
  const projection = projectionOfDeployment(loaded.deployment);
  try {
    if (flags.printAthenaDdl !== undefined) {
      const m = /^(?:s3:\/\/)?([^/]+)(?:\/(.+?))?\/?$/.exec(flags.printAthenaDdl);
      const accounts = loaded.deployment.tree.accounts.map((a) => a.id).filter((id): id is string => id !== undefined).sort();
      const regions = regionCodes().filter((r) => regionInfo(r)?.partition === 'aws').sort();
      io.stdout.write(athenaTableDdl({ bucket: m?.[1] ?? flags.printAthenaDdl, ...(m?.[2] ? { prefix: m[2] } : {}), orgId: loaded.deployment.state.organization.id, accounts, regions, database: table.database, table: table.table }));
    }
    if (flags.printSql !== undefined) {
      const bounds = windowBounds(window);
      if (flags.printSql === 'athena') {
        const query = athenaReductionQuery({ database: table.database, table: table.table, projection });
        io.stdout.write(`-- ExecutionParameters, in order: ${windowLiterals(query, bounds).join(', ')}\n${query.sql}\n`);
      } else {
        const query = duckdbReductionQuery(projection);
        io.stdout.write(`-- parameters: ${query.parameters.map((p) => `$${p}${p === 'files' ? ' (the .json.gz files, VARCHAR[])' : ` = '${bounds[p as 'since' | 'until']}'`}`).join(', ')}\n${query.sql}\n`);
      }
    }
  } catch (e) {
    if (!(e instanceof SqlInputError)) throw e;
    io.stderr.write(`error usage: ${inertLine(e.message)}\n`);
    return EXIT_BAD_INPUT;
  }
  return EXIT_OK;
}
