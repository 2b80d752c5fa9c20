/**
 * The diff for a terminal: the semantic summary, then per-policy changes, then the line diffs. Names
 * come from the intent, the org snapshot and the service reference: each is written as terminalText.
 */
import type { DiffReport } from '../plan/index.js';
import { inertText } from '../diagnostics/index.js';
import { terminalText as t } from './escape.js';
import { formatCount } from './format.js';
import { renderTreeDriftText } from './tree-drift-text.js';
import { changeTitle, conditionLines, sampleActions, summarizeActions } from './semantic-summary.js';
import { CHANGE_TITLES } from '../semantic-diff/index.js';
import { impactLineText, type DiffImpact } from './diff-impact.js';

/** Whether anything becomes allowed, then one line per control: the review's head, as in the comment. */
function reviewLines(r: DiffReport, impact?: DiffImpact): string[] {
  const out: string[] = [];
  const { allowed, verdicts } = r.review;
  if (!allowed.length && !r.unproven.length) out.push('nothing becomes allowed anywhere');
  else if (!allowed.length) out.push('nothing becomes allowed for the principals the diff asks as');
  for (const a of allowed) out.push(`BECOMES ALLOWED: ${formatCount(a.count)} action${a.count === 1 ? '' : 's'} (${t(summarizeActions({ ...a, direction: 'looser' }))}) ${a.type === 'rcp' ? 'on resources of' : 'in'} ${a.targets.map(t).join(', ')}, asked by ${a.personas.map(t).join('; ')}${a.controls.length ? `; control ${a.controls.map(t).join(', ')}` : ''}${a.allowedExample ? `; e.g. ${t(a.allowedExample)}` : ''}`);
  for (const u of r.unproven) out.push(`NOT PROVEN to deny all it did (for principals the diff does not ask as): ${t(u.policy)}${u.sid ? ` statement ${t(u.sid)}` : ''}${u.controls.length ? ` (${u.controls.map(t).join(', ')})` : ''}: ${t(u.why)}`);
  if (impact) out.push(impactLineText(impact));
  if (verdicts.length) out.push('verdict per control:');
  for (const v of verdicts) {
    const where = v.location ? ` (${t(v.location.file)}:${v.location.line})` : ' (not in the intent)';
    const counts = new Map<string, number>();
    for (const c of v.changes) for (const m of c.meaning ? c.meaning.split('; ') : [`newly ${CHANGE_TITLES[c.kind].replace(/^become /, '')}`]) counts.set(m, Math.max(counts.get(m) ?? 0, c.count));
    const what = [...counts].sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} (${formatCount(n)})`);
    out.push(`  ${t(v.control)}${where}: ${v.verdict}; ${v.targets.map(t).join(', ')} (${formatCount(v.accounts.length)} accounts): ${t(what.slice(0, 4).join('; '))}${what.length > 4 ? `; and ${what.length - 4} more` : ''}`);
  }
  return out;
}

/** `impact`: what the change would have done to real traffic (`diff --impact`), a line after whether anything becomes allowed. */
export function renderDiffText(r: DiffReport, options: { impact?: DiffImpact } = {}): string {
  const out: string[] = [];
  const c = r.structural.counts;
  for (const w of r.warnings) out.push(`warning: ${t(w.message)}`, ...(w.hint ? [`  hint: ${t(w.hint)}`] : []), '');
  out.push(...renderTreeDriftText(r.treeDrift));
  if (!r.changed) return `${out.join('\n')}${out.length ? '\n' : ''}no change: the deployed policies (${t(r.deployed.source)}) are what the intent compiles to\n`;
  out.push(`${c.create} to create, ${c.update} to update, ${c.delete} to delete; ${c.attach} attachments to add, ${c.detach} to remove (deployed: ${t(r.deployed.source)}, read ${t(r.deployed.readAt)})`);
  out.push('');
  out.push(...reviewLines(r, options.impact), '');
  out.push('what changes:');
  if (!r.semantic.length) out.push('  no action changes its decision for any account');
  for (const g of r.semantic) {
    out.push(`  ${g.type.toUpperCase()}, ${g.type === 'rcp' ? 'on resources of the account, asked by ' : ''}${g.personas.map(t).join('; ')}: ${g.targets.map(t).join(', ')} (${formatCount(g.accounts.length)} account${g.accounts.length === 1 ? '' : 's'})`);
    for (const ch of g.changes) {
      out.push(`    ${formatCount(ch.count)} action${ch.count === 1 ? '' : 's'} ${changeTitle(ch)}: ${t(summarizeActions(ch))}`);
      out.push(`      ${sampleActions(ch, 8).map(t).join(', ')}${ch.count > 8 ? `, ... (${formatCount(ch.count - 8)} more)` : ''}`);
      for (const [label, signatures] of conditionLines(ch)) out.push(`      ${label}: ${signatures.map(t).join('; ')}`);
    }
  }
  out.push('');
  out.push('policies:');
  for (const p of r.structural.policies) {
    if (p.change === 'unchanged' && !p.attach.length && !p.detach.length) continue;
    const moves = [...p.attach.map((x) => `+${t(x.label)}`), ...p.detach.map((x) => `-${t(x.label)}`)];
    out.push(`  ${p.change.padEnd(9)} ${p.type.toUpperCase()} ${t(p.name)}${p.chars.after !== null ? ` (${formatCount(p.chars.after)}/${formatCount(p.chars.max)} characters)` : ''}${moves.length ? `  ${moves.join(' ')}` : ''}`);
  }
  const wild = r.structural.policies.filter((p) => p.wildcards);
  if (wild.length) {
    out.push('', 'wildcards compile wrote (the intent did not; each also matches the actions AWS adds later that fit it):');
    for (const p of wild) {
      const w = p.wildcards!;
      const patterns = w.patterns.map((x) => `${t(x.pattern)}${x.isNew ? ' (new)' : ''}`);
      if (w.notAction) patterns.push('an Action list written as NotAction of its complement (it denies every action AWS adds later)');
      out.push(`  ${t(p.name)}, level ${w.level}${w.escalatedFor ? ` (${t(w.escalatedFor)})` : ''}: ${patterns.join(', ')}`);
    }
  }
  for (const p of r.structural.policies) if (p.textDiff) out.push('', inertText(p.textDiff.trimEnd()));
  return out.join('\n') + '\n';
}
