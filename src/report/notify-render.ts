/**
 * Rendering the notification through handlebars templates: the project's own (markdown for an issue or
 * pull request, text, Slack-style JSON, in ./templates) or one the user gives. JSON output is the
 * structured result itself.
 */
import * as fs from 'node:fs';
import Handlebars from 'handlebars';
import type { NotifyOutcome, NotifyResult } from '../notify/index.js';
import { notifyView } from './notify-view.js';

export type NotifyFormat = 'markdown' | 'text' | 'slack' | 'json';
export const NOTIFY_FORMATS: readonly NotifyFormat[] = ['markdown', 'text', 'slack', 'json'];

const FILES: Record<Exclude<NotifyFormat, 'json'>, string> = { markdown: 'notify.md.hbs', text: 'notify.txt.hbs', slack: 'notify.slack.hbs' };

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

const hb = Handlebars.create();
hb.registerHelper('json', (v: unknown) => new Handlebars.SafeString(JSON.stringify(v ?? null)));
hb.registerHelper('fmt', (n: unknown) => (typeof n === 'number' ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : String(n)));
hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map((a) => (a === undefined || a === null ? '' : String(a))).join(''));
hb.registerHelper('truncate', (s: unknown, n: unknown) => {
  const text = String(s ?? '');
  const max = Number(n);
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
});
hb.registerHelper('actionList', (list: { action: string; accessLevel: string }[]) => (list ?? []).map((a) => `\`${a.action}\` (${a.accessLevel})`).join(', '));
hb.registerHelper('moreText', (n: unknown) => (Number(n) > 0 ? `, and ${n} more` : ''));
hb.registerHelper('bullets', (items: { title: string; message: string; pattern?: string }[]) => (items ?? []).map((i) => `• ${i.title}: ${i.message}${i.pattern ? ` (\`${i.pattern}\`)` : ''}`).join('\n'));

/** The shipped template of a format: beside this module in src/, or found from dist/ in the package. */
export function shippedTemplate(format: Exclude<NotifyFormat, 'json'>): string {
  const candidates = [new URL(`./templates/${FILES[format]}`, import.meta.url), new URL(`../../../src/report/templates/${FILES[format]}`, import.meta.url)];
  for (const url of candidates) {
    try {
      return fs.readFileSync(url, 'utf8');
    } catch {
      // try the next place
    }
  }
  throw new TemplateError(`the ${format} template ${FILES[format]} is missing from the installation`);
}

export function renderNotify(result: NotifyResult, format: NotifyFormat, userTemplate?: { file: string; text: string }): string {
  if (format === 'json' && !userTemplate) return JSON.stringify(result, null, 2) + '\n';
  const source = userTemplate?.text ?? shippedTemplate(format as Exclude<NotifyFormat, 'json'>);
  let text: string;
  try {
    text = hb.compile(source, { noEscape: true, strict: false })(notifyView(result));
  } catch (e) {
    throw new TemplateError(`${userTemplate ? userTemplate.file : FILES[format as Exclude<NotifyFormat, 'json'>]}: ${(e as Error).message}`);
  }
  text = text.replace(/\n{3,}/g, '\n\n');
  if (format === 'slack' && !userTemplate) {
    // The shipped Slack template must produce JSON; a broken one is a bug, not a message to send.
    return JSON.stringify(JSON.parse(text), null, 2) + '\n';
  }
  return text.endsWith('\n') ? text : text + '\n';
}

/** What notify says when there is nothing to compare (first run) or nothing new for out/. */
export function renderNotifyStatement(outcome: Extract<NotifyOutcome, { kind: 'first-run' | 'up-to-date' }>, format: NotifyFormat): string {
  if (format === 'json') {
    const body = outcome.kind === 'first-run' ? { firstRun: true, message: outcome.message, baseline: outcome.baseline } : { upToDate: true, message: outcome.message, snapshot: outcome.snapshot };
    return JSON.stringify(body, null, 2) + '\n';
  }
  if (format === 'slack') return JSON.stringify({ text: outcome.message }, null, 2) + '\n';
  return `${outcome.message}\n`;
}
