/**
 * The diff as a pull-request comment: what the change does first (the semantic diff), then sizes
 * against the quotas and the per-target changes, then each policy's line diff, collapsed.
 */
import type { DiffReport, SemanticChange, SemanticGroup } from '../plan/index.js';
import { formatCount } from './format.js';
import { changeTitle, conditionLines, sampleActions, summarizeActions } from './semantic-summary.js';

const MAX_ACTIONS_SHOWN = 12;

export function renderDiffMarkdown(r: DiffReport): string {
  const out: string[] = [];
  const c = r.structural.counts;
  out.push(`## guardrails diff: ${r.organization}`);
  out.push('');
  for (const w of r.warnings) out.push(`> **Warning:** ${w.message}.${w.hint ? ` ${w.hint.replace(/: (aws .*)$/, ': `$1`')}.` : ''}`, '');
  if (!r.changed) {
    out.push(`No change: the deployed policies (${r.deployed.source}, read ${r.deployed.readAt}) are what the intent compiles to.`);
    return out.join('\n') + '\n';
  }
  out.push(`${plural(c.create, 'policy', 'policies')} to create, ${c.update} to update, ${c.delete} to delete; ${plural(c.attach, 'attachment')} to add, ${c.detach} to remove. Deployed state: ${r.deployed.source}, read ${r.deployed.readAt}; reference ${r.reference}.`);
  out.push('');
  out.push('### What changes');
  out.push('');
  if (!r.semantic.length) out.push('No action changes its decision for any account (the policies change in form only).');
  for (const g of r.semantic) out.push(...semanticGroup(g), '');
  out.push('### Policies');
  out.push('');
  out.push('| policy | type | change | characters | controls |');
  out.push('|---|---|---|---|---|');
  for (const p of r.structural.policies) {
    const chars = p.chars.after === null ? `${formatCount(p.chars.before!)} -> deleted` : `${p.chars.before !== null && p.chars.before !== p.chars.after ? `${formatCount(p.chars.before)} -> ` : ''}${formatCount(p.chars.after)} / ${formatCount(p.chars.max)} (${Math.round((p.chars.after / p.chars.max) * 100)}%)`;
    out.push(`| \`${p.name}\` | ${p.type.toUpperCase()} | ${p.change} | ${chars} | ${p.controls.join(', ')} |`);
  }
  out.push('');
  if (r.structural.targets.length) {
    out.push('### Attachments');
    out.push('');
    out.push('| target | type | attach | detach | slots |');
    out.push('|---|---|---|---|---|');
    for (const t of r.structural.targets) {
      out.push(`| ${t.target.label} | ${t.type.toUpperCase()} | ${t.attach.map((n) => `\`${n}\``).join(', ')} | ${t.detach.map((n) => `\`${n}\``).join(', ')} | ${t.slots.before} -> ${t.slots.after} of ${t.slots.max} |`);
    }
    out.push('');
  }
  const changed = r.structural.policies.filter((p) => p.textDiff);
  if (changed.length) {
    out.push('### Policy text');
    out.push('');
    for (const p of changed) {
      out.push(`<details><summary><code>${p.name}</code> (${p.change})</summary>`, '', '```diff', p.textDiff!.trimEnd(), '```', '', '</details>', '');
    }
  }
  return out.join('\n') + '\n';
}

function semanticGroup(g: SemanticGroup): string[] {
  const out: string[] = [];
  out.push(`**${g.type.toUpperCase()}, ${g.type === 'rcp' ? 'on resources of the account, asked by ' : ''}${g.personas.join('; ')}**: ${g.targets.join(', ')} (${plural(g.accounts.length, 'account')})`);
  out.push('');
  for (const ch of g.changes) out.push(...change(ch));
  return out;
}

function change(ch: SemanticChange): string[] {
  const out: string[] = [];
  out.push(`- **${formatCount(ch.count)} action${ch.count === 1 ? '' : 's'} ${changeTitle(ch)}**: ${summarizeActions(ch)}`);
  out.push(`  - ${sampleActions(ch, MAX_ACTIONS_SHOWN).map((n) => `\`${n}\``).join(', ')}${ch.count > MAX_ACTIONS_SHOWN ? `, and ${formatCount(ch.count - MAX_ACTIONS_SHOWN)} more` : ''}`);
  for (const [label, signatures] of conditionLines(ch)) out.push(`  - ${label}: ${signatures.map((s) => `\`${s}\``).join('; ')}`);
  return out;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}
