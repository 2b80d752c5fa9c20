/**
 * out/ as a pull request can commit it, through the real CLI under strace (the corpus cases in
 * test/fixtures/hostile/out-dir/ cover what needs no code): what must stay untouched outside the
 * repository, what is carried into a new out/ and what is not, a manifest naming files outside out/,
 * the state a kill between the two renames of the swap leaves, and directories compile may not write.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_STRACE, hostileCache, makeSandbox, runHostile, type HostileRun } from '../support/hostile.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { treeHash } from '../support/tree-hash.js';

const BASE = path.join(import.meta.dirname, '..', 'fixtures', 'hostile', '_base', 'minimal', 'guardrails', 'org.yaml');
const FILES = {
  'guardrails/org.yaml': fs.readFileSync(BASE, 'utf8'),
  'guardrails/deny.yaml': 'version: 1\ncontrols:\n  no-iam-users:\n    kind: deny-actions\n    actions: [iam:CreateUser]\n    attach: [Workloads]\n',
};
/** The minimal organization as deployed: FullAWSAccess everywhere, nothing of guardrails yet. */
const SNAPSHOT = JSON.stringify({
  format: 1,
  source: 'test',
  readAt: '2026-12-01T00:00:00.000Z',
  organization: { id: 'o-abcdefghij', managementAccount: '111111111111' },
  root: { id: 'r-ab12', name: 'Root', accounts: [{ id: '111111111111', name: 'management' }], ous: [{ id: 'ou-ab12-work0001', name: 'Workloads', accounts: [{ id: '222222222222', name: 'workload' }], ous: [] }] },
  policies: [
    { id: 'p-FullAWSAccess', name: 'FullAWSAccess', type: 'scp', description: '', awsManaged: true, tags: {}, content: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', targets: ['111111111111', '222222222222', 'ou-ab12-work0001', 'r-ab12'] },
  ],
});
const COMPILE = ['compile', '--cache', '{cache}'];
const summary = (r: HostileRun) => `exit ${r.code}${r.timedOut ? ' TIMED OUT' : ''} in ${r.ms} ms\n--- stderr ---\n${r.stderr.slice(0, 3000)}`;

function expectClean(r: HostileRun) {
  expect(r.timedOut, summary(r)).toBe(false);
  expect(r.leaks, summary(r)).toEqual([]);
  expect(r.outsideAccess, summary(r)).toEqual([]);
}

describe.runIf(HAVE_STRACE)('out/ committed by a pull request', () => {
  it('a symlink out of the repository is refused: nothing written, the link and what it leads to untouched', async () => {
    const box = await makeSandbox({ files: FILES });
    fs.symlinkSync(path.join(box.outside, '.ssh'), path.join(box.repo, 'out'));
    const before = await treeHash(box.outside);
    const r = await runHostile({ args: COMPILE }, box);
    expectClean(r);
    expect(r.code, summary(r)).toBe(2);
    expect(r.stderr).toContain(`error out-outside-repository: the output directory ${path.join(box.repo, 'out')} resolves to ${path.join(box.outside, '.ssh')}, outside the repository`);
    expect(fs.readlinkSync(path.join(box.repo, 'out'))).toBe(path.join(box.outside, '.ssh'));
    expect(await treeHash(box.outside)).toBe(before);
    expect(fs.readdirSync(box.repo).sort()).toEqual(['guardrails', 'out']);
  });

  it('carries files, directories and links that stay inside out/; drops links out of it', async () => {
    const box = await makeSandbox({ files: { ...FILES, 'out/README.md': 'kept\n', 'out/docs/guide.md': 'guide\n' } });
    fs.symlinkSync('README.md', path.join(box.repo, 'out', 'LATEST.md'));
    fs.symlinkSync('../README.md', path.join(box.repo, 'out', 'docs', 'up.md'));
    fs.symlinkSync('../guardrails/org.yaml', path.join(box.repo, 'out', 'org.yaml'));
    const r = await runHostile({ args: COMPILE }, box);
    expectClean(r);
    expect(r.code, summary(r)).toBe(0);
    const out = path.join(box.repo, 'out');
    expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toBe('kept\n');
    expect(fs.readFileSync(path.join(out, 'docs', 'guide.md'), 'utf8')).toBe('guide\n');
    expect(fs.readlinkSync(path.join(out, 'LATEST.md'))).toBe('README.md');
    expect(fs.readlinkSync(path.join(out, 'docs', 'up.md'))).toBe('../README.md');
    // Inside the repository but outside out/: dropped too, with the warning that says so.
    expect(fs.existsSync(path.join(out, 'org.yaml'))).toBe(false);
    expect(r.stderr).toContain('warning out-entry-dropped: out/org.yaml is a symlink to ../guardrails/org.yaml, outside out/');
  });

  it('refuses to carry more than the bound of files it does not own, and leaves out/ as it was', async () => {
    const box = await makeSandbox({ files: FILES });
    expect((await runHostile({ args: COMPILE }, box)).code).toBe(0);
    // Sparse: 65 MiB by its size, nothing on the disk.
    const huge = path.join(box.repo, 'out', 'huge.bin');
    fs.writeFileSync(huge, '');
    fs.truncateSync(huge, 65 * 1024 * 1024);
    const before = await treeHash(path.join(box.repo, 'out'));
    const r = await runHostile({ args: COMPILE }, box);
    expectClean(r);
    expect(r.code, summary(r)).toBe(2);
    expect(r.stderr).toContain(`error out-too-large: ${path.join(box.repo, 'out')} holds more than 64 MiB of files that compile does not own`);
    expect(r.stderr).toContain('compile failed: 1 error');
    expect(await treeHash(path.join(box.repo, 'out'))).toBe(before);
  });

  it('a manifest naming a file outside out/ is read as none; the file is never opened', async () => {
    const box = await makeSandbox({ files: { ...FILES, 'snapshot.json': SNAPSHOT } });
    expect((await runHostile({ args: COMPILE }, box)).code).toBe(0);
    const file = path.join(box.repo, 'out', 'manifest.json');
    const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { policies: { file: string }[] };
    for (const target of ['../../outside/secret.json', path.join(box.outside, 'secret.json')]) {
      manifest.policies[0]!.file = target;
      fs.writeFileSync(file, JSON.stringify(manifest, null, 2));
      const r = await runHostile({ args: ['diff', '--org', 'snapshot.json', '--cache', '{cache}'] }, box);
      expectClean(r);
      expect(r.code, summary(r)).toBe(2);
      expect(r.stderr).toMatch(/out\/manifest\.json:\d+:\d+: warning out-manifest-ignored: .* policies\[0\]\.file must be the plain name of a \.json file in out\//);
      expect(r.stderr).toContain('error no-out');
    }
  });

  it('after a kill between the two renames of the swap (no out/, the old one beside it), the next diff, notify and compile find out/ whole', async () => {
    const box = await makeSandbox({ files: { ...FILES, 'snapshot.json': SNAPSHOT } });
    expect((await runHostile({ args: COMPILE }, box)).code).toBe(0);
    const out = path.join(box.repo, 'out');
    const before = await treeHash(out);
    fs.cpSync(out, path.join(box.repo, '.out.staging-4242-abcdef'), { recursive: true });
    fs.renameSync(out, path.join(box.repo, '.out.old-4242-abcdef'));
    const diff = await runHostile({ args: ['diff', '--org', 'snapshot.json', '--cache', '{cache}'] }, box);
    expectClean(diff);
    expect(diff.code, summary(diff)).toBe(0);
    expect(diff.stdout).toContain('create    SCP guardrails-scp-no-iam-users');
    expect(await treeHash(out)).toBe(before);
    expect(fs.readdirSync(box.repo).sort()).toEqual(['guardrails', 'out', 'snapshot.json']);

    fs.renameSync(out, path.join(box.repo, '.out.old-4243-abcdef'));
    const notify = await runHostile({ args: ['notify', '--cache', '{cache}'] }, box);
    expectClean(notify);
    expect(notify.code, summary(notify)).toBe(0);
    expect(notify.stdout + notify.stderr).toContain('nothing new for these guardrails: out/ was compiled against snapshot');
    expect(await treeHash(out)).toBe(before);

    fs.renameSync(out, path.join(box.repo, '.out.old-4244-abcdef'));
    const compile = await runHostile({ args: COMPILE }, box);
    expectClean(compile);
    expect(compile.code, summary(compile)).toBe(0);
    expect(await treeHash(out)).toBe(before);
    expect(fs.readdirSync(box.repo).sort()).toEqual(['guardrails', 'out', 'snapshot.json']);
  });
});

/**
 * Permission errors need a user the permissions apply to: as root (CI containers), the CLI runs as
 * nobody; otherwise as the user running the tests.
 */
describe('out/ compile may not write', () => {
  const NOBODY = 65534;
  async function runCompile(repo: string): Promise<{ code: number | null; stderr: string }> {
    const cache = await hostileCache();
    const asRoot = process.getuid?.() === 0;
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'guardrails.js'), 'compile', '--cache', cache], {
      cwd: repo,
      env: { PATH: process.env.PATH, HOME: repo, CI: 'true' },
      encoding: 'utf8',
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    return { code: r.status, stderr: r.stderr };
  }
  async function sandbox(): Promise<{ repo: string; out: string }> {
    const box = await makeSandbox({ files: FILES });
    // Readable (and the repository writable) by whoever runs the CLI; what is inside them already is.
    for (const dir of [box.root, box.repo, await hostileCache()]) fs.chmodSync(dir, 0o755);
    if (process.getuid?.() === 0) fs.chownSync(box.repo, NOBODY, NOBODY);
    const first = await runCompile(box.repo);
    expect(first.code, first.stderr).toBe(0);
    return { repo: box.repo, out: path.join(box.repo, 'out') };
  }

  it.each([
    ['the repository (the parent of out/)', (repo: string) => repo, /error out-not-written: cannot write \S+\/out: its parent \S+ is not writable: permission denied \(EACCES\)/],
    ['out/ itself', (repo: string) => path.join(repo, 'out'), /error out-not-written: cannot write \S+\/out: it is not writable: permission denied \(EACCES\)/],
  ])('%s not writable: exit 2, an error naming it, the previous out/ as it was', async (_, locked, message) => {
    const { repo, out } = await sandbox();
    const before = await treeHash(out);
    fs.chmodSync(locked(repo), 0o555);
    try {
      const r = await runCompile(repo);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('hint: nothing was changed: the previous out/ is as it was');
      expect(r.stderr).not.toContain('internal');
      expect(await treeHash(out)).toBe(before);
    } finally {
      fs.chmodSync(locked(repo), 0o755);
    }
  });
});
