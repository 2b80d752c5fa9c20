/**
 * Stable spelling across a reference sync (issue 13): compile against 2025-08-30, sync 2026-08-22,
 * compile again with the first out/ in place. What the intent covers did not change, so no policy file
 * changes. The manifest must name the snapshot it was compiled against (reference section), so it is
 * compared by its policies section, which says what each policy holds and why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli } from '../support/cli.js';
import { PROJECT_ROOT, SNAPSHOT_2025, SNAPSHOT_2026 } from '../support/paths.js';
import { rawService } from '../support/reference.js';
import { tempDir } from '../support/temp.js';
import { deployedNothing, smallOrganization } from '../support/small-org.js';

interface PolicyFile {
  Statement: { Sid?: string; Action?: string | string[] }[];
}

/** out/ before and after the sync: every file by name. */
async function compileAcrossSync(setUp: (repo: string) => void): Promise<{ before: Map<string, string>; after: Map<string, string>; repo: string; read: () => Map<string, string> }> {
  const repo = path.join(await tempDir(), 'repo');
  const cache = path.join(repo, 'service-reference-cache');
  setUp(repo);
  const read = () => new Map(fs.readdirSync(path.join(repo, 'out')).filter((f) => f.endsWith('.json')).map((f) => [f, fs.readFileSync(path.join(repo, 'out', f), 'utf8')]));
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2025) });
  const first = await runCli(['compile'], { cwd: repo });
  if (first.code !== 0) throw new Error(first.stderr);
  const before = read();
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  const second = await runCli(['compile'], { cwd: repo });
  if (second.code !== 0) throw new Error(second.stderr);
  return { before, after: read(), repo, read };
}

const policiesSection = (manifest: string) => (JSON.parse(manifest) as { policies: unknown }).policies;
const snapshotOf = (manifest: string) => (JSON.parse(manifest) as { reference: { snapshotId: string } }).reference.snapshotId;

/** The actions a list of IAM patterns matches in a snapshot, read from the raw service files. */
function expand(patterns: readonly string[], snapshot: string): string[] {
  const out = new Set<string>();
  for (const p of patterns) {
    const [service, name] = p.split(':') as [string, string];
    const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    for (const a of rawService(service, snapshot).Actions) if (re.test(a.Name)) out.add(`${service}:${a.Name}`);
  }
  return [...out].sort();
}
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Names of a service in both snapshots starting with one of `verbs`, every third left out (so that no prefix covers them whole). */
function namesInBoth(service: string, verbs: readonly string[]): string[] {
  const old = new Set(rawService(service, SNAPSHOT_2025).Actions.map((a) => a.Name));
  const both = rawService(service, SNAPSHOT_2026).Actions.map((a) => a.Name).filter((n) => old.has(n) && verbs.some((v) => n.startsWith(v))).sort();
  return both.filter((_, i) => i % 3 !== 0).map((n) => `${service}:${n}`);
}

describe('stable spelling across a sync from 2025-08-30 to 2026-08-22', () => {
  it('the example organization: only the statements whose expanded actions changed change', async () => {
    const { before, after } = await compileAcrossSync((repo) => fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(repo, 'guardrails'), { recursive: true }));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect(snapshotOf(after.get('manifest.json')!)).not.toBe(snapshotOf(before.get('manifest.json')!));
    const changedFiles = [...after.keys()].filter((f) => f !== 'manifest.json' && after.get(f) !== before.get(f));
    // The Bedrock allowlist selects model-invocation actions (2026 adds bedrock:CountTokens and others)
    // and bedrock-mantle, new in 2026; the perimeter's tag protections name s3:PutBucketAbac, new in
    // 2026 (turning bucket ABAC on or off changes what the exception tags mean): the policies whose
    // intent covers new actions.
    expect(changedFiles).toEqual(['guardrails-rcp-only-org-principals.json', 'guardrails-scp-approved-bedrock-models.json', 'guardrails-scp-only-org-principals.json']);
    const statements = (text: string) => new Map((JSON.parse(text) as PolicyFile).Statement.map((s) => [s.Sid ?? '', s]));
    for (const file of changedFiles) {
      const old = statements(before.get(file)!);
      const now = statements(after.get(file)!);
      const changedSids = [...new Set([...old.keys(), ...now.keys()])].filter((sid) => JSON.stringify(old.get(sid)) !== JSON.stringify(now.get(sid)));
      expect(changedSids.length, file).toBeGreaterThan(0);
      for (const sid of changedSids) {
        const was = old.get(sid);
        const is = now.get(sid);
        // A new statement (bedrock-mantle) or one whose actions, each expanded in its own snapshot, differ.
        if (was && is) expect(expand(list(is.Action), SNAPSHOT_2026), `${file} ${sid}`).not.toEqual(expand(list(was.Action), SNAPSHOT_2025));
        else expect(was, `${file} ${sid}`).toBeUndefined();
      }
    }
  });

  it('an intent whose actions did not change: every policy file and the manifest\'s policies section byte for byte, at levels 1 to 3', async () => {
    // rds has the same 169 actions in both snapshots.
    const rds = namesInBoth('rds', ['Create', 'Delete', 'Modify']);
    for (const quota of [{ maxChars: 10240, wildcards: 'readable' }, { maxChars: 1200, wildcards: 'readable' }, { maxChars: 500, wildcards: 'aggressive' }]) {
      const { before, after } = await compileAcrossSync((repo) => smallOrganization(repo, rds, quota));
      for (const [name, text] of before) {
        if (name === 'manifest.json') expect(policiesSection(after.get(name)!)).toEqual(policiesSection(text));
        else expect(after.get(name), name).toBe(text);
      }
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    }
  });

});

/** Actions of a service in both snapshots starting with one of `verbs` (route53-recovery-control-config loses DescribeRoutingControlByName in 2026 and gains nothing). */
function namesOf(service: string, verbs: readonly string[]): string[] {
  const old = new Set(rawService(service, SNAPSHOT_2025).Actions.map((a) => a.Name));
  return rawService(service, SNAPSHOT_2026).Actions.map((a) => a.Name).filter((n) => old.has(n) && verbs.some((v) => n.startsWith(v))).sort().map((n) => `${service}:${n}`);
}

const POLICY = 'guardrails-scp-changes.json';

const actionsOf = (text: string) => (JSON.parse(text) as PolicyFile).Statement.flatMap((s) => list(s.Action));
const levelsOf = (manifest: string) => (JSON.parse(manifest) as { policies: { level: number }[] }).policies.map((p) => p.level);

describe('keeping the previous spelling', () => {
  const recovery = namesOf('route53-recovery-control-config', ['Describe', 'List', 'Create', 'Delete']);

  it('a level-2 cover still exact after the sync is kept, where a compile from scratch writes another', async () => {
    const { before, after, repo, read } = await compileAcrossSync((dir) => smallOrganization(dir, recovery, { maxChars: 500, wildcards: 'readable' }));
    expect(levelsOf(before.get('manifest.json')!)).toEqual([2]);
    const was = actionsOf(before.get(POLICY)!);
    expect(was.some((a) => a.includes('*'))).toBe(true);
    // Exact in 2025 (the proof) and still exact in 2026: the one action that kept `Describe*` out is gone.
    expect(expand(was, SNAPSHOT_2025)).toEqual(recovery);
    expect(expand(was, SNAPSHOT_2026)).toEqual(recovery);
    expect(after.get(POLICY)).toBe(before.get(POLICY));
    expect(policiesSection(after.get('manifest.json')!)).toEqual(policiesSection(before.get('manifest.json')!));
    // diff and plan compile with out/ in place as compile does: they find the kept spelling current, not stale.
    fs.writeFileSync(path.join(repo, 'org.json'), JSON.stringify(deployedNothing()));
    const diff = await runCli(['diff', '--org', 'org.json'], { cwd: repo });
    expect(diff.stderr).not.toContain('stale-out');
    expect(diff.stdout).toContain('guardrails-scp-changes');
    expect([0, 1]).toContain(diff.code);
    // Without the previous out/, 2026 has a shorter cover of the same actions.
    const repacked = await runCli(['compile', '--repack'], { cwd: repo });
    expect(repacked.code, repacked.stderr).toBe(0);
    const fresh = actionsOf(read().get(POLICY)!);
    expect(expand(fresh, SNAPSHOT_2026)).toEqual(recovery);
    expect(fresh).not.toEqual(was);

  });

  it('a level-3 cover is not kept when the group now fits at level 2', async () => {
    const names = namesOf('route53-recovery-control-config', ['Describe', 'Update']);
    const { before, after } = await compileAcrossSync((dir) => smallOrganization(dir, names, { maxChars: 300, wildcards: 'readable' }));
    expect(levelsOf(before.get('manifest.json')!)).toEqual([3]);
    expect(expand(actionsOf(before.get(POLICY)!), SNAPSHOT_2026)).toEqual(names);
    expect(levelsOf(after.get('manifest.json')!)).toEqual([2]);
    expect(after.get(POLICY)).not.toBe(before.get(POLICY));
    expect(expand(actionsOf(after.get(POLICY)!), SNAPSHOT_2026)).toEqual(names);
  });

  /** Compiles once in 2026, lets `edit` rewrite the policy file's action list, compiles again. */
  async function recompileAfterEdit(maxChars: number, edit: (actions: string[]) => string[]): Promise<{ first: string; edited: string; second: string; levels: number[] }> {
    const repo = path.join(await tempDir(), 'repo');
    smallOrganization(repo, recovery, { maxChars, wildcards: 'readable' });
    await syncReference({ cacheDir: path.join(repo, 'service-reference-cache'), source: new DirectorySource(SNAPSHOT_2026) });
    const file = path.join(repo, 'out', POLICY);
    const compileOnce = async () => {
      const r = await runCli(['compile'], { cwd: repo });
      if (r.code !== 0) throw new Error(r.stderr);
      return fs.readFileSync(file, 'utf8');
    };
    const first = await compileOnce();
    const doc = JSON.parse(first) as { Statement: { Action: string[] }[] };
    doc.Statement[0]!.Action = edit(doc.Statement[0]!.Action);
    const edited = JSON.stringify(doc, null, 2) + '\n';
    fs.writeFileSync(file, edited);
    const second = await compileOnce();
    return { first, edited, second, levels: levelsOf(fs.readFileSync(path.join(repo, 'out', 'manifest.json'), 'utf8')) };
  }

  it('an out/ list that is not exact is never kept, whatever out/ says of it', async () => {
    // A pull request may write out/: a pattern that also matches actions the intent does not deny,
    // one that drops an action, and one in a syntax compile does not write.
    for (const edit of [(a: string[]) => ['route53-recovery-control-config:*'], (a: string[]) => a.slice(1), (a: string[]) => [...a.slice(1), `route53-recovery-control-config:{Write}${a[0]!.split(':')[1]}`]]) {
      const { first, edited, second } = await recompileAfterEdit(500, edit);
      expect(edited).not.toBe(first);
      expect(second).toBe(first);
    }
  });

  it('a kept list that no longer fits gives way to a fresh cover at the same level before the group escalates', async () => {
    // The level-2 cover respelled as exact names: exact, so a candidate, but over the 500 characters.
    const literal = (a: string[]) => expand(a, SNAPSHOT_2026);
    const tight = await recompileAfterEdit(500, literal);
    expect(tight.second).toBe(tight.first);
    expect(tight.levels).toEqual([2]);
    // Another exact cover that fits (Describe* as its four names) is kept as out/ has it.
    const roomy = await recompileAfterEdit(600, (a) => a.flatMap((p) => (p.endsWith(':Describe*') ? expand([p], SNAPSHOT_2026) : [p])));
    expect(roomy.edited).not.toBe(roomy.first);
    expect(roomy.second).toBe(roomy.edited);
    expect(roomy.levels).toEqual([2]);
  });
});
