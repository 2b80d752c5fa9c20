/**
 * A comment as GitHub shows it, in a real headless Chromium: the markdown rendered the way GitHub renders
 * it (github-markdown.ts), inside a page styled like a comment body (GitHub's markdown-body rules that
 * decide heights: 14px system font, 1.5 line height, 16px between blocks, 6px 13px table cells, a
 * collapsed <details>), at a fixed width. Debian's chromium (/usr/bin/chromium), driven by playwright-core.
 */
import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { renderGithub } from './github-markdown.js';

export const CHROMIUM = process.env.GUARDRAILS_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the browser tests can run; in CI a missing Chromium is a failure, not a skip. */
export function chromiumAvailable(): boolean {
  const found = fs.existsSync(CHROMIUM);
  if (!found && /^(1|true)$/i.test(process.env.CI ?? '')) throw new Error(`no Chromium at ${CHROMIUM}: CI must install it (apt-get install -y chromium)`);
  return found;
}

const STYLE = `
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; width: 100%; padding: 16px; font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; font-size: 14px; line-height: 1.5; color: #1f2328; word-wrap: break-word; }
.markdown-body > *:first-child { margin-top: 0 !important; }
.markdown-body h2 { font-size: 1.5em; font-weight: 600; line-height: 1.25; margin: 24px 0 16px; padding-bottom: .3em; border-bottom: 1px solid #d1d9e0; }
.markdown-body h3 { font-size: 1.25em; font-weight: 600; line-height: 1.25; margin: 24px 0 16px; }
.markdown-body p, .markdown-body blockquote, .markdown-body ul, .markdown-body ol, .markdown-body table, .markdown-body pre, .markdown-body details { margin-top: 0; margin-bottom: 16px; }
.markdown-body blockquote { padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; margin-left: 0; }
.markdown-body ul { padding-left: 2em; }
.markdown-body table { display: block; width: max-content; max-width: 100%; overflow: auto; border-spacing: 0; border-collapse: collapse; }
.markdown-body td, .markdown-body th { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body th { font-weight: 600; }
.markdown-body code { padding: .2em .4em; margin: 0; font-size: 85%; white-space: break-spaces; background: #eff1f3; border-radius: 6px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
.markdown-body pre { padding: 16px; overflow: auto; font-size: 85%; line-height: 1.45; background: #f6f8fa; }
.markdown-body pre code { padding: 0; background: transparent; white-space: pre; }
`;

export interface MeasuredComment {
  /** Bottom of each heading's section (the next block's top), by heading text. */
  headings: { text: string; top: number; bottom: number }[];
  /** Top of the first <details>: what shows before the reader unfolds anything. */
  firstDetailsTop: number | undefined;
  tables: { header: number; rows: number[]; top: number; bottom: number }[];
  /** Paragraphs that start with a pipe: a table row markdown did not take as one. */
  pipeParagraphs: string[];
  height: number;
  /** The page's width as laid out: more than the viewport's when something overflows it. */
  scrollWidth: number;
  consoleErrors: string[];
  screenshot: Buffer;
}

const MEASURE = `(() => {
  const box = (e) => e.getBoundingClientRect();
  const body = document.querySelector('.markdown-body');
  const headings = [...body.querySelectorAll('h2, h3')].map((h) => {
    let next = h.nextElementSibling;
    while (next && !/^H[23]$/.test(next.tagName) && next.tagName !== 'DETAILS') next = next.nextElementSibling;
    return { text: h.textContent, top: box(h).top, bottom: next ? box(next).top : box(body).bottom };
  });
  const details = body.querySelector('details');
  const tables = [...body.querySelectorAll('table')].map((t) => ({ header: t.querySelectorAll('thead th').length, rows: [...t.querySelectorAll('tbody tr')].map((r) => r.querySelectorAll('td').length), top: box(t).top, bottom: box(t).bottom }));
  const pipeParagraphs = [...body.querySelectorAll('p')].map((p) => p.textContent).filter((t) => t.trimStart().startsWith('|'));
  return { headings, firstDetailsTop: details ? box(details).top : undefined, tables, pipeParagraphs, height: document.documentElement.scrollHeight, scrollWidth: document.documentElement.scrollWidth };
})()`;

let browser: Browser | undefined;

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

export async function measureComment(markdown: string, width = 1000, height = 1000): Promise<MeasuredComment> {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width, height } });
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  // Nothing but the comment: no network, no script.
  await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
  const html = renderGithub(markdown).html;
  await page.setContent(`<!doctype html><html><head><meta charset="utf-8"><style>${STYLE}</style></head><body><div class="markdown-body">${html}</div></body></html>`);
  // A string, not a function: the page's DOM is not in this project's types.
  const measured = (await page.evaluate(MEASURE)) as Omit<MeasuredComment, 'consoleErrors' | 'screenshot'>;
  const screenshot = await page.screenshot({ fullPage: false });
  await page.close();
  return { ...measured, consoleErrors, screenshot };
}
