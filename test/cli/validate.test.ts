import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { diagnosticCodes, EXAMPLE_WARNINGS, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let cache: string;
beforeAll(async () => {
  cache = path.join(await tempDir(), 'cache');
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
});

describe('guardrails validate', () => {
  it('accepts the example organization (default files guardrails/*.yaml) and exits 0', async () => {
    const r = await runCli(['validate', '--cache', cache]);
    // The example's only warnings are deliberate (see EXAMPLE_WARNINGS).
    expect(diagnosticCodes(r.stderr)).toEqual(EXAMPLE_WARNINGS);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^valid: 5 intent files, 7 controls, 12 tests: 0 errors, \d+ warnings/);
  });

  it('reports every error at once, in file order, as file:line:col with the line, a caret and a hint; exit 2', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'version: 1\norganization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: { Dev: {} } } }\n');
    fs.writeFileSync(
      path.join(dir, 'b.yaml'),
      'version: 1\ncontrols:\n  c:\n    kind: deny-actions\n    actions: [s3:GetObjekt]\n    attach: [Devv]\n',
    );
    const r = await runCli(['validate', '--cache', cache, 'a.yaml', 'b.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      [
        'b.yaml:5:15: error unknown-action: control c: actions: "s3:GetObjekt" matches nothing: there is no action GetObjekt in service s3',
        '   5 |     actions: [s3:GetObjekt]',
        '     |               ^',
        "  hint: did you mean 's3:GetObject', 's3:PutObject'?",
        'b.yaml:6:14: error unknown-target: control c: attach: "Devv" is not an OU, account or root of organization.tree',
        '   6 |     attach: [Devv]',
        '     |              ^',
        "  hint: did you mean 'Dev'?",
        'invalid: 2 intent files, 1 controls, 0 tests: 2 errors, 0 warnings',
        '',
      ].join('\n'),
    );
  });

  it('reports a YAML syntax error the same way', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'version: 1\ncontrols:\n  c: {kind: deny-actions\n');
    const r = await runCli(['validate', '--cache', cache, 'a.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^a\.yaml:\d+:\d+: error yaml-syntax: /);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('says that actions were not checked when there is no cache, and fails', async () => {
    const r = await runCli(['validate', '--cache', path.join(await tempDir(), 'none')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error no-reference: actions and services were not checked');
    expect(r.stderr).toContain('hint: run guardrails sync');
  });

  it('says what is wrong, without a stack trace, when --cache names a file', async () => {
    const file = path.join(await tempDir(), 'somefile');
    fs.writeFileSync(file, '');
    const r = await runCli(['validate', '--cache', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error cache-unreadable: the service-reference cache cannot be used: cannot read ${path.join(file, 'manifest.json')}: ${file} is not a directory`);
  });

  it('fails on an intent file that is only comments', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'empty.yaml'), '# to do\n');
    const r = await runCli(['validate', '--cache', cache, 'empty.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('empty.yaml:1:1: warning empty-file: this intent file is empty\n');
    expect(r.stderr).toContain('empty.yaml:1:1: error missing-organization: no intent file defines "organization"\n');
    expect(r.stderr).toMatch(/invalid: 1 intent file, 0 controls, 0 tests: 1 error, 1 warning\n$/);
  });

  it('locates a missing intent file and leaves it out of the count', async () => {
    const dir = await tempDir();
    const r = await runCli(['validate', '--cache', cache, 'nope.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`nope.yaml:1:1: error file-not-found: intent file ${path.join(dir, 'nope.yaml')} does not exist\ninvalid: 0 intent files, 0 controls, 0 tests: 1 error, 0 warnings\n`);
  });

  it('prints JSON diagnostics with --json', async () => {
    const r = await runCli(['validate', '--cache', cache, '--json', path.join(PROJECT_ROOT, 'test/fixtures/malformed-intents/20-unknown-action.yaml')]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.diagnostics[0]).toMatchObject({ severity: 'error', code: 'unknown-action', location: { line: 16, col: 15 } });
  });

  it('rejects an unknown command with usage and exit 2', async () => {
    const r = await runCli(['validat']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'validat'");
  });
});

describe('guardrails validate catches what compile would reject', () => {
  it('reports an invalid imported policy file at its line and column', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'legacy.json'), '{\n  "Version": "2012-10-17",\n  "Statement": [{ "Effect": "Deny", "Action": "s3:*" }]\n}\n');
    fs.writeFileSync(
      path.join(dir, 'a.yaml'),
      'version: 1\norganization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: { Dev: {} } } }\ncontrols:\n  legacy: { kind: import, type: scp, file: legacy.json, attach: [Dev] }\n',
    );
    const r = await runCli(['validate', '--cache', cache, 'a.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^legacy\.json:3:17: error missing-resource: control legacy \(imported legacy\.json\): statement 1: a statement needs "Resource" or "NotResource"/);
  });

  it('reports an unknown condition key once, where it is written, though validate and compile both check it', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'legacy.json'), '{\n  "Version": "2012-10-17",\n  "Statement": [{ "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*",\n    "Condition": { "BoolIfExists": { "aws:SecureTransprt": "false" } } }]\n}\n');
    fs.writeFileSync(
      path.join(dir, 'a.yaml'),
      'version: 1\norganization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: { Dev: {} } } }\ncontrols:\n  legacy: { kind: import, type: scp, file: legacy.json, attach: [Dev] }\n  tls: { kind: deny-actions, actions: [s3:PutObject], conditions: { BoolIfExists: { "aws:SecureTransprt": "false" } }, attach: [Dev] }\n',
    );
    const r = await runCli(['validate', '--cache', cache, 'a.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    const found = [...r.stderr.matchAll(/^(\S+:\d+:\d+): error unknown-condition-key: (.*)$/gm)].map((m) => m[1]);
    expect(found).toEqual(['a.yaml:5:85', 'legacy.json:4:38']);
    expect(r.stderr).toContain("hint: did you mean 'aws:SecureTransport'?");
    expect(r.stderr).toContain('(deny-all)');
  });
});
