/** One line for a set of actions: counts per access level, then the services with the most actions. */
import { CHANGE_TITLES, type SemanticChange } from '../semantic-diff/index.js';
import { ACCESS_LEVEL_SEVERITY, type AccessLevel } from '../reference/index.js';
import { formatCount } from './format.js';

export function summarizeActions(ch: SemanticChange, maxServices = 8): string {
  const levels = new Map<string, number>();
  const services = new Map<string, number>();
  for (const s of ch.services) {
    levels.set(s.accessLevel, (levels.get(s.accessLevel) ?? 0) + s.count);
    services.set(s.service, (services.get(s.service) ?? 0) + s.count);
  }
  const byLevel = [...levels].sort((a, b) => ACCESS_LEVEL_SEVERITY.indexOf(a[0] as AccessLevel) - ACCESS_LEVEL_SEVERITY.indexOf(b[0] as AccessLevel)).map(([l, n]) => `${l} ${formatCount(n)}`);
  const top = [...services].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const shown = top.slice(0, maxServices).map(([s, n]) => `${s} ${formatCount(n)}`);
  const rest = top.length - shown.length;
  return `${byLevel.join(', ')}; ${top.length === 1 ? 'in' : `in ${top.length} services:`} ${shown.join(', ')}${rest > 0 ? `, and ${rest} more` : ''}`;
}

/** Names to show, Permissions management and Write first: the changes a reviewer should not miss. */
export function sampleActions(ch: SemanticChange, max: number): string[] {
  const sorted = [...ch.services].sort((a, b) => ACCESS_LEVEL_SEVERITY.indexOf(a.accessLevel) - ACCESS_LEVEL_SEVERITY.indexOf(b.accessLevel) || (a.service < b.service ? -1 : 1));
  // The first `max` only, without listing every service's hundred first.
  const out: string[] = [];
  for (const s of sorted) {
    for (const a of s.actions) {
      if (out.length === max) return out;
      out.push(a);
    }
  }
  return out;
}

/** "become denied" or, for one action, "becomes denied". */
export function changeTitle(ch: SemanticChange): string {
  const title = CHANGE_TITLES[ch.kind];
  return ch.count === 1 ? title.replace(/^become /, 'becomes ').replace(/^change /, 'changes ') : title;
}

/** What may deny the actions, before and after, in words that fit the kind of change. */
export function conditionLines(ch: SemanticChange): [string, string[]][] {
  const out: [string, string[]][] = [];
  const removed = ch.before ?? [];
  const added = ch.after ?? [];
  if (ch.kind === 'conditions-changed') {
    if (removed.length) out.push(['no longer denied when', removed]);
    if (added.length) out.push(['now also denied when', added]);
  } else if (ch.kind === 'newly-conditional') out.push(['denied when', added]);
  else if (ch.kind === 'now-conditional') out.push(['still denied when', added]);
  else if (ch.kind === 'newly-allowed' && removed.length) out.push(['were denied when', removed]);
  return out;
}
