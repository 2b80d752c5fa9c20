/**
 * `diff --impact REPORT.json`: what the change would have done to real traffic (a report `guardrails
 * impact --json` wrote), in the diff. The comment gets impact's bold line right after whether anything
 * becomes allowed, and its table of findings folded under it; the terminal gets the line. A report that
 * decided other policies than the ones diffed says so on its line: its numbers are of another change.
 *
 * Every string of the report comes from CloudTrail records or another job's artifact: written through
 * escape.ts like the rest of the diff.
 */
import type { ImpactReport } from '../impact/report-types.js';
import { markdownText as md, terminalText as t } from './escape.js';
import { formatCount } from './format.js';
import { IMPACT_TABLE_HEADER, impactFindingRow, impactHeadline } from './impact-markdown.js';
import { markdownDetails } from './markdown-blocks.js';

export interface DiffImpact {
  report: ImpactReport;
  /** Why the report's decisions are not of the policies diffed (`stale-impact`); absent when they are. */
  stale?: string;
}

/** Impact's line, marked stale when it is; then an empty line. */
export function impactLineMarkdown(i: DiffImpact): string[] {
  const [head, rest] = impactHeadline(i.report);
  const stale = i.stale ? ` — **stale**: ${md(i.stale)}` : '';
  return [`${head}${stale}`, rest!, ''];
}

/** The findings, folded; `maxRows` rows at most (the rest counted), none when 0. */
export function impactTableMarkdown(i: DiffImpact, maxRows = Infinity): string[] {
  const findings = i.report.findings;
  if (!findings.length || maxRows <= 0) return [];
  const shown = findings.slice(0, maxRows).map(impactFindingRow);
  const left = findings.length - shown.length;
  const what = findings.every((f) => f.change !== 'newly-allowed') ? 'would deny or may deny' : 'would deny, may deny or newly allow';
  const note = left ? ['', `${formatCount(left)} more row${left === 1 ? '' : 's'} left out to fit; \`guardrails impact --json\` lists them all.`] : [];
  return markdownDetails(`Requests of the replay the change ${what} (${formatCount(findings.length)})${i.stale ? ', stale' : ''}`, [...IMPACT_TABLE_HEADER, ...shown, ...note]);
}

/** Impact's line for a terminal. */
export function impactLineText(i: DiffImpact): string {
  const r = i.report;
  const n = formatCount;
  const when = r.window.since && r.window.until ? ` ${t(r.window.since.slice(0, 10))} to ${t(r.window.until.slice(0, 10))}` : '';
  const shapes = r.findings.filter((f) => f.change === 'newly-denied').reduce((s, f) => s + f.shapes, 0);
  const parts = [r.totals.newlyDenied ? `${n(r.totals.newlyDenied)} of ${n(r.totals.authorizationEvents)} events (${n(shapes)} request shape${shapes === 1 ? '' : 's'}) would be newly denied` : `nothing of ${n(r.totals.authorizationEvents)} events would be newly denied`];
  const denying = r.byControl.filter((c) => c.newlyDenied.events > 0);
  if (denying.length) parts.push(denying.map((c) => `${t(c.control)} ${n(c.newlyDenied.events)}`).join(', '));
  if (r.totals.mayDeny) parts.push(`${n(r.totals.mayDeny)} may be denied`);
  parts.push(r.totals.newlyAllowed ? `${n(r.totals.newlyAllowed)} NEWLY ALLOWED` : 'nothing newly allowed');
  return `replayed CloudTrail${when}: ${parts.join('; ')}${i.stale ? ` (STALE: ${t(i.stale)})` : ''}`;
}
