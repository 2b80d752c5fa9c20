/**
 * The pull-request diff lists every wildcard compile wrote (issue 13: drift-aware wildcards): a
 * policy forced to level 2 shows its word-boundary patterns, marked new against what is deployed,
 * with the quota that forced them; a policy at level 1 shows none.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { markdownCode } from '../../src/report/escape.js';
import { runCli } from '../support/cli.js';
import { SNAPSHOT_2026 } from '../support/paths.js';
import { rawService } from '../support/reference.js';
import { deployedNothing, smallOrganization } from '../support/small-org.js';
import { tempDir } from '../support/temp.js';

const SERVICE = 'route53-recovery-control-config';
const names = rawService(SERVICE, SNAPSHOT_2026).Actions.map((a) => a.Name).filter((n) => /^(Describe|List|Create|Delete)/.test(n)).map((n) => `${SERVICE}:${n}`);

async function repoAt(maxChars: number): Promise<string> {
  const repo = path.join(await tempDir(), 'repo');
  smallOrganization(repo, names, { maxChars, wildcards: 'readable' });
  await syncReference({ cacheDir: path.join(repo, 'service-reference-cache'), source: new DirectorySource(SNAPSHOT_2026) });
  const compiled = await runCli(['compile'], { cwd: repo });
  expect(compiled.code, compiled.stderr).toBe(0);
  fs.writeFileSync(path.join(repo, 'org.json'), JSON.stringify(deployedNothing()));
  return repo;
}

describe('the diff lists the wildcards compile wrote', () => {
  it('a level-2 policy: each pattern, new against the deployed state, and the quota that forced it', async () => {
    const repo = await repoAt(500);
    const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'out', 'manifest.json'), 'utf8')) as { policies: { level: number; statements: { introduced: string[] }[] }[] };
    expect(manifest.policies[0]!.level).toBe(2);
    const introduced = manifest.policies[0]!.statements.flatMap((s) => s.introduced);
    expect(introduced.length).toBeGreaterThan(0);

    const text = await runCli(['diff', '--org', 'org.json'], { cwd: repo });
    expect(text.code, text.stderr).toBe(0);
    const section = text.stdout.slice(text.stdout.indexOf('wildcards compile wrote'));
    expect(section).toMatch(/^ {2}guardrails-scp-changes, level 2 \(slots: OU Root\/Prod needs \d SCPs and holds 2\): /m);
    for (const w of introduced) expect(section).toContain(`${w} (new)`);

    const markdown = await runCli(['diff', '--org', 'org.json', '--markdown'], { cwd: repo });
    expect(markdown.stdout).toContain('### Wildcards compile wrote');
    const row = markdown.stdout.split('\n').find((l) => l.startsWith('| `guardrails-scp-changes` | 2 |'))!;
    for (const w of introduced) expect(row).toContain(`${markdownCode(w)} (new)`);

    const json = JSON.parse((await runCli(['diff', '--org', 'org.json', '--json'], { cwd: repo })).stdout) as { structural: { policies: { wildcards: { level: number; patterns: { pattern: string; isNew: boolean }[] } | null }[] } };
    expect(json.structural.policies[0]!.wildcards!.patterns.map((p) => p.pattern).sort()).toEqual([...introduced].sort());
  });

  it('deployed already, they are listed again, not new', async () => {
    const repo = await repoAt(500);
    const policy = fs.readFileSync(path.join(repo, 'out', 'guardrails-scp-changes.json'), 'utf8');
    const org = deployedNothing() as { policies: unknown[] };
    org.policies.push({ id: 'p-changes', name: 'guardrails-scp-changes', type: 'scp', description: '', awsManaged: false, tags: { 'managed-by': 'guardrails', 'guardrails:controls': 'changes' }, content: policy, targets: ['ou-ab12-prod0001', 'r-ab12'] });
    fs.writeFileSync(path.join(repo, 'org.json'), JSON.stringify(org));
    const manifest = JSON.parse(fs.readFileSync(path.join(repo, 'out', 'manifest.json'), 'utf8')) as { policies: { name: string; statements: { introduced: string[] }[] }[] };
    const introduced = manifest.policies.find((p) => p.name === 'guardrails-scp-changes')!.statements.flatMap((s) => s.introduced);
    const text = await runCli(['diff', '--org', 'org.json'], { cwd: repo });
    expect(text.code, text.stderr).toBe(0);
    // Detached from the root: a change, so the diff has its sections.
    expect(text.stdout).toMatch(/unchanged SCP guardrails-scp-changes \(\d+\/500 characters\)  -root Root/);
    const line = text.stdout.split('\n').find((l) => l.startsWith('  guardrails-scp-changes, level 2'))!;
    for (const w of introduced) expect(line).toContain(w);
    expect(line).not.toContain('(new)');
  });

  it('a policy at level 1 lists none', async () => {
    const repo = await repoAt(10240);
    const text = await runCli(['diff', '--org', 'org.json'], { cwd: repo });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('guardrails-scp-changes');
    expect(text.stdout).not.toContain('wildcards compile wrote');
  });
});
