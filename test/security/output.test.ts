/**
 * What the tool prints, through the real CLI (its output boundary included) as CI runs it on a pull
 * request: names of a hostile org snapshot and of a hostile mirror reach no terminal, log, comment or
 * issue raw, JSON keeps their exact values, and a flood of diagnostics prints a bounded report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { liveMarkup, renderGithub, tagCount, withoutNotifyMarkup } from '../report/github-markdown.js';
import { HOSTILE, hostileSnapshot, MARKUP_KEY, RAW_CONTROL, writeHostileMirrors } from '../report/hostile-inputs.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { HAVE_STRACE, makeSandbox, runHostile, type HostileRun } from '../support/hostile.js';

type Sandbox = Awaited<ReturnType<typeof makeSandbox>>;

function guardrailsFiles(): Record<string, string> {
  const dir = path.join(PROJECT_ROOT, 'guardrails');
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [`guardrails/${f}`, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

function summary(r: HostileRun): string {
  return `exit ${r.code}${r.timedOut ? ' TIMED OUT' : ''} in ${r.ms} ms\n--- stderr ---\n${r.stderr.slice(0, 3000)}\n--- stdout ---\n${r.stdout.slice(0, 1000)}`;
}

/** What holds for every run: within its time, no canary out, nothing outside touched, nothing raw printed. */
function expectContained(r: HostileRun, exit: number): void {
  const s = summary(r);
  expect(r.timedOut, s).toBe(false);
  expect(r.leaks, s).toEqual([]);
  expect(r.outsideAccess, s).toEqual([]);
  expect(r.code, s).toBe(exit);
  expect(r.stdout, s).not.toMatch(RAW_CONTROL);
  expect(r.stderr, s).not.toMatch(RAW_CONTROL);
}

describe.runIf(HAVE_STRACE)('names of a hostile org snapshot and mirror, through the real CLI', () => {
  let box: Sandbox;
  let mirrors: { older: string; newer: string; hostile: string };
  const run = (args: string[]) => runHostile({ args: [...args, '--cache', '{cache}'] }, box);

  beforeAll(async () => {
    box = await makeSandbox({ files: { ...guardrailsFiles(), 'hostile.json': JSON.stringify(hostileSnapshot(), null, 2) } });
    mirrors = writeHostileMirrors(path.join(box.repo, 'mirrors'));
    const compiled = await run(['compile']);
    expectContained(compiled, 0);
  }, 120_000);

  it('diff --markdown: a comment in which nothing acts, with every <details> closed', async () => {
    const r = await run(['diff', '--org', 'hostile.json', '--markdown']);
    expectContained(r, 0);
    const rendered = renderGithub(r.stdout);
    expect(liveMarkup(rendered)).toEqual([]);
    const own = r.stdout.match(/^<details><summary>/gm)!.length;
    expect(tagCount(rendered.html, 'details')).toBe(own);
    expect(rendered.html.match(/<\/details>/g)).toHaveLength(own);
    // A policy's line diff quotes the name as it is, inside a fence, where GitHub shows it as text.
    expect(rendered.html.replace(/^<!-- guardrails-diff -->\n/, '')).not.toContain('<!--');
    expect(r.stdout).toContain('OU Root/GenAI &lt;/details&gt;&lt;!-- @&#8203;security-team &#91;x&#93;(http:&#8203;//evil.example) &#92;x1b&#93;8;;');
  });

  it('diff and plan on a terminal: every name shown with its escapes', async () => {
    for (const args of [['diff', '--org', 'hostile.json'], ['plan', '--org', 'hostile.json']]) {
      const r = await run(args);
      expectContained(r, 0);
      expect(r.stdout).toContain('guardrails-scp-old </details><!-- @security-team [x](http://evil.example) \\x1b]8;;http://evil.example\\x07click');
    }
  });

  it('diff --json: valid JSON with the names exactly as the snapshot has them, though no control character is printed raw', async () => {
    const r = await run(['diff', '--org', 'hostile.json', '--json']);
    expectContained(r, 0);
    const report = JSON.parse(r.stdout) as { structural: { policies: { name: string }[] }; deployed: { source: string } };
    expect(report.structural.policies.map((p) => p.name)).toContain(`guardrails-scp-old${HOSTILE}`);
    expect(report.deployed.source).toBe(`AWS Organizations${HOSTILE}`);
  });

  it('notify: a mirror whose action name carries markup and escapes is refused (exit 2, named, nothing raw); a valid one\'s <name> key is escaped', async () => {
    const refused = await run(['notify', '--from', mirrors.older, '--to', mirrors.hostile, '--format', 'markdown']);
    expectContained(refused, 2);
    expect(refused.stderr).toMatch(/is not an action name IAM uses/);
    expect(refused.stdout).toBe('');

    const md = await run(['notify', '--from', mirrors.older, '--to', mirrors.newer, '--format', 'markdown']);
    expectContained(md, 1);
    const rendered = renderGithub(md.stdout);
    expect(liveMarkup(withoutNotifyMarkup(rendered))).toEqual([]);
    expect(tagCount(rendered.html, 'details')).toBe(1);
    expect(md.stdout).toContain('s3:x&lt;details&gt;');

    const json = await run(['notify', '--from', mirrors.older, '--to', mirrors.newer, '--format', 'json']);
    expectContained(json, 1);
    expect(json.stdout).toContain(MARKUP_KEY);
  });
});

describe.runIf(HAVE_STRACE)('a flood of diagnostics, through the real CLI', () => {
  it('180,000 unknown actions in three files (each under the YAML token cap): a bounded report and exit 2, not an internal error', async () => {
    // Three files, because one file holds at most 250,000 YAML tokens; together their diagnostics are more
    // than one call's arguments can spread (push(...d) of 150,000 overflowed the stack).
    const files: Record<string, string> = {
      'guardrails/org.yaml': 'version: 1\norganization:\n  id: o-abcdefghij\n  managementAccount: "111111111111"\n  tree:\n    Root:\n      accounts: ["111111111111"]\n',
    };
    for (const part of [0, 1, 2]) {
      const actions = Array.from({ length: 60_000 }, (_, i) => `ec2:D${part}x${i.toString(36)}`);
      files[`guardrails/big${part}.yaml`] = `version: 1\ncontrols:\n  big${part}:\n    kind: deny-actions\n    actions: [${actions.join(', ')}]\n    attach: [Root]\n`;
    }
    const r = await runHostile({ files, args: ['validate', '--cache', '{cache}'], timeoutMs: 150_000 });
    expectContained(r, 2);
    expect(r.stderr).not.toContain('error internal');
    expect(r.stderrBytes).toBeLessThan(64 * 1024);
    expect(r.stderr).toContain('... and 179,980 more unknown-action errors (guardrails validate --json lists them all)\n');
  }, 180_000);
});
