/**
 * The notification as a Slack message of Block Kit blocks, built as objects: a header, the counts as
 * fields, the two snapshots with their dates, a section per control touched, the new sensitive actions,
 * and the notification's key (also in `metadata`, for a workflow). Built in code rather than written
 * by a template: a template writing JSON had to spell a line break, and `"*\n"` in a handlebars string
 * literal is a backslash and an n, not a line break.
 *
 * Every string from outside is escaped for mrkdwn (slackText: `&`, `<`, `>` as Slack asks, no mention,
 * channel link or URL); the only links are those built here, to the service reference file of an
 * action's service (docs-link.ts). The message keeps within Slack's limits (slack-limits.json): texts
 * are cut by whole lines, saying how many were left out, and the sections share what all the blocks
 * may hold together.
 */
import { daysBetween, describeSnapshotDate } from '../reference/index.js';
import { actionDocsUrl, type ImpactKind, type NotifyResult, type SnapshotRef } from '../notify/index.js';
import { inertLine } from '../diagnostics/index.js';
import { slackText } from './escape.js';
import { notifyView, type ViewAction, type ViewLimits } from './notify-view.js';
import limitsFile from './slack-limits.json' with { type: 'json' };

export const SLACK_LIMITS = Object.fromEntries(Object.entries(limitsFile.limits).map(([k, v]) => [k, v.value])) as Record<keyof typeof limitsFile.limits, number>;

export interface SlackText {
  type: 'mrkdwn' | 'plain_text';
  text: string;
  /** mrkdwn read as written: Slack links no bare URL, channel or user name in it. */
  verbatim?: boolean;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' };

export interface SlackMessage {
  /** The notification's text (what Slack shows in a notification or where blocks are not shown). */
  text: string;
  blocks: SlackBlock[];
  /** Slack's message metadata: the key a workflow finds this notification by. */
  metadata: { event_type: 'guardrails_notify'; event_payload: { key: string; from: string; to: string; touched: boolean; controls: string[] } };
}

/** Characters a section keeps at least when the sections share the blocks' total: its heading and a line. */
const MIN_SECTION = 200;

/**
 * A message is read on a screen, and each action's link costs about a hundred characters of the
 * 12,000 all the blocks may hold: fewer actions per finding and new sensitive actions than elsewhere.
 */
export const SLACK_VIEW_LIMITS: ViewLimits = { perItem: 5, sensitive: 10, perService: 0, perList: 0 };

/**
 * The findings of a control in the order they ask for something, since a section too long is cut from
 * its end: what will fail, what is not covered, what grew looser, then what grew stricter or is done.
 */
const URGENCY: readonly ImpactKind[] = ['compile-fails', 'removed-in-policy', 'uncovered', 'allow-grew', 'exemption-grew', 'covered-after-compile', 'deny-grew'];

export function slackMessage(result: NotifyResult, limits: ViewLimits = SLACK_VIEW_LIMITS): SlackMessage {
  const view = notifyView(result, limits).view;
  const s = result.summary;
  const controls = s.touchedControls;
  const header = controls.length ? `AWS service reference: ${controls.length} guardrail${controls.length === 1 ? '' : 's'} touched` : 'AWS service reference: no guardrail touched';
  const fields: [string, number][] = [
    ['Actions added', s.actionsAdded],
    ['Actions removed', s.actionsRemoved],
    ['Access-level changes', s.accessLevelChanges],
    ['New sensitive actions', s.sensitiveActionsAdded],
    ['Services added', s.servicesAdded],
    ['Services removed', s.servicesRemoved],
  ];
  const days = daysBetween(result.from.date, result.to.date);
  const compared = `From ${snapshot(result.from)} to ${snapshot(result.to)}${days !== undefined ? `: ${days.toLocaleString('en-US')} days apart` : ''}.`;

  // The sections that grow with the findings, in the order shown: what concerns no one control (the
  // next compile will fail), a section per kind, then a section per control.
  const bodies: string[] = [];
  const general = new Map<string, string[]>();
  for (const i of view.general) {
    const at = i.diagnostic?.location ? ` (${slackText(`${i.diagnostic.location.file}:${i.diagnostic.location.line}:${i.diagnostic.location.col}`)})` : '';
    general.set(i.title, [...(general.get(i.title) ?? []), `• ${slackText(i.message)}${at}`]);
  }
  for (const [title, lines] of general) bodies.push([`*${slackText(title)}*`, ...lines].join('\n'));
  for (const c of view.byControl) {
    const lines = [`*${slackText(c.control)}*`];
    for (const i of [...c.items].sort((a, b) => URGENCY.indexOf(a.kind) - URGENCY.indexOf(b.kind))) {
      lines.push(`• ${slackText(i.title)}: ${slackText(i.message)}`);
      if (i.explained) for (const a of i.shown) lines.push(`      ◦ ${actionLink(a)} (${slackText(a.accessLevel)}): ${slackText(a.why ?? '')}`);
      else if (i.shown.length) lines.push(`      ${i.shown.map((a) => `${actionLink(a)}${a.sensitive ? ` (${slackText(a.accessLevel)})` : ''}`).join(', ')}`);
      if (i.more) lines.push(`      and ${i.more.toLocaleString('en-US')} more`);
    }
    bodies.push(lines.join('\n'));
  }
  const sensitive = view.sensitiveShown.length
    ? `New Write, Permissions management and Tagging actions (${s.sensitiveActionsAdded.toLocaleString('en-US')}): ${view.sensitiveShown.map((a) => `${actionLink(a)} (${slackText(a.accessLevel)})`).join(', ')}${view.sensitiveMore ? `, and ${view.sensitiveMore.toLocaleString('en-US')} more` : ''}`
    : undefined;

  const key = `Notification key: \`${slackText(result.key)}\``;
  const fixed: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(header, SLACK_LIMITS.headerText) } },
    { type: 'section', fields: fields.slice(0, SLACK_LIMITS.sectionFields).map(([name, n]) => mrkdwn(`*${name}*\n${n.toLocaleString('en-US')}`)) },
    { type: 'context', elements: [mrkdwn(fitText(compared, SLACK_LIMITS.sectionText)), ...result.notes.slice(0, SLACK_LIMITS.contextElements - 1).map((n) => mrkdwn(fitText(slackText(n), SLACK_LIMITS.sectionText)))] },
    { type: 'divider' },
  ];
  // The new sensitive actions and the key close the message whatever the sections leave room for.
  const closing: SlackBlock[] = [
    ...(sensitive ? [{ type: 'context' as const, elements: [mrkdwn(fitText(sensitive, SLACK_LIMITS.sectionText))] }] : []),
    { type: 'context', elements: [mrkdwn(key)] },
  ];

  // At most 50 blocks, and as many sections as can each have MIN_SECTION of what all the blocks may
  // hold: those that do not fit make way for a line saying how many there were.
  const lastLine = (n: number) => `...and ${n} more section${n === 1 ? '' : 's'}: \`guardrails notify --json\` has the full result`;
  const budget = SLACK_LIMITS.blocksText - blocksText([...fixed, ...closing]);
  const room = Math.min(SLACK_LIMITS.blocks - fixed.length - closing.length, Math.floor(budget / MIN_SECTION));
  const kept = bodies.length > room ? bodies.slice(0, room - 1) : bodies;
  const dropped = bodies.length - kept.length;
  const last = dropped ? [lastLine(dropped)] : [];
  const shares = share(
    kept.map((b) => Math.min(b.length, SLACK_LIMITS.sectionText)),
    budget - last.reduce((n, t) => n + t.length, 0),
  );
  const blocks: SlackBlock[] = [...fixed, ...kept.map((b, n): SlackBlock => ({ type: 'section', text: mrkdwn(fitText(b, shares[n]!)) })), ...last.map((t): SlackBlock => ({ type: 'section', text: mrkdwn(t) })), ...closing];
  return {
    text: clip(slackText(view.title), SLACK_LIMITS.messageText),
    blocks,
    metadata: { event_type: 'guardrails_notify', event_payload: { key: result.key, from: result.from.snapshotId, to: result.to.snapshotId, touched: result.touched, controls: controls.map(inertLine) } },
  };
}

function mrkdwn(text: string): SlackText {
  return { type: 'mrkdwn', text, verbatim: true };
}

function snapshot(ref: SnapshotRef): string {
  return `\`${slackText(ref.snapshotId)}\` ${slackText(describeSnapshotDate(ref.date))}`;
}

/** The action as a link to its documentation (a URL built here, never one from the data), its name escaped. */
function actionLink(a: ViewAction): string {
  const url = actionDocsUrl(a.action);
  return url ? `<${url}|${slackText(a.action)}>` : `\`${slackText(a.action)}\``;
}

/** Every character of text in the blocks: what Slack holds against its total. */
export function blocksText(blocks: readonly SlackBlock[]): number {
  let n = 0;
  for (const b of blocks) {
    if ('text' in b && b.text) n += b.text.text.length;
    if ('fields' in b && b.fields) for (const f of b.fields) n += f.text.length;
    if ('elements' in b) for (const e of b.elements) n += e.text.length;
  }
  return n;
}

/**
 * `budget` shared among texts that want `wants` characters: each gets what it wants while that is no
 * more than an equal share of what is left, and the longest share the rest.
 */
function share(wants: readonly number[], budget: number): number[] {
  const out = new Array<number>(wants.length);
  let left = budget;
  const order = wants.map((w, i) => [w, i] as const).sort((a, b) => a[0] - b[0]);
  order.forEach(([want, i], k) => {
    out[i] = Math.min(want, Math.floor(left / (order.length - k)));
    left -= out[i]!;
  });
  return out;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** At most `max` characters: whole lines while they fit, then a line saying how many were left out. */
export function fitText(text: string, max: number): string {
  if (text.length <= max) return text;
  const lines = text.split('\n');
  const kept: string[] = [];
  let length = 0;
  const tail = (n: number) => `...and ${n} more line${n === 1 ? '' : 's'} (guardrails notify --json has them all)`;
  for (const line of lines) {
    const next = length + (kept.length ? 1 : 0) + line.length;
    if (next + 1 + tail(lines.length - kept.length - 1).length > max) break;
    kept.push(line);
    length = next;
  }
  const end = tail(lines.length - kept.length);
  // A single line too long for the limit is cut within the line, never inside a link or an escape.
  if (!kept.length) return `${cutSafely(text, max - end.length - 2)}… ${end}`.slice(0, max);
  return `${kept.join('\n')}\n${end}`;
}

/** The first `n` characters, shortened so as not to end inside `<...>` (a link) or `&...;` (an escape). */
function cutSafely(text: string, n: number): string {
  let cut = text.slice(0, Math.max(0, n));
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  return cut;
}
