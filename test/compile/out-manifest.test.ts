/**
 * Reading out/ back: the manifest's shape is checked whole (every field compile, diff, plan and notify
 * read), a bad one is read as none with a warning at its line and column, and only plain file names
 * inside out/ are ever read as policies.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readOutManifest, readOutPolicies, writeOut, type CompileResult, type OutManifest } from '../../src/compile/index.js';
import type { Diagnostic } from '../../src/diagnostics/index.js';
import { compileControls } from '../support/compile.js';
import { tempDir } from '../support/temp.js';

let compiled: CompileResult;
beforeAll(async () => {
  compiled = (await compileControls(`  a: { kind: deny-actions, actions: [iam:CreateUser], attach: [Prod] }\n  b: { kind: deny-actions, actions: [s3:DeleteBucket], attach: [Dev] }\n`)).result;
});

async function outWith(edit?: (m: Record<string, unknown>) => void): Promise<string> {
  const out = path.join(await tempDir(), 'out');
  expect((await writeOut(out, compiled.policies, compiled.manifest!)).ok).toBe(true);
  if (edit) {
    const file = path.join(out, 'manifest.json');
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    edit(m);
    fs.writeFileSync(file, JSON.stringify(m, null, 2));
  }
  return out;
}

type Policies = Record<string, unknown>[];
const policies = (m: Record<string, unknown>) => m.policies as Policies;
const statement = (m: Record<string, unknown>) => (policies(m)[0]!.statements as Record<string, unknown>[])[0]!;

describe('out/manifest.json', () => {
  it('reads back what compile wrote, with no warning', async () => {
    const diagnostics: Diagnostic[] = [];
    expect(await readOutManifest(await outWith(), { diagnostics })).toEqual(JSON.parse(JSON.stringify(compiled.manifest)));
    expect(diagnostics).toEqual([]);
  });

  /** What is done to the manifest, what the warning says, and what is written where it points. */
  const BAD: [string, (m: Record<string, unknown>) => void, string, string][] = [
    ['a null policy', (m) => (policies(m)[0] = null as never), 'policies[0] must be an object', 'null'],
    ['a policy without targets', (m) => delete policies(m)[1]!.targets, 'policies[1].targets is missing', '{'],
    ['a statement source that is a number', (m) => (statement(m).sources = [7]), 'policies[0].statements[0].sources[0] must be an object', '7'],
    ['a policy type of its own', (m) => (policies(m)[0]!.type = 'iam'), 'policies[0].type must be "scp" or "rcp"', '"iam"'],
    ['a snapshot id that is a number', (m) => ((m.reference as Record<string, unknown>).snapshotId = 5), 'reference.snapshotId must be a string', '5'],
    ['another format', (m) => (m.format = 2), 'format must be 1', '2'],
    ['slots that are not counted', (m) => ((m.targets as Record<string, Record<string, unknown>>[])[0]!.scp!.free = 'many'), 'targets[0].scp.free must be a number', '"many"'],
    ['a policy file up the tree', (m) => (policies(m)[0]!.file = '../../outside/secret.json'), 'policies[0].file must be the plain name of a .json file in out/', '"../../outside/secret.json"'],
    ['a policy file by absolute path', (m) => (policies(m)[0]!.file = '/etc/passwd.json'), 'policies[0].file must be the plain name', '"/etc/passwd.json"'],
    ['the manifest as a policy file', (m) => (policies(m)[0]!.file = 'manifest.json'), 'policies[0].file must be the plain name', '"manifest.json"'],
  ];
  it.each(BAD)('%s: read as none, with a warning at the value at fault', async (_, edit, problem, written) => {
    const out = await outWith(edit);
    const diagnostics: Diagnostic[] = [];
    expect(await readOutManifest(out, { diagnostics })).toBeUndefined();
    expect(diagnostics).toHaveLength(1);
    const d = diagnostics[0]!;
    expect(d).toMatchObject({ severity: 'warning', code: 'out-manifest-ignored' });
    expect(d.message).toContain(`is not a manifest this version of guardrails reads: ${problem}`);
    const line = fs.readFileSync(path.join(out, 'manifest.json'), 'utf8').split('\n')[d.location!.line - 1]!;
    expect(line.slice(d.location!.col - 1).startsWith(written), line).toBe(true);
  });

  it('nested deeper than a manifest is, or not JSON: read as none, at the place, never a stack overflow', async () => {
    const out = await outWith();
    const file = path.join(out, 'manifest.json');
    for (const [text, message, line] of [
      [`{"format": 1, "policies": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'nests deeper than a manifest does (16 levels)', 1],
      ['{"format": 1,\n "policies": [,]}', 'is not valid JSON', 2],
    ] as const) {
      fs.writeFileSync(file, text);
      const diagnostics: Diagnostic[] = [];
      expect(await readOutManifest(out, { diagnostics })).toBeUndefined();
      expect(diagnostics).toEqual([expect.objectContaining({ code: 'out-manifest-ignored', message: expect.stringContaining(message), location: expect.objectContaining({ file, line }) })]);
    }
  });
});

describe('policy files of out/', () => {
  it('only plain file names inside out/ are read, whatever a manifest (checked or not) says', async () => {
    const out = await outWith();
    const root = path.dirname(out);
    fs.writeFileSync(path.join(root, 'secret.json'), '"secret"');
    fs.mkdirSync(path.join(out, 'sub'));
    fs.writeFileSync(path.join(out, 'sub', 'p.json'), '"nested"');
    const manifest = (await readOutManifest(out))!;
    const hostile: OutManifest = {
      ...manifest,
      policies: [
        { ...manifest.policies[0]!, name: 'up', file: '../secret.json' },
        { ...manifest.policies[0]!, name: 'absolute', file: path.join(root, 'secret.json') },
        { ...manifest.policies[0]!, name: 'nested', file: 'sub/p.json' },
        { ...manifest.policies[0]!, name: 'hidden', file: '.hidden.json' },
      ],
    };
    expect(await readOutPolicies(out, hostile)).toEqual(new Map());
  });

  it('a policy file that is a symlink, even within the repository, is read as missing, with a warning', async () => {
    const out = await outWith();
    const manifest = (await readOutManifest(out))!;
    const file = path.join(out, manifest.policies[0]!.file);
    fs.renameSync(file, path.join(path.dirname(out), 'elsewhere.json'));
    fs.symlinkSync('../elsewhere.json', file);
    const diagnostics: Diagnostic[] = [];
    const texts = await readOutPolicies(out, manifest, { diagnostics });
    expect([...texts.keys()]).toEqual([manifest.policies[1]!.name]);
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'warning', code: 'out-policy-unreadable', message: expect.stringMatching(/is outside the repository .*; policy \S+ is read as missing from out\/$/) })]);
  });
});
