/**
 * The example change's pull-request comment as a reviewer sees it: rendered like GitHub, in a real
 * headless Chromium 1000 px wide. The verdict per control must be read without scrolling, every table
 * must keep its columns, and nothing in the page may fail.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { tempDir } from '../support/temp.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { PLANTED } from '../impact/decide/example.js';
import { chromiumAvailable, closeBrowser, measureComment } from './github-page.js';

const available = chromiumAvailable();
if (!available) console.warn('skipping the browser tests of the diff comment: no Chromium at /usr/bin/chromium (apt-get install -y chromium); in CI they fail instead');

/** A day within the snapshot's 7-day window: the comment carries no stale-snapshot warning. */
const NOW = Date.parse('2026-11-21T09:00:00Z');
const SCREEN = 1000;
/** The screenshot the README shows, of the same example comment at the same size. */
const README_SHOT = path.join(PROJECT_ROOT, 'docs', 'diff-comment.png');

let repo: ExampleRepo;
let comment: string;
/** The same comment with `diff --impact` of the planted requests' replay. */
let withImpact: string;

beforeAll(async () => {
  if (!available) return;
  repo = await compiledExampleRepo();
  const r = await repo.cli(['diff', '--org', 'guardrails/org-snapshot.json', '--markdown']);
  if (r.code !== 0) throw new Error(r.stderr);
  comment = r.stdout;
  fs.writeFileSync(path.join(repo.dir, 'planted.jsonl'), Object.values(PLANTED).map((x) => JSON.stringify(x)).join('\n') + '\n');
  const impact = await repo.cli(['impact', '--org', 'guardrails/org-snapshot.json', '--quiet', '--cloudtrail', 'shapes:planted.jsonl', '--json']);
  if (impact.code !== 0) throw new Error(impact.stderr);
  fs.writeFileSync(path.join(repo.dir, 'impact.json'), impact.stdout);
  const d = await repo.cli(['diff', '--org', 'guardrails/org-snapshot.json', '--markdown', '--impact', 'impact.json']);
  if (d.code !== 0) throw new Error(d.stderr);
  withImpact = d.stdout;
});

afterAll(closeBrowser);

describe.skipIf(!available)('the example change as a GitHub comment, in Chromium', () => {
  it('shows the verdict per control above the fold, tables whole, no error', async () => {
    const m = await measureComment(comment, SCREEN, SCREEN);
    const shots = await tempDir();
    fs.writeFileSync(path.join(shots, 'comment.png'), m.screenshot);
    // The README shows this screenshot; GUARDRAILS_UPDATE_SCREENSHOTS=1 writes it again from this run.
    if (process.env.GUARDRAILS_UPDATE_SCREENSHOTS === '1') fs.writeFileSync(README_SHOT, m.screenshot);
    const shown = fs.readFileSync(README_SHOT);
    expect([shown.readUInt32BE(16), shown.readUInt32BE(20)]).toEqual([SCREEN, SCREEN]);
    // A PNG of the viewport: 1000 x 1000.
    expect(m.screenshot.readUInt32BE(16)).toBe(SCREEN);
    expect(m.screenshot.readUInt32BE(20)).toBe(SCREEN);
    const verdict = m.headings.find((h) => h.text === 'Verdict per control')!;
    expect(verdict, JSON.stringify(m.headings)).toBeDefined();
    expect(verdict.bottom).toBeLessThan(SCREEN);
    expect(m.firstDetailsTop).toBeDefined();
    expect(m.firstDetailsTop!).toBeLessThan(SCREEN);
    expect(m.tables.length).toBeGreaterThanOrEqual(3);
    for (const t of m.tables) for (const cells of t.rows) expect(cells).toBe(t.header);
    expect(m.pipeParagraphs).toEqual([]);
    expect(m.consoleErrors).toEqual([]);
    console.log(`diff comment: ${comment.length} characters; verdict table ends at ${Math.round(verdict.bottom)} px, first <details> at ${Math.round(m.firstDetailsTop!)} px, ${Math.round(m.height)} px folded`);
  });

  it('with the replay of real traffic: its line above the verdicts, its table whole when unfolded, nothing wider than the page', async () => {
    // Unfolded, so that the replay's table is laid out and measured with the rest.
    const m = await measureComment(withImpact.replaceAll('<details>', '<details open>'), SCREEN, SCREEN);
    const folded = await measureComment(withImpact, SCREEN, SCREEN);
    const verdict = folded.headings.find((h) => h.text === 'Verdict per control')!;
    expect(verdict.bottom).toBeLessThan(SCREEN);
    const replay = m.tables.find((t) => t.header === 9)!;
    expect(replay, JSON.stringify(m.tables)).toBeDefined();
    expect(replay.rows).toHaveLength(10);
    for (const cells of replay.rows) expect(cells).toBe(9);
    for (const t of m.tables) for (const cells of t.rows) expect(cells).toBe(t.header);
    expect(m.scrollWidth).toBeLessThanOrEqual(SCREEN);
    expect(folded.scrollWidth).toBeLessThanOrEqual(SCREEN);
    expect(m.pipeParagraphs).toEqual([]);
    expect(m.consoleErrors).toEqual([]);
    console.log(`diff comment with the replay: ${withImpact.length} characters; verdict table ends at ${Math.round(verdict.bottom)} px`);
  });
});
