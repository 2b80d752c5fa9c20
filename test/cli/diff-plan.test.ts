/**
 * guardrails diff and plan as a user runs them: on the example organization against the deployed
 * snapshot shipped beside it (guardrails/org-snapshot.json), and on the inputs they must refuse.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DiffReport } from '../../src/plan/index.js';
import { runCli } from '../support/cli.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { tempDir } from '../support/temp.js';

let dir: string;
let cache: string;
let cli: ExampleRepo['cli'];

beforeAll(async () => {
  ({ dir, cache, cli } = await compiledExampleRepo());
});

describe('guardrails diff', () => {
  it('shows what the pull request changes against the deployed snapshot: semantic first, then policies and text', async () => {
    const r = await cli(['diff', '--org', 'guardrails/org-snapshot.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+ to create, \d+ to update, \d+ to delete; \d+ attachments to add, \d+ to remove \(deployed: AWS Organizations, read 2026-11-20T09:00:00.000Z\)\n\nnothing becomes allowed for the principals the diff asks as\n(?:[^\n]+\n)+\nwhat changes:\n/);
    expect(r.stdout).toMatch(/\nverdict per control:\n(?:  [^\n]+\n)*  tls-minimum \(guardrails\/data-perimeter.yaml:39\): stricter; root Root \(9 accounts\): S3 TLS floor 1\.1 -> 1\.2 \(177\)\n/);
    // The snapshot was deployed from an older intent (TLS 1.1, no CreateServiceSpecificCredential, no Bedrock
    // control) by an older compiler: the diff shows those three changes among what the compiler now adds.
    expect(r.stdout).toMatch(/SCP, a role in the account: OU Root\/Workloads \(4 accounts\)\n    \d+ actions? becomes? denied: [^\n]*\n      [^\n]*iam:CreateServiceSpecificCredential/);
    expect(r.stdout).toContain('no longer denied when: Deny when NumericLessThan s3:TlsVersion ["1.1"]');
    expect(r.stdout).toMatch(/now also denied when: [^\n]*Deny when NumericLessThan s3:TlsVersion \["1\.2"\]/);
    expect(r.stdout).toMatch(/\n  create    SCP guardrails-scp-approved-bedrock-models \(2,\d{3}\/10,240 characters\)/);
    expect(r.stdout).toContain('-          "s3:TlsVersion": "1.1"\n+          "s3:TlsVersion": "1.2"');
    // Each hunk that changes action lines says what that changes: the new denial, by name, under its hunk;
    // and the older compiler's wildcards, respelled now as the intent wrote them, as respellings.
    expect(r.stdout).toMatch(/\n@@ -\d+,\d+ \+\d+,\d+ @@ 1 action added, 0 removed\n(?:[ +-][^\n]*\n)+# added: iam:CreateServiceSpecificCredential\n/);
    expect(r.stdout).toMatch(/\n@@ -\d+,\d+ \+\d+,\d+ @@ respelled: same \d+ actions\n/);
  });

  it('--json is the whole report; --markdown a pull-request comment', async () => {
    const json = JSON.parse((await cli(['diff', '--org', 'guardrails/org-snapshot.json', '--json'])).stdout) as DiffReport;
    expect(json.changed).toBe(true);
    expect(json.warnings).toEqual([]);
    const tls = json.structural.policies.find((p) => p.name === 'guardrails-rcp-tls-minimum')!;
    expect(tls.change).toBe('update');
    // The deployed FullAWSAccess is indented; canonical comparison never reports it, nor unchanged policies.
    expect(json.structural.policies.every((p) => p.name.startsWith('guardrails-'))).toBe(true);
    const tlsChanges = json.semantic.filter((g) => g.type === 'rcp').flatMap((g) => g.changes).filter((c) => c.kind === 'conditions-changed' && c.before?.includes('Deny when NumericLessThan s3:TlsVersion ["1.1"]'));
    expect(tlsChanges.length).toBeGreaterThan(0);
    for (const c of tlsChanges) {
      expect(c.after).toContain('Deny when NumericLessThan s3:TlsVersion ["1.2"]');
      expect(c.services.every((s) => s.service === 's3')).toBe(true);
    }
    // Keys an action never carries are absent, not unknown: the tag-protection companions (Deny * under
    // aws:TagKeys) change only the actions that can carry tag keys, never every action of the reference.
    const all = json.semantic.flatMap((g) => g.changes);
    expect(Math.max(...all.map((c) => c.count))).toBeLessThan(5000);
    const listed = (name: string) => all.filter((c) => c.services.some((s) => s.actions.includes(name)));
    expect(listed('bedrock-mantle:ArchiveProject')).toEqual([]);
    expect(listed('bedrock-mantle:CreateInference').length).toBeGreaterThan(0);
    expect(listed('iam:CreateServiceSpecificCredential').map((c) => c.kind)).toContain('newly-denied');
    const md = (await cli(['diff', '--org', 'guardrails/org-snapshot.json', '--markdown'])).stdout;
    expect(md).toMatch(/^<!-- guardrails-diff -->\n## guardrails diff: o-exmpl12345\n/);
    expect(md).toContain('| `guardrails-rcp-tls-minimum` | RCP update |');
    expect(md).toContain('<details><summary><code>guardrails-rcp-tls-minimum</code> (update)</summary>');
  });

  it('says RCPs must be enabled first when the organization has not, and diffs what enabling them does', async () => {
    const snapshot = JSON.parse(fs.readFileSync(path.join(dir, 'guardrails', 'org-snapshot.json'), 'utf8')) as { policies: { type: string }[] };
    snapshot.policies = snapshot.policies.filter((p) => p.type !== 'rcp');
    fs.writeFileSync(path.join(dir, 'no-rcps.json'), JSON.stringify(snapshot, null, 2));
    const r = await cli(['diff', '--org', 'no-rcps.json', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning policy-type-not-enabled: RCPs are not enabled in organization o-exmpl12345');
    expect(r.stderr).toContain('hint: enable the policy type first: aws organizations enable-policy-type --root-id r-ex12 --policy-type RESOURCE_CONTROL_POLICY');
    const json = JSON.parse(r.stdout) as DiffReport;
    expect(json.warnings.map((w) => w.code)).toEqual(['policy-type-not-enabled']);
    // Before, RCPs decide nothing; after, the TLS minimum denies S3 under conditions where it was allowed.
    const tls = json.semantic.filter((g) => g.type === 'rcp').flatMap((g) => g.changes).filter((c) => c.after?.includes('Deny when NumericLessThan s3:TlsVersion ["1.2"]'));
    expect(tls.length).toBeGreaterThan(0);
    expect(tls.every((c) => c.kind === 'newly-conditional' && !c.before)).toBe(true);
    const md = (await cli(['diff', '--org', 'no-rcps.json', '--markdown'])).stdout;
    expect(md).toMatch(/^<!-- guardrails-diff -->\n## guardrails diff: o-exmpl12345\n\n> \*\*Warning:\*\* RCPs are not enabled/);
    const text = (await cli(['diff', '--org', 'no-rcps.json'])).stdout;
    expect(text).toMatch(/^warning: RCPs are not enabled in organization o-exmpl12345/);
  });

  it('refuses to diff out/ that does not match the intent, or no out/ at all', async () => {
    const stale = path.join(await tempDir(), 'repo');
    fs.cpSync(dir, stale, { recursive: true });
    const file = path.join(stale, 'guardrails', 'data-perimeter.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('minVersion: "1.2"', 'minVersion: "1.3"'));
    const r = await runCli(['diff', '--org', 'guardrails/org-snapshot.json', '--cache', cache], { cwd: stale });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error stale-out: out/ does not match the intent: guardrails-rcp-tls-minimum.json');
    expect(r.stderr).toContain('hint: run guardrails compile, and commit out/ with the intent');
    fs.rmSync(path.join(stale, 'out'), { recursive: true });
    const none = await runCli(['diff', '--org', 'guardrails/org-snapshot.json', '--cache', cache], { cwd: stale });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error no-out:');
  });

  it('takes out/ as compiled only when its files are laid out as compile writes them (an out/ of minified files is stale)', async () => {
    const older = path.join(await tempDir(), 'repo');
    fs.cpSync(dir, older, { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(older, 'out', 'manifest.json'), 'utf8')) as { policies: { file: string }[] };
    const file = path.join(older, 'out', manifest.policies[0]!.file);
    const laidOut = fs.readFileSync(file, 'utf8');
    expect(laidOut).toMatch(/^\{\n {2}"Version": "2012-10-17",\n {2}"Statement": \[\n/);
    fs.writeFileSync(file, JSON.stringify(JSON.parse(laidOut)));
    const r = await runCli(['diff', '--org', 'guardrails/org-snapshot.json', '--cache', cache], { cwd: older });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error stale-out: out/ does not match the intent: ${manifest.policies[0]!.file}\n`);
    fs.writeFileSync(file, laidOut);
    const same = await runCli(['diff', '--org', 'guardrails/org-snapshot.json', '--cache', cache], { cwd: older });
    expect(same.code, same.stderr).toBe(0);
  });

  it('needs the deployed state, and refuses a snapshot of another organization', async () => {
    const usage = await cli(['diff']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('error usage: diff needs the deployed state: --org FILE (written by guardrails org export) or --live');
    for (const command of ['diff', 'plan']) {
      const misplaced = await cli([command, '--org', 'guardrails/org-snapshot.json', '--concurrency', '2']);
      expect(misplaced.code).toBe(2);
      expect(misplaced.stderr).toContain('error usage: --concurrency applies to reading AWS Organizations: give it with --live');
    }
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, fs.readFileSync(path.join(dir, 'guardrails', 'org-snapshot.json'), 'utf8').replace('"id": "o-exmpl12345"', '"id": "o-other00000"'));
    const r = await cli(['diff', '--org', 'other.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error org-mismatch: the intent describes organization o-exmpl12345, but the deployed state is of o-other00000');
  });
});

describe('guardrails plan', () => {
  it('plans the change wave by wave with API calls and least time, and shows one wave on request', async () => {
    const r = await cli(['plan', '--org', 'guardrails/org-snapshot.json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wave canary: account 333333333333 \(payments-dev\); 1 account change\n/);
    expect(r.stdout).toMatch(/\n4 waves, \d+ API calls, at least [\d.]+ s\n$/);
    const json = JSON.parse((await cli(['plan', '--org', 'guardrails/org-snapshot.json', '--json', '--wave', 'genai'])).stdout) as { ok: boolean; waves: { name: string; steps: { op: { op: string } }[]; calls: number }[] };
    expect(json.ok).toBe(true);
    expect(json.waves.map((w) => w.name)).toEqual(['genai']);
    expect(json.waves[0]!.calls).toBe(json.waves[0]!.steps.length);
    const unknown = await cli(['plan', '--org', 'guardrails/org-snapshot.json', '--wave', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no wave named "nope"; the intent declares canary, nonprod, genai, everything');
  });

  it('takes --wave rest only when the planner added that wave', async () => {
    // The example's waves end at the root: there is no "rest".
    const none = await cli(['plan', '--org', 'guardrails/org-snapshot.json', '--wave', 'rest']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('error usage: no wave named "rest" in this plan; the intent declares canary, nonprod, genai, everything, and the planner adds "rest" only when they do not reach something the change affects');
    expect(none.stdout).toBe('');
    // With a last wave of the OUs left instead of the root, the accounts created later under the root or
    // under Workloads are not reached: the planner adds "rest", and --wave rest shows it.
    const short = path.join(await tempDir(), 'repo');
    fs.cpSync(dir, short, { recursive: true });
    const org = path.join(short, 'guardrails', 'organization.yaml');
    const text = fs.readFileSync(org, 'utf8');
    expect(text).toContain('  - name: everything\n    targets: [Root]\n');
    fs.writeFileSync(org, text.replace('  - name: everything\n    targets: [Root]\n', '  - name: everything\n    targets: [Security, Prod, PublicData]\n'));
    const rest = await runCli(['plan', '--org', 'guardrails/org-snapshot.json', '--wave', 'rest', '--json', '--cache', cache], { cwd: short });
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stderr).toContain('warning waves-incomplete: the declared waves do not reach the accounts that will be created in or moved to OU Root/Workloads, root Root, which this change affects (policies attached there reach them); a last wave "rest" (the root) is added');
    const json = JSON.parse(rest.stdout) as { waves: { name: string; implicit: boolean; calls: number }[] };
    expect(json.waves.map((w) => [w.name, w.implicit])).toEqual([['rest', true]]);
    expect(json.waves[0]!.calls).toBeGreaterThan(0);
  });
});
