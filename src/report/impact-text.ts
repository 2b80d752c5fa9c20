/** `guardrails impact` on a terminal: the totals, then one line per finding; every record string made inert (escape.ts). */
import type { ImpactReport } from '../impact/report-types.js';
import { terminalText as t } from './escape.js';

export function renderImpactText(r: ImpactReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const out: string[] = [];
  const when = r.window.since && r.window.until ? ` from ${t(r.window.since)} to ${t(r.window.until)}` : '';
  out.push(`replayed ${n(r.totals.authorizationEvents)} events (${n(r.totals.shapes)} request shapes)${when} from ${t(r.window.source)} ${t(r.window.location)}`);
  out.push(`newly denied: ${n(r.totals.newlyDenied)} events; may deny: ${n(r.totals.mayDeny)}; newly allowed: ${n(r.totals.newlyAllowed)}; already denied: ${n(r.alreadyDenied.events)}; not mapped to an action: ${n(r.totals.unmapped)}`);
  const sections = [
    ['newly-denied', 'newly denied'],
    ['may-deny', 'may be denied (decided by what CloudTrail does not record)'],
    ['newly-allowed', 'newly allowed'],
  ] as const;
  for (const [change, title] of sections) {
    const found = r.findings.filter((f) => f.change === change);
    if (!found.length) continue;
    out.push('', `${title}:`);
    for (const f of found) {
      const controls = f.controls.length ? f.controls.map((c) => t(c.control)).join(', ') : f.statements.map((s) => t(s.policy)).join(', ');
      const account = f.account.name ? `${t(f.account.name)} (${t(f.account.id)})` : t(f.account.id);
      const principal = f.principal.arn ? t(f.principal.arn) : `${t(f.principal.type)} ${t(f.principal.account ?? '')}`.trim();
      const keys = f.unknownKeys.length ? ` [unknown: ${f.unknownKeys.map(t).join(', ')}]` : '';
      out.push(`  ${controls}: ${account} ${principal} ${t(f.action)} in ${f.regions.map(t).join(', ')}: ${n(f.events)} events, ${t(f.firstSeen)} to ${t(f.lastSeen)}, e.g. ${t(f.exampleEventId)}${keys}`);
    }
  }
  if (r.alreadyDenied.events) out.push('', `already denied before the change: ${n(r.alreadyDenied.events)} events (${r.alreadyDenied.byControl.map((c) => `${t(c.control)} ${n(c.events)}`).join(', ') || 'no control named'})`);
  if (r.unmapped.length) out.push('', 'not mapped to an action:', ...r.unmapped.map((u) => `  ${t(u.eventSource)}: ${n(u.events)} events (${u.eventNames.map((e) => t(e.name)).join(', ')})`));
  return `${out.join('\n')}\n`;
}
