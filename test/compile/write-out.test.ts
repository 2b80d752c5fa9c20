/**
 * Writing out/ as a swap that a kill cannot break: stopped for good after any step (as SIGKILL would
 * stop it: nothing after that step runs, no cleanup either), the next command that reads or writes
 * out/ finds it complete, old or new, and no leftovers beside it. And failures on the way (no space,
 * no permission) leave the previous out/ as it was, with an error naming it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readOutManifest, readOutPolicies, writeOut, type CompileResult, type OutManifest, type OutStep } from '../../src/compile/index.js';
import { compileControls } from '../support/compile.js';
import { tempDir } from '../support/temp.js';
import { treeHash } from '../support/tree-hash.js';

let v1: CompileResult;
let v2: CompileResult;
beforeAll(async () => {
  v1 = (await compileControls(`  a: { kind: deny-actions, actions: [iam:CreateUser], attach: [Prod] }\n  b: { kind: deny-actions, actions: [s3:DeleteBucket], attach: [Dev] }\n`)).result;
  v2 = (await compileControls(`  a: { kind: deny-actions, actions: [iam:CreateUser, iam:CreateAccessKey], attach: [Prod] }\n  c: { kind: deny-actions, actions: [ec2:RunInstances], attach: [Public] }\n`)).result;
});

const write = (out: string, v: CompileResult, afterStep?: (s: OutStep, detail: string) => Promise<void> | void) => writeOut(out, v.policies, v.manifest!, afterStep ? { afterStep } : {});

/** A repository whose out/ holds v1 and files compile does not own. */
async function repoWithOut(): Promise<{ repo: string; out: string }> {
  const repo = await tempDir();
  const out = path.join(repo, 'out');
  expect((await write(out, v1)).ok).toBe(true);
  fs.writeFileSync(path.join(out, 'README.md'), 'ours\n');
  fs.mkdirSync(path.join(out, 'docs'));
  fs.writeFileSync(path.join(out, 'docs', 'guide.md'), 'guide\n');
  return { repo, out };
}

/** The steps of one swap over an existing out/, in order. */
async function stepsOfASwap(): Promise<string[]> {
  const { out } = await repoWithOut();
  const steps: string[] = [];
  await write(out, v2, (s, detail) => void steps.push(`${s} ${path.basename(detail)}`));
  return steps;
}

/** Starts a swap to v2 and stops it for good after step `k`; resolves once it is there. */
async function killedAfter(out: string, k: number): Promise<string> {
  let at = 0;
  return new Promise<string>((reached) => {
    void write(out, v2, (s, detail) => {
      if (at++ !== k) return;
      reached(`${s} ${path.basename(detail)}`);
      return new Promise<void>(() => undefined);
    });
  });
}

/** out/ holds exactly one version, whole: its manifest, every policy it lists, and the files compile does not own. */
async function expectComplete(out: string): Promise<'v1' | 'v2'> {
  const manifest = await readOutManifest(out);
  expect(manifest).toBeDefined();
  const version = JSON.stringify(manifest) === JSON.stringify(v1.manifest) ? 'v1' : 'v2';
  const v = version === 'v1' ? v1 : v2;
  expect(manifest).toEqual(JSON.parse(JSON.stringify(v.manifest)) as OutManifest);
  const texts = await readOutPolicies(out, manifest!);
  expect(Object.fromEntries(texts)).toEqual(Object.fromEntries(v.policies.map((p) => [p.name, p.fileText])));
  expect(fs.readdirSync(out).sort()).toEqual([...v.policies.map((p) => p.file), 'README.md', 'docs', 'manifest.json'].sort());
  expect(fs.readFileSync(path.join(out, 'docs', 'guide.md'), 'utf8')).toBe('guide\n');
  return version;
}

describe('a compile killed at any step', () => {
  it('has the steps the swap is made of', async () => {
    const steps = await stepsOfASwap();
    expect(steps[0]).toMatch(/^staging-created \.out\.staging-\d+-[0-9a-f]{6}$/);
    expect(steps.slice(-4).map((s) => s.split(' ')[0])).toEqual(['manifest-written', 'old-moved-aside', 'new-in-place', 'old-removed']);
    expect(steps.filter((s) => s.startsWith('policy-written'))).toHaveLength(v2.policies.length);
    expect(steps.filter((s) => s.startsWith('carried'))).toHaveLength(3);
  });

  it('leaves out/ complete, old or new, for the next reader (diff, plan, notify) and the next compile, which clean up', async () => {
    const steps = await stepsOfASwap();
    const seen: string[] = [];
    for (let k = 0; k < steps.length; k++) {
      for (const next of ['reader', 'compile'] as const) {
        const { repo, out } = await repoWithOut();
        const step = await killedAfter(out, k);
        if (next === 'reader') {
          const version = await expectComplete(out);
          seen.push(`${step}: ${version}`);
        } else {
          expect((await write(out, v2)).ok, step).toBe(true);
          expect(await expectComplete(out), step).toBe('v2');
        }
        expect(fs.readdirSync(repo), `${step}, then the ${next}`).toEqual(['out']);
      }
    }
    // Before the old out/ is moved aside the reader sees it; once the new one is in place, the new one.
    expect(seen.at(-4)).toMatch(/^manifest-written .*: v1$/);
    expect(seen.at(-3)).toMatch(/^old-moved-aside .*: v1$/);
    expect(seen.at(-2)).toMatch(/^new-in-place .*: v2$/);
  });

  it('cleans an old out/ that was half removed when the kill came', async () => {
    const { repo, out } = await repoWithOut();
    await killedAfter(out, (await stepsOfASwap()).indexOf((await stepsOfASwap()).find((s) => s.startsWith('new-in-place'))!));
    const old = fs.readdirSync(repo).find((n) => n.startsWith('.out.old-'))!;
    fs.rmSync(path.join(repo, old, 'docs'), { recursive: true });
    fs.rmSync(path.join(repo, old, 'manifest.json'));
    expect(await expectComplete(out)).toBe('v2');
    expect(fs.readdirSync(repo)).toEqual(['out']);
  });

  it('touches no leftover that is not its own kind: a symlink named like one is the pull request’s', async () => {
    const { repo, out } = await repoWithOut();
    const outside = await tempDir();
    fs.writeFileSync(path.join(outside, 'keep'), 'x');
    fs.symlinkSync(outside, path.join(repo, '.out.old-1-abcdef'));
    fs.rmSync(out, { recursive: true });
    expect(await readOutManifest(out)).toBeUndefined();
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readlinkSync(path.join(repo, '.out.old-1-abcdef'))).toBe(outside);
    expect(fs.readdirSync(outside)).toEqual(['keep']);
  });
});

describe('a compile that cannot write out/', () => {
  it.each(['policy-written', 'carried', 'manifest-written'] as const)('no space left while writing (%s): an error naming out/, the previous out/ byte for byte, no staging left', async (failAt) => {
    const { repo, out } = await repoWithOut();
    const before = await treeHash(out);
    const r = await write(out, v2, (s) => {
      if (s === failAt) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    expect(r.ok).toBe(false);
    expect(r.diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'out-not-written', message: expect.stringMatching(new RegExp(`^cannot (write ${out}|carry out/\\S+ into the new out/): .*no space left on the device \\(ENOSPC\\)$`)) })]);
    expect(await treeHash(out)).toBe(before);
    expect(fs.readdirSync(repo)).toEqual(['out']);
  });
});
