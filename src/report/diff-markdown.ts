/**
 * The diff as a pull-request comment, in the order a reviewer decides: a hidden marker (a workflow finds
 * the comment by it and updates it instead of adding one per push), one summary line, whether anything
 * becomes allowed (what, first, when something does), the verdict per control, the policies and
 * attachments; then, folded, each control's changes with personas, accounts, actions and raw
 * conditions, the changes no control makes, and each policy's line diff.
 *
 * Every name, message and date in it comes from the intent, the org snapshot or the service reference,
 * and is written through markdownText / markdownCode (./escape.ts): the snapshot is as untrusted as the
 * pull request, and the comment is posted with the workflow's token.
 */
import type { DiffReport } from '../plan/index.js';
import type { SemanticChange, SemanticGroup } from '../semantic-diff/index.js';
import { accountVerdicts, changeTreePicture, MAX_PICTURE_NODES, type TreePictureInput } from './change-tree.js';
import { impactLineMarkdown, impactTableMarkdown, type DiffImpact } from './diff-impact.js';
import { allowedSection, controlDetails, nothingAllowed, plural, verdictTable } from './diff-markdown-review.js';
import { markdownCode as code, markdownFence, markdownText as md } from './escape.js';
import { formatCount } from './format.js';
import { fitComment, markdownDetails, markdownTable, type CommentSection } from './markdown-blocks.js';
import { treePictureSection } from './diff-mermaid.js';
import { renderTreeDriftMarkdown } from './tree-drift-text.js';
import { changeTitle, conditionLines, sampleActions, summarizeActions } from './semantic-summary.js';

const MAX_ACTIONS_SHOWN = 12;

/** GitHub's limit on a comment's body, in characters. */
export const GITHUB_COMMENT_MAX = 65_536;
/** GitHub's limit on a job's step summary: 1 MiB. */
export const STEP_SUMMARY_MAX = 1_048_576;
/** What a workflow looks for to find the comment to update. */
export const DEFAULT_MARKER = 'guardrails-diff';

export interface DiffMarkdownOptions {
  /** Characters at most (0: no limit); the least important detail is left out first. */
  maxLength?: number;
  /** The hidden marker's name (letters, digits, `.`, `_`, `-`), or false for none. */
  marker?: string | false;
  /** What the change would have done to real traffic (`diff --impact`): its line after whether anything becomes allowed, its table folded. */
  impact?: DiffImpact;
  /** The deployed tree and the intent's waves: the picture of where the change applies, after the verdicts. */
  tree?: TreePictureInput;
}

export function renderDiffMarkdown(r: DiffReport, options: DiffMarkdownOptions = {}): string {
  const head: string[] = [];
  const marker = options.marker ?? DEFAULT_MARKER;
  if (marker) {
    if (!/^[A-Za-z0-9._-]+$/.test(marker)) throw new Error(`marker ${JSON.stringify(marker)} must be letters, digits, '.', '_' or '-'`);
    head.push(`<!-- ${marker} -->`);
  }
  head.push(`## guardrails diff: ${md(r.organization)}`, '');
  for (const w of r.warnings) head.push(`> **Warning:** ${md(w.message)}.${w.hint ? ` ${warningHint(w.hint)}.` : ''}`, '');
  head.push(...renderTreeDriftMarkdown(r.treeDrift));
  const c = r.structural.counts;
  const deployed = `${md(r.deployed.source)}, read ${md(r.deployed.readAt)}`;
  if (!r.changed) {
    head.push(`No change: the deployed policies (${deployed}) are what the intent compiles to.`);
    return head.join('\n') + '\n';
  }
  const affected = new Set(r.semantic.flatMap((g) => g.accounts)).size;
  head.push(`**${plural(c.create, 'policy', 'policies')} to create, ${formatCount(c.update)} to update, ${formatCount(c.delete)} to delete; ${plural(c.attach, 'attachment')} to add, ${formatCount(c.detach)} to remove; ${plural(affected, 'account')} affected.** Deployed: ${deployed}; reference ${md(r.reference)}.`, '');
  const sections: CommentSection[] = [
    { expendable: 0, renderings: [head], cut: '' },
    { expendable: 1, renderings: [allowedSection(r, MAX_ACTIONS_SHOWN), allowedSection(r, 0)], cut: 'the names of the actions that become allowed' },
    ...impactSections(options.impact),
    { expendable: 1, renderings: [verdictTable(r)], cut: '' },
    ...pictureSections(r, options.tree),
    { expendable: 2, renderings: [policiesTable(r)], cut: '' },
    { expendable: 3, renderings: [attachmentsTable(r), []], cut: 'the slots per target' },
    { expendable: 4, renderings: [wildcardsTable(r), []], cut: 'the wildcards compile wrote' },
    { expendable: 5, renderings: [detailsOfControls(r, MAX_ACTIONS_SHOWN), detailsOfControls(r, 0), []], cut: 'per-control detail (personas, accounts, actions, conditions)' },
    { expendable: 6, renderings: [unattributedDetails(r), []], cut: 'the changes no control makes' },
    { expendable: 7, renderings: [policyTexts(r), []], cut: 'the line diff of each policy' },
  ];
  if (!r.semantic.length && nothingAllowed(r)) sections[1] = { expendable: 1, renderings: [['No action changes its decision for any account (the policies change in form only).', '']], cut: '' };
  const fitted = fitComment(sections, options.maxLength ?? GITHUB_COMMENT_MAX, (cut) => [`_Left out to fit ${formatCount(options.maxLength ?? GITHUB_COMMENT_MAX)} characters: ${cut.join('; ')}. \`guardrails diff --json\` has everything._`]);
  return fitted.text;
}

/**
 * The replay's line (never cut: a reviewer reads it with whether anything becomes allowed) and its
 * folded table, which shrinks to its first rows and then goes once the line diffs and the per-control
 * detail have gone.
 */
function impactSections(impact: DiffImpact | undefined): CommentSection[] {
  if (!impact) return [];
  return [
    { expendable: 1, renderings: [impactLineMarkdown(impact)], cut: '' },
    { expendable: 4, renderings: [impactTableMarkdown(impact), impactTableMarkdown(impact, 20), impactTableMarkdown(impact, 5), []], cut: 'rows of the replay\'s table' },
  ];
}

/** The picture's nodes once the comment must shrink: a step before it is given up (the verdicts say it in words). */
const SMALL_PICTURE_NODES = 12;

function pictureSections(r: DiffReport, tree: TreePictureInput | undefined): CommentSection[] {
  if (!tree) return [];
  const verdicts = accountVerdicts(r.semantic);
  if (!verdicts.size) return [];
  const [full, small] = [MAX_PICTURE_NODES, SMALL_PICTURE_NODES].map((cap) => treePictureSection(changeTreePicture(tree, verdicts, cap)));
  return [{ expendable: 4, renderings: [full!, small!, []], cut: 'the picture of the tree, in part or whole' }];
}

/** Per policy its change, size against the quota, and where it is attached and detached. */
function policiesTable(r: DiffReport): string[] {
  const rows = r.structural.policies.map((p) => {
    const chars = p.chars.after === null ? `${formatCount(p.chars.before!)} -> deleted` : `${p.chars.before !== null && p.chars.before !== p.chars.after ? `${formatCount(p.chars.before)} -> ` : ''}${formatCount(p.chars.after)} (${Math.round((p.chars.after / p.chars.max) * 100)}%)`;
    const short = (label: string) => md(label.replace(/^OU [^/]+\//, '').replace(/^root /, ''));
    const moves = [...p.attach.map((t) => `+ ${short(t.label)}`), ...p.detach.map((t) => `- ${short(t.label)}`)].join(', ');
    return [code(p.name), `${md(p.type.toUpperCase())} ${md(p.change)}`, chars, moves];
  });
  // Its controls are in its name, and each control's change is in the verdict table above.
  return ['### Policies', '', ...markdownTable(['policy', 'change', 'characters (of quota)', 'attachments'], rows), ''];
}

/** The same attachments per target, with its slots before and after: folded, the policies table has the moves. */
function attachmentsTable(r: DiffReport): string[] {
  if (!r.structural.targets.length) return [];
  const rows = r.structural.targets.map((t) => [md(t.target.label), md(t.type.toUpperCase()), t.attach.map(code).join(', '), t.detach.map(code).join(', '), `${t.slots.before} -> ${t.slots.after} of ${t.slots.max}`]);
  return markdownDetails(`Attachments per target, with their slots (${plural(r.structural.targets.length, 'target')})`, markdownTable(['target', 'type', 'attach', 'detach', 'slots'], rows));
}

function wildcardsTable(r: DiffReport): string[] {
  const wild = r.structural.policies.filter((p) => p.wildcards);
  if (!wild.length) return [];
  const rows = wild.map((p) => {
    const w = p.wildcards!;
    const patterns = w.patterns.map((x) => `${code(x.pattern)}${x.isNew ? ' (new)' : ''}`);
    if (w.notAction) patterns.push('an Action list as `NotAction` of its complement (denies every action AWS adds later)');
    return [code(p.name), String(w.level), w.escalatedFor ? md(w.escalatedFor) : '', patterns.join(', ')];
  });
  return ['### Wildcards compile wrote', '', 'The intent did not write these; compile did, to fit a quota. Each also matches the actions AWS adds later that fit it.', '', ...markdownTable(['policy', 'level', 'forced by', 'wildcards'], rows), ''];
}

function detailsOfControls(r: DiffReport, maxActions: number): string[] {
  if (!r.review.verdicts.length) return [];
  return ['### Changes per control', '', ...controlDetails(r, maxActions)];
}

/** The persona groups' changes that no control's statement makes (a policy guardrails does not own, a type being enabled). */
function unattributedDetails(r: DiffReport): string[] {
  const groups = r.semantic.map((g) => ({ ...g, changes: g.changes.filter((c) => !c.byControl?.length) })).filter((g) => g.changes.length);
  if (!groups.length) return [];
  return markdownDetails(`Changes no control makes (${plural(groups.reduce((n, g) => n + g.changes.length, 0), 'change')})`, groups.flatMap((g) => [...semanticGroup(g), '']));
}

function policyTexts(r: DiffReport): string[] {
  const changed = r.structural.policies.filter((p) => p.textDiff);
  if (!changed.length) return [];
  const out = ['### Policy text', ''];
  for (const p of changed) out.push(...markdownDetails(`<code>${md(p.name)}</code> (${md(p.change)})`, markdownFence(p.textDiff!.trimEnd(), 'diff')));
  return out;
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
