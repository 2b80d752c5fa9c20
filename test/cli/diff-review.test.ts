/**
 * guardrails diff as a review: the verdict per control (stricter, looser, mixed), "nothing becomes
 * allowed" and what does, on the example change and on changes built from it: the organization in
 * step with the intent but for the TLS floor, a Region added, a control removed, a Region swapped. And
 * the flags a pull-request workflow uses: the sticky marker, --max-length, --step-summary, the
 * stale-snapshot warning and --detailed-exitcode.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DiffReport } from '../../src/plan/index.js';
import { renderGithub, tagCount } from '../report/github-markdown.js';
import { runCli, TEST_NOW } from '../support/cli.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { tempDir } from '../support/temp.js';

let example: ExampleRepo;

interface Snapshot {
  readAt: string;
  policies: { id: string; name: string; type: string; description: string; awsManaged: boolean; tags: Record<string, string>; content: string; targets: string[] }[];
}

/**
 * The example's snapshot as if the intent had been rolled out (every owned policy what out/ holds, the
 * Bedrock policy attached), then `edit` applied to the deployed texts.
 */
function inStep(repo: string, edit: (name: string, content: string) => string = (_, c) => c): Snapshot {
  const s = JSON.parse(fs.readFileSync(path.join(repo, 'guardrails', 'org-snapshot.json'), 'utf8')) as Snapshot;
  const out = (name: string) => edit(name, fs.readFileSync(path.join(repo, 'out', `${name}.json`), 'utf8'));
  for (const p of s.policies) if (p.tags['managed-by'] === 'guardrails') p.content = out(p.name);
  s.policies.push({ id: 'p-bedrock1', name: 'guardrails-scp-approved-bedrock-models', type: 'scp', description: '', awsManaged: false, tags: { 'managed-by': 'guardrails', 'guardrails:controls': 'approved-bedrock-models' }, content: out('guardrails-scp-approved-bedrock-models'), targets: ['ou-ex12-genai001', 'ou-ex12-sandbox1'] });
  return s;
}

/** A copy of the example repository with `edit` applied to an intent file, compiled. */
async function editedRepo(file: string, edit: (text: string) => string): Promise<{ dir: string; cli: (args: string[], options?: { now?: number; env?: NodeJS.ProcessEnv }) => ReturnType<typeof runCli> }> {
  const dir = path.join(await tempDir(), 'repo');
  fs.cpSync(example.dir, dir, { recursive: true });
  const f = path.join(dir, 'guardrails', file);
  const before = fs.readFileSync(f, 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  fs.writeFileSync(f, after);
  const cli = (args: string[], options: { now?: number; env?: NodeJS.ProcessEnv } = {}) => runCli([...args, '--cache', example.cache], { cwd: dir, ...options });
  const compiled = await cli(['compile']);
  if (compiled.code !== 0) throw new Error(compiled.stderr);
  return { dir, cli };
}

async function reportOf(cli: (args: string[]) => ReturnType<typeof runCli>, snapshot: string): Promise<DiffReport> {
  const r = await cli(['diff', '--org', snapshot, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as DiffReport;
}

beforeAll(async () => {
  example = await compiledExampleRepo();
  fs.writeFileSync(path.join(example.dir, 'in-step.json'), JSON.stringify(inStep(example.dir)));
  fs.writeFileSync(path.join(example.dir, 'tls-1.1.json'), JSON.stringify(inStep(example.dir, (name, c) => (name === 'guardrails-rcp-tls-minimum' ? c.replace('"s3:TlsVersion": "1.2"', '"s3:TlsVersion": "1.1"') : c))));
});

describe('the verdict per control', () => {
  it('the example change: every control stricter, each with its intent line; the TLS floor once, by its meaning; the statement deny-coverage cannot prove named', async () => {
    const report = await reportOf(example.cli, 'guardrails/org-snapshot.json');
    const verdicts = Object.fromEntries(report.review.verdicts.map((v) => [v.control, v]));
    expect(Object.keys(verdicts).sort()).toEqual(['allowed-regions', 'approved-bedrock-models', 'no-long-term-credentials', 'only-org-principals', 'tls-minimum']);
    for (const v of report.review.verdicts) expect(v.verdict, v.control).toBe('stricter');
    expect(verdicts['tls-minimum']!.location).toMatchObject({ file: 'guardrails/data-perimeter.yaml', line: 39 });
    expect(verdicts['no-long-term-credentials']!.location).toMatchObject({ file: 'guardrails/baseline.yaml', line: 5 });
    // Five persona groups show the TLS change; the verdict merges them into one change of 177 S3 actions on 9 accounts.
    const tls = verdicts['tls-minimum']!.changes;
    expect(tls).toHaveLength(1);
    expect(tls[0]).toMatchObject({ meaning: 'S3 TLS floor 1.1 -> 1.2', direction: 'stricter', removed: ['Deny when NumericLessThan s3:TlsVersion ["1.1"]'], added: ['Deny when NumericLessThan s3:TlsVersion ["1.2"]'] });
    expect(tls[0]!.accounts).toHaveLength(9);
    expect(tls[0]!.statements).toEqual([{ policy: 'guardrails-rcp-tls-minimum', sid: 'TlsMinimumS3TlsVersion', location: expect.objectContaining({ file: 'guardrails/data-perimeter.yaml' }) }]);
    // The control's share of a change two controls make: iam:CreateServiceSpecificCredential is no-long-term-credentials', the S3 tagging actions only-org-principals'.
    expect(verdicts['no-long-term-credentials']!.changes.map((c) => [c.kind, c.count])).toEqual([['newly-denied', 1]]);
    expect(report.review.allowed).toEqual([]);
    expect(report.unproven).toEqual([expect.objectContaining({ policy: 'guardrails-rcp-only-org-principals', sid: 'OnlyOrgPrincipalsProtectExceptionSessionTag', controls: ['only-org-principals'] })]);

    const md = (await example.cli(['diff', '--org', 'guardrails/org-snapshot.json', '--markdown'])).stdout;
    const head = md.slice(0, md.indexOf('<details>'));
    expect(head).toContain('**Nothing becomes allowed for the principals the diff asks as.**\nNot proven to deny all it did for principals the diff does not ask as (an excepted role, an AWS service): `guardrails-rcp-only-org-principals` statement `OnlyOrgPrincipalsProtectExceptionSessionTag` (`only-org-principals`)');
    expect(head).toContain('| `only-org-principals`<br>guardrails/data-perimeter.yaml:6 | stricter; **not proven** (above) |');
    expect(head.match(/TLS floor/g)).toHaveLength(1);
    expect(head).toContain('| `tls-minimum`<br>guardrails/data-perimeter.yaml:39 | stricter | Root (9 accounts) | S3 TLS floor 1.1 -&gt; 1.2: 177 actions |');
    // The order a reviewer decides in: the summary, what becomes allowed, the verdicts, then the policies.
    const order = ['1 policy to create, 5 to update, 0 to delete; 2 attachments to add, 0 to remove; 9 accounts affected.', '**Nothing becomes allowed', '### Verdict per control', '### Policies', '<details>'].map((s) => head.concat('<details>').indexOf(s));
    expect(order.every((x, i) => x >= 0 && (i === 0 || x > order[i - 1]!))).toBe(true);
  });

  it('the TLS floor raised alone: stricter, and nothing becomes allowed anywhere', async () => {
    const report = await reportOf(example.cli, 'tls-1.1.json');
    expect(report.review.verdicts.map((v) => [v.control, v.verdict, v.changes.map((c) => c.meaning)])).toEqual([['tls-minimum', 'stricter', ['S3 TLS floor 1.1 -> 1.2']]]);
    expect(report.review.allowed).toEqual([]);
    expect(report.unproven).toEqual([]);
    const md = (await example.cli(['diff', '--org', 'tls-1.1.json', '--markdown'])).stdout;
    expect(md).toContain('\n**Nothing becomes allowed anywhere.**\n');
  });

  it('a Region added to allowedRegions: looser, what becomes allowed said first with a request it allows', async () => {
    const repo = await editedRepo('baseline.yaml', (t) => t.replace('allowedRegions: [us-east-1, us-west-2, eu-central-1]', 'allowedRegions: [us-east-1, us-west-2, eu-central-1, eu-west-1]'));
    fs.writeFileSync(path.join(repo.dir, 'in-step.json'), JSON.stringify(inStep(example.dir)));
    const report = await reportOf(repo.cli, 'in-step.json');
    const regions = report.review.verdicts.find((v) => v.control === 'allowed-regions')!;
    expect(regions.verdict).toBe('looser');
    expect(regions.changes.map((c) => c.meaning)).toContain('allowed Regions + eu-west-1');
    expect(report.review.verdicts[0]!.control).toBe('allowed-regions');
    expect(report.review.allowed.length).toBeGreaterThan(0);
    for (const a of report.review.allowed) {
      expect(a.controls).toContain('allowed-regions');
      expect(a.allowedExample).toContain('aws:RequestedRegion=eu-west-1');
    }
    const md = (await repo.cli(['diff', '--org', 'in-step.json', '--markdown'])).stdout;
    expect(md).not.toContain('Nothing becomes allowed');
    expect(md.indexOf('**Becomes allowed**')).toBeGreaterThan(0);
    expect(md.indexOf('**Becomes allowed**')).toBeLessThan(md.indexOf('### Verdict per control'));
    expect(md).toMatch(/\| `allowed-regions`<br>guardrails\/baseline\.yaml:37 \| \*\*looser\*\*[^|]* \|/);
    expect(md).toMatch(/\n {2}- allowed now, denied before: `aws:RequestedRegion=eu-west-1[`,]/);
    const exit = await repo.cli(['diff', '--org', 'in-step.json', '--detailed-exitcode']);
    expect(exit.code).toBe(4);
  });

  it('a control removed from the intent: looser, attributed by the deployed policy\'s Sid and tag, "not in the intent"', async () => {
    const repo = await editedRepo('baseline.yaml', (t) => t.replace(/\n {2}stay-in-organization:\n(?: {4}[^\n]*\n)+/, '\n'));
    fs.writeFileSync(path.join(repo.dir, 'in-step.json'), JSON.stringify(inStep(example.dir)));
    const report = await reportOf(repo.cli, 'in-step.json');
    const stay = report.review.verdicts.find((v) => v.control === 'stay-in-organization')!;
    expect(stay).toMatchObject({ verdict: 'looser' });
    expect(stay.location).toBeUndefined();
    expect(stay.changes[0]!.services.flatMap((s) => s.actions)).toEqual(['organizations:LeaveOrganization']);
    expect(report.review.allowed.map((a) => a.controls)).toEqual([['stay-in-organization']]);
    const md = (await repo.cli(['diff', '--org', 'in-step.json', '--markdown'])).stdout;
    expect(md).toContain('| `stay-in-organization`<br>not in the intent | **looser**; **not proven** (above) |');
    expect(md).toContain('\n- **1 action allowed** in root Root (9 accounts), asked by a role in the account; `stay-in-organization`: `organizations:LeaveOrganization`\n');
    // The deleted policy's other statements moved to a policy of their own: only the removed control's is not covered.
    expect(report.unproven).toEqual([expect.objectContaining({ policy: 'guardrails-scp-protect-security-services+stay-in-organization', sid: 'StayInOrganization', controls: ['stay-in-organization'] })]);
  });

  it('one Region swapped for another: mixed', async () => {
    const repo = await editedRepo('baseline.yaml', (t) => t.replace('allowedRegions: [us-east-1, us-west-2, eu-central-1]', 'allowedRegions: [us-east-1, us-west-2, eu-west-1]'));
    fs.writeFileSync(path.join(repo.dir, 'in-step.json'), JSON.stringify(inStep(example.dir)));
    const report = await reportOf(repo.cli, 'in-step.json');
    const regions = report.review.verdicts.find((v) => v.control === 'allowed-regions')!;
    expect(regions.verdict).toBe('mixed');
    expect(regions.changes.map((c) => c.meaning)).toContain('allowed Regions + eu-west-1, - eu-central-1');
  });
});

describe('flags for a pull-request workflow', () => {
  it('a hidden marker on the first line, named with --marker, left out with --no-marker', async () => {
    const md = async (...extra: string[]) => (await example.cli(['diff', '--org', 'tls-1.1.json', '--markdown', ...extra])).stdout;
    expect((await md()).split('\n')[0]).toBe('<!-- guardrails-diff -->');
    expect((await md('--marker', 'guardrails-prod.2')).split('\n')[0]).toBe('<!-- guardrails-prod.2 -->');
    expect(await md('--no-marker')).toMatch(/^## guardrails diff/);
    const bad = await example.cli(['diff', '--org', 'tls-1.1.json', '--markdown', '--marker', 'x -->']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error usage: --marker takes a name');
  });

  it('--max-length leaves out whole sections, least important first, says what, and never breaks a table, fence or <details>', async () => {
    const full = (await example.cli(['diff', '--org', 'guardrails/org-snapshot.json', '--markdown', '--max-length', '0'])).stdout;
    expect(full).not.toContain('Left out');
    for (const max of [20_000, 9_000, 4_000]) {
      const r = await example.cli(['diff', '--org', 'guardrails/org-snapshot.json', '--markdown', '--max-length', String(max)]);
      expect(r.code, r.stderr).toBe(0);
      const md = r.stdout;
      expect(md.length).toBeLessThanOrEqual(max);
      expect(md).toMatch(new RegExp(`\\n_Left out to fit ${max.toLocaleString('en-US')} characters: [^\\n]*the line diff of each policy`));
      expect(md).toContain('### Verdict per control');
      // The line diffs' fences are gone; the picture's, while it is there, opens and closes.
      const fences = md.match(/^```.*$/gm) ?? [];
      expect(fences).toEqual(md.includes('### Where it applies') ? ['```mermaid', '```'] : []);
      const rendered = renderGithub(md);
      expect(tagCount(rendered.html, 'details')).toBe((rendered.html.match(/<\/details>/g) ?? []).length);
      for (const table of rendered.html.match(/<table>[\s\S]*?<\/table>/g) ?? []) {
        const header = tagCount(table.slice(0, table.indexOf('</thead>')), 'th');
        for (const row of table.slice(table.indexOf('<tbody>')).match(/<tr>[\s\S]*?<\/tr>/g) ?? []) expect(tagCount(row, 'td')).toBe(header);
      }
    }
    const smallest = (await example.cli(['diff', '--org', 'guardrails/org-snapshot.json', '--markdown', '--max-length', '4000'])).stdout;
    expect(smallest).toContain('per-control detail');
    // The picture goes before the policies and attachments tables, and the comment says so.
    expect(smallest).not.toContain('```mermaid');
    expect(smallest).toContain('the picture of the tree');
    expect(smallest).toContain('### Policies');
    const bad = await example.cli(['diff', '--org', 'guardrails/org-snapshot.json', '--markdown', '--max-length', '-1']);
    expect(bad.code).toBe(2);
  });

  it('--step-summary appends the whole comment, without the marker, to $GITHUB_STEP_SUMMARY; without it set, a usage error', async () => {
    const file = path.join(await tempDir(), 'summary.md');
    fs.writeFileSync(file, '# earlier step\n');
    const r = await runCli(['diff', '--org', 'guardrails/org-snapshot.json', '--markdown', '--step-summary', '--max-length', '5000', '--cache', example.cache], { cwd: example.dir, env: { CI: 'true', GITHUB_STEP_SUMMARY: file } });
    expect(r.code, r.stderr).toBe(0);
    const summary = fs.readFileSync(file, 'utf8');
    expect(summary).toMatch(/^# earlier step\n## guardrails diff: o-exmpl12345\n/);
    expect(summary).not.toContain('Left out');
    expect(summary).toContain('### Policy text');
    expect(r.stdout.length).toBeLessThanOrEqual(5000);
    const unset = await example.cli(['diff', '--org', 'guardrails/org-snapshot.json', '--step-summary']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('error usage: --step-summary appends to the file $GITHUB_STEP_SUMMARY names');
  });

  it('warns when the org snapshot is older than --max-snapshot-age (default 7d), in stderr and in the comment', async () => {
    const later = Date.parse('2026-12-06T09:00:00Z');
    const run = (...extra: string[]) => runCli(['diff', '--org', 'guardrails/org-snapshot.json', '--markdown', ...extra, '--cache', example.cache], { cwd: example.dir, now: later });
    const stale = await run();
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stderr).toContain('warning stale-org-snapshot: the org snapshot guardrails/org-snapshot.json was read 16 days ago (2026-11-20T09:00:00.000Z), more than --max-snapshot-age 7d');
    expect(stale.stderr).toContain('hint: export it again: guardrails org export --out guardrails/org-snapshot.json');
    expect(stale.stdout).toContain('> **Warning:** the org snapshot guardrails/org-snapshot.json was read 16 days ago');
    for (const flags of [['--max-snapshot-age', '30d'], ['--max-snapshot-age', '0']]) expect((await run(...flags)).stderr).not.toContain('stale-org-snapshot');
    expect((await example.cli(['diff', '--org', 'guardrails/org-snapshot.json'])).stderr).not.toContain('stale-org-snapshot');
    expect(TEST_NOW - Date.parse('2026-11-20T09:00:00Z')).toBeLessThan(7 * 86_400_000);
    const bad = await run('--max-snapshot-age', '7x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error usage: --max-snapshot-age');
  });

  it('--detailed-exitcode: 0 without change, 3 for changes none of which allows anything, 4 when something may become allowed', async () => {
    const code = async (snapshot: string, detailed = true) => (await example.cli(['diff', '--org', snapshot, ...(detailed ? ['--detailed-exitcode'] : [])])).code;
    expect(await code('in-step.json')).toBe(0);
    expect(await code('tls-1.1.json')).toBe(3);
    // The example change: nothing the personas see becomes allowed, but one statement is not proven.
    expect(await code('guardrails/org-snapshot.json')).toBe(4);
    expect(await code('guardrails/org-snapshot.json', false)).toBe(0);
  });
});
