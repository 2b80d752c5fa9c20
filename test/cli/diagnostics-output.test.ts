/**
 * What the CLI prints for diagnostics is bounded whatever the input: one 75 KB line with 3,000 unknown
 * actions once printed 338 MB of stderr (the whole line and a padded caret per diagnostic), and their
 * did-you-mean hints took 11 s of CPU.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { excerpt, formatDiagnostic, formatDiagnostics, PRINTED_IN_ALL, PRINTED_PER_CODE, selectForPrinting } from '../../src/cli/format.js';
import { error, warning, type Diagnostic } from '../../src/diagnostics/index.js';
import { DirectorySource, loadFromDirectory, syncReference } from '../../src/reference/index.js';
import { SERVICE_SUGGESTIONS } from '../../src/intent/semantic/actions.js';
import { SUGGESTIONS_PER_INDEX } from '../../src/reference/reference-index.js';
import { runCli } from '../support/cli.js';
import { SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

const ORG = 'version: 1\norganization:\n  id: o-abcdefghij\n  managementAccount: "111111111111"\n  tree:\n    Root:\n      accounts: ["111111111111"]\n';

/** The character the caret points at, read back from a printed excerpt. */
function pointedAt(printed: string): string {
  const [, shown, caret] = printed.split('\n');
  const column = caret!.indexOf('^');
  return shown![column]!;
}

describe('the excerpt of a source line', () => {
  it('shows a short line whole, the caret under the column', () => {
    expect(excerpt('    actions: [s3:GetObjekt]', 15)).toEqual({ text: '    actions: [s3:GetObjekt]', caret: 14 });
  });

  it('cuts a long line to the width around the column, marks the cuts, and keeps the caret on the same character', () => {
    const line = Array.from({ length: 3000 }, (_, i) => `ec2:Name${i}`).join(', ');
    for (const col of [1, 30, line.indexOf('ec2:Name1500') + 1, line.length - 5, line.length + 1]) {
      const { text, caret } = excerpt(line, col, 120);
      expect(text.length).toBeLessThanOrEqual(126);
      if (col > 61) expect(text.startsWith('...')).toBe(true);
      if (col < line.length - 60) expect(text.endsWith('...')).toBe(true);
      if (col <= line.length) expect(text[caret]).toBe(line[col - 1]);
      else expect(caret).toBe(text.length);
    }
  });

  it('shows control characters as escapes and tabs as spaces, the caret still under its character', () => {
    const { text, caret } = excerpt('a\u001b[2Jb\tc: x', 11);
    expect(text).toBe('a\\x1b[2Jb c: x');
    expect(text[caret]).toBe('x');
  });

  it('never cuts a character of two UTF-16 units in half', () => {
    const line = '😀'.repeat(200);
    const { text } = excerpt(line, 101, 120);
    expect(text.replace(/^\.\.\.|\.\.\.$/g, '')).toMatch(/^(😀)+$/u);
  });
});

describe('one diagnostic', () => {
  it('is printed inert and bounded: a message, a hint and a path quoting the input cannot rewrite the terminal or fill the log', () => {
    const file = '/repo/guardrails/\u001b[2Jx.yaml';
    const d = error('unknown-action', `"${'A'.repeat(50_000)}\u001b]8;;http://evil\u0007\nfake.yaml:1:1: error forged: line"`, { file, line: 1, col: 3 }, `did you mean \u202e'x'?`);
    const printed = formatDiagnostic(d, { get: () => `  ${'A'.repeat(50_000)}` }, '/repo');
    expect(printed).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(printed).toContain('guardrails/\\x1b[2Jx.yaml:1:3: error unknown-action:');
    expect(printed).toContain('more characters)');
    expect(printed).not.toMatch(/^fake\.yaml/m);
    expect(printed).toContain("hint: did you mean \\u202e'x'?");
    expect(printed.length).toBeLessThan(2000);
  });
});

describe('which diagnostics are printed', () => {
  const at = (line: number) => ({ file: 'a.yaml', line, col: 1 });

  it('prints the first of each code and counts the rest in one line', () => {
    const many = Array.from({ length: 3000 }, (_, i) => error('unknown-action', `action ${i}`, at(i + 1)));
    const { shown, leftOut } = selectForPrinting(many);
    expect(shown).toEqual(many.slice(0, PRINTED_PER_CODE));
    expect(leftOut).toEqual([{ severity: 'error', code: 'unknown-action', count: 3000 - PRINTED_PER_CODE }]);
    const printed = formatDiagnostics(many, { get: () => undefined }, '/');
    expect(printed.endsWith(`... and 2,980 more unknown-action errors (guardrails validate --json lists them all)\n`)).toBe(true);
  });

  it('never lets warnings crowd out errors: past the cap in all, errors are printed first, in their place in the order', () => {
    const warnings = Array.from({ length: 200 }, (_, i) => warning(`lint-${i % 10}`, `w ${i}`, at(i + 1)));
    const errors = Array.from({ length: 5 }, (_, i) => error(`broken-${i}`, `e ${i}`, at(1000 + i)));
    const all: Diagnostic[] = [...warnings, ...errors];
    const { shown, leftOut } = selectForPrinting(all);
    expect(shown.length).toBe(PRINTED_IN_ALL);
    expect(shown.filter((d) => d.severity === 'error')).toEqual(errors);
    expect(shown.slice(-5)).toEqual(errors);
    const leftOutWarnings = leftOut.filter((l) => l.severity === 'warning').reduce((n, l) => n + l.count, 0);
    expect(leftOutWarnings).toBe(200 - (PRINTED_IN_ALL - 5));
    expect(leftOut.some((l) => l.severity === 'error')).toBe(false);
  });

  it('keeps errors and warnings of one code apart', () => {
    const mixed = [...Array.from({ length: 30 }, (_, i) => warning('same', `w ${i}`, at(i + 1))), error('same', 'the error', at(99))];
    const { shown, leftOut } = selectForPrinting(mixed);
    expect(shown).toContain(mixed[30]);
    expect(leftOut).toEqual([{ severity: 'warning', code: 'same', count: 10 }]);
  });
});

describe('guardrails validate on 3,000 unknown actions in one 75 KB line', () => {
  let dir: string;
  let cache: string;

  beforeAll(async () => {
    const root = await tempDir();
    cache = path.join(root, 'cache');
    dir = path.join(root, 'repo');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    fs.mkdirSync(path.join(dir, 'guardrails'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'guardrails', 'org.yaml'), ORG);
    const actions = Array.from({ length: 3000 }, (_, i) => `ec2:DescribeInstancez${i.toString(36)}`);
    const line = `    actions: [${actions.join(', ')}]`;
    expect(line.length).toBeGreaterThan(75_000);
    fs.writeFileSync(path.join(dir, 'guardrails', 'big.yaml'), `version: 1\ncontrols:\n  big:\n    kind: deny-actions\n${line}\n    attach: [Root]\n`);
  });

  it('prints a few kilobytes: 20 excerpts around their columns, then how many more there are', async () => {
    const r = await runCli(['validate', '--cache', cache], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeLessThan(64 * 1024);
    expect(r.stderr).toContain('... and 2,980 more unknown-action errors (guardrails validate --json lists them all)\n');
    expect(r.stderr).toMatch(/invalid: 2 intent files, 1 controls, 0 tests: 3000 errors, 0 warnings\n$/);
    const printed = r.stderr.split(/(?=^guardrails\/big\.yaml:)/m).filter((p) => p.startsWith('guardrails/big.yaml:'));
    expect(printed).toHaveLength(20);
    for (const p of printed) {
      const [head, shown] = p.split('\n');
      expect(shown!.length).toBeLessThan(140);
      // The caret is under the first character of the action the message names.
      const name = /"(ec2:[^"]+)"/.exec(head!)![1]!;
      expect(pointedAt(p)).toBe('e');
      expect(shown!.slice(shown!.indexOf('|') + 2)).toContain(name);
    }
  });

  it('computes did-you-mean hints for the first unknown names only; --json still lists every error', async () => {
    const r = await runCli(['validate', '--cache', cache, '--json'], { cwd: dir });
    const json = JSON.parse(r.stdout) as { diagnostics: Diagnostic[] };
    const unknown = json.diagnostics.filter((d) => d.code === 'unknown-action');
    expect(unknown).toHaveLength(3000);
    const hinted = unknown.filter((d) => d.hint);
    expect(hinted.length).toBe(SUGGESTIONS_PER_INDEX);
    expect(hinted[0]!.hint).toBe("did you mean 'ec2:DescribeInstances', 'ec2:DescribeInstanceTypes', 'ec2:DescribeInstanceStatus'?");
    expect(unknown.slice(0, 20).every((d) => d.hint)).toBe(true);
  });
});

describe('did-you-mean hints for unknown services', () => {
  it('are computed for the first SERVICE_SUGGESTIONS of a check, the rest reported without one', async () => {
    const root = await tempDir();
    const cache = path.join(root, 'cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    fs.mkdirSync(path.join(root, 'guardrails'));
    fs.writeFileSync(path.join(root, 'guardrails', 'org.yaml'), ORG);
    const services = Array.from({ length: SERVICE_SUGGESTIONS + 30 }, (_, i) => `ec2x${i}`);
    fs.writeFileSync(path.join(root, 'guardrails', 'tls.yaml'), `version: 1\ncontrols:\n  tls:\n    kind: tls-minimum\n    services: [${services.join(', ')}]\n    attach: [Root]\n`);
    const r = await runCli(['validate', '--cache', cache, '--json'], { cwd: root });
    const unknown = (JSON.parse(r.stdout) as { diagnostics: Diagnostic[] }).diagnostics.filter((d) => d.code === 'unknown-service');
    expect(unknown).toHaveLength(services.length);
    expect(unknown.filter((d) => d.hint)).toHaveLength(SERVICE_SUGGESTIONS);
    expect(unknown[0]!.hint).toMatch(/^did you mean .ec2./);
  });
});

describe('did-you-mean hints for unknown condition keys', () => {
  it('come from the same share of the index as those for actions', async () => {
    const { index } = await loadFromDirectory(SNAPSHOT_2026);
    const hints = Array.from({ length: SUGGESTIONS_PER_INDEX + 5 }, () => index.suggestConditionKeys('aws:PrincipalOrgIdd'));
    expect(hints.slice(0, SUGGESTIONS_PER_INDEX).every((h) => h.includes('aws:PrincipalOrgID'))).toBe(true);
    expect(hints.slice(SUGGESTIONS_PER_INDEX)).toEqual([[], [], [], [], []]);
  });
});
