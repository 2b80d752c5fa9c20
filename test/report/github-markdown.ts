/**
 * What a markdown text does once rendered, the way GitHub renders a comment: markdown-it with raw HTML
 * allowed and bare URLs linked (GitHub's cmark-gfm does both), plus GitHub's own passes over the
 * rendered text (mentions, issue references), which find `@name` and `#1` in text nodes.
 */
import MarkdownIt from 'markdown-it';

const renderer = new MarkdownIt({ html: true, linkify: true });

export interface Rendered {
  html: string;
  /** The text a reader sees: tags removed, character references decoded (raw HTML keeps its references; the browser decodes them). */
  text: string;
}

export function renderGithub(markdown: string): Rendered {
  const html = renderer.render(markdown);
  return { html, text: textOf(html) };
}

export function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&amp;/g, '&');
}

/** The opening tags of an element in the rendered HTML. */
export function tagCount(html: string, tag: string): number {
  return [...html.matchAll(new RegExp(`<${tag}[\\s>]`, 'g'))].length;
}

/**
 * What would act on GitHub in rendered HTML: links, images, comments, and mentions, issue references and
 * bare URLs in the text (GitHub looks for those outside code only).
 */
export function liveMarkup(rendered: Rendered): string[] {
  const found: string[] = [];
  // The comment's own hidden marker, on its first line, is the one comment allowed (a workflow finds the comment by it).
  rendered = { ...rendered, html: rendered.html.replace(/^<!-- [A-Za-z0-9._-]+ -->\n?/, '') };
  const prose = textOf(rendered.html.replace(/<pre[\s>][\s\S]*?<\/pre>|<code>[\s\S]*?<\/code>/g, ' '));
  if (/<a[\s>]/.test(rendered.html)) found.push('a link');
  if (/<img[\s>]/.test(rendered.html)) found.push('an image');
  if (rendered.html.includes('<!--')) found.push('an HTML comment');
  if (/<script[\s>]/i.test(rendered.html)) found.push('a script');
  if (/@[a-z0-9]/i.test(prose)) found.push('a mention');
  if (/#\d/.test(prose)) found.push('an issue reference');
  if (/[a-z]:\/\/|www\./i.test(prose)) found.push('a URL GitHub would link');
  return found;
}

/**
 * The markup notify writes itself, taken out of rendered HTML so that what is left can be checked for
 * anything a name brought in: links to a service's file in AWS's service reference (built from a service
 * prefix) and to the Service Authorization Reference, and the hidden key of the notification.
 */
export function withoutNotifyMarkup(rendered: Rendered): Rendered {
  const html = rendered.html
    .replace(/<a href="https:\/\/servicereference\.us-east-1\.amazonaws\.com\/v1\/([a-z0-9._-]+)\/\1\.json">([\s\S]*?)<\/a>/g, '$2')
    .replace(/<a href="https:\/\/docs\.aws\.amazon\.com\/service-authorization\/latest\/reference\/reference_policies_actions-resources-contextkeys\.html">([^<]*)<\/a>/g, '$1')
    .replace(/^<!-- guardrails-notify:[0-9a-f]{16}\.\.[0-9a-f]{16} -->\n/, '');
  return { html, text: textOf(html) };
}
