/**
 * Names an attacker controls, through every renderer: OU, account and policy names of the org snapshot
 * (diff --markdown, diff, plan), and names of a service-reference mirror (notify in each format: a mirror
 * whose action names carry markup is refused at load, so the renderers are given such names directly).
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
import { liveMarkup, renderGithub, tagCount, withoutNotifyMarkup } from './github-markdown.js';
import { slackViolations, type Message } from './slack-limits.js';
import { ADDED_ACTION, HOSTILE, hostileSnapshot, MARKUP_KEY, RAW_CONTROL, substitute, writeHostileMirrors } from './hostile-inputs.js';
import { renderNotify, type NotifyFormat, type RenderOptions } from '../../src/report/notify-render.js';
import type { NotifyResult } from '../../src/notify/index.js';
import type { OrgState } from '../../src/org/index.js';

const ZWSP = /\u200b/g;

/** The assertions every markdown output must pass. */
function expectSafeMarkdown(markdown: string, ownDetails: number, notify = false): void {
  expect(markdown).not.toMatch(RAW_CONTROL);
  const rendered = renderGithub(markdown);
  // notify's own links and hidden key are there, and nothing else acts.
  if (notify) expect(rendered.html).toMatch(/^<!-- guardrails-notify:[0-9a-f]{16}\.\.[0-9a-f]{16} -->\n[\s\S]*<a href="https:\/\/servicereference\.us-east-1\.amazonaws\.com\/v1\/s3\/s3\.json">/);
  expect(liveMarkup(notify ? withoutNotifyMarkup(rendered) : rendered)).toEqual([]);
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
    expectSafeMarkdown(r.stdout, r.stdout.match(/^<details><summary>/gm)!.length);
    // The deleted policy is in the table, in one cell, and has its own collapsed diff.
    const row = r.stdout.split('\n').find((l) => l.startsWith('| <code>guardrails-scp-old'))!;
    expect(tagCount(renderGithub(`| a | b | c | d |\n|---|---|---|---|\n${row}`).html, 'td')).toBe(4);
    // What the deleted policy denied becomes allowed: said first, with its control (from the snapshot's
    // tag) and Sid escaped, and its row of the verdict table in one piece.
    expect(r.stdout).toMatch(/\n\*\*Becomes allowed\*\* \(/);
    const verdictRow = r.stdout.split('\n').find((l) => l.startsWith('| <code>old'))!;
    expect(verdictRow).toContain('**looser**');
    expect(tagCount(renderGithub(`| a | b | c | d |\n|---|---|---|---|\n${verdictRow}`).html, 'td')).toBe(4);
    expect(r.stdout).toContain('<code>Old&#96;&#96;&#96;&#96;</code>');
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

describe('names of OUs and accounts the compiled tree lacks (tree drift)', () => {
  beforeAll(() => {
    const s = hostileSnapshot() as unknown as OrgState;
    s.root.accounts.push({ id: '345678901299', name: `vended${HOSTILE}` });
    s.root.ous.push({ id: 'ou-ex12-hostile1', name: `new-ou${HOSTILE}`, ous: [], accounts: [{ id: '345678901298', name: `in-new-ou${HOSTILE}` }] });
    for (const p of s.policies) if (p.awsManaged) p.targets.push('345678901299', '345678901298', 'ou-ex12-hostile1');
    fs.writeFileSync(path.join(dir, 'hostile-drift.json'), JSON.stringify(s, null, 2));
  });

  it('diff --markdown: escaped in the drift table, which stays one row per node', async () => {
    const r = await cli(['diff', '--org', 'hostile-drift.json', '--markdown']);
    expect(r.code, r.stderr).toBe(1);
    expectSafeMarkdown(r.stdout, r.stdout.match(/^<details><summary>/gm)!.length);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('| new |'));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(tagCount(renderGithub(`| a | b | c | d | e | f |\n|---|---|---|---|---|---|\n${row}`).html, 'td')).toBe(6);
  });

  it('diff and plan on a terminal: no escape sequence in the drift lines', async () => {
    for (const args of [['diff', '--org', 'hostile-drift.json'], ['plan', '--org', 'hostile-drift.json']]) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).not.toMatch(RAW_CONTROL);
      expect(r.stderr).not.toMatch(RAW_CONTROL);
      expect(r.stdout).toContain(`  new   account 345678901299 (vended${inertLine(HOSTILE)}) under Root, not in the tree`);
    }
  });
});

describe('action names of a mirror', () => {
  let mirrors: { older: string; newer: string; hostile: string };
  // out/ holds the example compiled: a new s3 Write action touches its guardrails (exit 1).
  const notify = (format: string, to = mirrors.newer) => cli(['notify', '--from', mirrors.older, '--to', to, '--format', format]);
  /** notify's result for the valid mirrors, with the added action renamed `s3:Put${HOSTILE}`: what a renderer must survive. */
  let hostile: NotifyResult;

  beforeAll(async () => {
    mirrors = writeHostileMirrors(await tempDir());
    const r = await notify('json');
    if (r.code !== 1) throw new Error(r.stderr);
    hostile = substitute(JSON.parse(r.stdout) as NotifyResult, ADDED_ACTION, `Put${HOSTILE}`);
  });

  const render = (format: NotifyFormat, options: RenderOptions = {}) => {
    const out = renderNotify(hostile, format, options);
    if (!out.ok) throw new Error(out.message);
    return out.text;
  };

  it('a mirror whose action name carries markup, escapes or a bidi override is refused at load: notify exits 2 naming the entry', async () => {
    const r = await notify('markdown', mirrors.hostile);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not an action name IAM uses/);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toBe('');
  });

  it('the one markup a valid mirror can carry, <name> in a condition key, is escaped in notify --format markdown', async () => {
    const r = await notify('markdown');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(MARKUP_KEY.replace('<', '&lt;').replace('>', '&gt;'));
    const rendered = renderGithub(r.stdout);
    expect(liveMarkup(withoutNotifyMarkup(rendered))).toEqual([]);
    expect(tagCount(rendered.html, 'details')).toBe(1);
  });

  it('markdown: escaped in the list of new sensitive actions and in the <details> of all changes', () => {
    const md = render('markdown');
    expect(md).toContain('### Guardrails touched');
    expect(md).toContain('### New Write, Permissions management and Tagging actions');
    expectSafeMarkdown(md, 1, true);
  });

  it('slack: Slack JSON whose texts escape &, < and > and link no name: the only links are those the tool builds, to the service reference', () => {
    const message = JSON.parse(render('slack')) as Message;
    expect(slackViolations(message)).toEqual([]);
    const context = message.blocks.flatMap((b) => b.elements ?? []).find((e) => e.text.startsWith('New Write'))!;
    expect(context.verbatim).toBe(true);
    const own = /<https:\/\/servicereference\.us-east-1\.amazonaws\.com\/v1\/([a-z0-9._-]+)\/\1\.json\|([^<>]*)>/g;
    expect(context.text.match(own)?.length).toBeGreaterThan(0);
    const labels = context.text.replace(own, '$2');
    expect(labels).not.toMatch(/<|>|@[a-z]|:\/\/|\u001b|\u202e/i);
    expect(labels.replace(ZWSP, '')).toContain(`s3:Put${inertLine(HOSTILE).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);
  });

  it('text: no escape sequence, the name shown with its escapes', () => {
    const text = render('text');
    expect(text).not.toMatch(RAW_CONTROL);
    expect(text).toContain(`s3:Put${inertLine(HOSTILE)} (Write)`);
  });

  it('a template of the user receives the strings escaped for the format, whatever the interpolation', () => {
    const out = render('markdown', { template: { file: 'mine.hbs', text: '{{#each sensitiveAdditions}}{{action}}|{{{action}}}{{/each}}' } });
    const [double, triple] = out.split('|');
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
