/**
 * The head of the pull-request comment, what a reviewer decides on: whether anything becomes allowed
 * (and exactly what, first, when something does), then one row per control with where it is written,
 * which way its change goes and whom it reaches; and, folded, each control's changes with the personas
 * and accounts they reach, the actions, the raw conditions and the statements that make them.
 *
 * Every string from the intent (control ids, Sids, paths, tag keys and Regions in conditions), the org
 * snapshot (OU and account names, policy names) or the reference goes through escape.ts.
 */
import type { SourceLocation } from '../diagnostics/index.js';
import type { DiffReport, UnprovenPolicy } from '../plan/index.js';
import { CHANGE_TITLES, type AllowedChange, type ControlChange, type ControlVerdict, type Direction, type SemanticChange } from '../semantic-diff/index.js';
import { markdownCode as code, markdownText as md } from './escape.js';
import { formatCount } from './format.js';
import { markdownDetails, markdownTable } from './markdown-blocks.js';
import { sampleActions, summarizeActions } from './semantic-summary.js';

/** The words of a verdict; looser and mixed in bold, since those are what a reviewer must read. */
const VERDICT_WORDS: Record<Direction, string> = { stricter: 'stricter', looser: '**looser**', mixed: '**mixed**', same: 'same effect' };

export function nothingAllowed(r: DiffReport): boolean {
  return !r.review.allowed.length && !r.unproven.length;
}

/** Whether anything becomes allowed: the line every comment opens with, and the list when something does. */
export function allowedSection(r: DiffReport, maxActions: number): string[] {
  const { allowed } = r.review;
  if (nothingAllowed(r)) return ['**Nothing becomes allowed anywhere.**', ''];
  const out: string[] = [];
  if (allowed.length) {
    out.push(`**Becomes allowed** (${plural(allowed.length, 'change')}):`, '');
    for (const a of allowed) out.push(...allowedItem(a, maxActions));
    out.push('');
  } else out.push('**Nothing becomes allowed for the principals the diff asks as.**');
  if (r.unproven.length) {
    out.push(`Not proven to deny all it did for principals the diff does not ask as (an excepted role, an AWS service)${r.unproven.length === 1 ? `: ${unprovenItem(r.unproven[0]!)}` : ':'}`, '');
    if (r.unproven.length > 1) out.push(...r.unproven.map((u) => `- ${unprovenItem(u)}`), '');
  } else out.push('');
  return out;
}

function allowedItem(a: AllowedChange, maxActions: number): string[] {
  const title = CHANGE_TITLES[a.kind].replace(/^become /, '');
  const who = `${a.type === 'rcp' ? 'on resources of ' : 'in '}${reach(a.targets, a.accounts.length)}, asked by ${a.personas.map(md).join('; ')}`;
  const from = a.controls.length ? `; ${a.controls.map(code).join(', ')}` : '';
  const out = [`- **${formatCount(a.count)} action${a.count === 1 ? '' : 's'} ${md(title)}** ${who}${from}: ${actionList(a, maxActions)}`];
  if (a.allowedExample && a.allowedExample !== 'any request') out.push(`  - allowed now, denied before: ${code(a.allowedExample)}`);
  if (a.before?.length) out.push(`  - was denied when: ${a.before.map(code).join('; ')}`);
  if (a.after?.length) out.push(`  - denied now when: ${a.after.map(code).join('; ')}`);
  return out;
}

function unprovenItem(u: UnprovenPolicy): string {
  const said = u.sid ? u.why.replace(`statement ${u.sid} of the old version`, 'it') : u.why;
  // deny-coverage lists what is not covered in full; the policy text diff below has it all.
  const why = said.length > 240 ? `${said.slice(0, 240)}...` : said;
  return `${code(u.policy)}${u.sid ? ` statement ${code(u.sid)}` : ''}${u.controls.length ? ` (${u.controls.map(code).join(', ')})` : ''}: ${md(why)}`;
}

/** One row per control: the table a reviewer reads in two minutes. */
export function verdictTable(r: DiffReport, cwdFree: (l: SourceLocation) => string = locationText): string[] {
  const verdicts = r.review.verdicts;
  const unprovenControls = new Set(r.unproven.flatMap((u) => u.controls));
  // The control and its line in one cell: a column fewer leaves the others room not to wrap.
  const rows = verdicts.map((v) => [`${code(v.control)}<br>${v.location ? md(cwdFree(v.location)) : 'not in the intent'}`, verdictWords(v.verdict, unprovenControls.has(v.control)), reach(v.targets, v.accounts.length, true), whatChanges(v)]);
  // A control whose only change is not proven (nothing the personas see) still gets its row.
  for (const c of unprovenControls) if (!verdicts.some((v) => v.control === c)) rows.push([code(c), verdictWords('same', true), '', 'no change the personas see']);
  if (!rows.length) return [];
  return ['### Verdict per control', '', ...markdownTable(['control', 'verdict', 'reaches', 'what changes'], rows), ''];
}

function verdictWords(d: Direction, unproven: boolean): string {
  return unproven ? `${VERDICT_WORDS[d]}; **not proven** (above)` : VERDICT_WORDS[d];
}

const MAX_MEANINGS = 2;

/** The control's changes in a few words each, the largest first. */
function whatChanges(v: ControlVerdict): string {
  const phrases = new Map<string, number>();
  for (const c of v.changes) {
    const said = c.meaning ? c.meaning.split('; ') : [`newly ${CHANGE_TITLES[c.kind].replace(/^become /, '')} (${topServices(c)})`];
    for (const phrase of said) phrases.set(phrase, Math.max(phrases.get(phrase) ?? 0, c.count));
  }
  const sorted = [...phrases].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, MAX_MEANINGS).map(([p, n]) => `${md(p)}: ${plural(n, 'action')}`);
  return `${shown.join('; ')}${sorted.length > MAX_MEANINGS ? `; and ${sorted.length - MAX_MEANINGS} more` : ''}`;
}

function topServices(c: { services: SemanticChange['services'] }): string {
  const by = new Map<string, number>();
  for (const s of c.services) by.set(s.service, (by.get(s.service) ?? 0) + s.count);
  const top = [...by].sort((a, b) => b[1] - a[1]);
  return `${top.slice(0, 2).map(([s]) => s).join(', ')}${top.length > 2 ? ', ...' : ''}`;
}

/**
 * Each control's changes, folded: the personas and accounts each reaches, the actions, the raw
 * conditions under the meaning, and the statements with their intent lines. `maxActions` 0 leaves the
 * action names out.
 */
export function controlDetails(r: DiffReport, maxActions: number, cwdFree: (l: SourceLocation) => string = locationText): string[] {
  const out: string[] = [];
  for (const v of r.review.verdicts) {
    const body: string[] = [];
    for (const c of v.changes) body.push(...controlChange(c, maxActions, cwdFree));
    const where = v.location ? `, ${md(cwdFree(v.location))}` : '';
    out.push(...markdownDetails(`<code>${md(v.control)}</code>${where}: ${md(v.verdict === 'same' ? 'same effect' : v.verdict)}, ${plural(v.changes.length, 'change')}`, body));
  }
  return out;
}

function controlChange(c: ControlChange, maxActions: number, cwdFree: (l: SourceLocation) => string): string[] {
  const title = c.meaning ? `${md(c.meaning)}: ${md(c.direction)}` : `${formatCount(c.count)} action${c.count === 1 ? '' : 's'} ${md(CHANGE_TITLES[c.kind].replace(/^become /, c.count === 1 ? 'becomes ' : 'become '))}: ${md(c.direction)}`;
  const who = `${c.type.toUpperCase()}, ${c.type === 'rcp' ? 'on resources of' : 'in'} ${reach(c.targets, c.accounts.length)}, asked by ${c.personas.map(md).join('; ')}`;
  const out = [`- **${title}** (${who})`];
  out.push(`  - ${plural(c.count, 'action')}: ${md(summarizeActions({ kind: c.kind, count: c.count, services: c.services, direction: c.direction }))}${maxActions ? `: ${actionList(c, maxActions)}` : ''}`);
  if (c.removed.length) out.push(`  - no longer denied when: ${c.removed.map(code).join('; ')}`);
  if (c.added.length) out.push(`  - ${c.kind === 'newly-denied' ? 'denied' : 'now denied when'}: ${c.added.map(code).join('; ')}`);
  if (c.allowedExample && c.allowedExample !== 'any request') out.push(`  - allowed now, denied before: ${code(c.allowedExample)}`);
  const statements = c.statements.map((s) => `${code(s.policy)}${s.sid ? ` ${code(s.sid)}` : ''}${s.location ? ` (${code(cwdFree(s.location))})` : ''}`);
  out.push(`  - statement${statements.length === 1 ? '' : 's'}: ${statements.join(', ')}`);
  return out;
}

function actionList(c: { count: number; services: SemanticChange['services'] }, max: number): string {
  const names = sampleActions({ kind: 'newly-denied', count: c.count, services: c.services, direction: 'stricter' }, max);
  return `${names.map(code).join(', ')}${c.count > names.length ? `, and ${formatCount(c.count - names.length)} more` : ''}`;
}

/** Tree nodes, at most three, and the account count; `short`: OUs by their path below the root. */
export function reach(targets: readonly string[], accounts: number, short = false): string {
  const name = (t: string) => (short ? t.replace(/^OU [^/]+\//, '').replace(/^root /, '') : t);
  const shown = targets.slice(0, 3).map((t) => md(name(t))).join(', ');
  return `${shown}${targets.length > 3 ? `, and ${targets.length - 3} more` : ''} (${plural(accounts, 'account')})`;
}

export function locationText(l: SourceLocation): string {
  return `${l.file}:${l.line}`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}
