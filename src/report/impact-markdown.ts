/**
 * `guardrails impact --markdown`: one bold line (what the change would newly deny in the traffic
 * replayed) and a folded table of the findings (design 6.4), made to sit in the pull-request comment.
 * Every string from a CloudTrail record or the intent is escaped (escape.ts); --max-length drops table
 * rows, last first, before it touches the line, and says how many it dropped.
 */
import type { ImpactFinding, ImpactReport } from '../impact/report-types.js';
import { markdownCode, markdownText } from './escape.js';

const CHANGE_LABEL = { 'newly-denied': 'newly denied', 'may-deny': 'may deny', 'newly-allowed': 'newly allowed' } as const;

export function impactHeadline(r: ImpactReport): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  const when = r.window.since && r.window.until ? ` ${markdownText(r.window.since.slice(0, 10))} to ${markdownText(r.window.until.slice(0, 10))}` : '';
  const shapes = r.findings.filter((f) => f.change === 'newly-denied').reduce((s, f) => s + f.shapes, 0);
  const head = `**Replayed CloudTrail${when}: ${r.totals.newlyDenied ? `${n(r.totals.newlyDenied)} of ${n(r.totals.authorizationEvents)} events (${n(shapes)} request shape${shapes === 1 ? '' : 's'}) would be newly denied` : `nothing of ${n(r.totals.authorizationEvents)} events would be newly denied`}**`;
  const parts: string[] = [];
  const denying = r.byControl.filter((c) => c.newlyDenied.events > 0);
  if (denying.length) parts.push(denying.map((c) => `${markdownText(c.control)} ${n(c.newlyDenied.events)}`).join(', '));
  if (r.totals.mayDeny) {
    const keys = [...new Set(r.findings.filter((f) => f.change === 'may-deny').flatMap((f) => f.unknownKeys))].sort();
    parts.push(`${n(r.totals.mayDeny)} may be denied (${keys.map(markdownText).join(', ')} not in CloudTrail)`);
  }
  parts.push(r.totals.newlyAllowed ? `**${n(r.totals.newlyAllowed)} newly allowed**` : 'nothing newly allowed');
  if (r.totals.unmapped) parts.push(`${n(r.totals.unmapped)} events not mapped to an action`);
  return [head, `— ${parts.join('; ')}.`];
}

/** A finding as a row under IMPACT_TABLE_HEADER (also the diff comment's table, diff-impact.ts). */
export function impactFindingRow(f: ImpactFinding): string {
  const controls = f.controls.length ? f.controls.map((c) => markdownText(c.control)).join(', ') : f.statements.map((s) => markdownText(s.policy)).join(', ');
  const account = f.account.name ? `${markdownText(f.account.name)} (${markdownText(f.account.id)})` : markdownText(f.account.id);
  const principal = f.principal.arn ? markdownText(f.principal.arn.replace(/^arn:[^:]*:iam::\d{12}:/, '')) : `${markdownText(f.principal.type)} ${markdownText(f.principal.account ?? '')}`.trim();
  const change = f.change === 'may-deny' && f.unknownKeys.length ? `may deny (${f.unknownKeys.map(markdownText).join(', ')})` : CHANGE_LABEL[f.change];
  return `| ${change} | ${controls} | ${account} | ${principal} | ${markdownCode(f.action)} | ${f.events.toLocaleString('en-US')} | ${markdownText(f.firstSeen.slice(0, 10))} | ${markdownText(f.lastSeen.slice(0, 10))} | ${markdownCode(f.exampleEventId)} |`;
}

export const IMPACT_TABLE_HEADER = ['| Change | Control | Account | Principal | Action | Events | First seen | Last seen | Example event |', '| --- | --- | --- | --- | --- | ---: | --- | --- | --- |'] as const;

export function renderImpactMarkdown(r: ImpactReport, options: { maxLength?: number } = {}): string {
  const lines = impactHeadline(r);
  if (!r.findings.length) return `${lines.join('\n')}\n`;
  const open = ['', `<details><summary>Requests the change would deny, may deny or newly allow (${r.findings.length})</summary>`, '', ...IMPACT_TABLE_HEADER];
  const rows = r.findings.map(impactFindingRow);
  const close = (dropped: number) => [...(dropped ? ['', `${dropped} more row${dropped === 1 ? '' : 's'} left out to stay within --max-length (guardrails impact --json lists them all)`] : []), '', '</details>'];
  const text = (kept: number) => `${[...lines, ...open, ...rows.slice(0, kept), ...close(rows.length - kept)].join('\n')}\n`;
  const max = options.maxLength ?? 0;
  let kept = rows.length;
  let out = text(kept);
  while (max > 0 && out.length > max && kept > 0) out = text(--kept);
  if (max > 0 && out.length > max) return `${lines.join('\n')}\n`;
  return out;
}
