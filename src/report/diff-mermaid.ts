/**
 * The picture of the change in the pull-request comment: a Mermaid flowchart (GitHub draws ```mermaid
 * blocks in comments and step summaries) of the part of the OU tree the change touches (change-tree.ts),
 * each node coloured by its verdict and saying it in words too (colour is not the only signal, and a
 * reader without Mermaid sees the words), with the waves that reach it.
 *
 * Names (OUs, accounts, waves) go through mermaidText (escape.ts); the rest of each label is this
 * module's own words, of letters, digits, spaces and commas only (checked), so that no label needs
 * Mermaid's quoting rules beyond its quotes.
 */
import { mermaidText, markdownFence, markdownText as md } from './escape.js';
import { formatCount } from './format.js';
import { markdownDetails } from './markdown-blocks.js';
import type { PictureNode, TreePicture, TreeVerdict } from './change-tree.js';

/** Past this many nodes, the picture is folded under its summary. */
export const FOLD_PICTURE_ABOVE = 15;

/**
 * Fill, border and text colour of each verdict: dark text on light fills, readable on GitHub's light
 * and dark themes alike (the fill is drawn on either background); looser and mixed with a thicker
 * border, mixed dashed, so that they stand out without colour too.
 */
const CLASS_DEFS: Record<TreeVerdict, string> = {
  stricter: 'fill:#dbeafe,stroke:#1d4ed8,color:#0b1f4d,stroke-width:2px',
  looser: 'fill:#ffedd5,stroke:#c2410c,color:#431407,stroke-width:4px',
  mixed: 'fill:#f3e8ff,stroke:#7e22ce,color:#3b0764,stroke-width:4px,stroke-dasharray:6 3',
  unchanged: 'fill:#f4f4f5,stroke:#a1a1aa,color:#3f3f46',
};

/** What the first wave reaches, drawn over its verdict's style: the border thickest and the label bold. */
const FIRST_WAVE_STYLE = 'stroke-width:5px,font-weight:bold';

const MAX_WAVES_NAMED = 4;
/** Longer names are cut (with an ellipsis) so that a node stays a few lines. */
const MAX_NAME = 40;

/** The Mermaid text of the picture: `flowchart LR`, one line per node, edge and class. */
export function mermaidTreePicture(picture: TreePicture): string[] {
  const lines = ['flowchart LR'];
  for (const [verdict, style] of Object.entries(CLASS_DEFS)) lines.push(`  classDef ${verdict} ${style}`);
  for (const n of picture.nodes) lines.push(`  ${n.id}${shape(n.kind, labelOf(n).join('<br/>'))}`);
  for (const n of picture.nodes) if (n.parent) lines.push(`  ${n.parent} --> ${n.id}`);
  for (const verdict of Object.keys(CLASS_DEFS) as TreeVerdict[]) {
    const ids = picture.nodes.filter((n) => n.verdict === verdict).map((n) => n.id);
    if (ids.length) lines.push(`  class ${ids.join(',')} ${verdict}`);
  }
  // After the verdicts' classes, so that its border width wins; the verdict's colours stay.
  const first = picture.firstWave === undefined ? [] : picture.nodes.filter((n) => n.waves.includes(picture.firstWave!)).map((n) => n.id);
  if (first.length) lines.push('  classDef firstWave ' + FIRST_WAVE_STYLE, `  class ${first.join(',')} firstWave`);
  return lines;
}

/** The comment's section: a heading, the diagram (folded when large), and one line saying how to read it. */
export function treePictureSection(picture: TreePicture): string[] {
  const { ous, accounts, changed } = picture.totals;
  const drawnOus = picture.nodes.filter((n) => n.kind === 'ou').length;
  const block = markdownFence(mermaidTreePicture(picture).join('\n'), 'mermaid');
  const how = `_Each OU and group of accounts by what the change does to its accounts (stricter, looser, mixed or unchanged) and the waves that reach them${picture.firstWave === undefined ? '' : ` (what the first wave, ${md(picture.firstWave)}, reaches in bold)`}; ${formatCount(changed)} of ${formatCount(accounts)} accounts change${drawnOus < ous ? `; ${formatCount(drawnOus)} of ${formatCount(ous)} OUs drawn, the others folded or summed up` : ''}._`;
  const body = [...block, '', how, ''];
  const out = ['### Where it applies', ''];
  if (picture.nodes.length > FOLD_PICTURE_ABOVE) out.push(...markdownDetails(md(`The tree, in ${formatCount(picture.nodes.length)} nodes`), body));
  else out.push(...body);
  return out;
}

function shape(kind: PictureNode['kind'], label: string): string {
  if (kind === 'accounts') return `(["${label}"])`;
  if (kind === 'unchanged-ous' || kind === 'more-ous') return `[["${label}"]]`;
  return `["${label}"]`;
}

function labelOf(n: PictureNode): string[] {
  const out: string[] = [];
  if (n.kind === 'unchanged-ous') out.push(own(`${formatCount(n.ous)} OUs`));
  else if (n.kind === 'more-ous') out.push(own(`${formatCount(n.ous)} more OUs`));
  else if (n.name !== undefined) out.push(mermaidText(cut(n.name)));
  else out.push(own(count(n.accounts, 'account')));
  out.push(own(verdictLine(n)));
  if (n.waves.length) {
    const named = n.waves.slice(0, MAX_WAVES_NAMED).map((w) => mermaidText(cut(w))).join(', ');
    const more = n.waves.length > MAX_WAVES_NAMED ? own(` and ${n.waves.length - MAX_WAVES_NAMED} more`) : '';
    out.push(`${own(n.waves.length === 1 ? 'wave ' : 'waves ')}${named}${more}`);
  }
  if (n.hidden) out.push(own(`${count(n.hidden.ous, 'OU')} below not drawn`));
  return out;
}

function verdictLine(n: PictureNode): string {
  // A group of accounts or a single account: its label already says how many.
  if (n.kind === 'accounts') return n.verdict;
  if (!n.accounts) return `${n.verdict}, no accounts`;
  if (n.verdict === 'unchanged') return `unchanged, ${count(n.accounts, 'account')}`;
  return n.changed === n.accounts ? `${n.verdict}, ${count(n.accounts, 'account')}` : `${n.verdict}, ${formatCount(n.changed)} of ${count(n.accounts, 'account')}`;
}

function count(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

function cut(name: string): string {
  const chars = [...name];
  return chars.length > MAX_NAME ? `${chars.slice(0, MAX_NAME - 1).join('')}\u2026` : name;
}

/** This module's own words: plain enough for any Mermaid label as they are. */
function own(text: string): string {
  if (!/^[A-Za-z0-9 ,]*$/.test(text)) throw new Error(`not plain label text: ${JSON.stringify(text)}`);
  return text;
}
