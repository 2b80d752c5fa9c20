/**
 * `guardrails init`: a scaffold that validates, compiles and simulates where it is written, with no
 * network and nothing but what init wrote; never a file overwritten, and nothing written when any file
 * is in the way; the organization of an org snapshot reproduced; the schema named for editors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIntent } from '../../src/intent/index.js';
import { readStateFile, treeOfState } from '../../src/org/index.js';
import type { OrgTree } from '../../src/model/org-tree.js';
import { runCli } from '../support/cli.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

const EXAMPLE_SNAPSHOT = path.join(PROJECT_ROOT, 'guardrails', 'org-snapshot.json');

/** Every file under `dir`, relative, sorted; with the service reference's objects counted, not listed. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isDirectory()) {
        if (rel === path.join('service-reference-cache', 'objects')) out.push(`${rel}/ (${fs.readdirSync(p, { recursive: true }).filter((f) => String(f).endsWith('.gz')).length} objects)`);
        else walk(p);
      } else out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

function treeShape(tree: OrgTree): string[] {
  return tree.nodes.map((n) => `${n.kind} ${n.path} ${n.id ?? ''}`).sort();
}

describe('guardrails init', () => {
  it('scaffolds an empty directory where validate, compile and simulate then pass, offline', { timeout: 60_000 }, async () => {
    const dir = path.join(await tempDir(), 'my-guardrails');
    const r = await runCli(['init', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(listing(dir)).toEqual([
      '.github/workflows/guardrails-notify.yml',
      '.github/workflows/guardrails.yml',
      '.vscode/settings.json',
      'guardrails/controls.yaml',
      'guardrails/organization.yaml',
      'service-reference-cache/README.md',
      'service-reference-cache/manifest.json',
      'service-reference-cache/objects/ (467 objects)',
      'service-reference-cache/snapshots/bcc65be016e9c1d7.json',
    ]);
    // The next three commands, in the directory.
    expect(r.stdout).toMatch(new RegExp(`\\nnext:\\n  cd ${path.relative(PROJECT_ROOT, dir)}\\n  npx guardrails compile\\n  npx guardrails simulate\\n  npx guardrails diff --live`));
    for (const file of ['guardrails/organization.yaml', 'guardrails/controls.yaml']) {
      expect(fs.readFileSync(path.join(dir, file), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=https://guardrails.dev/schema/intent-v1.json');
    }

    // Nothing but the directory: its own cache (the default), no network.
    const env = { CI: 'true', HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9' };
    const validate = await runCli(['validate'], { cwd: dir, env });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toBe('valid: 2 intent files, 3 controls, 5 tests: 0 errors, 0 warnings\n');
    const compile = await runCli(['compile'], { cwd: dir, env });
    expect(compile.code, compile.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'out', 'manifest.json'), 'utf8')).policies.map((p: { name: string }) => p.name).sort()).toEqual([
      'guardrails-rcp-only-org-principals',
      'guardrails-scp-allowed-regions',
      'guardrails-scp-protect-security-services',
    ]);
    const simulate = await runCli(['simulate'], { cwd: dir, env });
    expect(simulate.code, simulate.stdout + simulate.stderr).toBe(0);
    expect(simulate.stdout).toMatch(/^(\d+) of \1 scenarios pass \(5 from the intent's tests/m);
  });

  it('refuses when any file it would write exists, naming it, and writes nothing', async () => {
    const dir = await tempDir();
    fs.mkdirSync(path.join(dir, 'guardrails'));
    fs.writeFileSync(path.join(dir, 'guardrails', 'controls.yaml'), 'mine\n');
    fs.mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.github', 'workflows', 'guardrails.yml'), 'mine too\n');
    const before = listing(dir);
    const r = await runCli(['init'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error init-exists: guardrails/controls.yaml exists');
    expect(r.stderr).toContain('error init-exists: .github/workflows/guardrails.yml exists');
    expect(r.stderr).toMatch(/nothing was written/);
    expect(r.stdout).toBe('');
    expect(listing(dir)).toEqual(before);
    expect(fs.readFileSync(path.join(dir, 'guardrails', 'controls.yaml'), 'utf8')).toBe('mine\n');
  });

  it('takes back every file it placed when a later one cannot be written', async () => {
    const dir = await tempDir();
    // .github is a file: the workflows, placed last, cannot be written.
    fs.writeFileSync(path.join(dir, '.github'), 'not a directory\n');
    fs.mkdirSync(path.join(dir, '.vscode'));
    const settings = '{ "editor.tabSize": 2 }\n';
    fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), settings);
    const r = await runCli(['init'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error init-not-written: cannot write the scaffold in .*: writing .*\.github\/workflows\/guardrails\.yml/);
    expect(listing(dir)).toEqual(['.github', '.vscode/settings.json']);
    expect(fs.readFileSync(path.join(dir, '.vscode', 'settings.json'), 'utf8')).toBe(settings);
  });

  it('takes the organization from an org snapshot: its tree and its ids', async () => {
    const dir = await tempDir();
    const r = await runCli(['init', '--org', EXAMPLE_SNAPSHOT], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/guardrails\/organization\.yaml +organization o-exmpl12345, its tree from guardrails\/org-snapshot\.json \(7 OUs, 10 accounts\)/);
    expect(r.stdout).toMatch(/\n {2}npx guardrails diff --org guardrails\/org-snapshot\.json\n$/);
    expect(fs.readFileSync(path.join(dir, 'guardrails', 'org-snapshot.json'), 'utf8')).toBe(fs.readFileSync(EXAMPLE_SNAPSHOT, 'utf8'));
    expect(fs.readFileSync(path.join(dir, 'guardrails', 'organization.yaml'), 'utf8')).toMatch(/\n {2}id: "o-exmpl12345"\n {2}managementAccount: "111111111111"\n {2}treeFrom: org-snapshot\.json /);

    const loaded = await loadIntent({ cwd: dir });
    expect(loaded.diagnostics).toEqual([]);
    const snapshot = (await readStateFile(EXAMPLE_SNAPSHOT)).state!;
    expect(treeShape(loaded.intent!.tree!)).toEqual(treeShape(treeOfState(snapshot)));
    // The same tree the example organization writes out by hand.
    const example = await loadIntent({ cwd: PROJECT_ROOT, files: ['guardrails/organization.yaml'] });
    expect(treeShape(loaded.intent!.tree!)).toEqual(treeShape(example.intent!.tree!));

  });

  it('uses the snapshot it is given in place when it is guardrails/org-snapshot.json already', async () => {
    const dir = await tempDir();
    fs.mkdirSync(path.join(dir, 'guardrails'));
    fs.copyFileSync(EXAMPLE_SNAPSHOT, path.join(dir, 'guardrails', 'org-snapshot.json'));
    const r = await runCli(['init', '--org', 'guardrails/org-snapshot.json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/^ {2}guardrails\/org-snapshot\.json/m);
    expect((await loadIntent({ cwd: dir })).diagnostics).toEqual([]);
  });

  it('refuses at once, before AWS is read, when the intent is there already', async () => {
    const dir = await tempDir();
    fs.mkdirSync(path.join(dir, 'guardrails'));
    fs.writeFileSync(path.join(dir, 'guardrails', 'organization.yaml'), 'version: 1\n');
    // An endpoint nothing listens on: a call would fail with org-access, not init-exists.
    const r = await runCli(['init', '--live'], { cwd: dir, env: { CI: 'true', AWS_ENDPOINT_URL_ORGANIZATIONS: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_MAX_ATTEMPTS: '1' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error init-exists: guardrails\/organization\.yaml exists/);
    expect(r.stderr).not.toMatch(/org-access/);
  });

  it('writes tests only where there is a member account to test, and still validates', async () => {
    const dir = await tempDir();
    const state = JSON.parse(fs.readFileSync(EXAMPLE_SNAPSHOT, 'utf8'));
    state.root = { id: state.root.id, name: 'Root', ous: [], accounts: [{ id: '111111111111', name: 'management' }] };
    state.policies = [];
    fs.writeFileSync(path.join(dir, 'org.json'), JSON.stringify(state));
    const r = await runCli(['init', '--org', 'org.json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/guardrails\/controls\.yaml +protect-security-services, allowed-regions, only-org-principals; no tests: the organization has no member account/);
    const validate = await runCli(['validate'], { cwd: dir });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/3 controls, 0 tests: 0 errors/);
  });

  it("leaves the directory's own service reference cache as it is", async () => {
    const dir = await tempDir();
    fs.mkdirSync(path.join(dir, 'service-reference-cache'));
    const r = await runCli(['init'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('service-reference-cache is there already: the intent compiles against it');
    expect(r.stdout).not.toMatch(/^ {2}service-reference-cache\//m);
    expect(fs.readdirSync(path.join(dir, 'service-reference-cache'))).toEqual([]);
  });

  it('refuses a malformed snapshot at its place in the file, writing nothing', async () => {
    const dir = await tempDir();
    const bad = path.join(dir, 'org.json');
    fs.writeFileSync(bad, '{ "format": 1, "source": "x", "readAt": "2026-01-01T00:00:00Z",\n  "organization": { "id": "o-exmpl12345" }, "root": {}, "policies": [] }\n');
    const r = await runCli(['init', '--org', 'org.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^org\.json:2:\d+: error org-snapshot-shape: organization\.managementAccount must be a non-empty string/m);
    expect(fs.readdirSync(dir)).toEqual(['org.json']);
  });

  it('writes the values of a hostile snapshot as quoted scalars that read back as they were', async () => {
    const dir = await tempDir();
    const state = JSON.parse(fs.readFileSync(EXAMPLE_SNAPSHOT, 'utf8'));
    state.root.name = 'Root" ]\n  evil: [x] # \u202e';
    state.organization.id = 'o-exmpl12345\nversion: 2';
    fs.writeFileSync(path.join(dir, 'org.json'), JSON.stringify(state));
    const r = await runCli(['init', '--org', 'org.json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/\u202e|\nversion: 2/);
    const loaded = await loadIntent({ cwd: dir, files: ['guardrails/organization.yaml', 'guardrails/controls.yaml'] });
    // Read back exactly; the org id then fails its own shape (and the snapshot's), as it should.
    const ctl = loaded.intent?.controls.find((c) => c.id === 'only-org-principals');
    expect(ctl?.attach).toEqual([state.root.name]);
    expect(loaded.intent?.organization.id).toBe(state.organization.id);
    expect([...new Set(loaded.diagnostics.map((d) => d.code))]).toEqual(['bad-org-id']);
    expect(fs.readFileSync(path.join(dir, 'guardrails', 'organization.yaml'), 'utf8')).toContain('id: "o-exmpl12345\\u000aversion: 2"');
  });

  it('names the installed schema by a relative path, which a file of guardrails/ resolves', async () => {
    const dir = await tempDir();
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(PROJECT_ROOT, path.join(dir, 'node_modules', 'guardrails'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ devDependencies: { guardrails: '^0.1.0' } }));
    const r = await runCli(['init'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const line = fs.readFileSync(path.join(dir, 'guardrails', 'controls.yaml'), 'utf8').split('\n')[0]!;
    const ref = /^# yaml-language-server: \$schema=(\.\.\/node_modules\/guardrails\/.+\.json)$/.exec(line)?.[1];
    expect(ref, line).toBeDefined();
    const schema = JSON.parse(fs.readFileSync(path.resolve(dir, 'guardrails', ref!), 'utf8'));
    expect(schema.$id).toBe('https://guardrails.dev/schema/intent-v1.json');
    const settings = JSON.parse(fs.readFileSync(path.join(dir, '.vscode', 'settings.json'), 'utf8'));
    expect(settings).toEqual({ 'yaml.schemas': { [`./${ref!.slice('../'.length)}`]: 'guardrails/*.yaml' } });
    // A project that declares guardrails installs what its lock file pins.
    expect(fs.readFileSync(path.join(dir, '.github', 'workflows', 'guardrails.yml'), 'utf8')).toContain('- run: npm ci && npx guardrails compile');
  });
});
