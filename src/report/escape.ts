/**
 * Names from outside (OUs, accounts and policies of an org snapshot, account names of the intent, action
 * and service names of a mirror) placed in an output format, escaped for that format. A name must stay
 * recognisable, never be dropped, and never act: no tag or comment that closes a `<details>` or hides the
 * rest of a pull-request comment, no mention that pings a team, no link, no emphasis, no table cell
 * split, no terminal escape sequence. Every renderer escapes each interpolated value with one of these.
 */
import { inertLine } from '../diagnostics/index.js';

/** The ZERO WIDTH SPACE as a character reference: invisible, and it breaks what GitHub would link. */
const ZWSP = '&#8203;';

const MARKDOWN_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\\': '&#92;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '~': '&#126;',
  '[': '&#91;',
  ']': '&#93;',
  '|': '&#124;',
  $: '&#36;',
};

const MARKDOWN_SPECIAL = /:(?=\/\/)|www(?=\.)|[@#]|[&<>\\`*_~[\]|$]/gi;

/**
 * Text for GitHub markdown, safe as inline text, in a table cell, and inside HTML such as
 * `<details><summary>`: one line (control characters, newlines and tabs shown as escapes), HTML and
 * markdown punctuation as character references (references are text to markdown: they never open a
 * tag, a comment, emphasis, a link, a code span or math, and never split a table cell), and a
 * zero-width space after `@` and `#` and inside `://` and `www.` so that GitHub links no mention, no
 * issue, no URL (it finds those in the rendered text, where the references are already decoded).
 */
export function markdownText(s: string): string {
  return inertLine(s).replace(MARKDOWN_SPECIAL, (m) => MARKDOWN_ENTITIES[m] ?? `${m}${ZWSP}`);
}

/**
 * A name set in code style. A backtick code span when the name is plain (nothing was escaped: no
 * backtick, no `|`, no markup), since nothing inside a code span acts; otherwise `<code>` around the
 * escaped text, because character references are not decoded inside a code span, and no escape keeps
 * a `|` from splitting a table cell there.
 */
export function markdownCode(s: string): string {
  return codeOfEscaped(markdownText(s));
}

/** markdownCode for text markdownText has already escaped (what a notify template receives). */
export function codeOfEscaped(escaped: string): string {
  return escaped.includes('&') ? `<code>${escaped}</code>` : `\`${escaped}\``;
}

/**
 * A fenced code block around `text` (a policy's line diff): inert, and fenced with more backticks than
 * any run inside it, so no line of the text can close the block and turn the rest into markdown.
 */
export function markdownFence(text: string, info = ''): string[] {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, ...text.split('\n').map(inertLine), fence];
}

/**
 * Text for a Mermaid label (inside `["..."]` of a ```mermaid block): one line, and every character but
 * an ASCII letter or digit written as Mermaid's entity code `#<code point>;`. Mermaid turns those into
 * character references only after it has parsed the diagram, and they are text to the label's HTML and
 * Markdown, so no name can end the label (`"`, brackets), start a comment or a directive (`%%`), a
 * Markdown string, list or emphasis (backticks, `1.`, `*`, `_`), a tag (`<`), a line of its own or a
 * statement (newlines, `;`), or close the code fence around the diagram. A whitelist: a syntax this
 * large has more than one way to act, and a name loses nothing by being spelt in codes.
 */
export function mermaidText(s: string): string {
  let out = '';
  for (const ch of inertLine(s)) out += /[A-Za-z0-9]/.test(ch) ? ch : `#${ch.codePointAt(0)};`;
  return out;
}

const ZERO_WIDTH_SPACE = '\u200b';
const SLACK_SPECIAL = /:(?=\/\/)|www(?=\.)|[@#]|[&<>]/gi;
const SLACK_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * Text for Slack's mrkdwn: one line, `&`, `<` and `>` as Slack asks (`<...>` is Slack's syntax for
 * links and for `<!channel>` or `<@U123>` mentions), and a zero-width space after `@` and `#` and
 * inside `://` and `www.`, so that no name becomes a mention, a channel link or a URL.
 */
export function slackText(s: string): string {
  return inertLine(s).replace(SLACK_SPECIAL, (m) => SLACK_ENTITIES[m] ?? `${m}${ZERO_WIDTH_SPACE}`);
}

/** Text for a terminal or a CI log: one line, no escape sequence or control character. */
export function terminalText(s: string): string {
  return inertLine(s);
}

/** A copy of `value` with every string in it escaped: what a template receives, so that no interpolation can forget. */
export function escapeStrings<T>(value: T, escape: (s: string) => string): T {
  if (typeof value === 'string') return escape(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => escapeStrings(v, escape)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeStrings(v, escape)])) as T;
  }
  return value;
}
