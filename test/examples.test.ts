/**
 * examples/: one directory per control kind, each a minimal intent (an organization, one control of
 * that kind, tests) that compiles against the shipped reference and whose every scenario passes, the
 * intent's tests and those simulate generates from the control.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROL_KINDS } from '../src/intent/index.js';
import { runCli } from './support/cli.js';
import { PROJECT_ROOT } from './support/paths.js';
import { tempDir } from './support/temp.js';

const EXAMPLES = path.join(PROJECT_ROOT, 'examples');
const kinds = fs
  .readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

describe('examples/', () => {
  it('has a directory for every control kind, and only those', () => {
    expect(kinds).toEqual([...CONTROL_KINDS].sort());
  });

  it.each(kinds)('%s compiles, and every scenario passes', async (kind) => {
    const intent = path.join('examples', kind, 'intent.yaml');
    const text = fs.readFileSync(path.join(PROJECT_ROOT, intent), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../../src/intent/intent.schema.json');
    const kindsUsed = [...text.matchAll(/^ {4}kind: (\S+)$/gm)].map((m) => m[1]);
    expect(kindsUsed).toEqual([kind]);

    const out = await tempDir();
    const compile = await runCli(['compile', intent, '--out', out]);
    expect(compile.code, compile.stderr).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { policies: unknown[] };
    expect(manifest.policies.length).toBeGreaterThan(0);
    const simulate = await runCli(['simulate', intent, '--out', out]);
    expect(simulate.code, simulate.stdout).toBe(0);
    const [, passed, total, tests] = /^(\d+) of (\d+) scenarios pass \((\d+) from the intent's tests/m.exec(simulate.stdout) ?? [];
    expect(passed).toBe(total);
    expect(Number(tests)).toBeGreaterThanOrEqual(2);
  });
});
