/**
 * Notifications on the two real snapshots (2025-08-30 and 2026-08-22): the changes checked against the
 * raw files read independently, and the impact on the example organization compiled against the
 * older one, as the scheduled job (sync, then notify) sees it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareReferences, describeNearness, runNotification, type NotifyResult, type ReferenceChanges } from '../../src/notify/index.js';
import { DirectorySource, loadFromDirectory, syncReference } from '../../src/reference/index.js';
import { renderNotify } from '../../src/report/index.js';
import { runCli, type CliRun } from '../support/cli.js';
import { renderGithub } from '../report/github-markdown.js';
import { PROJECT_ROOT, SNAPSHOT_2025, SNAPSHOT_2026 } from '../support/paths.js';
import { reference2025, reference2026 } from '../support/reference.js';
import { slackViolations, textsOf, type Message } from '../report/slack-limits.js';
import { tempDir } from '../support/temp.js';

interface RawAction {
  Name: string;
  Annotations?: { Properties?: { IsList?: boolean; IsWrite?: boolean; IsPermissionManagement?: boolean; IsTaggingOnly?: boolean } };
  ActionConditionKeys?: string[];
}

/** Every action of a snapshot, lower-cased name -> raw action, read without the code under test. */
function rawActions(snapshot: string): { services: Set<string>; actions: Map<string, RawAction> } {
  const base = path.join(snapshot, 'v1');
  const list = JSON.parse(fs.readFileSync(path.join(base, 'service-list.json'), 'utf8')) as { service: string }[];
  const actions = new Map<string, RawAction>();
  for (const { service } of list) {
    const file = JSON.parse(fs.readFileSync(path.join(base, service, `${service}.json`), 'utf8')) as { Actions?: RawAction[] };
    for (const a of file.Actions ?? []) actions.set(`${service}:${a.Name}`.toLowerCase(), a);
  }
  return { services: new Set(list.map((l) => l.service)), actions };
}

/** REFERENCE.md section 3, written again here. */
function level(a: RawAction): string {
  const p = a.Annotations?.Properties;
  if (!p) return 'Unknown';
  if (p.IsWrite) return p.IsPermissionManagement ? 'Permissions management' : p.IsTaggingOnly ? 'Tagging' : 'Write';
  if (p.IsList) return 'List';
  return p.IsPermissionManagement ? 'Permissions management' : p.IsTaggingOnly ? 'Tagging' : 'Read';
}

describe('comparing the two real snapshots', () => {
  let changes: ReferenceChanges;
  let raw25: ReturnType<typeof rawActions>;
  let raw26: ReturnType<typeof rawActions>;
  beforeAll(async () => {
    changes = compareReferences((await reference2025()).index, (await reference2026()).index);
    raw25 = rawActions(SNAPSHOT_2025);
    raw26 = rawActions(SNAPSHOT_2026);
  });

  it('counts services and actions added and removed, and access-level changes, as the raw files say', () => {
    const servicesAdded = [...raw26.services].filter((s) => !raw25.services.has(s));
    const servicesRemoved = [...raw25.services].filter((s) => !raw26.services.has(s));
    const added = [...raw26.actions.keys()].filter((k) => !raw25.actions.has(k));
    const removed = [...raw25.actions.keys()].filter((k) => !raw26.actions.has(k));
    const levels = [...raw26.actions].filter(([k, a]) => raw25.actions.has(k) && level(raw25.actions.get(k)!) !== level(a));
    expect(changes.servicesAdded.map((s) => s.service).sort()).toEqual(servicesAdded.sort());
    expect(changes.servicesRemoved).toEqual(servicesRemoved);
    expect(changes.actionsAdded).toHaveLength(added.length);
    expect(changes.actionsRemoved.map((a) => a.action.toLowerCase()).sort()).toEqual(removed.sort());
    expect(changes.accessLevelChanges).toHaveLength(levels.length);
    expect([changes.servicesAdded.length, changes.servicesRemoved.length, changes.actionsAdded.length, changes.actionsRemoved.length, changes.accessLevelChanges.length]).toEqual([30, 0, 2753, 15, 36]);
  });

  it('reports concrete changes in canonical case', () => {
    expect(changes.actionsAdded).toContainEqual(expect.objectContaining({ action: 'kms:GetKeyLastUsage', accessLevel: 'Read' }));
    expect(changes.actionsAdded).toContainEqual(expect.objectContaining({ action: 'sts:GetDelegatedAccessToken', accessLevel: 'Write' }));
    expect(changes.actionsRemoved).toContainEqual({ action: 'trustedadvisor:CreateEngagement', service: 'trustedadvisor', accessLevel: 'Write' });
    const [key, a] = [...raw26.actions].find(([k, x]) => raw25.actions.has(k) && level(raw25.actions.get(k)!) !== level(x))!;
    const service = key.split(':')[0]!;
    expect(changes.accessLevelChanges).toContainEqual({ action: `${service}:${a.Name}`, from: level(raw25.actions.get(key)!), to: level(a) });
    const keyChange = [...raw26.actions].find(([k, x]) => {
      const old = raw25.actions.get(k);
      if (!old) return false;
      const was = new Set((old.ActionConditionKeys ?? []).map((c) => c.toLowerCase()));
      return (x.ActionConditionKeys ?? []).some((c) => !was.has(c.toLowerCase()));
    })!;
    const found = changes.actionConditionKeyChanges.find((c) => c.name.toLowerCase() === keyChange[0])!;
    const was = new Set((raw25.actions.get(keyChange[0])!.ActionConditionKeys ?? []).map((c) => c.toLowerCase()));
    expect(found.added).toEqual((keyChange[1].ActionConditionKeys ?? []).filter((c) => !was.has(c.toLowerCase())).sort());
  });

  it('compares names case-insensitively: a condition key written in another case is no change', async () => {
    const root = await tempDir();
    const copy = (snapshot: string, into: string, edit?: (text: string) => string) => {
      const base = path.join(into, 'v1');
      fs.mkdirSync(path.join(base, 'sqs'), { recursive: true });
      fs.writeFileSync(path.join(base, 'service-list.json'), JSON.stringify([{ service: 'sqs', url: 'https://servicereference.us-east-1.amazonaws.com/v1/sqs/sqs.json' }]));
      const text = fs.readFileSync(path.join(snapshot, 'v1', 'sqs', 'sqs.json'), 'utf8');
      fs.writeFileSync(path.join(base, 'sqs', 'sqs.json'), edit ? edit(text) : text);
    };
    copy(SNAPSHOT_2026, path.join(root, 'a'));
    copy(SNAPSHOT_2026, path.join(root, 'b'), (t) => t.replaceAll('"aws:ResourceTag/${TagKey}"', '"aws:resourcetag/${TagKey}"').replaceAll('"SendMessage"', '"sendMessage"'));
    expect(fs.readFileSync(path.join(root, 'b', 'v1', 'sqs', 'sqs.json'), 'utf8')).toContain('aws:resourcetag/${TagKey}');
    const c = compareReferences((await loadFromDirectory(path.join(root, 'a'))).index, (await loadFromDirectory(path.join(root, 'b'))).index);
    expect([c.actionsAdded, c.actionsRemoved, c.actionConditionKeyChanges, c.serviceConditionKeyChanges]).toEqual([[], [], [], []]);
  });
});

describe('guardrails notify', () => {
  let repo: string;
  let cache: string;
  /**
   * `guardrails notify ARGS` in the repository, run once per argument list while the repository and
   * cache stay as beforeAll left them: each run loads both snapshots (about a second), and several
   * tests read the same output. The test that changes the repository forgets the runs.
   */
  const runs = new Map<string, Promise<CliRun>>();
  const notify = (args: string[]): Promise<CliRun> => {
    const key = JSON.stringify(args);
    if (!runs.has(key)) runs.set(key, runCli(['notify', ...args], { cwd: repo }));
    return runs.get(key)!;
  };
  beforeAll(async () => {
    repo = path.join(await tempDir(), 'repo');
    cache = path.join(repo, 'service-reference-cache');
    fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(repo, 'guardrails'), { recursive: true });
    // Last month: the cache held 2025-08-30 and out/ was compiled against it.
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2025) });
    const compiled = await runCli(['compile'], { cwd: repo });
    if (compiled.code !== 0) throw new Error(compiled.stderr);
    // Today's scheduled job: sync, then notify.
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  });

  it('compares the snapshot out/ was compiled against with the newest, and says which guardrails the changes touch (exit 1)', async () => {
    const r = await notify(['--json']);
    expect(r.code, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as NotifyResult;
    expect(result.summary).toMatchObject({ servicesAdded: 30, servicesRemoved: 0, actionsAdded: 2753, actionsRemoved: 15, accessLevelChanges: 36 });
    expect(result.touched).toBe(true);
    const items = (kind: string, control: string) => result.impact.filter((i) => i.kind === kind && i.controls.includes(control));
    // The perimeter's logs:* now also denies the new CloudWatch Logs actions (the guardrail grew)...
    const logs = items('deny-grew', 'only-org-principals').find((i) => i.pattern === 'logs:*')!;
    expect(logs.actions.map((a) => a.action)).toContain('logs:CreateLookupTable');
    expect(logs.actions.every((a) => a.action.startsWith('logs:'))).toBe(true);
    // ...the Region deny's exemption iam:* now also exempts new IAM actions (it shrank)...
    const iam = items('exemption-grew', 'allowed-regions').find((i) => i.pattern === 'iam:*')!;
    expect(iam.actions.map((a) => a.action)).toContain('iam:CreateDelegationRequest');
    // ...and no-long-term-credentials, which denies creating users, access keys and passwords, is not
    // told about every new IAM Write action: none of them is near users and their keys.
    expect(iam.actions.filter((a) => a.accessLevel === 'Write').length).toBeGreaterThan(5);
    expect(items('uncovered', 'no-long-term-credentials')).toEqual([]);
    expect(result.summary.touchedControls).toContain('only-org-principals');
  });

  it('reports as uncovered only new actions near what the control covers, each with why', async () => {
    const result = JSON.parse((await notify(['--json'])).stdout) as NotifyResult;
    const uncovered = (control: string) => result.impact.filter((i) => i.kind === 'uncovered' && i.controls.includes(control));
    // stay-in-organization denies organizations:LeaveOrganization: none of the 8 new organizations
    // actions (responsibility transfers, effective-policy validation) is near leaving.
    expect(result.changes.actionsAdded.filter((a) => a.service === 'organizations')).toHaveLength(8);
    expect(uncovered('stay-in-organization')).toEqual([]);
    // approved-bedrock-models: new Bedrock actions on what InvokeModel acts on, or named like what it
    // denies; not the 14 new aws-marketplace Write actions beside aws-marketplace:Subscribe (no
    // resource type, name or key in common).
    const [bedrock] = uncovered('approved-bedrock-models');
    const listed = Object.fromEntries(bedrock!.actions.map((a) => [a.action, a.near!.map(describeNearness)]));
    expect(listed).toMatchObject({
      'bedrock:InvokeTool': ['same resource type system-tool as bedrock:InvokeModel'],
      'bedrock:CancelInvoke': ['same resource type project as bedrock:InvokeModel'],
      'bedrock:StopAdvancedPromptOptimizationJob': ['name like bedrock:CreateAdvancedPromptOptimizationJob (AdvancedPromptOptimizationJob)'],
    });
    expect(Object.keys(listed).filter((a) => !a.startsWith('bedrock:'))).toEqual([]);
    expect(result.changes.actionsAdded.filter((a) => a.service === 'aws-marketplace' && a.accessLevel === 'Write')).toHaveLength(14);
    expect(bedrock!.accessLevels).toEqual({ bedrock: ['Write', 'Read'] });
    expect(bedrock!.message).toMatch(/^control approved-bedrock-models does not cover 8 new actions \(5 Write, Permissions management or Tagging\) near actions it denies \(Write, Read in bedrock\)$/);
    // Sensitive first: Write before Read.
    const levels = bedrock!.actions.map((a) => a.accessLevel);
    expect(levels.indexOf('Read')).toBeGreaterThan(levels.lastIndexOf('Write'));
    // protect-security-services: a new service-linked analyzer acts on the analyzer it protects.
    const [security] = uncovered('protect-security-services');
    expect(security!.actions.find((a) => a.action === 'access-analyzer:CreateServiceLinkedAnalyzer')!.near).toEqual([{ by: 'resource-type', shared: 'Analyzer', like: 'access-analyzer:DeleteAnalyzer' }]);
    // Every listed action says why.
    for (const item of result.impact.filter((i) => i.kind === 'uncovered')) for (const a of item.actions) expect(a.near!.length, a.action).toBeGreaterThan(0);
  });

  it('says so now when the next compile would fail on a removed action still named in the intent', async () => {
    fs.writeFileSync(path.join(repo, 'guardrails', 'support.yaml'), 'version: 1\ncontrols:\n  no-engagements:\n    kind: deny-actions\n    wildcards: exact\n    actions: [trustedadvisor:CreateEngagement]\n    attach: [Sandbox]\n');
    try {
      await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2025) });
      expect((await runCli(['compile'], { cwd: repo })).code).toBe(0);
      await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
      const r = await runCli(['notify', '--json'], { cwd: repo });
      const result = JSON.parse(r.stdout) as NotifyResult;
      const fails = result.impact.filter((i) => i.kind === 'compile-fails');
      expect(fails).toHaveLength(1);
      expect(fails[0]!.diagnostic).toMatchObject({ code: 'unknown-action', location: { file: path.join(repo, 'guardrails', 'support.yaml'), line: 6, col: 15 } });
      expect(result.impact.find((i) => i.kind === 'removed-in-policy')).toMatchObject({ controls: ['no-engagements'], pattern: 'trustedadvisor:CreateEngagement' });
      const text = await runCli(['notify', '--format', 'markdown'], { cwd: repo });
      expect(text.stdout).toContain('- **the next compile will fail**: control no-engagements: actions: "trustedadvisor:CreateEngagement"');
      expect(text.stdout).toContain(`(\`${path.join(repo, 'guardrails', 'support.yaml')}:6:15\`)`);
    } finally {
      runs.clear();
      fs.rmSync(path.join(repo, 'guardrails', 'support.yaml'));
      await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2025) });
      await runCli(['compile'], { cwd: repo });
      await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    }
  });

  it('renders markdown for an issue, text, Slack JSON, and a template of the user', async () => {
    const md = await notify(['--format', 'markdown']);
    expect(md.stdout).toMatch(/^<!-- guardrails-notify:[0-9a-f]{16}\.\.[0-9a-f]{16} -->\n(\[[a-z0-9-]+\]: https:\/\/servicereference\.us-east-1\.amazonaws\.com\/v1\/\S+\.json\n)+\n## AWS service reference: 2753 actions added, 15 removed, 36 access-level changes; guardrails touched: /);
    expect(md.stdout).toContain('### Guardrails touched');
    expect(md.stdout).toContain('<details><summary>All changes</summary>');
    // Each snapshot's own date, a year apart, not the times of two syncs a second apart.
    const result = JSON.parse((await notify(['--json'])).stdout) as NotifyResult;
    expect(md.stdout).toContain(`Compared \`${result.from.snapshotId}\` of 2025-08-30 (the date in its source's path) with \`${result.to.snapshotId}\` of 2026-08-22 (the date in its source's path), 357 days apart: 436 and 466 services, 19,245 and 21,983 actions.`);
    // Listed actions link to their service's file in the service reference.
    const html = renderGithub(md.stdout).html;
    expect(html).toContain('<a href="https://servicereference.us-east-1.amazonaws.com/v1/bedrock/bedrock.json"><code>bedrock:BatchDeleteAdvancedPromptOptimizationJob</code></a> (Write): name like bedrock:CreateAdvancedPromptOptimizationJob (AdvancedPromptOptimizationJob)');
    expect(html).not.toMatch(/\]\[[a-z0-9-]+\]/);
    expect(md.stdout).toContain(`Notification key: \`${result.key}\``);
    const slack = JSON.parse((await notify(['--format', 'slack'])).stdout) as { text: string; blocks: { type: string }[] };
    expect(slack.text).toContain('2753 actions added');
    expect(slack.blocks[0]!.type).toBe('header');
    expect(slack.blocks.length).toBeGreaterThan(3);
    const text = await notify([]);
    expect(text.stdout).toContain('guardrails touched:\n  allowed-regions\n');
    expect(text.stdout).toContain(`compared ${result.from.snapshotId} of 2025-08-30 (the date in its source's path) with ${result.to.snapshotId} of 2026-08-22 (the date in its source's path), 357 days apart\n`);
    expect(text.stdout).toMatch(new RegExp(`\\nkey: ${result.key.replace(/\./g, '\\.')}\\n$`));
    fs.writeFileSync(path.join(repo, 'mine.hbs'), '{{summary.actionsAdded}} new; {{#each view.byControl}}{{control}} {{/each}}');
    const mine = await runCli(['notify', '--template', 'mine.hbs'], { cwd: repo });
    expect(mine.stdout).toMatch(/^2753 new; allowed-regions approved-bedrock-models /);
    fs.writeFileSync(path.join(repo, 'broken.hbs'), '{{#each summary}}');
    const broken = await runCli(['notify', '--template', 'broken.hbs'], { cwd: repo });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error template: broken\.hbs: /);
    const bad = await runCli(['notify', '--format', 'html'], { cwd: repo });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be one of markdown, text, slack, json');
  });

  it('keeps markdown within a GitHub issue body and text within --max-length on the real data, and says where the full lists are', async () => {
    const note = /\n_Lists shortened to fit 60,000 characters: guardrails notify --json \(same --from and --to\) gives every change in full\._\n$/;
    const full = await runCli(['notify', '--format', 'markdown', '--max-length', '0'], { cwd: repo });
    expect(full.stdout.length).toBeGreaterThan(200_000);
    expect(full.stdout).not.toContain('Lists shortened');
    const md = await notify(['--format', 'markdown']);
    expect(md.code).toBe(1);
    expect(md.stdout.length).toBeLessThanOrEqual(60_000);
    expect(md.stdout).toMatch(note);
    // Shortened lists, not lost sections: every control and every part is still there.
    for (const part of ['### Guardrails touched', '**only-org-principals**', '**protect-security-services**', '<details><summary>All changes</summary>', '**Actions added, by service:**', '</details>']) expect(md.stdout).toContain(part);
    expect(md.stdout).toMatch(/^- `securityagent` \(111\): \S.*, and \d+ more$/m);
    for (const max of [20_000, 5_000, 500]) {
      const r = await runCli(['notify', '--format', 'markdown', '--max-length', String(max)], { cwd: repo });
      expect(r.stdout.length, String(max)).toBeLessThanOrEqual(max);
      expect(r.stdout).toContain(`Lists shortened to fit ${max.toLocaleString('en-US')} characters`);
    }
    const text = await notify([]);
    expect(text.stdout).toBe((await runCli(['notify', '--max-length', '0'], { cwd: repo })).stdout);
    const short = await runCli(['notify', '--max-length', '3000'], { cwd: repo });
    expect(short.stdout.length).toBeLessThanOrEqual(3000);
    expect(short.stdout.length).toBeLessThan(text.stdout.length);
    expect(short.stdout).toMatch(/^AWS service reference: 2753 actions added/);
    for (const [args, message] of [
      [['--max-length', 'lots'], '--max-length takes a number of characters (0 for no limit), not "lots"'],
      [['--max-length', '100', '--format', 'slack'], '--max-length applies to markdown and text; --format slack has its own limits'],
    ] as const) {
      const bad = await runCli(['notify', ...args], { cwd: repo });
      expect([bad.code, bad.stderr]).toEqual([2, `error usage: ${message}\n`]);
    }
  });

  it('builds the Slack message as Block Kit objects within Slack limits, a section per control touched, real line breaks', async () => {
    const r = await notify(['--format', 'slack']);
    expect(r.code, r.stderr).toBe(1);
    // The old template's "*\n" reached Slack as a backslash and an n: in the JSON, an escaped backslash before n.
    expect(r.stdout).not.toContain('\\\\n');
    const slack = JSON.parse(r.stdout) as Message;
    expect(slackViolations(slack)).toEqual([]);
    const result = JSON.parse((await notify(['--json'])).stdout) as NotifyResult;
    const headings = textsOf(slack).map((t) => t.object.text.split('\n')[0]!);
    for (const control of result.summary.touchedControls) expect(headings).toContain(`*${control}*`);
    expect(slack.metadata!.event_payload.key).toBe(result.key);
  });

  it('renders a template of the user exactly: blank lines kept, no newline added', async () => {
    fs.writeFileSync(path.join(repo, 'spaced.hbs'), '{{summary.actionsAdded}} added\n\n\n\n{{summary.actionsRemoved}} removed');
    const r = await runCli(['notify', '--template', 'spaced.hbs'], { cwd: repo });
    expect([r.code, r.stdout]).toEqual([1, '2753 added\n\n\n\n15 removed']);
  });

  it("--reported: says the issue of this pair of snapshots was opened already and exits 0; another pair's issue changes nothing", async () => {
    const result = JSON.parse((await notify(['--json'])).stdout) as NotifyResult;
    const md = (await notify(['--format', 'markdown'])).stdout;
    const write = (name: string, issues: unknown) => fs.writeFileSync(path.join(repo, name), JSON.stringify(issues));
    // What gh issue list --json number,url,state,body wrote after the first week: the issue notify opened.
    write('reported.json', [{ number: 12, url: 'https://github.com/example/guardrails/issues/12', state: 'OPEN', body: md }]);
    const again = await runCli(['notify', '--reported', 'reported.json', '--format', 'markdown'], { cwd: repo });
    expect([again.code, again.stderr]).toEqual([0, '']);
    expect(again.stdout).toMatch(/^already reported: issue #\S* \(open\) at https:\S*\/\/github\.com\/example\/guardrails\/issues\/12 holds notification key guardrails-notify:[0-9a-f]{16}\.\.[0-9a-f]{16}; nothing new to open\n$/);
    const json = await runCli(['notify', '--reported', 'reported.json', '--json'], { cwd: repo });
    expect([json.code, JSON.parse(json.stdout)]).toEqual([0, expect.objectContaining({ alreadyReported: true, key: result.key, issue: { number: 12, url: 'https://github.com/example/guardrails/issues/12', state: 'OPEN' } })]);
    // Closed, it still counts: the findings were looked at. Another pair's issue does not.
    write('closed.json', [{ number: 12, state: 'CLOSED', body: md }]);
    expect((await runCli(['notify', '--reported', 'closed.json'], { cwd: repo })).code).toBe(0);
    write('other.json', [{ number: 11, state: 'CLOSED', body: md.replaceAll(result.key, `${result.key.slice(0, -1)}0`) }]);
    const other = await runCli(['notify', '--reported', 'other.json', '--format', 'markdown'], { cwd: repo });
    expect(other.code).toBe(1);
    expect(other.stdout).toBe(md);
    // A file that is not gh's list is bad input, said as such.
    fs.writeFileSync(path.join(repo, 'broken.json'), '{"items": []}');
    const broken = await runCli(['notify', '--reported', 'broken.json'], { cwd: repo });
    expect([broken.code, broken.stdout, broken.stderr]).toEqual([2, '', 'error invalid-reported: broken.json is not a JSON list of issues (as gh issue list --json number,url,state,body writes)\n']);
  });

  it('--json with another --format is a usage error, not a silent choice', async () => {
    const r = await runCli(['notify', '--json', '--format', 'markdown'], { cwd: repo });
    expect([r.code, r.stdout, r.stderr]).toEqual([2, '', 'error usage: --json is --format json: it cannot go with --format markdown\n']);
    const same = await runCli(['notify', '--json', '--format', 'json'], { cwd: repo });
    expect(same.code).toBe(1);
    expect((JSON.parse(same.stdout) as NotifyResult).summary.actionsAdded).toBe(2753);
  });

  it('on its first run states that there is nothing to compare with, instead of announcing every action', async () => {
    const dir = await tempDir();
    await syncReference({ cacheDir: path.join(dir, 'service-reference-cache'), source: new DirectorySource(SNAPSHOT_2026) });
    const r = await runCli(['notify'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^first run: the cache holds snapshot \w+ \(466 services, 21983 actions, of 2026-08-22 \(the date in its source's path\)\) and no earlier snapshot to compare it with\. It is the baseline/);
    const json = JSON.parse((await runCli(['notify', '--json'], { cwd: dir })).stdout) as { firstRun: boolean; baseline: { services: number } };
    expect(json).toMatchObject({ firstRun: true, baseline: { services: 466 } });
  });

  it('exits 0 when no guardrail is touched, and compares any two directories laid out like the endpoint', async () => {
    const dir = await tempDir();
    const r = await runCli(['notify', '--from', SNAPSHOT_2025, '--to', SNAPSHOT_2026, '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as NotifyResult;
    expect(result.analysed).toEqual({ out: false, intent: false });
    expect(result.summary.actionsAdded).toBe(2753);
    expect(result.touched).toBe(false);
  });
});

describe('which snapshots notify compares', () => {
  let repo: string;
  let cache: string;
  let id25: string;
  let id26: string;
  beforeAll(async () => {
    repo = path.join(await tempDir(), 'repo');
    cache = path.join(repo, 'service-reference-cache');
    fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(repo, 'guardrails'), { recursive: true });
    id25 = (await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2025) })).manifest.snapshotId;
    // out-2025/ as deployed a year ago, out/ compiled today against 2026.
    const deployed = await runCli(['compile', '--out', 'out-2025'], { cwd: repo });
    if (deployed.code !== 0) throw new Error(deployed.stderr);
    id26 = (await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) })).manifest.snapshotId;
    const compiled = await runCli(['compile'], { cwd: repo });
    if (compiled.code !== 0) throw new Error(compiled.stderr);
  });

  it('has nothing new to say when out/ was compiled against the newest snapshot, also after a sync that changed nothing (exit 0)', async () => {
    const r = await runCli(['notify'], { cwd: repo });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^nothing new for these guardrails: out/ was compiled against snapshot ${id26} \\(466 services, 21983 actions`));
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    const again = await runCli(['notify', '--json'], { cwd: repo });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ upToDate: true, snapshot: { snapshotId: id26 } });
    // A directory for --to is compared like a snapshot id: the same contents, the same snapshot.
    expect((await runCli(['notify', '--to', SNAPSHOT_2026], { cwd: repo })).code).toBe(0);
  });

  it('compares with the snapshot out/ was compiled against, not with the one before the newest', async () => {
    const r = await runCli(['notify', '--out', 'out-2025', '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as NotifyResult;
    expect([result.from.snapshotId, result.to.snapshotId]).toEqual([id25, id26]);
    expect(result.notes).toEqual([`compared with ${id25}, the snapshot out/ was compiled against`]);
    // A third snapshot arrives before anyone compiles again: still everything out-2025/ has not seen.
    const dir = await tempDir();
    fs.cpSync(SNAPSHOT_2026, path.join(dir, 'next'), { recursive: true });
    const bedrock = path.join(dir, 'next', 'v1', 'bedrock', 'bedrock.json');
    const file = JSON.parse(fs.readFileSync(bedrock, 'utf8')) as { Actions: unknown[] };
    file.Actions.push({ Name: 'InvokeModelCanary', Annotations: { Properties: { IsList: false, IsPermissionManagement: false, IsTaggingOnly: false, IsWrite: false } } });
    fs.writeFileSync(bedrock, JSON.stringify(file));
    const later = path.join(dir, 'cache');
    fs.cpSync(cache, later, { recursive: true });
    await syncReference({ cacheDir: later, source: new DirectorySource(path.join(dir, 'next')) });
    const next = JSON.parse((await runCli(['notify', '--out', 'out-2025', '--cache', later, '--json'], { cwd: repo })).stdout) as NotifyResult;
    expect(next.from.snapshotId).toBe(id25);
    expect(next.summary.actionsAdded).toBe(2754);
    expect(next.changes.actionsAdded).toContainEqual(expect.objectContaining({ action: 'bedrock:InvokeModelCanary' }));
  });

  it('measures the impact on out/ from its own snapshot when --from is older: no compaction wildcard reported as drift', async () => {
    const r = await runCli(['notify', '--from', id25, '--json'], { cwd: repo });
    const result = JSON.parse(r.stdout) as NotifyResult;
    expect(result.summary.actionsAdded).toBe(2753);
    expect(result.analysed).toMatchObject({ out: true, outSnapshot: id26, outBaseline: id26 });
    // out/ was compiled knowing every 2026 action, and at level 1: bedrock:CountTokens is written as
    // its name (compaction wrote bedrock:Cou* before levels), so nothing captures what it did not mean to.
    expect(fs.readFileSync(path.join(repo, 'out', 'guardrails-scp-approved-bedrock-models.json'), 'utf8')).toContain('"bedrock:CountTokens"');
    const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'out', 'manifest.json'), 'utf8')) as { policies: { statements: { introduced: string[] }[] }[] };
    expect(manifest.policies.flatMap((p) => p.statements.flatMap((st) => st.introduced))).toEqual([]);
    expect(result.impact.filter((i) => ['deny-grew', 'exemption-grew', 'allow-grew', 'covered-after-compile', 'removed-in-policy'].includes(i.kind))).toEqual([]);
    expect(result.notes.join('\n')).toContain(`the impact on out/ is measured from ${id26}, the snapshot out/ was compiled against`);
    // The same --from with out-2025/: the 2025 compile's wildcards did grow.
    const old = JSON.parse((await runCli(['notify', '--from', id25, '--out', 'out-2025', '--json'], { cwd: repo })).stdout) as NotifyResult;
    expect(old.impact.some((i) => i.kind === 'deny-grew' && i.pattern === 'logs:*')).toBe(true);
  });

  it('says when out/ was compiled against a snapshot the cache does not hold, and analyses relative to --from', async () => {
    const other = path.join(repo, 'out-elsewhere');
    fs.cpSync(path.join(repo, 'out-2025'), other, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(other, 'manifest.json'), 'utf8')) as { reference: { snapshotId: string } };
    manifest.reference.snapshotId = '0123456789abcdef';
    fs.writeFileSync(path.join(other, 'manifest.json'), JSON.stringify(manifest));
    const r = await runCli(['notify', '--out', 'out-elsewhere', '--json'], { cwd: repo });
    expect(r.code, r.stderr).toBe(1);
    const result = JSON.parse(r.stdout) as NotifyResult;
    expect(result.from.snapshotId).toBe(id25);
    expect(result.analysed).toMatchObject({ outSnapshot: '0123456789abcdef', outBaseline: id25 });
    expect(result.notes).toContain(`out/ was compiled against 0123456789abcdef, which the cache does not hold: the impact on out/ is analysed relative to ${id25} instead`);
    const md = await runCli(['notify', '--out', 'out-elsewhere', '--format', 'markdown'], { cwd: repo });
    expect(md.stdout).toContain('which the cache does not hold: the impact on out/ is analysed relative to');
  });

  it('--to alone (an id or a directory) compares with the default --from; an unknown one is bad input (exit 2)', async () => {
    for (const to of [id26.slice(0, 8), SNAPSHOT_2026]) {
      const r = await runCli(['notify', '--to', to, '--out', 'out-2025', '--json'], { cwd: repo });
      expect(r.code, `${to}: ${r.stderr}`).toBe(1);
      expect((JSON.parse(r.stdout) as NotifyResult).from.snapshotId).toBe(id25);
    }
    const unknown = await runCli(['notify', '--to', 'feedface'], { cwd: repo });
    expect([unknown.code, unknown.stdout]).toEqual([2, '']);
    expect(unknown.stderr).toBe(`error no-snapshot: --to feedface: no snapshot "feedface" in ${cache}; known: ${id25}, ${id26}\n`);
    const missing = await runCli(['notify', '--to', './nowhere'], { cwd: repo });
    expect([missing.code, missing.stderr]).toEqual([2, `error no-snapshot: --to ./nowhere: no such directory: ${path.join(repo, 'nowhere')}\n`]);
    const notReference = await runCli(['notify', '--to', 'guardrails'], { cwd: repo });
    expect(notReference.code).toBe(2);
    expect(notReference.stderr).toContain('does not look like a service reference');
    const badFrom = await runCli(['notify', '--from', 'feedface'], { cwd: repo });
    expect([badFrom.code, badFrom.stderr]).toEqual([2, `error no-snapshot: --from feedface: no snapshot "feedface" in ${cache}; known: ${id25}, ${id26}\n`]);
  });

  it('resolves its inputs in the notify module, as values', async () => {
    const outcome = await runNotification({ to: 'feedface', cacheDir: cache, outDir: path.join(repo, 'out'), cwd: repo });
    expect(outcome).toMatchObject({ kind: 'error', code: 'no-snapshot' });
    expect(await runNotification({ cacheDir: cache, outDir: path.join(repo, 'out'), cwd: repo })).toMatchObject({ kind: 'up-to-date', snapshot: { snapshotId: id26 } });
  });
});

describe('the installed command in a pipeline', () => {
  // Runs bin/guardrails.js, i.e. dist/ as `npm test` builds it first.
  it('stops quietly when the reader closes the pipe (guardrails notify | head), with the exit code it computed', async () => {
    const cwd = await tempDir();
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'guardrails.js'), 'notify', '--from', SNAPSHOT_2025, '--to', SNAPSHOT_2026, '--json'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let received = 0;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', (d: Buffer) => {
      received = d.length;
      child.stdout.destroy();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(received).toBeGreaterThan(0);
    expect(stderr).toBe('');
    // Nothing is touched without out/ and intent: 0, as computed, not a crash.
    expect(code).toBe(0);
  });
});
