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

export function renderDiffText(r: DiffReport): string {
  const out: string[] = [];
  const c = r.structural.counts;
  for (const w of r.warnings) out.push(`warning: ${t(w.message)}`, ...(w.hint ? [`  hint: ${t(w.hint)}`] : []), '');
  out.push(...renderTreeDriftText(r.treeDrift));
  if (!r.changed) return `${out.join('\n')}${out.length ? '\n' : ''}no change: the deployed policies (${t(r.deployed.source)}) are what the intent compiles to\n`;
  out.push(`${c.create} to create, ${c.update} to update, ${c.delete} to delete; ${c.attach} attachments to add, ${c.detach} to remove (deployed: ${t(r.deployed.source)}, read ${t(r.deployed.readAt)})`);
  out.push('');
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
