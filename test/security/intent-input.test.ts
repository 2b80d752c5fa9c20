/**
 * Hostile intent input too large to write as a corpus case: generated here, run through the real CLI
 * under strace like the corpus (test/support/hostile.ts). Each must end with exit 2 and a located
 * error that says what to fix, within its time, reading nothing outside the repository and printing
 * no canary.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyCacheInto, HAVE_STRACE, makeSandbox, runHostile, type HostileCase, type HostileRun } from '../support/hostile.js';
import { PROJECT_ROOT } from '../support/paths.js';

const ORG = fs.readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'hostile', '_base', 'minimal', 'guardrails', 'org.yaml'), 'utf8');
const MiB = 1024 * 1024;

function control(id: string, body: string): string {
  return `version: 1\ncontrols:\n  ${id}:\n${body.replace(/^/gm, '    ')}\n`;
}

async function run(c: HostileCase): Promise<HostileRun> {
  return runHostile({ ...c, files: { 'guardrails/org.yaml': ORG, ...c.files } });
}

function expectRefused(r: HostileRun, ...stderr: (string | RegExp)[]): void {
  const summary = `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''} in ${r.ms} ms\n--- stderr ---\n${r.stderr.slice(0, 3000)}`;
  expect(r.timedOut, summary).toBe(false);
  expect(r.leaks, summary).toEqual([]);
  expect(r.outsideAccess, summary).toEqual([]);
  expect(r.code, summary).toBe(2);
  for (const s of stderr) expect(r.stderr, summary).toMatch(s);
  expect(r.stderr, summary).not.toMatch(/call stack|internal error|Invalid string length|\n\s+at /);
}

describe.runIf(HAVE_STRACE)('hostile intent input, generated', () => {
  it.concurrent('100,000 nested [ in an intent file: an error at the bracket past the limit, not a stack overflow', async () => {
    const r = await run({ args: ['validate', '--cache', '{cache}'], files: { 'guardrails/deep.yaml': '['.repeat(100_000) } });
    expectRefused(r, 'guardrails/deep.yaml:1:66: error yaml-too-deep: collections nest more than 64 levels deep here');
  });

  it.concurrent('an intent file over the size limit', async () => {
    const r = await run({ args: ['validate', '--cache', '{cache}'], files: { 'guardrails/huge.yaml': `version: 1\n# ${'x'.repeat(5 * MiB)}\n` } });
    expectRefused(r, /guardrails\/huge\.yaml:1:1: error file-too-large: intent file .*huge\.yaml is 5\.0 MiB, over the 4 MiB read/);
  });

  it.concurrent('an intent file of a million tokens', async () => {
    const r = await run({ args: ['validate', '--cache', '{cache}'], files: { 'guardrails/flat.yaml': `version: 1\nx: [${'a,'.repeat(1_000_000)}]\n` } });
    expectRefused(r, 'guardrails/flat.yaml:2:249999: error yaml-too-large: the file holds more than 250,000 YAML tokens');
  });

  it.concurrent('a 5 MB policy file imported', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*', Sid: 'x'.repeat(5 * MiB) }] });
    const r = await run({
      args: ['validate', '--cache', '{cache}'],
      files: { 'guardrails/big.yaml': control('big', 'kind: import\ntype: scp\nfile: ../policies/big.json\nattach: [Root]'), 'policies/big.json': policy },
    });
    expectRefused(r, /guardrails\/big\.yaml:6:11: error file-too-large: control big: import file: file .*big\.json is 5\.0 MiB, over the 1 MiB read/);
  });

  it.concurrent('100,000 nested [ in an imported policy: an error in the imported file', async () => {
    const r = await run({
      args: ['validate', '--cache', '{cache}'],
      files: { 'guardrails/deep.yaml': control('deep', 'kind: import\ntype: scp\nfile: ../policies/deep.json\nattach: [Root]'), 'policies/deep.json': '['.repeat(100_000) },
    });
    expectRefused(r, 'policies/deep.json:1:65: error json-too-deep: control deep: arrays and objects nest more than 64 levels deep here');
  });

  it.concurrent('a template whose blocks within blocks would render gigabytes', async () => {
    const accounts = Array.from({ length: 500 }, (_, i) => `"${String(i).padStart(12, '0')}"`).join(', ');
    const r = await run({
      args: ['validate', '--cache', '{cache}'],
      files: {
        'guardrails/cube.yaml': control('cube', `kind: custom\ntype: scp\ntemplate: ../templates/cube.hbs\nparameters: { accounts: [${accounts}] }\nattach: [Root]`),
        'templates/cube.hbs': '[{{#each parameters.accounts}}\n{{#each @root.parameters.accounts}}{{#each @root.parameters.accounts}}"{{this}}{{this}}{{this}}",{{/each}}{{/each}}{{/each}}]',
      },
    });
    expectRefused(r, /templates\/cube\.hbs:2:36: error template-too-large: control cube: template \.\.\/templates\/cube\.hbs: rendering this template produces more than 8 MiB/);
  });

  it.concurrent('a template that logs the environment it can see', async () => {
    const r = await run({
      args: ['validate', '--cache', '{cache}'],
      files: {
        'guardrails/log.yaml': control('log', 'kind: custom\ntype: scp\ntemplate: ../templates/log.hbs\nattach: [Root]'),
        'templates/log.hbs': '[\n  {{log "organization" organization level="error"}}]',
      },
    });
    expectRefused(r, 'templates/log.hbs:2:3: error template-error: control log: template ../templates/log.hbs: {{log}} is not available');
    expect(r.stdout).toBe('');
  });
});

/**
 * Permission errors are located errors about the file, not internal errors. Root reads anything, so
 * as root the command runs as nobody.
 */
describe.runIf(process.platform === 'linux')('files that cannot be read', () => {
  it('an intent file, an imported policy and a template without read permission', async () => {
    const box = await makeSandbox({
      files: {
        'guardrails/org.yaml': ORG,
        'guardrails/locked.yaml': 'version: 1\n',
        'guardrails/imports.yaml': `${control('imp', 'kind: import\ntype: scp\nfile: ../policies/p.json\nattach: [Root]')}  tpl:\n    kind: custom\n    type: scp\n    template: ../templates/t.hbs\n    attach: [Root]\n`,
        'policies/p.json': '{"Version":"2012-10-17","Statement":[]}',
        'templates/t.hbs': '[]',
      },
    });
    await copyCacheInto(box.repo);
    spawnSync('chmod', ['-R', 'a+rX', box.root]);
    for (const f of ['guardrails/locked.yaml', 'policies/p.json', 'templates/t.hbs']) fs.chmodSync(path.join(box.repo, f), 0o000);
    const asRoot = process.getuid?.() === 0;
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'guardrails.js'), 'validate', '--cache', 'service-reference-cache'], {
      cwd: box.repo,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
      timeout: 60_000,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`guardrails/locked.yaml:1:1: error unreadable-file: cannot read intent file ${path.join(box.repo, 'guardrails/locked.yaml')}: permission denied`);
    // The locked file stops the intent from compiling; once it is readable the imports are read.
    fs.chmodSync(path.join(box.repo, 'guardrails/locked.yaml'), 0o644);
    const again = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'guardrails.js'), 'validate', '--cache', 'service-reference-cache'], {
      cwd: box.repo,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
      timeout: 60_000,
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(again.status, again.stderr).toBe(2);
    expect(again.stderr).toContain('guardrails/imports.yaml:6:11: error unreadable-file: control imp: import file: cannot read file');
    expect(again.stderr).toContain('guardrails/imports.yaml:11:15: error unreadable-file: control tpl: template: cannot read file');
    expect(again.stderr).not.toMatch(/internal/);
  });
});
