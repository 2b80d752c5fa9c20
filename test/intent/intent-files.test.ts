/**
 * Which intent files are read: those found in guardrails/ or named inside the repository must resolve
 * inside it; a file named on the command line outside the repository is the workflow author's and is
 * read as named. Every file is a regular file within LIMITS.intentFile, in UTF-8; every refusal is an
 * error at the file, and nothing of a refused file is kept to be quoted.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/files/index.js';
import { loadIntent } from '../../src/intent/index.js';
import { tempDir } from '../support/temp.js';

const ORG = 'version: 1\norganization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: {} } }\n';
const SECRET = 'version: 1\nsecret: hunter2-canary\n';

let repo: string;
let outside: string;

beforeEach(async () => {
  const root = fs.realpathSync(await tempDir('guardrails-intent-files-'));
  repo = path.join(root, 'repo');
  outside = path.join(root, 'outside');
  fs.mkdirSync(path.join(repo, 'guardrails'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(repo, 'guardrails', 'org.yaml'), ORG);
  fs.writeFileSync(path.join(outside, 'secret.yaml'), SECRET);
});

const where = (d: { code: string; location?: { file: string; line: number; col: number } }) => `${d.code} at ${path.relative(repo, d.location?.file ?? '?')}:${d.location?.line}:${d.location?.col}`;

/** Nothing of the secret may be in a message, nor kept as a source text that a printer could quote. */
function expectNothingOf(result: Awaited<ReturnType<typeof loadIntent>>, secret = 'hunter2-canary') {
  expect(JSON.stringify(result.diagnostics)).not.toContain(secret);
  for (const f of result.sources.files) expect(result.sources.text(f)).not.toContain(secret);
}

describe('intent files found in guardrails/', () => {
  it('refuses a committed guardrails/x.yaml that is a symlink to a file outside the repository', async () => {
    fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(repo, 'guardrails', 'x.yaml'));
    const result = await loadIntent({ cwd: repo });
    expect(result.diagnostics.map(where)).toEqual(['outside-repository at guardrails/x.yaml:1:1']);
    expect(result.diagnostics[0]!.message).toContain(`(it resolves to ${path.join(outside, 'secret.yaml')})`);
    expect(result.read).toEqual([path.join(repo, 'guardrails', 'org.yaml')]);
    expectNothingOf(result);
  });

  it('refuses a committed guardrails/x.yaml that is a symlink to /proc/self/environ', async () => {
    process.env.GUARDRAILS_TEST_CANARY = 'environ-canary-7f3a';
    fs.symlinkSync('/proc/self/environ', path.join(repo, 'guardrails', 'x.yaml'));
    const result = await loadIntent({ cwd: repo });
    delete process.env.GUARDRAILS_TEST_CANARY;
    expect(result.diagnostics.map(where)).toEqual(['outside-repository at guardrails/x.yaml:1:1']);
    expectNothingOf(result, 'environ-canary-7f3a');
  });

  it('does not list a guardrails/ that is a symlink to a directory outside the repository', async () => {
    fs.rmSync(path.join(repo, 'guardrails'), { recursive: true });
    fs.symlinkSync(outside, path.join(repo, 'guardrails'));
    const result = await loadIntent({ cwd: repo });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['outside-repository']);
    expect(result.diagnostics[0]!.message).toBe(`the intent directory ${path.join(repo, 'guardrails')} resolves to ${outside}, outside the repository ${repo}; intent files must be in the repository`);
    expect(result.files).toEqual([]);
    expectNothingOf(result);
  });

  it('reads a symlink that stays inside the repository', async () => {
    fs.mkdirSync(path.join(repo, 'shared'));
    fs.writeFileSync(path.join(repo, 'shared', 'controls.yaml'), 'version: 1\ncontrols:\n  c: { kind: deny-actions, actions: [s3:GetObject], attach: [Root] }\n');
    fs.symlinkSync('../shared/controls.yaml', path.join(repo, 'guardrails', 'controls.yaml'));
    const result = await loadIntent({ cwd: repo });
    expect(result.diagnostics).toEqual([]);
    expect(result.intent!.controls.map((c) => c.id)).toEqual(['c']);
  });
});

describe('intent files named on the command line', () => {
  it('refuses one written inside the repository that leads out of it', async () => {
    fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(repo, 'extra.yaml'));
    const result = await loadIntent({ cwd: repo, files: ['guardrails/org.yaml', 'extra.yaml'] });
    expect(result.diagnostics.map(where)).toEqual(['outside-repository at extra.yaml:1:1']);
    expectNothingOf(result);
  });

  it('reads one written outside the repository as named: the workflow chose it', async () => {
    const shared = path.join(outside, 'org.yaml');
    fs.writeFileSync(shared, ORG);
    const result = await loadIntent({ cwd: repo, files: [shared] });
    expect(result.diagnostics).toEqual([]);
    expect(result.read).toEqual([shared]);
  });

  it('still reads only a regular file: a device outside the repository is refused at once', async () => {
    const result = await loadIntent({ cwd: repo, files: ['/dev/zero'] });
    expect(result.diagnostics.map((d) => `${d.code} at ${d.location?.file}:${d.location?.line}:${d.location?.col}`)).toEqual(['not-a-regular-file at /dev/zero:1:1']);
    expect(result.diagnostics[0]!.message).toBe('intent file /dev/zero is a device; only regular files are read');
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    const fifo = path.join(repo, 'guardrails', 'pipe.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const result = await loadIntent({ cwd: repo });
    expect(result.diagnostics.map(where)).toEqual(['not-a-regular-file at guardrails/pipe.yaml:1:1']);
    expect(result.diagnostics[0]!.message).toContain('is a FIFO; only regular files are read');
  });
});

describe('what an intent file may hold', () => {
  it('is at most LIMITS.intentFile', async () => {
    fs.writeFileSync(path.join(repo, 'guardrails', 'huge.yaml'), `# ${'x'.repeat(LIMITS.intentFile)}\n`);
    const result = await loadIntent({ cwd: repo });
    expect(result.diagnostics.map(where)).toEqual(['file-too-large at guardrails/huge.yaml:1:1']);
    expect(result.diagnostics[0]!.message).toContain('over the 4 MiB read');
  });

  it('is UTF-8: an invalid byte is an error at its line and column, not replaced silently', async () => {
    fs.writeFileSync(path.join(repo, 'guardrails', 'latin1.yaml'), Buffer.concat([Buffer.from('version: 1\ncontrols:\n  caf'), Buffer.from([0xe9]), Buffer.from(': {}\n')]));
    const result = await loadIntent({ cwd: repo });
    expect(result.diagnostics.map(where)).toEqual(['not-utf8 at guardrails/latin1.yaml:3:6']);
    expect(result.diagnostics[0]!.message).toContain('byte 0xe9 at line 3, column 6 is not valid UTF-8');
  });
});
