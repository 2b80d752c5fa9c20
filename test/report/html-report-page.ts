/**
 * A report page (guardrails report --html) opened as a person opens it, in Debian's Chromium driven by
 * playwright-core: navigated to (served from memory at one address), every other request the page makes
 * failed and recorded, console errors and page errors collected (a Content-Security-Policy violation is
 * one), and the time from navigation to the first drawn tree read from the page's own marks.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM } from './github-page.js';

export interface OpenedReport {
  page: Page;
  consoleErrors: string[];
  /** Requests the page made beyond its own address: none may be. */
  requests: string[];
  /** Milliseconds from the navigation's start to the first tree drawn, and to DOMContentLoaded. */
  rendered: number;
  domContentLoaded: number;
}

const ADDRESS = 'http://report.invalid/';

let browser: Browser | undefined;

export async function closeReportBrowser(): Promise<void> {
  await browser?.close();
  browser = undefined;
}

export async function openReport(html: string, width = 1280, height = 900): Promise<OpenedReport> {
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width, height } });
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url === ADDRESS) return route.fulfill({ contentType: 'text/html; charset=utf-8', body: html });
    requests.push(url);
    return route.abort();
  });
  await page.goto(ADDRESS);
  await page.waitForSelector('html[data-rendered]');
  const times = (await page.evaluate(`({ rendered: performance.getEntriesByName('guardrails:rendered')[0].startTime, dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventStart })`)) as { rendered: number; dcl: number };
  return { page, consoleErrors, requests, rendered: times.rendered, domContentLoaded: times.dcl };
}

/** The texts of the tree's rows drawn now, by node index. */
export async function drawnRows(page: Page): Promise<Map<number, { text: string; classes: string[] }>> {
  const rows = (await page.evaluate(`[...document.querySelectorAll('#tree .row')].map((r) => [Number(r.getAttribute('data-i')), r.textContent, r.className])`)) as [number, string, string][];
  return new Map(rows.map(([i, text, cls]) => [i, { text, classes: cls.split(' ') }]));
}

/** Elements wider than the page or poking out of its right edge, and the page's own scroll width. */
export async function overflow(page: Page): Promise<{ scrollWidth: number; outside: string[] }> {
  return (await page.evaluate(`(() => {
    const width = document.documentElement.clientWidth;
    const outside = [...document.querySelectorAll('body *')].filter((e) => { const b = e.getBoundingClientRect(); return b.width > 0 && b.right > width + 0.5; }).map((e) => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40));
    return { scrollWidth: document.documentElement.scrollWidth, outside };
  })()`)) as { scrollWidth: number; outside: string[] };
}
