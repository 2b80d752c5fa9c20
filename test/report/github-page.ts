/**
 * A comment as GitHub shows it, in a real headless Chromium: the markdown rendered the way GitHub renders
 * it (github-markdown.ts), inside a page styled like a comment body (GitHub's markdown-body rules that
 * decide heights: 14px system font, 1.5 line height, 16px between blocks, 6px 13px table cells, a
 * collapsed <details>), at a fixed width. Debian's chromium (/usr/bin/chromium), driven by playwright-core.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { PROJECT_ROOT } from '../support/paths.js';
import { renderGithub } from './github-markdown.js';

/** Mermaid's browser bundle, pinned in package.json: the version GitHub draws ```mermaid blocks with. */
export const MERMAID_DIST = path.join(PROJECT_ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');
export const MERMAID_VERSION = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'node_modules', 'mermaid', 'package.json'), 'utf8')) as { version: string }).version;

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
  /** With `mermaid`: each ```mermaid block as Mermaid drew it. */
  diagrams: MeasuredDiagram[];
}

export interface MeasuredDiagram {
  /** What Mermaid threw, or the text of an error diagram it drew instead. */
  error: string | undefined;
  nodes: { id: string; classes: string[]; text: string; fill: string; color: string; strokeWidth: string }[];
  top: number;
  bottom: number;
  width: number;
  /** Elements in the SVG that would act: links, scripts, images, frames. */
  live: string[];
}

export interface MeasureOptions {
  /** Draw each ```mermaid block with Mermaid, as GitHub does. */
  mermaid?: boolean | { theme: 'default' | 'dark' };
  /** Take the screenshot with the page scrolled to this heading. */
  shotAt?: string;
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

/**
 * Each ```mermaid block (markdown-it writes <pre><code class="language-mermaid">) drawn where it was,
 * from Mermaid's bundle loaded into the page from node_modules: no network. `strict` as GitHub's
 * renderer: no click handlers, labels sanitized.
 */
const DRAW_MERMAID = `(async (theme) => {
  window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme });
  const out = [];
  let i = 0;
  for (const code of [...document.querySelectorAll('pre > code.language-mermaid')]) {
    const holder = document.createElement('div');
    holder.className = 'mermaid-diagram';
    code.parentElement.replaceWith(holder);
    let error;
    try {
      const { svg } = await window.mermaid.render('mermaid-' + i++, code.textContent);
      holder.innerHTML = svg;
    } catch (e) {
      error = String(e && e.message || e);
    }
    const svg = holder.querySelector('svg');
    const drawnError = holder.querySelector('.error-text, .error-icon');
    if (!error && drawnError) error = holder.textContent;
    const box = holder.getBoundingClientRect();
    const nodes = [...holder.querySelectorAll('g.node')].map((g) => {
      const shape = g.querySelector('rect, path, polygon, circle');
      const label = g.querySelector('.nodeLabel, foreignObject div, text') || g;
      return { id: g.id, classes: (g.getAttribute('class') || '').split(/\\s+/), text: label.textContent, fill: shape ? getComputedStyle(shape).fill : '', color: getComputedStyle(label).color, strokeWidth: shape ? getComputedStyle(shape).strokeWidth : '' };
    });
    const live = svg ? [...svg.querySelectorAll('a, script, img, iframe, object, embed')].map((e) => e.tagName) : [];
    out.push({ error, nodes, top: box.top + scrollY, bottom: box.bottom + scrollY, width: svg ? svg.getBoundingClientRect().width : 0, live });
  }
  return out;
})`;

export async function measureComment(markdown: string, width = 1000, height = 1000, options: MeasureOptions = {}): Promise<MeasuredComment> {
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
  let diagrams: MeasuredDiagram[] = [];
  if (options.mermaid) {
    await page.addScriptTag({ path: MERMAID_DIST });
    const theme = typeof options.mermaid === 'object' ? options.mermaid.theme : 'default';
    diagrams = (await page.evaluate(`${DRAW_MERMAID}(${JSON.stringify(theme)})`)) as MeasuredDiagram[];
  }
  // A string, not a function: the page's DOM is not in this project's types.
  const measured = (await page.evaluate(MEASURE)) as Omit<MeasuredComment, 'consoleErrors' | 'screenshot' | 'diagrams'>;
  if (options.shotAt) {
    const heading = measured.headings.find((h) => h.text === options.shotAt);
    if (!heading) throw new Error(`no heading ${JSON.stringify(options.shotAt)} to take the screenshot at`);
    await page.evaluate(`window.scrollTo(0, ${Math.max(0, heading.top - 16)})`);
  }
  const screenshot = await page.screenshot({ fullPage: false });
  await page.close();
  return { ...measured, consoleErrors, screenshot, diagrams };
}
