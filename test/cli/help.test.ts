/**
 * `--version`, and every command's `--help`: an example and the exit codes of that command, from the one
 * table in src/cli/command-help.ts that the README's table of commands must agree with.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMAND_HELP, exitSummary } from '../../src/cli/command-help.js';
import { runCli } from '../support/cli.js';
import { PROJECT_ROOT } from '../support/paths.js';

/** The commands a help page lists (`  name [options] ...` under `Commands:`), help itself aside. */
function listed(help: string): string[] {
  const section = help.split('\nCommands:\n')[1] ?? '';
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
}

describe('guardrails --version', () => {
  it('prints the version of package.json', async () => {
    const version = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe('--help', () => {
  it('every command the CLI has, and only those, has examples and exit codes', async () => {
    const top = listed((await runCli(['--help'])).stdout);
    const all: string[] = [];
    for (const name of top) {
      const subs = listed((await runCli([name, '--help'])).stdout);
      if (subs.length === 0 || COMMAND_HELP[name]) all.push(name);
      all.push(...subs.map((s) => `${name} ${s}`));
    }
    expect(all.sort()).toEqual(Object.keys(COMMAND_HELP).sort());
  });

  it.each(Object.entries(COMMAND_HELP))('%s --help ends with its examples and exit codes', async (name, help) => {
    const r = await runCli([...name.split(' '), '--help']);
    expect(r.code).toBe(0);
    const [, examples, exits] = /\nExamples?:\n((?: {2}\$ .*\n)+)\nExit codes:\n((?: +\d+ {2}.*\n)+)\n*$/.exec(r.stdout) ?? [];
    expect(examples, r.stdout).toBeDefined();
    expect(examples!.trimEnd().split('\n').map((l) => l.replace(/^ {2}\$ /, ''))).toEqual(help.examples);
    expect(exits!.trimEnd().split('\n').map((l) => /^ +(\d+) {2}(.*)$/.exec(l)!.slice(1))).toEqual(help.exits.map(([c, m]) => [String(c), m]));
    for (const e of help.examples) expect(e.startsWith(`guardrails ${name}`)).toBe(true);
  });
});

describe("the README's table of commands", () => {
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
  const table = readme.split('\n## Commands\n')[1]!.trim().split('\n\n')[0]!.split('\n').slice(2);
  const rows = table.map((row) => {
    const cells = row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    const command = /^`guardrails ((?:org )?[a-z]+)/.exec(cells[0]!)![1]!;
    return { command, exits: cells[2]! };
  });

  it('gives each command the exit codes its --help gives', () => {
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row.exits, row.command).toBe(exitSummary(COMMAND_HELP[row.command]!));
  });

  it('lists every command (rollout unlock under rollout)', () => {
    expect(rows.map((r) => r.command).sort()).toEqual(Object.keys(COMMAND_HELP).filter((c) => c !== 'rollout unlock').sort());
  });
});
