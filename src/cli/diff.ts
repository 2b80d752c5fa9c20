import * as fs from 'node:fs';
import * as path from 'node:path';
import { warning, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import { readTextSync, repositoryOf, rootForNamedPath } from '../files/index.js';
import { compiledPoliciesDigest } from '../impact/index.js';
import { IMPACT_REPORT_LIMITS, readImpactReport } from '../impact/report-file.js';
import { parseDuration } from '../intent/index.js';
import type { DiffImpact } from '../report/diff-impact.js';
import { buildDiffReport, partnerAccountsOf, type DiffReport } from '../plan/diff-report.js';
import { wavesOf } from '../plan/waves.js';
// The renderers diff uses, not the report folder's index: that loads notify's template engine too.
import { GITHUB_COMMENT_MAX, renderDiffMarkdown, STEP_SUMMARY_MAX } from '../report/diff-markdown.js';
import { nothingAllowed } from '../report/diff-markdown-review.js';
import { renderDiffText } from '../report/diff-text.js';
import { loadDeployment, type DeploymentFlags } from './deployment.js';
import { displayPath } from './format.js';
import { EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, UsageError, type CliIO } from './io.js';
import { printDiagnostics } from './workspace.js';
import { writeJson } from './json-output.js';

export interface DiffFlags extends DeploymentFlags {
  markdown?: boolean;
  json?: boolean;
  maxLength?: string;
  marker?: string | boolean;
  stepSummary?: boolean;
  maxSnapshotAge?: string;
  detailedExitcode?: boolean;
  /** A report `guardrails impact --json` wrote: its line and table go into the diff. */
  impact?: string;
}

/** With --detailed-exitcode: changes, none of which makes anything allowed. */
export const EXIT_CHANGES = 3;
/** With --detailed-exitcode: changes, some of which make something allowed, or are not proven not to. */
export const EXIT_CHANGES_LOOSER = 4;

const DEFAULT_MAX_SNAPSHOT_AGE = '7d';

/**
 * `guardrails diff`: compiled vs deployed, textual and semantic. A diff is not a failure (exit 0); tree
 * drift is (exit 1): the policies were placed for an organization that is not the one in AWS. With
 * --detailed-exitcode, a change is 3, or 4 when something becomes allowed (or is not proven not to).
 */
export async function runDiff(files: string[], flags: DiffFlags, io: CliIO): Promise<number> {
  if (flags.markdown && flags.json) throw new UsageError('give either --markdown or --json');
  const maxLength = flags.maxLength === undefined ? GITHUB_COMMENT_MAX : nonNegative(flags.maxLength, '--max-length');
  const marker: string | false | undefined = flags.marker === false ? false : typeof flags.marker === 'string' ? flags.marker : undefined;
  if (typeof marker === 'string' && !/^[A-Za-z0-9._-]{1,64}$/.test(marker)) throw new UsageError('--marker takes a name of letters, digits, ".", "_" and "-" (at most 64)');
  const maxAge = parseDuration(flags.maxSnapshotAge ?? DEFAULT_MAX_SNAPSHOT_AGE);
  if (!maxAge.ok) throw new UsageError(`--max-snapshot-age: ${maxAge.problem}`);
  const summaryFile = flags.stepSummary ? io.env.GITHUB_STEP_SUMMARY : undefined;
  if (flags.stepSummary && !summaryFile) throw new UsageError('--step-summary appends to the file $GITHUB_STEP_SUMMARY names, and it is not set (GitHub Actions sets it in every step)');
  const impactRead = flags.impact === undefined ? undefined : readImpactFile(flags.impact, io.cwd);
  if (typeof impactRead === 'string') {
    io.stderr.write(`error impact-report: ${impactRead}\n`);
    return EXIT_BAD_INPUT;
  }
  const loaded = await loadDeployment(files, flags, io, 'diff');
  if (typeof loaded === 'number') return loaded;
  const report = withRelativePaths(buildDiffReport(loaded.deployment, loaded.ws.reference!.index, { partnerAccounts: partnerAccountsOf(loaded.intent) }, loaded.drift), io.cwd);
  if (flags.org && maxAge.duration.seconds > 0) {
    const stale = snapshotAgeWarning(flags.org, report.deployed.readAt, (io.now ?? Date.now)(), maxAge.duration);
    if (stale) report.warnings.push(stale);
  }
  let impact: DiffImpact | undefined;
  if (impactRead) {
    const stale = staleImpact(impactRead.report, compiledPoliciesDigest(loaded.deployment));
    impact = { report: impactRead.report, ...(stale ? { stale } : {}) };
    if (stale) report.warnings.push(warning('stale-impact', `the impact report ${flags.impact} is stale: ${stale}`, undefined, 'replay again on these policies: guardrails impact --json'));
  }
  const impactOption = impact ? { impact } : {};
  // The waves label the picture; a target they cannot find is plan's error to report, not diff's.
  const treeOption = { tree: { tree: loaded.deployment.tree, waves: wavesOf(loaded.intent, loaded.deployment.tree).waves } };
  printDiagnostics([...loaded.diagnostics, ...report.warnings], loaded.ws, io, { quiet: flags.quiet, shownByCompile: loaded.shownByCompile });
  const markerOption = marker === undefined ? {} : { marker };
  // The replay travels with the diff: a job that reads diff --json reads what the change would have denied.
  if (flags.json) writeJson(io, impact ? { ...report, impact } : report);
  else if (flags.markdown) io.stdout.write(renderDiffMarkdown(report, { maxLength, ...markerOption, ...impactOption, ...treeOption }));
  else io.stdout.write(renderDiffText(report, impactOption));
  if (summaryFile) {
    try {
      fs.appendFileSync(path.resolve(io.cwd, summaryFile), renderDiffMarkdown(report, { maxLength: STEP_SUMMARY_MAX, marker: false, ...impactOption, ...treeOption }));
    } catch (e) {
      io.stderr.write(`error step-summary: cannot append to $GITHUB_STEP_SUMMARY (${(e as Error).message})\n`);
      return EXIT_BAD_INPUT;
    }
  }
  if (report.treeDrift.entries.length) return EXIT_FINDINGS;
  if (!flags.detailedExitcode || !report.changed) return EXIT_OK;
  return nothingAllowed(report) ? EXIT_CHANGES : EXIT_CHANGES_LOOSER;
}

/** The impact report `file` names, read strictly (impact/report-file.ts), or what is wrong with it, naming the file. */
function readImpactFile(file: string, cwd: string): { report: DiffImpact['report'] } | string {
  const read = readTextSync(path.resolve(cwd, file), { root: rootForNamedPath(file, cwd, repositoryOf(cwd)), maxBytes: IMPACT_REPORT_LIMITS.bytes, what: 'impact report' });
  if (!read.ok) return `--impact ${file}: ${read.message}`;
  const parsed = readImpactReport(read.text);
  return parsed.ok ? { report: parsed.report } : `--impact ${file}: ${parsed.problem} (expected a report written by guardrails impact --json)`;
}

/**
 * Why an impact report's decisions are not of the policies diffed: it records the digest of the compiled
 * policies it decided against, and a report of another commit's policies counts another change.
 */
export function staleImpact(report: DiffImpact['report'], digest: string): string | undefined {
  const recorded = report.inputs.policies;
  if (recorded === undefined) return 'it records no digest of the policies it decided against, so it may be of another change';
  if (recorded === digest) return undefined;
  const short = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);
  return `it decided other compiled policies than these (${short(recorded)} then, ${short(digest)} now)`;
}

function nonNegative(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a number of characters (0: no limit)`);
  return n;
}

/**
 * A warning when the org snapshot is older than `maxAge`: what it shows as deployed may not be any more
 * (another pipeline, a console change), and the diff and its verdicts are against that.
 */
export function snapshotAgeWarning(file: string, readAt: string, now: number, maxAge: { text: string; seconds: number }): Diagnostic | undefined {
  const read = Date.parse(readAt);
  if (!Number.isFinite(read)) return undefined;
  const age = (now - read) / 1000;
  if (age <= maxAge.seconds) return undefined;
  const days = Math.floor(age / 86_400);
  const hours = Math.floor(age / 3600);
  const ago = days >= 1 ? `${days} day${days === 1 ? '' : 's'}` : `${hours} hour${hours === 1 ? '' : 's'}`;
  return warning('stale-org-snapshot', `the org snapshot ${file} was read ${ago} ago (${readAt}), more than --max-snapshot-age ${maxAge.text}: what is deployed may have changed since`, undefined, `export it again: guardrails org export --out ${file}`);
}

/** Intent locations as paths relative to the working directory: what a reader and a CI annotation use. */
function withRelativePaths(report: DiffReport, cwd: string): DiffReport {
  const seen = new WeakSet<object>();
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      // Lists of account ids (ten thousand of them, in every group and verdict) hold no location.
      for (const x of v) if (x && typeof x === 'object') visit(x);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.file === 'string' && typeof o.line === 'number' && typeof o.col === 'number') (o as unknown as SourceLocation).file = displayPath(o.file, cwd);
    for (const x of Object.values(o)) visit(x);
  };
  visit(report.review);
  visit(report.semantic);
  return report;
}
