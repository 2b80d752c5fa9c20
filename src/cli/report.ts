import * as fs from 'node:fs';
import * as path from 'node:path';
import { inertLine } from '../diagnostics/index.js';
import { errnoReason } from '../files/errno.js';
import { formatBytes, isInside, readTextSync, realOrResolved, repositoryOf, rootForNamedPath } from '../files/index.js';
import { semanticReview } from '../semantic-diff/index.js';
// What report reads of plan, not plan's index: the planner and its invariants are not needed here.
import { partnerAccountsOf, deploymentSemanticDiff } from '../plan/diff-report.js';
import { endStates } from '../plan/diff.js';
import { wavesOf } from '../plan/waves.js';
import { formatCount } from '../report/format.js';
import { renderHtmlReport } from '../report/html/html-page.js';
import { JOURNAL_LIMITS, journalTimeline, type JournalTimeline } from '../report/html/journal-timeline.js';
import { buildReportData, type PolicyChange } from '../report/html/report-data.js';
import { loadDeployment, type DeploymentFlags } from './deployment.js';
import { displayPath } from './format.js';
import { EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, UsageError, type CliIO } from './io.js';
import { printDiagnostics } from './workspace.js';

export interface ReportFlags extends DeploymentFlags {
  html?: string;
  /** A rollout journal (rollouts/<run>.jsonl): its timeline goes into the page. */
  journal?: string;
}

/**
 * `guardrails report --html FILE`: the organization as one self-contained page (src/report/html): the
 * tree, the policies and controls at each node before and after the change, what the change does to
 * each account, the waves, and with --journal a rollout's timeline. Written even when the organization
 * has drifted from the tree the policies were compiled for (exit 1, as diff).
 */
export async function runReport(files: string[], flags: ReportFlags, io: CliIO): Promise<number> {
  if (!flags.html) throw new UsageError('report needs --html FILE: the page to write');
  const target = path.resolve(io.cwd, flags.html);
  const root = rootForNamedPath(flags.html, io.cwd, repositoryOf(io.cwd));
  // A file named inside the repository is written inside it, whatever a committed symlink on its way says.
  if (root !== undefined && !isInside(root, realOrResolved(path.dirname(target)))) {
    io.stderr.write(`error report-outside-repository: ${inertLine(target)} leads outside the repository ${root}\n`);
    return EXIT_BAD_INPUT;
  }
  let timeline: JournalTimeline | undefined;
  if (flags.journal !== undefined) {
    const read = readTextSync(path.resolve(io.cwd, flags.journal), { root: rootForNamedPath(flags.journal, io.cwd, repositoryOf(io.cwd)), maxBytes: JOURNAL_LIMITS.bytes, what: 'rollout journal' });
    if (!read.ok) {
      io.stderr.write(`error journal: --journal ${inertLine(flags.journal)}: ${read.message}\n`);
      return EXIT_BAD_INPUT;
    }
    const parsed = journalTimeline(read.text, flags.journal);
    if (!parsed.ok) {
      io.stderr.write(`error journal: ${parsed.problem} (expected a journal guardrails rollout wrote)\n`);
      return EXIT_BAD_INPUT;
    }
    timeline = parsed.timeline;
  }
  const loaded = await loadDeployment(files, flags, io, 'report');
  if (typeof loaded === 'number') return loaded;
  const d = loaded.deployment;
  const reference = loaded.ws.reference!.index;
  const ends = endStates(d);
  const semantic = deploymentSemanticDiff(d, reference, { partnerAccounts: partnerAccountsOf(loaded.intent) }, { ends });
  const changes = new Map<string, PolicyChange>();
  for (const p of [...ends.before.all(), ...ends.after.all()]) {
    if (!p.owned) continue;
    const [old, now] = [ends.before.find(p.type, p.name), ends.after.find(p.type, p.name)];
    changes.set(`${p.type}:${p.name}`, !old ? 'create' : !now ? 'delete' : old.canonical !== now.canonical ? 'update' : 'unchanged');
  }
  const data = buildReportData({
    organization: { id: d.state.organization.id, managementAccount: d.managementAccount, source: d.state.source, readAt: d.state.readAt },
    reference: reference.snapshotId,
    tree: d.tree,
    before: ends.before,
    after: ends.after,
    changes,
    review: semanticReview(semantic, d.tree, d.managementAccount, reference),
    semantic,
    // The waves label the tree; a target they cannot find is plan's error to report, not the page's.
    waves: wavesOf(loaded.intent, d.tree).waves,
    ...(timeline ? { timeline } : {}),
    generatedAt: new Date((io.now ?? Date.now)()).toISOString(),
  });
  const html = renderHtmlReport(data);
  printDiagnostics(loaded.diagnostics, loaded.ws, io, { quiet: flags.quiet, shownByCompile: loaded.shownByCompile });
  try {
    // Whole or not at all: a reader never opens half a page.
    const temp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(temp, html);
    fs.renameSync(temp, target);
  } catch (e) {
    io.stderr.write(`error report-not-written: cannot write ${inertLine(target)}: ${errnoReason(e)}\n`);
    return EXIT_BAD_INPUT;
  }
  const m = data.meta;
  io.stdout.write(`wrote ${displayPath(target, io.cwd)} (${formatBytes(Buffer.byteLength(html, 'utf8'))}): ${formatCount(m.ous)} OUs, ${formatCount(m.accounts)} accounts, ${formatCount(m.changed)} changed by the change, ${data.waves.length} waves${timeline ? `, the timeline of ${timeline.runs.length} run${timeline.runs.length === 1 ? '' : 's'}` : ''}\n`);
  if (loaded.drift.entries.length) {
    io.stderr.write(`report found drift: the organization is not ${inertLine(loaded.drift.compiledFor)} (${loaded.drift.entries.length} OUs or accounts; guardrails diff lists them)\n`);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}
