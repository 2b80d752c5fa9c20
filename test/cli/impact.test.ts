/** `guardrails impact` end to end on the example organization, from a shapes file of the planted requests. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImpactReport } from '../../src/impact/index.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { PLANTED, shape } from '../impact/decide/example.js';

let repo: ExampleRepo;
const lines = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const write = (name: string, text: string) => fs.writeFileSync(path.join(repo.dir, name), text);
const impact = (...args: string[]) => repo.cli(['impact', '--org', 'guardrails/org-snapshot.json', '--quiet', ...args]);

beforeAll(async () => {
  repo = await compiledExampleRepo();
  write('planted.jsonl', lines(Object.values(PLANTED)));
  write('decoys.jsonl', lines([PLANTED.tls12!, PLANTED.breakGlassCredential!, PLANTED.managementCredential!]));
}, 60_000);

describe('guardrails impact', () => {
  it('--json names the planted requests the change newly denies, by control, with their counts', async () => {
    const run = await impact('--cloudtrail', 'shapes:planted.jsonl', '--json');
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as ImpactReport;
    expect(report.totals.newlyDenied).toBe(1284);
    expect(Object.fromEntries(report.byControl.filter((c) => c.newlyDenied.events).map((c) => [c.control, c.newlyDenied.events]))).toEqual({ 'tls-minimum': 1265, 'approved-bedrock-models': 10, 'no-long-term-credentials': 4, 'allowed-regions': 3, 'only-org-principals': 2 });
    expect(report.window).toEqual({ since: '2026-10-08T10:00:00Z', until: '2026-11-05T10:00:00Z', source: 'shapes', location: 'planted.jsonl' });
  });

  it('--markdown gives one bold line and a folded table; --detailed-exitcode 3 when requests would be denied, 0 when none is touched', async () => {
    const run = await impact('--cloudtrail', 'shapes:planted.jsonl', '--markdown', '--detailed-exitcode');
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout.split('\n')[0]).toBe('**Replayed CloudTrail 2026-10-08 to 2026-11-05: 1,284 of 2,756 events (8 request shapes) would be newly denied**');
    expect(run.stdout).toContain('<details><summary>');
    expect(run.stdout).toMatch(/\| newly denied \| tls-minimum \| payments-prod \(333333333301\) \| role\/legacy-etl \| `s3:GetObject` \| 1,200 \|/);
    const quiet = await impact('--cloudtrail', 'shapes:decoys.jsonl', '--detailed-exitcode');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toContain('newly denied: 0 events');
  });

  it('--max-length drops table rows, last first, and says so', async () => {
    const run = await impact('--cloudtrail', 'shapes:planted.jsonl', '--markdown', '--max-length', '1500');
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBeLessThanOrEqual(1500);
    expect(run.stdout).toMatch(/\d+ more rows? left out to stay within --max-length/);
  });

  it('refuses a shapes file with a bad line, naming its number (exit 2)', async () => {
    write('bad.jsonl', lines([PLANTED.tls12!]) + JSON.stringify({ ...PLANTED.tls12!, events: 'many' }) + '\n');
    const run = await impact('--cloudtrail', 'shapes:bad.jsonl');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('shapes:bad.jsonl:2: events must be a whole number');
    const unknown = await impact('--cloudtrail', 'logs/');
    expect(unknown.code).toBe(2);
  });

  it('escapes every string from a record in markdown and on the terminal (a hostile record)', async () => {
    const hostile = shape({ eventSource: 's3.amazonaws.com', eventName: 'GetObject', tlsVersion: '1.1', recipientAccountId: '333333333301', resourceAccount: '333333333301', eventCategory: 'Data', principalArn: 'arn:aws:iam::333333333301:role/x</details><!-- @team | `code` [link](http://evil.example)\u001b[31m', exampleEventId: '<img src=x onerror=alert(1)>|@admins' });
    write('hostile.jsonl', lines([hostile]));
    const md = await impact('--cloudtrail', 'shapes:hostile.jsonl', '--markdown');
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).not.toMatch(/<\/details><!--|<img|\[link\]\(|@team|@admins|\u001b/);
    expect(md.stdout.match(/<\/details>/g)).toHaveLength(1);
    // The table row keeps its nine cells: no `|` from the record split one.
    const row = md.stdout.split('\n').find((l) => l.startsWith('| newly denied'))!;
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(9);
    const text = await impact('--cloudtrail', 'shapes:hostile.jsonl');
    expect(text.stdout).not.toContain('\u001b');
  });
});
