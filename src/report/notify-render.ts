/**
 * Rendering the notification: markdown (for an issue or pull request) and text through the project's
 * handlebars templates in ./templates, or through one the user gives; Slack as Block Kit objects built
 * in code (notify-slack.ts), which a template of the user's may embed (`slack`); JSON is the structured
 * result itself.
 *
 * Where the text goes has limits: a GitHub issue body holds 65,536 characters. With a maximum length
 * the lists are rendered shorter and shorter (fewer actions per service, fewer per finding, fewer
 * entries) until the text fits, and a last line says where the full lists are (--json). A user
 * template's output is the user's: rendered exactly, shortened only to a length they ask for. Every
 * string a template receives is escaped for the format first (see ESCAPES).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Handlebars from 'handlebars';
import { LIMITS, readText, repositoryOf, rootForNamedPath } from '../files/index.js';
import { actionDocsUrl, NOTIFICATION_KEY, serviceDocsUrl, type NotifyOutcome, type NotifyResult, type ReportedIssue } from '../notify/index.js';
import { codeOfEscaped, escapeStrings, markdownText, slackText, terminalText } from './escape.js';
import { slackMessage } from './notify-slack.js';
import { DEFAULT_VIEW_LIMITS, notifyView, type ViewLimits } from './notify-view.js';

export type NotifyFormat = 'markdown' | 'text' | 'slack' | 'json';
export const NOTIFY_FORMATS: readonly NotifyFormat[] = ['markdown', 'text', 'slack', 'json'];

/** What fits a GitHub issue or pull-request body (65,536 characters) with room to spare. */
export const MARKDOWN_MAX_LENGTH = 60_000;

type TemplatedFormat = 'markdown' | 'text';
const FILES: Record<TemplatedFormat, string> = { markdown: 'notify.md.hbs', text: 'notify.txt.hbs' };

export interface UserTemplate {
  /** As the user named it, for messages. */
  file: string;
  text: string;
}

export type Rendered = { ok: true; text: string } | { ok: false; message: string };

const hb = Handlebars.create();
// Handlebars' {{log}} writes to the console, around the output boundary of the CLI: a template only renders.
hb.registerHelper('log', () => {
  throw new Error('{{log}} is not available: a template renders the notification and writes nothing else');
});
hb.registerHelper('json', (v: unknown) => new Handlebars.SafeString(JSON.stringify(v ?? null)));
hb.registerHelper('fmt', (n: unknown) => (typeof n === 'number' ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : String(n)));
hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map((a) => (a === undefined || a === null ? '' : String(a))).join(''));
hb.registerHelper('truncate', (s: unknown, n: unknown) => {
  const text = String(s ?? '');
  const max = Number(n);
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
});
hb.registerHelper('actionList', (list: { action: string; accessLevel: string }[]) => (list ?? []).map((a) => `\`${a.action}\` (${a.accessLevel})`).join(', '));
// Code style for a string the template received (already escaped for markdown: see ESCAPES).
hb.registerHelper('code', (s: unknown) => codeOfEscaped(String(s ?? '')));
// Markdown links the tool builds itself: an action or a service to its service reference file, from a
// name that is a service prefix (never a URL from the data); any other name stays plain code.
hb.registerHelper('docLink', (s: unknown) => {
  const name = String(s ?? '');
  const url = actionDocsUrl(name);
  return url ? `[${codeOfEscaped(name)}](${url})` : codeOfEscaped(name);
});
// The same as a reference link, `[name][service]`, for the shipped template, which defines each
// service's once ({{linkDefinition}} of view.linkedServices): a link costs a dozen characters, not
// eighty, and the lists shortened to fit a GitHub issue keep their names.
hb.registerHelper('docRef', (s: unknown) => {
  const name = String(s ?? '');
  return actionDocsUrl(name) ? `[${codeOfEscaped(name)}][${name.slice(0, name.indexOf(':'))}]` : codeOfEscaped(name);
});
hb.registerHelper('linkDefinition', (s: unknown) => {
  const name = String(s ?? '');
  const url = serviceDocsUrl(name);
  return url ? `[${name}]: ${url}` : '';
});
hb.registerHelper('serviceLink', (s: unknown) => {
  const name = String(s ?? '');
  const url = serviceDocsUrl(name);
  return url ? `[${codeOfEscaped(name)}](${url})` : codeOfEscaped(name);
});
// The notification's key as a hidden HTML comment, for a workflow to find the issue by; only a key of
// the form notificationKey writes (snapshot ids are 16 hexadecimal digits) is written.
hb.registerHelper('keyMarker', (s: unknown) => (NOTIFICATION_KEY.test(String(s ?? '')) ? `<!-- ${String(s)} -->` : ''));
hb.registerHelper('moreText', (n: unknown) => (Number(n) > 0 ? `, and ${n} more` : ''));
hb.registerHelper('bullets', (items: { title: string; message: string; pattern?: string }[]) => (items ?? []).map((i) => `• ${i.title}: ${i.message}${i.pattern ? ` (\`${i.pattern}\`)` : ''}`).join('\n'));

/** The shipped template of a format: beside this module in src/, or found from dist/ in the package. */
export function shippedTemplate(format: TemplatedFormat): Rendered {
  const candidates = [new URL(`./templates/${FILES[format]}`, import.meta.url), new URL(`../../../src/report/templates/${FILES[format]}`, import.meta.url)];
  for (const url of candidates) {
    try {
      return { ok: true, text: fs.readFileSync(url, 'utf8') };
    } catch {
      // try the next place
    }
  }
  return { ok: false, message: `the ${format} template ${FILES[format]} is missing from the installation` };
}

/**
 * A template of the user's, read as a value: the text, or why it cannot be read. Named on the command
 * line, it is still a file of the repository when it lies inside it, which a pull request can replace
 * with a symlink to a secret (its text would be the output): it must then resolve inside the repository,
 * be a regular file, and be at most LIMITS.template.
 */
export async function readUserTemplate(file: string, cwd: string): Promise<{ ok: true; template: UserTemplate } | { ok: false; code: string; message: string }> {
  const root = rootForNamedPath(file, cwd, repositoryOf(cwd));
  const read = await readText(path.resolve(cwd, file), { ...(root ? { root } : {}), maxBytes: LIMITS.template, what: 'template' });
  if (!read.ok) return { ok: false, code: read.code, message: read.message };
  return { ok: true, template: { file, text: read.text } };
}

/**
 * How the strings a template receives are escaped, per format (a template of the user's too): names in
 * the result come from the service reference, which a mirror controls. Templates are compiled with
 * noEscape (handlebars' own escaping is HTML's, not markdown's), so this is the only escaping, and no
 * interpolation, `{{x}}` or `{{{x}}}`, can bypass it.
 */
const ESCAPES: Record<NotifyFormat, (s: string) => string> = { markdown: markdownText, slack: slackText, text: terminalText, json: terminalText };

/** Ever shorter lists, tried in turn until the text fits. */
const SHORTER: readonly ViewLimits[] = [
  { perItem: 10, sensitive: 25, perService: 25, perList: 200 },
  { perItem: 5, sensitive: 25, perService: 10, perList: 100 },
  { perItem: 5, sensitive: 10, perService: 5, perList: 50 },
  { perItem: 3, sensitive: 10, perService: 0, perList: 25 },
  { perItem: 3, sensitive: 5, perService: 0, perList: 10 },
  { perItem: 0, sensitive: 0, perService: 0, perList: 0 },
];

export interface RenderOptions {
  template?: UserTemplate;
  /** The most characters the output may have (markdown and text); undefined: no limit. */
  maxLength?: number;
}

export function renderNotify(result: NotifyResult, format: NotifyFormat, options: RenderOptions = {}): Rendered {
  const { template, maxLength } = options;
  if (format === 'json' && !template) return { ok: true, text: JSON.stringify(result, null, 2) + '\n' };
  if (format === 'slack' && !template) return { ok: true, text: JSON.stringify(slackMessage(result), null, 2) + '\n' };
  const source = template ? { ok: true as const, text: template.text } : shippedTemplate(format as TemplatedFormat);
  if (!source.ok) return source;
  const name = template ? template.file : FILES[format as TemplatedFormat];
  const escape = ESCAPES[format];
  let compiled: ReturnType<typeof hb.compile>;
  try {
    compiled = hb.compile(source.text, { noEscape: true, strict: false });
  } catch (e) {
    return { ok: false, message: `${name}: ${(e as Error).message}` };
  }
  // A Slack template of the user's may embed the message as built ({{json slack.blocks}}): its texts
  // are escaped for mrkdwn already, so it is added after the escaping of everything else.
  const slack = format === 'slack' ? { slack: slackMessage(result) } : {};
  const render = (limits: ViewLimits, shortened?: string): Rendered => {
    let text: string;
    try {
      text = compiled({ ...escapeStrings(notifyView(result, limits, shortened), escape), ...slack });
    } catch (e) {
      return { ok: false, message: `${name}: ${(e as Error).message}` };
    }
    if (template) return { ok: true, text };
    // Only the shipped templates' output is tidied: their conditional sections leave blank lines.
    text = text.replace(/\n{3,}/g, '\n\n');
    return { ok: true, text: text.endsWith('\n') ? text : text + '\n' };
  };

  const full = render(DEFAULT_VIEW_LIMITS);
  if (!full.ok || maxLength === undefined || full.text.length <= maxLength) return full;
  const note = `Lists shortened to fit ${maxLength.toLocaleString('en-US')} characters: guardrails notify --json (same --from and --to) gives every change in full.`;
  let last: Rendered = full;
  for (const limits of SHORTER) {
    last = render(limits, note);
    if (!last.ok || last.text.length <= maxLength) return last;
  }
  return { ok: true, text: cutToLength(last.text, maxLength, note, format === 'markdown') };
}

/**
 * The last resort: whole lines up to the length, then the note (as much of it as fits). In markdown a
 * `<details>` cut before its end is closed: left open, it folds the note, and whatever GitHub shows
 * below the text, into it.
 */
export function cutToLength(text: string, max: number, note: string, markdown: boolean): string {
  const close = markdown ? '</details>\n\n' : '';
  const tail = `\n${note}\n`;
  let head = text.slice(0, Math.max(0, max - tail.length - close.length));
  head = head.slice(0, head.lastIndexOf('\n') + 1);
  const open = markdown && occurrences(head, '<details>') > occurrences(head, '</details>');
  return (head + (open ? close : '') + tail.trimStart()).slice(0, max);
}

function occurrences(text: string, tag: string): number {
  return text.split(tag).length - 1;
}

/** What notify says when there is nothing to compare (first run) or nothing new for out/. */
export function renderNotifyStatement(outcome: Extract<NotifyOutcome, { kind: 'first-run' | 'up-to-date' }>, format: NotifyFormat): string {
  if (format === 'json') {
    const body = outcome.kind === 'first-run' ? { firstRun: true, message: outcome.message, baseline: outcome.baseline } : { upToDate: true, message: outcome.message, snapshot: outcome.snapshot };
    return JSON.stringify(body, null, 2) + '\n';
  }
  return format === 'slack' ? JSON.stringify({ text: slackText(outcome.message) }, null, 2) + '\n' : `${ESCAPES[format](outcome.message)}\n`;
}

/** What notify says when the issue of its key was opened already (--reported): nothing new to open. */
export function renderAlreadyReported(key: string, issue: ReportedIssue, format: NotifyFormat): string {
  const which = `${issue.number !== undefined ? `issue #${issue.number}` : 'an issue'}${issue.state ? ` (${issue.state.toLowerCase()})` : ''}${issue.url ? ` at ${issue.url}` : ''}`;
  const message = `already reported: ${which} holds notification key ${key}; nothing new to open`;
  if (format === 'json') return JSON.stringify({ alreadyReported: true, key, issue, message }, null, 2) + '\n';
  return format === 'slack' ? JSON.stringify({ text: slackText(message) }, null, 2) + '\n' : `${ESCAPES[format](message)}\n`;
}
