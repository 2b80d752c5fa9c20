/**
 * The README's "Your first guardrail", run as written: a project beside the clone with guardrails
 * installed in it, init from the example's new organization, the README's control written, then each
 * command of the section; every line of output the README shows is printed, in that order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

interface Step {
  command: string;
  shown: string[];
}

const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
const section = readme.split('\n## Your first guardrail\n')[1]!.split('\n## ')[0]!;

/** The section's fenced blocks: the language after the opening fence, and the lines inside. */
function blocks(): { lang: string; lines: string[] }[] {
  const out: { lang: string; lines: string[] }[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of section.split('\n')) {
    if (line.startsWith('```')) {
      if (open) out.push(open);
      open = open ? undefined : { lang: line.slice(3), lines: [] };
    } else open?.lines.push(line);
  }
  return out;
}

/** The `$ command` lines of the section's output blocks (no language), each with the lines shown after it. */
function steps(): Step[] {
  const out: Step[] = [];
  for (const block of blocks().filter((b) => b.lang === '')) {
    for (const line of block.lines) {
      if (line.startsWith('$ ')) out.push({ command: line.slice(2), shown: [] });
      else out.at(-1)!.shown.push(line);
    }
  }
  return out;
}

/** Whether `expected`'s lines ("..." aside) appear in `actual` in order. */
function inOrder(actual: string, expected: readonly string[]): string | undefined {
  const lines = actual.split('\n');
  let at = 0;
  for (const want of expected) {
    if (want.trim() === '...') continue;
    const found = lines.indexOf(want, at);
    if (found < 0) return want;
    at = found + 1;
  }
  return undefined;
}

describe("the README's first guardrail", () => {
  it('prints what the README shows, command by command', { timeout: 90_000 }, async () => {
    const parent = await tempDir();
    fs.symlinkSync(PROJECT_ROOT, path.join(parent, 'guardrails'));
    const dir = path.join(parent, 'my-guardrails');
    fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    fs.symlinkSync(path.join('..', '..', 'guardrails'), path.join(dir, 'node_modules', 'guardrails'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'my-guardrails', devDependencies: { guardrails: 'file:../guardrails' } }));

    const all = steps();
    expect(all.map((s) => s.command.split(' ').slice(0, 3).join(' '))).toEqual([
      'npx guardrails init',
      'npx guardrails compile',
      'cat out/guardrails-scp-allowed-regions+protect-security-services+stay-in-organization.json',
      'npx guardrails explain',
      'npx guardrails simulate',
      'npx guardrails diff',
    ]);
    for (const step of all) {
      let output: string;
      if (step.command.startsWith('cat ')) output = fs.readFileSync(path.join(dir, step.command.slice(4)), 'utf8');
      else {
        const r = await runCli(step.command.replace(/^npx guardrails /, '').split(' '), { cwd: dir });
        expect(r.code, `${step.command}\n${r.stderr}`).toBe(0);
        output = r.stdout;
      }
      // Run from source, the installed package's schema is src/intent/..., built it is dist/src/intent/...
      const missing = inOrder(output, step.shown.map((l) => l.replace('/dist/src/intent/', '/src/intent/')));
      expect(missing, `${step.command} does not print this line:\n${missing}\n\nit printed:\n${output}`).toBeUndefined();
      if (step.command.startsWith('npx guardrails init')) {
        const yaml = blocks().find((b) => b.lang === 'yaml')!;
        fs.writeFileSync(path.join(dir, 'guardrails', 'stay-in-organization.yaml'), `${yaml.lines.join('\n')}\n`);
      }
    }
  });
});
