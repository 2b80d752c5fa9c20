/**
 * Compile once per change: simulate, diff and plan take out/'s policies without running the packer
 * (and so the minimizer) when out/manifest.json's input digest is the one computed from the inputs now
 * and out/ checks out against the intent; they compile in memory when anything compile reads changed
 * (an intent file, a file a control names, the service reference), and a forged or hand-edited out/ is
 * never acted on. The packer is watched through its module export; GUARDRAILS_VERBOSE is the same
 * report for users.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadCompiled } from '../../src/cli/deployment.js';
import { packPolicies } from '../../src/compile/pack.js';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli, type CliRun } from '../support/cli.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

vi.mock('../../src/compile/pack.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/compile/pack.js')>();
  return { ...actual, packPolicies: vi.fn(actual.packPolicies) };
});

const packed = () => vi.mocked(packPolicies).mock.calls.length;
const REUSED = 'policies: out/ as compiled (its input digest matches and it checks out against the intent; nothing packed)\n';
const IMPORTED = 'guardrails/policies/deny-snapshot-sharing.json';

let base: string;
let cache: string;

/** A copy of the compiled example repository to change. */
function copy(): string {
  const dir = fs.mkdtempSync(path.join(path.dirname(base), 'copy-'));
  fs.cpSync(base, dir, { recursive: true });
  return dir;
}

const run = (dir: string, args: string[], options: { cache?: string } = {}): Promise<CliRun> =>
  runCli([...args, '--cache', options.cache ?? cache], { cwd: dir, env: { CI: 'true', GUARDRAILS_VERBOSE: '1' } });
const diff = (dir: string, options: { cache?: string } = {}) => run(dir, ['diff', '--org', 'guardrails/org-snapshot.json'], options);
const plan = (dir: string) => run(dir, ['plan', '--org', 'guardrails/org-snapshot.json']);
const simulate = (dir: string) => run(dir, ['simulate']);
const withoutReport = (s: string) => s.replace(/^policies: .*\n/m, '');

const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'out', 'manifest.json'), 'utf8')) as Record<string, unknown> & { inputs?: { digest: string }; policies: { name: string; file: string; sha256?: string; fileBytes?: number; chars: number; targets: unknown[] }[]; targets: { scp: Slots; rcp: Slots }[] };
interface Slots {
  policies: string[];
  used: number;
  free: number;
}
const writeManifest = (dir: string, m: unknown) => fs.writeFileSync(path.join(dir, 'out', 'manifest.json'), JSON.stringify(m, null, 2) + '\n');

beforeAll(async () => {
  const root = await tempDir();
  cache = path.join(root, 'cache');
  base = path.join(root, 'repo');
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(base, 'guardrails'), { recursive: true });
  // A control that names a file: the file is an input too.
  fs.mkdirSync(path.join(base, 'guardrails', 'policies'));
  fs.writeFileSync(path.join(base, IMPORTED), JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'DenySnapshotSharing', Effect: 'Deny', Action: ['ec2:ModifySnapshotAttribute'], Resource: '*' }] }, null, 2));
  fs.writeFileSync(path.join(base, 'guardrails', 'imported.yaml'), 'version: 1\ncontrols:\n  no-snapshot-sharing:\n    kind: import\n    type: scp\n    file: policies/deny-snapshot-sharing.json\n    attach: [Prod]\n');
  const compiled = await run(base, ['compile']);
  expect(compiled.code, compiled.stderr).toBe(0);
});

beforeEach(() => {
  vi.mocked(packPolicies).mockClear();
});

describe('out/ compiled from the same inputs', () => {
  it('records the digest of its inputs and the hash of every policy file', () => {
    const m = manifestOf(base);
    expect(m.inputs).toEqual({ digest: expect.stringMatching(/^[0-9a-f]{64}$/), compiler: expect.stringMatching(/^guardrails \S+\/\d+$/) });
    for (const p of m.policies) expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is taken as it is by diff, plan and simulate: the packer does not run, and they report what a compile in memory reports', async () => {
    const reused = { diff: await diff(base), plan: await plan(base), simulate: await simulate(base) };
    for (const r of Object.values(reused)) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(REUSED);
    }
    expect(packed()).toBe(0);

    // The same out/ under a manifest written before digests: compiled in memory, as before, to the same reports.
    const older = copy();
    const m = manifestOf(older);
    delete m.inputs;
    for (const p of m.policies) delete p.sha256;
    writeManifest(older, m);
    const compiled = { diff: await diff(older), plan: await plan(older), simulate: await simulate(older) };
    for (const [command, r] of Object.entries(compiled)) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^policies: compiled in memory \(/m);
      expect(r.stdout).toBe(reused[command as keyof typeof reused].stdout);
      // The intent's warnings: printed by the compile in memory; counted, not repeated, where compile
      // wrote out/ from these inputs (it showed them).
      const printed = r.stderr.match(/^\S+:\d+:\d+: warning /gm) ?? [];
      expect(printed.length).toBeGreaterThan(0);
      const again = reused[command as keyof typeof reused].stderr;
      expect(again).not.toMatch(/^\S+:\d+:\d+: warning /m);
      expect(withoutReport(again)).toBe(`${printed.length} warnings (shown by compile, which wrote out/ from these inputs; guardrails validate shows them again)\n`);
    }
    expect(packed()).toBe(3);
  });
});

describe('anything compile reads changed: compiled in memory', () => {
  it('an intent file, even by a comment only (out/ still matches: no error)', async () => {
    const dir = copy();
    fs.appendFileSync(path.join(dir, 'guardrails', 'baseline.yaml'), '# reviewed\n');
    const r = await diff(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('policies: compiled in memory (out/ was compiled from other inputs');
    expect(packed()).toBe(1);
  });

  it('a file a control imports: out/ is then stale', async () => {
    const dir = copy();
    const file = path.join(dir, IMPORTED);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"ec2:ModifySnapshotAttribute"', '"ec2:ModifySnapshotAttribute", "ec2:ModifyImageAttribute"'));
    for (const r of [await diff(dir), await plan(dir)]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('policies: compiled in memory (out/ was compiled from other inputs');
      expect(r.stderr).toContain('error stale-out: out/ does not match the intent:');
    }
    expect(packed()).toBe(2);
    const sim = await simulate(dir);
    expect(sim.stderr).toContain('policies: compiled in memory (out/ was compiled from other inputs');
    expect(packed()).toBe(3);
  });

  it('another service-reference snapshot', async () => {
    const snapshot = path.join(path.dirname(base), 'snapshot');
    fs.cpSync(SNAPSHOT_2026, snapshot, { recursive: true });
    const service = path.join(snapshot, 'v1', 'a4b', 'a4b.json');
    const a4b = JSON.parse(fs.readFileSync(service, 'utf8')) as { Actions: { Name: string }[] };
    a4b.Actions.push({ ...a4b.Actions[0]!, Name: 'ZzzAddedLater' });
    fs.writeFileSync(service, JSON.stringify(a4b));
    const other = path.join(path.dirname(base), 'other-cache');
    await syncReference({ cacheDir: other, source: new DirectorySource(snapshot) });
    const r = await diff(base, { cache: other });
    expect(r.stderr).toContain('policies: compiled in memory (out/ was compiled from other inputs');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error stale-out: out/ does not match the intent: manifest.json (another service-reference snapshot)');
    expect(packed()).toBe(1);
  });
});

describe('an out/ edited or forged in a pull request is never acted on', () => {
  const policyOf = (dir: string, name: string) => {
    const m = manifestOf(dir);
    const p = m.policies.find((x) => x.name === name)!;
    return { m, p, file: path.join(dir, 'out', p.file) };
  };

  it('a policy file edited, the manifest untouched: stale-out, even when the edit means the same', async () => {
    const dir = copy();
    const { file, p } = policyOf(dir, 'guardrails-scp-protect-security-services+stay-in-organization');
    const text = fs.readFileSync(file, 'utf8');
    // Two action lines swapped: the same policy, not the file compile wrote.
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes('cloudtrail:DeleteTrail'));
    expect(i).toBeGreaterThan(0);
    [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
    fs.writeFileSync(file, lines.join('\n'));
    const r = await diff(dir);
    expect(r.stderr).toContain(`policies: compiled in memory (${p.file} is not the file the manifest lists)`);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error stale-out: out/ does not match the intent: ${p.file}`);
  });

  it('a policy file and its hash forged together, to deny less than the intent: the proof refuses it, stale-out', async () => {
    const dir = copy();
    const { m, p, file } = policyOf(dir, 'guardrails-scp-protect-security-services+stay-in-organization');
    const text = fs.readFileSync(file, 'utf8').replace(/\n\s*"cloudtrail:StopLogging",?/, '');
    expect(text).not.toContain('cloudtrail:StopLogging');
    fs.writeFileSync(file, text);
    p.sha256 = (await import('node:crypto')).createHash('sha256').update(text).digest('hex');
    p.fileBytes = Buffer.byteLength(text);
    // The manifest as compile would write it for that policy: one action fewer in the text sent to AWS.
    p.chars -= '"cloudtrail:StopLogging",'.length;
    writeManifest(dir, m);
    for (const r of [await diff(dir), await plan(dir), await simulate(dir)]) {
      expect(r.stderr).not.toContain(REUSED);
      expect(r.stderr).toMatch(/^policies: compiled in memory \(/m);
    }
    const r = await diff(dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error stale-out: out/ does not match the intent: ${p.file}`);
  });

  it('a manifest forged to attach a policy to fewer targets: not taken; the report is the intent\'s', async () => {
    const honest = await diff(base);
    const dir = copy();
    const { m, p } = policyOf(dir, 'guardrails-scp-protect-security-services+stay-in-organization');
    expect(p.targets.length).toBeGreaterThan(0);
    p.targets = [];
    // ... and every slot count the manifest keeps of those targets, as compile would write them.
    m.targets = m.targets
      .map((t) => (t.scp.policies.includes(p.name) ? { ...t, scp: { ...t.scp, policies: t.scp.policies.filter((x) => x !== p.name), used: t.scp.used - 1, free: t.scp.free + 1 } } : t))
      .filter((t) => t.scp.policies.length || t.rcp.policies.length);
    writeManifest(dir, m);
    const r = await diff(dir);
    expect(r.stderr).toMatch(/^policies: compiled in memory \(/m);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(honest.stdout);
  });
});

describe('rollout', () => {
  it('always compiles: it changes the organization, so it never takes out/ on a digest', async () => {
    let stderr = '';
    const io = { stdout: { write: () => true }, stderr: { write: (t: string) => ((stderr += t), true) }, env: { CI: 'true', GUARDRAILS_VERBOSE: '1' }, cwd: base };
    const loaded = await loadCompiled([], { cache, out: 'out' }, io, 'rollout');
    expect(typeof loaded).not.toBe('number');
    expect(stderr).toBe('policies: compiled in memory (a rollout always compiles)\n');
    expect(packed()).toBe(1);
    // The same loader for diff and plan takes out/ as it is.
    stderr = '';
    await loadCompiled([], { cache, out: 'out' }, io, 'diff');
    expect(stderr).toBe(REUSED);
    expect(packed()).toBe(1);
  });
});
