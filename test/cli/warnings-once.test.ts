/**
 * Warnings are printed once per workflow: compile shows the intent's; simulate, diff and plan, run on
 * out/ compiled from the same inputs, count them instead of printing them again, and print what is new
 * to them. When out/ was compiled from other inputs they cannot know what compile showed: they print
 * everything. --quiet prints errors only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { diagnosticCodes, EXAMPLE_WARNINGS, runCli } from '../support/cli.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';

let repo: ExampleRepo;
/** The line that counts the warnings compile printed. */
let SHOWN: string;

beforeAll(async () => {
  repo = await compiledExampleRepo();
});

describe('compile, then the commands after it', () => {
  it('compile shows the warnings; simulate, diff and plan count them', async () => {
    const compiled = await repo.cli(['compile']);
    expect(diagnosticCodes(compiled.stderr)).toEqual(EXAMPLE_WARNINGS);
    const printed = compiled.stderr.match(/^\S+:\d+:\d+: warning /gm)!.length;
    SHOWN = `${printed} warnings (shown by compile, which wrote out/ from these inputs; guardrails validate shows them again)\n`;
    for (const args of [['simulate'], ['diff', '--org', 'guardrails/org-snapshot.json'], ['plan', '--org', 'guardrails/org-snapshot.json']]) {
      const r = await repo.cli(args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, args[0]).toBe(SHOWN);
    }
  });

  it('a warning new to diff is printed beside the count', async () => {
    const snapshot = JSON.parse(fs.readFileSync(path.join(repo.dir, 'guardrails', 'org-snapshot.json'), 'utf8')) as { policies: { type: string }[] };
    snapshot.policies = snapshot.policies.filter((p) => p.type !== 'rcp');
    fs.writeFileSync(path.join(repo.dir, 'no-rcps.json'), JSON.stringify(snapshot));
    const r = await repo.cli(['diff', '--org', 'no-rcps.json']);
    expect(r.stderr).toMatch(/^warning policy-type-not-enabled: RCPs are not enabled/);
    expect(diagnosticCodes(r.stderr)).toEqual([]);
    expect(r.stderr.endsWith(SHOWN)).toBe(true);
  });

  it('--quiet prints no warning and no count', async () => {
    for (const args of [['validate'], ['compile'], ['simulate'], ['diff', '--org', 'no-rcps.json'], ['plan', '--org', 'guardrails/org-snapshot.json']]) {
      const r = await repo.cli([...args, '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, args[0]).not.toMatch(/warning/);
    }
    expect((await repo.cli(['validate', '--quiet'])).stdout).toMatch(/^valid: .*: 0 errors, \d+ warnings\n$/);
  });

  it('out/ compiled from other inputs (an intent file changed since): every warning is printed again', async () => {
    const dir = path.join(path.dirname(repo.dir), 'edited');
    fs.cpSync(repo.dir, dir, { recursive: true });
    fs.appendFileSync(path.join(dir, 'guardrails', 'baseline.yaml'), '# reviewed\n');
    for (const args of [['simulate'], ['diff', '--org', 'guardrails/org-snapshot.json']]) {
      const r = await runCli([...args, '--cache', repo.cache], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(diagnosticCodes(r.stderr), args[0]).toEqual(EXAMPLE_WARNINGS);
      expect(r.stderr).not.toContain('shown by compile');
    }
  });
});
