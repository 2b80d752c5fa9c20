/**
 * `guardrails diff --impact REPORT.json` on the example change: the replay's line right after whether
 * anything becomes allowed, its table folded, both escaped and within --max-length (the table goes
 * first); a report of other policies is stale (warning and line); a bad report is exit 2, named.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import { beforeAll, describe, expect, it } from 'vitest';
import { staleImpact } from '../../src/cli/diff.js';
import type { ImpactReport } from '../../src/impact/index.js';
import type { DiffReport } from '../../src/plan/index.js';
import { renderDiffMarkdown } from '../../src/report/diff-markdown.js';
import { renderDiffText } from '../../src/report/diff-text.js';
import { PLANTED } from '../impact/decide/example.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';

let repo: ExampleRepo;
let report: ImpactReport;
/** The example change's diff (as --json writes it), rendered in-process where only the rendering is tested. */
let diffReport: DiffReport;
const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const write = (name: string, text: string) => fs.writeFileSync(path.join(repo.dir, name), text);
const diff = (...args: string[]) => repo.cli(['diff', '--org', 'guardrails/org-snapshot.json', '--max-snapshot-age', '0', '--quiet', ...args]);
const HEADLINE = '**Replayed CloudTrail 2026-10-08 to 2026-11-05: 1,284 of 2,756 events (8 request shapes) would be newly denied**';

beforeAll(async () => {
  repo = await compiledExampleRepo();
  write('planted.jsonl', lines(Object.values(PLANTED)));
  const run = await repo.cli(['impact', '--org', 'guardrails/org-snapshot.json', '--quiet', '--cloudtrail', 'shapes:planted.jsonl', '--json']);
  if (run.code !== 0) throw new Error(run.stderr);
  write('impact.json', run.stdout);
  report = JSON.parse(run.stdout) as ImpactReport;
  const json = await diff('--json');
  if (json.code !== 0) throw new Error(json.stderr);
  diffReport = JSON.parse(json.stdout) as DiffReport;
}, 60_000);

describe('guardrails diff --impact', () => {
  it('puts the replay line after whether anything becomes allowed, and the findings folded under it', async () => {
    expect(report.inputs.policies).toMatch(/^sha256:[0-9a-f]{64}$/);
    const run = await diff('--impact', 'impact.json', '--markdown');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('stale-impact');
    const md = run.stdout.split('\n');
    const allowed = md.findIndex((l) => l.startsWith('**Nothing becomes allowed'));
    const line = md.indexOf(HEADLINE);
    expect(allowed).toBeGreaterThan(0);
    expect(line).toBeGreaterThan(allowed);
    expect(md.slice(allowed, line).filter((l) => l.startsWith('#'))).toEqual([]);
    expect(md[line + 1]).toBe('— tls-minimum 1,265, approved-bedrock-models 10, no-long-term-credentials 4, allowed-regions 3, only-org-principals 2; 58 may be denied (aws:TagKeys not in CloudTrail); nothing newly allowed.');
    expect(md.indexOf('### Verdict per control')).toBeGreaterThan(line);
    // The folded table, as GitHub renders it: one row per finding, the verdicts after it.
    const html = new MarkdownIt({ html: true }).render(run.stdout);
    const fold = html.slice(html.indexOf('<summary>Requests of the replay'), html.indexOf('Verdict per control'));
    expect(fold).toContain(`(${report.findings.length})</summary>`);
    expect(fold.match(/<tr>/g)).toHaveLength(report.findings.length + 1);
    expect(fold).toMatch(/<td>newly denied<\/td>\s*<td>tls-minimum<\/td>\s*<td>payments-prod \(333333333301\)<\/td>\s*<td>role\/legacy-etl<\/td>\s*<td><code>s3:GetObject<\/code><\/td>\s*<td[^>]*>1,200<\/td>/);
    const text = await diff('--impact', 'impact.json');
    expect(text.code, text.stderr).toBe(0);
    const out = text.stdout.split('\n');
    const replay = out.findIndex((l) => l.startsWith('replayed CloudTrail'));
    expect(out[replay]).toBe('replayed CloudTrail 2026-10-08 to 2026-11-05: 1,284 of 2,756 events (8 request shapes) would be newly denied; tls-minimum 1,265, approved-bedrock-models 10, no-long-term-credentials 4, allowed-regions 3, only-org-principals 2; 58 may be denied; nothing newly allowed');
    expect(replay).toBeGreaterThan(out.findIndex((l) => l.startsWith('nothing becomes allowed')));
    expect(replay).toBeLessThan(out.indexOf('verdict per control:'));
  });

  it('--json carries the replay beside the diff, stale or not', async () => {
    const run = await diff('--impact', 'impact.json', '--json');
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as DiffReport & { impact?: { report: ImpactReport; stale?: string } };
    expect(json.impact?.report.totals).toEqual(report.totals);
    expect(json.impact?.stale).toBeUndefined();
    expect(json.semantic).toEqual(diffReport.semantic);
    const plain = JSON.parse((await diff('--json')).stdout) as { impact?: unknown };
    expect(plain.impact).toBeUndefined();
  });

  it('within --max-length, gives up rows of the table and then the table before the line', () => {
    const impact = { report };
    const full = renderDiffMarkdown(diffReport, { maxLength: 0, impact });
    const plain = renderDiffMarkdown(diffReport, { maxLength: 0 });
    expect(full.length).toBeGreaterThan(plain.length);
    // Shrunk till the head of the comment is all that is left: the line stays, the fold is gone.
    const tight = renderDiffMarkdown(diffReport, { maxLength: 4000, impact });
    expect(tight).toContain(HEADLINE);
    expect(tight).not.toContain('Requests of the replay');
    expect(tight).toMatch(/_Left out to fit 4,000 characters: .*rows of the replay's table/);
    // A limit between: the line diffs and per-control detail go first, the table stays whole.
    const roomy = renderDiffMarkdown(diffReport, { maxLength: plain.length, impact });
    expect(roomy.length).toBeLessThanOrEqual(plain.length);
    expect(roomy).toContain(`Requests of the replay the change would deny or may deny (${report.findings.length})`);
    expect(roomy).not.toContain('more rows left out to fit');
    // Many findings: the table keeps its first rows and counts the rest before it goes.
    const many = { report: { ...report, findings: Array.from({ length: 400 }, (_, i) => ({ ...report.findings[0]!, exampleEventId: `event-${i}` })) } };
    const cut = renderDiffMarkdown(diffReport, { maxLength: 12_000, impact: many });
    expect(cut.length).toBeLessThanOrEqual(12_000);
    expect(cut).toMatch(/\| `event-19` \|\n\n380 more rows left out to fit; `guardrails impact --json` lists them all\./);
  });

  it('marks a report of other policies stale: a stale-impact warning, and the line says so', async () => {
    const other = { ...report, inputs: { ...report.inputs, policies: `sha256:${'0'.repeat(64)}` } };
    write('other.json', JSON.stringify(other));
    const run = await repo.cli(['diff', '--org', 'guardrails/org-snapshot.json', '--max-snapshot-age', '0', '--impact', 'other.json', '--markdown']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning stale-impact: the impact report other\.json is stale: it decided other compiled policies than these \(000000000000 then, [0-9a-f]{12} now\)/);
    expect(run.stdout).toContain('> **Warning:** the impact report other.json is stale');
    expect(run.stdout).toContain(`${HEADLINE} — **stale**: it decided other compiled policies than these`);
    const { policies: _, ...inputs } = report.inputs;
    const undigested = { ...report, inputs };
    const stale = staleImpact(undigested, report.inputs.policies!);
    expect(stale).toBe('it records no digest of the policies it decided against, so it may be of another change');
    expect(staleImpact(report, report.inputs.policies!)).toBeUndefined();
    expect(renderDiffText(diffReport, { impact: { report: undigested, stale: stale! } })).toMatch(/^replayed CloudTrail .*\(STALE: it records no digest of the policies it decided against/m);
  });

  it('refuses a report that is not one (exit 2, naming the file and the field)', async () => {
    const cases: [string, string, RegExp][] = [
      ['notjson.json', '{"format": 1', /--impact notjson\.json: not JSON/],
      ['wrongtype.json', JSON.stringify({ ...report, totals: { ...report.totals, newlyDenied: '1284' } }), /--impact wrongtype\.json: \$\.totals\.newlyDenied: must be a whole number/],
      ['format.json', JSON.stringify({ ...report, format: 2 }), /--impact format\.json: \$\.format: must be 1/],
      ['longstring.json', JSON.stringify({ ...report, findings: [{ ...report.findings[0], action: 'x'.repeat(5000) }] }), /\$\.findings\[0\]\.action: is longer than 4096 characters/],
    ];
    for (const [name, text, said] of cases) {
      write(name, text);
      const run = await diff('--impact', name, '--markdown');
      expect(run.code, name).toBe(2);
      expect(run.stderr).toMatch(said);
      expect(run.stdout).toBe('');
    }
    const missing = await diff('--impact', 'absent.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error impact-report: --impact absent.json');
  });

  it('escapes a hostile report: no cell splits, no HTML, mention, link or escape sequence gets through', () => {
    const hostile = '</details><!-- @team | `code` [link](http://evil.example) <img src=x onerror=alert(1)>\u001b[31m';
    const finding = { ...report.findings[0]!, principal: { arn: `arn:aws:iam::333333333301:role/${hostile}`, type: 'AssumedRole', account: '333333333301' }, exampleEventId: hostile, action: `s3:${hostile}`, controls: [{ control: hostile }] };
    const bad = { ...report, window: { ...report.window, since: `${hostile}2026`, until: hostile }, findings: [finding], byControl: [{ ...report.byControl[0]!, control: hostile }] };
    const md = renderDiffMarkdown(diffReport, { impact: { report: bad, stale: hostile } });
    expect(md).not.toMatch(/<\/details><!--|<img|\[link\]\(|@team|\u001b/);
    const html = new MarkdownIt({ html: true }).render(md);
    expect(html).not.toMatch(/<img|<a |onerror=alert\(1\)>/);
    expect(html.match(/<details>/g)?.length).toBe(html.match(/<\/details>/g)?.length);
    const row = md.split('\n').find((l) => l.startsWith('| newly denied'))!;
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(9);
    expect(renderDiffText(diffReport, { impact: { report: bad, stale: hostile } })).not.toContain('\u001b');
  });
});
