/**
 * The example change's pull-request comment as a reviewer sees it: rendered like GitHub, in a real
 * headless Chromium 1000 px wide, its ```mermaid picture drawn by the Mermaid GitHub uses (the pinned
 * devDependency). The verdict per control must be read without scrolling, the picture must draw with the
 * canary's OU in its verdict's colour and naming the wave, every table must keep its columns, and
 * nothing in the page may fail or overflow.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { tempDir } from '../support/temp.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { PLANTED } from '../impact/decide/example.js';
import { syntheticState } from '../../bench/synthetic-org.js';
import { OrgTree } from '../../src/model/org-tree.js';
import { treeOfState } from '../../src/org/index.js';
import { accountVerdicts, changeTreePicture, MAX_PICTURE_NODES } from '../../src/report/change-tree.js';
import { treePictureSection } from '../../src/report/diff-mermaid.js';
import type { SemanticGroup } from '../../src/semantic-diff/index.js';
import { HOSTILE } from './hostile-inputs.js';
import { chromiumAvailable, closeBrowser, measureComment, MERMAID_VERSION, type MeasuredDiagram } from './github-page.js';

const available = chromiumAvailable();
if (!available) console.warn('skipping the browser tests of the diff comment: no Chromium at /usr/bin/chromium (apt-get install -y chromium); in CI they fail instead');

/** A day within the snapshot's 7-day window: the comment carries no stale-snapshot warning. */
const NOW = Date.parse('2026-11-21T09:00:00Z');
const SCREEN = 1000;
/** The screenshot the README shows, of the same example comment at the same size. */
const README_SHOT = path.join(PROJECT_ROOT, 'docs', 'diff-comment.png');
/** The picture of where the change applies, as the README shows it. */
const README_TREE_SHOT = path.join(PROJECT_ROOT, 'docs', 'diff-comment-tree.png');
const TREE_SHOT_HEIGHT = 900;
/** The stricter class's fill (diff-mermaid.ts), as the browser computes it. */
const STRICTER_FILL = 'rgb(219, 234, 254)';

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
  it('shows the verdict per control above the fold, the picture below it, tables whole, no error', async () => {
    const m = await measureComment(comment, SCREEN, SCREEN, { mermaid: true });
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
    // The picture follows the verdicts, and starts on the first screen.
    const picture = m.headings.find((h) => h.text === 'Where it applies')!;
    expect(picture.top).toBeGreaterThanOrEqual(verdict.bottom);
    expect(picture.top).toBeLessThan(SCREEN);
    expect(m.firstDetailsTop).toBeDefined();
    expect(m.tables.length).toBeGreaterThanOrEqual(3);
    for (const t of m.tables) for (const cells of t.rows) expect(cells).toBe(t.header);
    expect(m.pipeParagraphs).toEqual([]);
    expect(m.consoleErrors).toEqual([]);
    console.log(`diff comment: ${comment.length} characters; verdict table ends at ${Math.round(verdict.bottom)} px, the picture from ${Math.round(picture.top)} px, first <details> at ${Math.round(m.firstDetailsTop!)} px, ${Math.round(m.height)} px folded`);
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

  it(`the picture of where it applies, drawn by Mermaid ${MERMAID_VERSION}: a node per line, the canary's OU in its verdict's colour naming the wave, nothing wider than the page`, async () => {
    const source = comment.split('```mermaid\n')[1]!.split('\n```')[0]!;
    const declared = source.split('\n').filter((l) => /^ {2}n\d+[[(]/.test(l)).length;
    const m = await measureComment(comment, SCREEN, TREE_SHOT_HEIGHT, { mermaid: true, shotAt: 'Where it applies' });
    expect(m.diagrams).toHaveLength(1);
    const d = m.diagrams[0]!;
    expectDrawn(d, declared);
    expect(declared).toBe(11);
    const nonProd = d.nodes.find((n) => n.text.startsWith('NonProd'))!;
    expect(nonProd.classes).toContain('stricter');
    expect(nonProd.fill).toBe(STRICTER_FILL);
    expect(nonProd.text).toContain('waves canary, nonprod');
    const canary = d.nodes.find((n) => n.text.startsWith('payments-dev'))!;
    expect(canary.text).toContain('wave canary');
    expect(canary.fill).toBe(STRICTER_FILL);
    expect(d.nodes.find((n) => n.text.startsWith('management'))!.classes).toContain('unchanged');
    // What the canary wave reaches stands out: the thickest border, whatever its verdict's colours.
    const prod = d.nodes.find((n) => n.text.startsWith('Prod'))!;
    for (const n of [nonProd, canary]) expect([n.classes.includes('firstWave'), n.strokeWidth], n.text).toEqual([true, '5px']);
    expect([prod.classes.includes('firstWave'), prod.strokeWidth]).toEqual([false, '2px']);
    for (const n of d.nodes) expect(contrast(n.color, n.fill), n.text).toBeGreaterThanOrEqual(4.5);
    expect(d.width).toBeLessThanOrEqual(SCREEN);
    expect(m.scrollWidth).toBeLessThanOrEqual(SCREEN);
    expect(m.consoleErrors).toEqual([]);
    expect([m.screenshot.readUInt32BE(16), m.screenshot.readUInt32BE(20)]).toEqual([SCREEN, TREE_SHOT_HEIGHT]);
    if (process.env.GUARDRAILS_UPDATE_SCREENSHOTS === '1') fs.writeFileSync(README_TREE_SHOT, m.screenshot);
    const shown = fs.readFileSync(README_TREE_SHOT);
    expect([shown.readUInt32BE(16), shown.readUInt32BE(20)]).toEqual([SCREEN, TREE_SHOT_HEIGHT]);
    console.log(`the picture: ${declared} nodes, ${Math.round(d.bottom - d.top)} px high, ${Math.round(d.width)} px wide, Mermaid ${MERMAID_VERSION}`);
  });

  it(`the 2,010-OU benchmark organization: at most ${MAX_PICTURE_NODES} nodes, drawn, folded, nothing wider than the page; in GitHub's dark theme, each node's words keep their contrast`, async () => {
    const tree = treeOfState(syntheticState(() => []));
    const division = (i: number) => tree.root.children.find((c) => c.name === `Division${i}`)!;
    const canary = division(0).children[0]!.children[0]!.children[0]!;
    const under = (n: OrgTree['root']) => OrgTree.accountsUnder(n).map((a) => a.id!);
    const looser = new Set(under(division(3)));
    const members = under(tree.root).filter((a) => a !== tree.root.children.find((c) => c.kind === 'account')!.id);
    const verdicts = accountVerdicts([group(members.filter((a) => !looser.has(a)), 'stricter'), group([...looser], 'looser')]);
    const waves = [{ name: 'canary', targets: [canary] }, { name: 'one-division', targets: [division(0)] }, { name: 'half', targets: [1, 2, 3, 4].map(division) }, { name: 'everything', targets: [tree.root] }];
    const picture = changeTreePicture({ tree, waves }, verdicts);
    const section = treePictureSection(picture).join('\n');
    expect(section).toContain('<details><summary>');
    const m = await measureComment(section.replace('<details>', '<details open>'), SCREEN, SCREEN, { mermaid: { theme: 'dark' } });
    const d = m.diagrams[0]!;
    expectDrawn(d, picture.nodes.length);
    for (const n of d.nodes) expect(contrast(n.color, n.fill), n.text).toBeGreaterThanOrEqual(4.5);
    expect(d.nodes.length).toBeLessThanOrEqual(MAX_PICTURE_NODES);
    expect(d.nodes.find((n) => n.text.startsWith('Division3'))!.classes).toContain('looser');
    expect(d.nodes.find((n) => n.text.startsWith('Root'))!.classes).toContain('mixed');
    expect(m.scrollWidth).toBeLessThanOrEqual(SCREEN);
    expect(m.consoleErrors).toEqual([]);
    console.log(`the 2,010-OU organization's picture: ${d.nodes.length} nodes, ${Math.round(d.bottom - d.top)} px high`);
  });

  it('hostile names in the picture: drawn as text, nothing acts, no error', async () => {
    const tree = new OrgTree('Root', 'r-test');
    const ou = tree.add({ kind: 'ou', name: HOSTILE, id: 'ou-test-00000001', parent: tree.root });
    const names = ['<img src=x onerror=window.hit=1>', '"]; click n0 call alert(1); %%', '%%{init: {"securityLevel": "loose"}}%%'];
    names.forEach((name, i) => tree.add({ kind: 'account', name, id: `10000000000${i}`, parent: ou }));
    const other = tree.add({ kind: 'ou', name: '1. `a` *list* <b>x</b>', id: 'ou-test-00000002', parent: tree.root });
    tree.add({ kind: 'account', name: 'x', id: '100000000009', parent: other });
    const picture = changeTreePicture({ tree, waves: [{ name: '<script>window.hit=1</script>', targets: [tree.root] }] }, accountVerdicts([group(['100000000000', '100000000009'], 'stricter'), group(['100000000001'], 'looser'), group(['100000000002'], 'mixed')]));
    const m = await measureComment(treePictureSection(picture).join('\n'), SCREEN, SCREEN, { mermaid: true });
    const d = m.diagrams[0]!;
    expectDrawn(d, picture.nodes.length);
    const texts = d.nodes.map((n) => n.text);
    for (const name of names) expect(texts.some((t) => t.startsWith(name)), `${name} in ${JSON.stringify(texts)}`).toBe(true);
    expect(texts.some((t) => t.startsWith('1. `a` *list* <b>x</b>'))).toBe(true);
    expect(texts.some((t) => t.includes('wave <script>window.hit=1</script>'))).toBe(true);
    expect(d.live).toEqual([]);
    expect(m.consoleErrors).toEqual([]);
  });
});

function group(accounts: string[], direction: 'stricter' | 'looser' | 'mixed'): SemanticGroup {
  return { type: 'scp', personas: ['a role in the account'], accounts, targets: [], changes: [{ kind: 'newly-denied', count: 1, services: [], direction }] };
}

/** Drawn without error, a node for each declared, each with its words. */
function expectDrawn(d: MeasuredDiagram, nodes: number): void {
  expect(d.error).toBeUndefined();
  expect(d.nodes).toHaveLength(nodes);
  for (const n of d.nodes) expect(n.text.trim()).not.toBe('');
}

/** WCAG's contrast ratio of two computed colours (rgb(...)). */
function contrast(a: string, b: string): number {
  const luminance = (c: string) => {
    const [r, g, bl] = c.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number).map((v) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}
