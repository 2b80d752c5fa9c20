/**
 * `guardrails explain` for a terminal: per statement, where it comes from; per pattern, what it
 * matches today and, for a wildcard, what it will match as AWS adds actions. The policy file, its
 * manifest and the reference are a pull request's text: every string is written as terminalText.
 * Warnings (no manifest, a stale one) go to stderr with the other diagnostics.
 */
import type { ExplainedPattern, Explanation } from '../explain/explain.js';
import { terminalText as t } from './escape.js';
import { formatCount } from './format.js';

/** Names listed per pattern unless one pattern was asked for (then all of them). */
const LISTED = 10;

export function renderExplainText(x: Explanation, file: string, options: { allNames: boolean }): string {
  const out: string[] = [];
  const what = x.policy ? `${x.type ? `${x.type.toUpperCase()} ` : ''}${t(x.policy)}` : 'a policy no compile manifest lists';
  out.push(`${t(file)}: ${what}; matches against reference ${t(x.reference.snapshotId)}${x.reference.syncedOn ? ` (synced ${t(x.reference.syncedOn)})` : ''}`);
  for (const s of x.statements) {
    out.push('');
    const actions = `${formatCount(s.actions)} action${s.actions === 1 ? '' : 's'}`;
    out.push(`statement ${s.index}${s.sid ? ` ${t(s.sid)}` : ''}: ${s.effect}, ${s.element === 'NotAction' ? `every action but ${actions}` : actions}`);
    for (const src of s.sources) {
      out.push(`  from control ${t(src.control)} (${t(src.role)}${src.companionOf ? ` of ${t(src.companionOf)}` : ''})${src.source ? ` at ${t(src.source)}` : ''}: ${t(src.summary)}`);
    }
    if (s.notActionNote) out.push(`  NotAction: ${t(s.notActionNote)}`);
    for (const p of s.patterns) out.push(...patternLines(p, options.allNames));
  }
  return out.join('\n') + '\n';
}

function patternLines(p: ExplainedPattern, allNames: boolean): string[] {
  const out: string[] = [];
  const count = `${formatCount(p.matches.length)} action${p.matches.length === 1 ? '' : 's'}`;
  const by = p.writtenBy === 'intent' ? ', as the intent wrote it' : p.writtenBy === 'compaction' ? ', written by compaction: the intent named the actions it matches today, not this pattern' : '';
  if (p.unknown) {
    out.push(`  ${t(p.pattern)}: matches nothing in the reference (an action AWS removed, or a name it never had)${by}`);
  } else if (!p.wildcard) {
    out.push(`  ${t(p.pattern)}: ${count}${by}`);
  } else {
    out.push(`  ${t(p.pattern)}: ${count}${by}`);
    const shown = allNames ? p.matches : p.matches.slice(0, LISTED);
    out.push(`    ${shown.map(t).join(', ')}${shown.length < p.matches.length ? `, ... (${formatCount(p.matches.length - shown.length)} more: --pattern ${t(p.pattern)} lists them all)` : ''}`);
  }
  if (p.openEnded) {
    const unasked = p.writtenBy === 'compaction' ? `, which the intent did not ask for` : p.writtenBy === 'intent' ? ', as the intent\'s own pattern says' : '';
    out.push(`    open-ended: ${t(p.openEnded)}${unasked}`);
  }
  return out;
}
