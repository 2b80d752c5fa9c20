/** The diff for a terminal: the semantic summary, then per-policy changes, then the line diffs. */
import type { DiffReport } from '../plan/index.js';
import { formatCount } from './format.js';
import { changeTitle, conditionLines, sampleActions, summarizeActions } from './semantic-summary.js';

export function renderDiffText(r: DiffReport): string {
  const out: string[] = [];
  const c = r.structural.counts;
  for (const w of r.warnings) out.push(`warning: ${w.message}`, ...(w.hint ? [`  hint: ${w.hint}`] : []), '');
  if (!r.changed) return `${out.join('\n')}${out.length ? '\n' : ''}no change: the deployed policies (${r.deployed.source}) are what the intent compiles to\n`;
  out.push(`${c.create} to create, ${c.update} to update, ${c.delete} to delete; ${c.attach} attachments to add, ${c.detach} to remove (deployed: ${r.deployed.source}, read ${r.deployed.readAt})`);
  out.push('');
  out.push('what changes:');
  if (!r.semantic.length) out.push('  no action changes its decision for any account');
  for (const g of r.semantic) {
    out.push(`  ${g.type.toUpperCase()}, ${g.type === 'rcp' ? 'on resources of the account, asked by ' : ''}${g.personas.join('; ')}: ${g.targets.join(', ')} (${formatCount(g.accounts.length)} account${g.accounts.length === 1 ? '' : 's'})`);
    for (const ch of g.changes) {
      out.push(`    ${formatCount(ch.count)} action${ch.count === 1 ? '' : 's'} ${changeTitle(ch)}: ${summarizeActions(ch)}`);
      out.push(`      ${sampleActions(ch, 8).join(', ')}${ch.count > 8 ? `, ... (${formatCount(ch.count - 8)} more)` : ''}`);
      for (const [label, signatures] of conditionLines(ch)) out.push(`      ${label}: ${signatures.join('; ')}`);
    }
  }
  out.push('');
  out.push('policies:');
  for (const p of r.structural.policies) {
    if (p.change === 'unchanged' && !p.attach.length && !p.detach.length) continue;
    const moves = [...p.attach.map((t) => `+${t.label}`), ...p.detach.map((t) => `-${t.label}`)];
    out.push(`  ${p.change.padEnd(9)} ${p.type.toUpperCase()} ${p.name}${p.chars.after !== null ? ` (${formatCount(p.chars.after)}/${formatCount(p.chars.max)} characters)` : ''}${moves.length ? `  ${moves.join(' ')}` : ''}`);
  }
  for (const p of r.structural.policies) if (p.textDiff) out.push('', p.textDiff.trimEnd());
  return out.join('\n') + '\n';
}
