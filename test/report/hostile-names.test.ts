/**
 * Names an attacker controls, through every renderer: OU, account and policy names of the org snapshot
 * (diff --markdown, diff, plan), and action names of a service-reference mirror (notify in each format).
 * Rendered the way GitHub renders a comment, nothing acts, the `<details>` stay balanced, and each name
 * can still be read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inertLine } from '../../src/diagnostics/index.js';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli } from '../support/cli.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';
import { liveMarkup, renderGithub, tagCount } from './github-markdown.js';

/** What a name may carry: markup that closes or hides, a mention, a link, terminal escapes, a bidi override. */
export const HOSTILE = ' </details><!-- @security-team [x](http://evil.example) \u001b]8;;http://evil.example\u0007click\u001b]8;;\u0007 \u001b[2J \u202eevil | `tick` \u009b31m';
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const ZWSP = /\u200b/g;

interface Snapshot {
  source: string;
  root: { ous: Ou[] };
  policies: { id: string; name: string; type: string; description: string; awsManaged: boolean; tags: Record<string, string>; content: string; targets: string[] }[];
}
interface Ou {
  name: string;
  ous: Ou[];
  accounts: { name: string }[];
}

/** The example's deployed snapshot with HOSTILE after every OU and account name, a foreign policy's name and the source, and a managed policy of that name to delete. */
export function hostileSnapshot(): Snapshot {
  const s = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'guardrails', 'org-snapshot.json'), 'utf8')) as Snapshot;
  const visit = (ou: Ou) => {
    ou.name += HOSTILE;
    for (const a of ou.accounts) a.name += HOSTILE;
    ou.ous.forEach(visit);
  };
  s.root.ous.forEach(visit);
  s.source += HOSTILE;
  for (const p of s.policies) if (!p.awsManaged && !p.name.startsWith('guardrails-')) p.name += HOSTILE;
  s.policies.push({
    id: 'p-00000099',
    name: `guardrails-scp-old${HOSTILE}`,
    type: 'scp',
    description: 'Managed by guardrails (do not edit by hand).',
    awsManaged: false,
    tags: { 'guardrails:controls': 'old', 'managed-by': 'guardrails' },
    content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: `Old${'`'.repeat(4)}`, Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' }] }),
    targets: ['ou-ex12-sandbox1'],
  });
  return s;
}

/** A service-reference mirror of s3 alone, the newer one with an action named after HOSTILE. */
export function writeHostileMirrors(dir: string): { older: string; newer: string } {
  const s3 = JSON.parse(fs.readFileSync(path.join(SNAPSHOT_2026, 'v1', 's3', 's3.json'), 'utf8')) as { Actions: { Name: string }[] };
  const write = (name: string, file: unknown) => {
    fs.mkdirSync(path.join(dir, name, 'v1', 's3'), { recursive: true });
    fs.writeFileSync(path.join(dir, name, 'v1', 's3', 's3.json'), JSON.stringify(file));
    fs.writeFileSync(path.join(dir, name, 'v1', 'service-list.json'), JSON.stringify([{ service: 's3', url: 'https://servicereference.us-east-1.amazonaws.com/v1/s3/s3.json' }]));
    return path.join(dir, name);
  };
  const older = write('older', s3);
  const newer = write('newer', { ...s3, Actions: [...s3.Actions, { ...s3.Actions.find((a) => a.Name === 'PutObject')!, Name: `Put${HOSTILE}` }] });
  return { older, newer };
}

/** The assertions every markdown output must pass. */
function expectSafeMarkdown(markdown: string, ownDetails: number): void {
  expect(markdown).not.toMatch(RAW_CONTROL);
  const rendered = renderGithub(markdown);
  expect(liveMarkup(rendered)).toEqual([]);
  expect(tagCount(rendered.html, 'details')).toBe(ownDetails);
  expect(rendered.html.match(/<\/details>/g) ?? []).toHaveLength(ownDetails);
  expect(rendered.text.replace(ZWSP, '')).toContain(inertLine(HOSTILE));
}

let dir: string;
let cache: string;
const cli = (args: string[]) => runCli([...args, '--cache', cache], { cwd: dir });

beforeAll(async () => {
  const root = await tempDir();
  cache = path.join(root, 'cache');
  dir = path.join(root, 'repo');
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(dir, 'guardrails'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'hostile.json'), JSON.stringify(hostileSnapshot(), null, 2));
  const compiled = await cli(['compile']);
  if (compiled.code !== 0) throw new Error(compiled.stderr);
});

describe('names of the org snapshot', () => {
  it('diff --markdown: escaped in the summary, the semantic groups, the tables and the <details> of each policy', async () => {
    const r = await cli(['diff', '--org', 'hostile.json', '--markdown']);
    expect(r.code, r.stderr).toBe(0);
    const policyTexts = (r.stdout.match(/^### Policy text$/m) ? r.stdout.split('### Policy text')[1]!.match(/<details>/g) ?? [] : []).length;
    expect(policyTexts).toBeGreaterThan(1);
    expectSafeMarkdown(r.stdout, policyTexts);
    // The deleted policy is in the table, in one cell, and has its own collapsed diff.
    const row = r.stdout.split('\n').find((l) => l.startsWith('| <code>guardrails-scp-old'))!;
    expect(tagCount(renderGithub(`| a | b | c | d | e |\n|---|---|---|---|---|\n${row}`).html, 'td')).toBe(5);
    expect(r.stdout).toContain('<details><summary><code>guardrails-scp-old &lt;/details&gt;&lt;!-- @&#8203;security-team');
  });

  it('diff and plan on a terminal: no escape sequence, each name shown with its escapes', async () => {
    for (const args of [['diff', '--org', 'hostile.json'], ['plan', '--org', 'hostile.json']]) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(RAW_CONTROL);
      expect(r.stderr).not.toMatch(RAW_CONTROL);
      expect(r.stdout).toContain(inertLine(HOSTILE));
      expect(r.stdout).toContain(`guardrails-scp-old${inertLine(HOSTILE)}`);
    }
  });
});

describe('action names of a mirror', () => {
  let mirrors: { older: string; newer: string };
  // out/ holds the example compiled: a new s3 Write action touches its guardrails (exit 1).
  const notify = (format: string) => cli(['notify', '--from', mirrors.older, '--to', mirrors.newer, '--format', format]);

  beforeAll(async () => {
    mirrors = writeHostileMirrors(await tempDir());
  });

  it('notify --format markdown: escaped in the list of new sensitive actions and in the <details> of all changes', async () => {
    const r = await notify('markdown');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('### Guardrails touched');
    expect(r.stdout).toContain('### New Write, Permissions management and Tagging actions');
    expectSafeMarkdown(r.stdout, 1);
  });

  it('notify --format slack: Slack JSON whose texts escape &, < and > and link no name', async () => {
    const r = await notify('slack');
    expect(r.code, r.stderr).toBe(1);
    const message = JSON.parse(r.stdout) as { blocks: { elements?: { text: string; verbatim?: boolean }[] }[] };
    const context = message.blocks.flatMap((b) => b.elements ?? []).find((e) => e.text.startsWith('New Write'))!;
    expect(context.verbatim).toBe(true);
    expect(context.text).not.toMatch(/<|>|@[a-z]|:\/\/|\u001b|\u202e/i);
    expect(context.text.replace(ZWSP, '')).toContain(`s3:Put${inertLine(HOSTILE).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);
  });

  it('notify (text): no escape sequence, the name shown with its escapes', async () => {
    const r = await notify('text');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toContain(`s3:Put${inertLine(HOSTILE)} (Write)`);
  });

  it('a template of the user receives the strings escaped for the format, whatever the interpolation', async () => {
    fs.writeFileSync(path.join(dir, 'mine.hbs'), '{{#each sensitiveAdditions}}{{action}}|{{{action}}}{{/each}}');
    const r = await cli(['notify', '--from', mirrors.older, '--to', mirrors.newer, '--format', 'markdown', '--template', 'mine.hbs']);
    expect(r.code, r.stderr).toBe(1);
    const [double, triple] = r.stdout.split('|');
    expect(double).toBe(triple);
    expect(liveMarkup(renderGithub(double!))).toEqual([]);
    expect(double).toContain('&lt;/details&gt;&lt;!--');
  });
});

describe('error messages of notify', () => {
  it('quote what they name on one inert, bounded line', async () => {
    const r = await cli(['notify', '--from', `missing\u001b[2J${'x'.repeat(5000)}\nerror forged: line`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error no-snapshot: .*missing\\x1b\[2Jxxx.*more characters\)\n$/);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr.length).toBeLessThan(1200);
  });
});
