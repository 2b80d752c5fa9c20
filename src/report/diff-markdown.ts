/**
 * The diff as a pull-request comment: what the change does first (the semantic diff), then sizes
 * against the quotas and the per-target changes, then each policy's line diff, collapsed.
 *
 * Every name, message and date in it comes from the intent, the org snapshot or the service reference,
 * and is written through markdownText / markdownCode (./escape.ts): the snapshot is as untrusted as the
 * pull request, and the comment is posted with the workflow's token.
 */
import type { DiffReport } from '../plan/index.js';
import type { SemanticChange, SemanticGroup } from '../semantic-diff/index.js';
import { markdownCode as code, markdownFence, markdownText as md } from './escape.js';
import { formatCount } from './format.js';
import { renderTreeDriftMarkdown } from './tree-drift-text.js';
import { changeTitle, conditionLines, sampleActions, summarizeActions } from './semantic-summary.js';

const MAX_ACTIONS_SHOWN = 12;

export function renderDiffMarkdown(r: DiffReport): string {
  const out: string[] = [];
  const c = r.structural.counts;
  out.push(`## guardrails diff: ${md(r.organization)}`);
  out.push('');
  for (const w of r.warnings) out.push(`> **Warning:** ${md(w.message)}.${w.hint ? ` ${warningHint(w.hint)}.` : ''}`, '');
  out.push(...renderTreeDriftMarkdown(r.treeDrift));
  const deployed = `${md(r.deployed.source)}, read ${md(r.deployed.readAt)}`;
  if (!r.changed) {
    out.push(`No change: the deployed policies (${deployed}) are what the intent compiles to.`);
    return out.join('\n') + '\n';
  }
  out.push(`${plural(c.create, 'policy', 'policies')} to create, ${c.update} to update, ${c.delete} to delete; ${plural(c.attach, 'attachment')} to add, ${c.detach} to remove. Deployed state: ${deployed}; reference ${md(r.reference)}.`);
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
    out.push(`| ${code(p.name)} | ${md(p.type.toUpperCase())} | ${md(p.change)} | ${chars} | ${p.controls.map(md).join(', ')} |`);
  }
  out.push('');
  if (r.structural.targets.length) {
    out.push('### Attachments');
    out.push('');
    out.push('| target | type | attach | detach | slots |');
    out.push('|---|---|---|---|---|');
    for (const t of r.structural.targets) {
      out.push(`| ${md(t.target.label)} | ${md(t.type.toUpperCase())} | ${t.attach.map(code).join(', ')} | ${t.detach.map(code).join(', ')} | ${t.slots.before} -> ${t.slots.after} of ${t.slots.max} |`);
    }
    out.push('');
  }
  const wild = r.structural.policies.filter((p) => p.wildcards);
  if (wild.length) {
    out.push('### Wildcards compile wrote');
    out.push('');
    out.push('The intent did not write these; compile did, to fit a quota. Each also matches the actions AWS adds later that fit it.');
    out.push('');
    out.push('| policy | level | forced by | wildcards |');
    out.push('|---|---|---|---|');
    for (const p of wild) {
      const w = p.wildcards!;
      const patterns = w.patterns.map((x) => `${code(x.pattern)}${x.isNew ? ' (new)' : ''}`);
      if (w.notAction) patterns.push('an Action list as `NotAction` of its complement (denies every action AWS adds later)');
      out.push(`| ${code(p.name)} | ${w.level} | ${w.escalatedFor ? md(w.escalatedFor) : ''} | ${patterns.join(', ')} |`);
    }
    out.push('');
  }
  const changed = r.structural.policies.filter((p) => p.textDiff);
  if (changed.length) {
    out.push('### Policy text');
    out.push('');
    for (const p of changed) {
      out.push(`<details><summary><code>${md(p.name)}</code> (${md(p.change)})</summary>`, '', ...markdownFence(p.textDiff!.trimEnd(), 'diff'), '', '</details>', '');
    }
  }
  return out.join('\n') + '\n';
}

/** A warning's hint, its `aws ...` command (to run by hand) in code style. */
function warningHint(hint: string): string {
  const command = /: (aws .*)$/.exec(hint);
  return command ? `${md(hint.slice(0, command.index))}: ${code(command[1]!)}` : md(hint);
}

function semanticGroup(g: SemanticGroup): string[] {
  const out: string[] = [];
  out.push(`**${md(g.type.toUpperCase())}, ${g.type === 'rcp' ? 'on resources of the account, asked by ' : ''}${g.personas.map(md).join('; ')}**: ${g.targets.map(md).join(', ')} (${plural(g.accounts.length, 'account')})`);
  out.push('');
  for (const ch of g.changes) out.push(...change(ch));
  return out;
}

function change(ch: SemanticChange): string[] {
  const out: string[] = [];
  out.push(`- **${formatCount(ch.count)} action${ch.count === 1 ? '' : 's'} ${md(changeTitle(ch))}**: ${md(summarizeActions(ch))}`);
  out.push(`  - ${sampleActions(ch, MAX_ACTIONS_SHOWN).map(code).join(', ')}${ch.count > MAX_ACTIONS_SHOWN ? `, and ${formatCount(ch.count - MAX_ACTIONS_SHOWN)} more` : ''}`);
  for (const [label, signatures] of conditionLines(ch)) out.push(`  - ${md(label)}: ${signatures.map(code).join('; ')}`);
  return out;
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}
