/**
 * The report as one self-contained HTML file: its stylesheet and script inline, its data a JSON island
 * (`<script type="application/json">`, never run), nothing fetched at view time. A Content-Security-Policy
 * meta tag allows exactly that: no source but the inline style and script named by their SHA-256
 * hashes, no connection, no frame, no form, no base URL; images only as data: URLs (none are used).
 * The JSON is escaped so that no string in it can end the island or open a comment (`<`, `>`, `&`,
 * U+2028 and U+2029 as \u escapes); the script sets every string from it as text.
 */
import { createHash } from 'node:crypto';
import type { ReportData } from './report-data.js';
import { VIEWER_SCRIPT } from './viewer-script.js';
import { VIEWER_STYLE } from './viewer-style.js';

/** The JSON of `value`, safe inside a <script> element: nothing in it reads as `</script>` or `<!--`. */
export function jsonIsland(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The page's policy: only its own inline style and script run. */
export function contentSecurityPolicy(style: string, script: string): string {
  return [`default-src 'none'`, `style-src ${sha256(style)}`, `script-src ${sha256(script)}`, `img-src data:`, `base-uri 'none'`, `form-action 'none'`].join('; ');
}

export function renderHtmlReport(data: ReportData): string {
  const csp = contentSecurityPolicy(VIEWER_STYLE, VIEWER_SCRIPT);
  // The title is the page's own words and the organization id, escaped as HTML text.
  const title = `guardrails: organization ${htmlText(data.meta.organization)}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${htmlText(csp)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${title}</title>`,
    `<style>${VIEWER_STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    '<h1>Where each guardrail applies</h1>',
    '<div id="summary" class="meta"></div>',
    '<div class="bar"><input id="search" type="search" placeholder="Search an OU, an account id or name" aria-label="Search an OU, an account id or name" autocomplete="off"><span id="search-status" role="status"></span></div>',
    '<ul id="results"></ul>',
    '<div class="bar"><span class="meta">Waves:</span><span id="waves" class="legend"></span></div>',
    '<div class="bar"><span class="meta">What the change does to the accounts:</span><span class="legend"><span class="badge v-s">stricter</span><span class="badge v-l">looser</span><span class="badge v-m">mixed</span><span class="badge v-u">unchanged</span></span></div>',
    '</header>',
    '<main><div id="tree-pane"><div id="tree"></div></div><aside id="details" aria-live="polite"></aside></main>',
    '<section id="timeline"></section>',
    `<script id="report-data" type="application/json">${jsonIsland(data)}</script>`,
    `<script>${VIEWER_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML content or a quoted attribute value. */
export function htmlText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}
