/** `guardrails plan --save FILE` on the example organization: what it writes, and where it refuses to. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { comparePlans, type PlanFile } from '../../src/plan/index.js';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli } from '../support/cli.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

let dir: string;
let cache: string;
const cli = (args: string[], cwd = dir) => runCli([...args, '--cache', cache], { cwd });

beforeAll(async () => {
  const root = await tempDir();
  cache = path.join(root, 'cache');
  dir = path.join(root, 'repo');
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(dir, 'guardrails'), { recursive: true });
  const compiled = await cli(['compile']);
  if (compiled.code !== 0) throw new Error(compiled.stderr);
}, 120_000);

describe('guardrails plan --save', () => {
  it('writes the whole plan, the same JSON as --json, besides printing the text plan', async () => {
    const r = await cli(['plan', '--org', 'guardrails/org-snapshot.json', '--save', 'plans/plan.json']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('cannot write');
    fs.mkdirSync(path.join(dir, 'plans'));
    const ok = await cli(['plan', '--org', 'guardrails/org-snapshot.json', '--save', 'plans/plan.json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^wave canary: /);
    expect(ok.stderr).toContain('plan saved to plans/plan.json (66 API calls in 4 waves; apply it with guardrails rollout --plan)');
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'plans', 'plan.json'), 'utf8')) as PlanFile;
    const json = JSON.parse((await cli(['plan', '--org', 'guardrails/org-snapshot.json', '--json'])).stdout) as PlanFile;
    expect(saved).toEqual(json);
    expect(saved.waves.map((w) => w.name)).toEqual(['canary', 'nonprod', 'genai', 'everything']);
    expect(saved.waves.every((w) => w.expected.length > 0)).toBe(true);
    // Nothing is left beside it.
    expect(fs.readdirSync(path.join(dir, 'plans'))).toEqual(['plan.json']);
    expect(comparePlans(saved, json)).toEqual([]);
  });

  it('goes stale when the intent and out/ change', async () => {
    const copy = path.join(await tempDir(), 'repo');
    fs.cpSync(dir, copy, { recursive: true });
    const before = JSON.parse((await cli(['plan', '--org', 'guardrails/org-snapshot.json', '--json'], copy)).stdout) as PlanFile;
    const baseline = path.join(copy, 'guardrails', 'baseline.yaml');
    fs.writeFileSync(baseline, fs.readFileSync(baseline, 'utf8').replace('      - iam:CreateAccessKey\n', '      - iam:CreateAccessKey\n      - iam:UpdateAccessKey\n'));
    expect((await cli(['compile'], copy)).code).toBe(0);
    const after = JSON.parse((await cli(['plan', '--org', 'guardrails/org-snapshot.json', '--json'], copy)).stdout) as PlanFile;
    const differences = comparePlans(before, after);
    expect(differences[0]).toMatch(/^out\/ changed since the plan was saved/);
    expect(differences[1]).toMatch(/^the intent changed since the plan was saved/);
    expect(differences.length).toBeGreaterThan(2);
  });

  it('refuses a path in the repository that leads out of it, before reading anything', async () => {
    const outside = await tempDir();
    fs.symlinkSync(outside, path.join(dir, 'escape'));
    const r = await cli(['plan', '--org', 'guardrails/org-snapshot.json', '--save', 'escape/plan.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error plan-save-outside-repository: .*escape\/plan\.json is in .*, outside the repository .*; a path in the repository must not lead out of it\n$/);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(outside)).toEqual([]);
  });
});
