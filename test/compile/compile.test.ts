import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalPolicyText, checkGrammar, parseJsonWithPositions, readPolicyDocument } from '../../src/policy/index.js';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { DirectorySource, ReferenceIndex, syncReference } from '../../src/reference/index.js';
import { diagnosticCodes, EXAMPLE_WARNINGS, runCli } from '../support/cli.js';
import { compileControls, errorsOf, list, ORG_HEADER } from '../support/compile.js';
import { reference2026 } from '../support/reference.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { RCP_SUPPORTED } from '../support/rcp.js';
import { tempDir } from '../support/temp.js';
import { treeHash } from '../support/tree-hash.js';

describe('targets', () => {
  it('attaches around an exclusion: the siblings of the excluded OU, never the management account', async () => {
    const c = await compileControls(`  c: { kind: deny-actions, actions: [s3:DeleteBucket], attach: [Root], exclude: [Public] }\n`);
    expect(errorsOf(c)).toEqual([]);
    expect(c.result.policies[0]!.targets.map((t) => t.path)).toEqual(['Root/Prod', 'Root/Dev']);
  });

  it('skips the management account as a direct target, with a warning', async () => {
    const c = await compileControls(`  c: { kind: deny-actions, actions: [s3:DeleteBucket], attach: ["111111111111", Dev] }\n`);
    expect(errorsOf(c)).toEqual([]);
    expect(c.result.policies[0]!.targets.map((t) => t.path)).toEqual(['Root/Dev']);
    expect(c.result.diagnostics.filter((d) => d.code === 'management-account-target')).toHaveLength(1);
  });

  // Five RCP controls on Prod, each with other targets too: five policies on Prod plus RCPFullAWSAccess.
  const targetSets = ['[Prod]', '[Prod, Dev]', '[Prod, Public]', '[Prod, "333333333333"]', '[Prod, Dev, Public]'];

  it('consolidates the policies of a target that runs out of slots into one of its own', async () => {
    const controls = targetSets.map((t, i) => `  p${i}: { kind: deny-actions, type: rcp, actions: ["s3:Delete*"], attach: ${t} }\n`).join('');
    const c = await compileControls(controls);
    expect(errorsOf(c)).toEqual([]);
    const slots = c.result.manifest!.targets.find((t) => t.target === 'Root/Prod')!.rcp;
    expect(slots.used).toBeLessThanOrEqual(5);
    expect(slots.policies.some((p) => p.endsWith('-at-ou-ab12-prod0001'))).toBe(true);
    // Every control still reaches every one of its targets.
    for (const [i, t] of targetSets.entries()) {
      const reached = new Set(c.result.policies.filter((p) => p.controls.includes(`p${i}`)).flatMap((p) => p.targets.map((n) => n.name)));
      for (const name of t.slice(1, -1).split(', ').map((x) => x.replace(/"/g, ''))) expect(reached, `p${i} ${name}`).toContain(name);
    }
  });

  it('repacks statements, not whole policies, when no two policies fit together', async () => {
    // Five policies on Prod, each of two statements of about 170 characters in a 600-character RCP: no
    // two policies fit in one, but the statements of three repack into two policies (3 + 3).
    const header = ORG_HEADER.replace('defaults:', 'quotas: { profile: aws-2026-05, rcp: { maxChars: 600 } }\ndefaults:');
    const bucket = (id: string) => `arn:aws:s3:::${id}-${'b'.repeat(66)}`;
    const controls = targetSets
      .flatMap((t, i) => ['a', 'b'].map((x) => `  p${i}${x}: { kind: deny-actions, type: rcp, actions: [s3:DeleteObject], resources: ["${bucket(`p${i}${x}`)}"], attach: ${t} }\n`))
      .join('');
    const c = await compileControls(controls, {}, header);
    expect(errorsOf(c)).toEqual([]);
    const sizes = c.result.policies.flatMap((p) => p.statements.map((s) => s.size));
    expect(Math.min(...sizes)).toBeGreaterThan(160);
    const prod = c.result.manifest!.targets.find((t) => t.target === 'Root/Prod')!.rcp;
    expect(prod.used).toBe(5);
    expect(prod.policies.filter((p) => p.includes('-at-ou-ab12-prod0001'))).toHaveLength(2);
    for (const p of c.result.policies) expect(p.chars).toBeLessThanOrEqual(600);
    // Every control still reaches every one of its targets.
    for (const [i, t] of targetSets.entries()) {
      for (const x of ['a', 'b']) {
        const reached = new Set(c.result.policies.filter((p) => p.controls.includes(`p${i}${x}`)).flatMap((p) => p.targets.map((n) => n.name)));
        for (const name of t.slice(1, -1).split(', ').map((y) => y.replace(/"/g, ''))) expect(reached, `p${i}${x} ${name}`).toContain(name);
      }
    }
  });

  it('fails naming the target, the type, the controls and the slots over when consolidation cannot fit', async () => {
    // Each policy is more than half the RCP size quota, so no two fit together.
    const controls = targetSets.map((t, i) => `  p${i}: { kind: deny-actions, type: rcp, actions: ["s3:{Write}", "s3:{Read}"], attach: ${t} }\n`).join('');
    const one = await compileControls(`  p: { kind: deny-actions, type: rcp, actions: ["s3:{Write}", "s3:{Read}"], attach: [Prod] }\n`);
    expect(one.result.policies[0]!.chars).toBeGreaterThan(2560);
    const c = await compileControls(controls);
    const errors = errorsOf(c);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^too-many-policies: OU Root\/Prod needs 6 RCPs \(5 of guardrails and RCPFullAWSAccess\) but can hold 5 \(aws-2026-05\): 1 over; controls involved: p0, p1, p2, p3, p4$/);
  });
});

describe('failure messages', () => {
  it('statement-too-large names the control, the type with its article and every target', async () => {
    const header = ORG_HEADER.replace('defaults:', 'quotas: { profile: aws-2026-05, scp: { maxChars: 400 } }\ndefaults:');
    const c = await compileControls(`  regions: { kind: region-deny, allowedRegions: [us-east-1], attach: [Prod, Dev] }\n`, {}, header);
    const errors = errorsOf(c);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^statement-too-large: an SCP statement of control regions for OU Root\/Prod, OU Root\/Dev is [\d,]+ characters, [\d,]+ over what one SCP holds \(400\), and a NotAction list cannot be split$/);
  });
});

describe('patterns generated from data', () => {
  it('a region-deny exemption naming a service the reference does not list is skipped with a warning, and the policy compiles without it', async () => {
    const full = await reference2026();
    const compact = full.index.toCompact();
    const withoutA4b = { ...full, index: ReferenceIndex.fromCompact({ ...compact, services: compact.services.filter((s) => s[0] !== 'a4b') }) };
    const c = await compileControls(`  regions: { kind: region-deny, allowedRegions: [us-east-1], attach: [Prod] }\n`, {}, ORG_HEADER, undefined, withoutA4b);
    expect(errorsOf(c)).toEqual([]);
    expect(c.result.diagnostics.filter((d) => d.code === 'unknown-service').map((d) => d.message)).toEqual(['control regions: NotAction: "a4b:*": there is no service "a4b" in the service reference (generated from data; skipped)']);
    const notAction = list(c.policies.get('guardrails-scp-regions')!.Statement[0]!.NotAction);
    expect(notAction).not.toContain('a4b:*');
    expect(notAction).toContain('acm:*');
    // With the service listed, the exemption is written as before.
    expect(list((await compileControls(`  regions: { kind: region-deny, allowedRegions: [us-east-1], attach: [Prod] }\n`)).policies.get('guardrails-scp-regions')!.Statement[0]!.NotAction)).toContain('a4b:*');
  });
});

describe('output', () => {
  it('names policies after what they hold and renders canonical minified JSON', async () => {
    const c = await compileControls(`  b-ctl: { kind: deny-actions, actions: [s3:DeleteBucket], attach: [Prod] }\n  a-ctl: { kind: tls-minimum, minVersion: "1.2", attach: [Root] }\n`);
    expect(c.result.policies.map((p) => p.name)).toEqual(['guardrails-rcp-a-ctl', 'guardrails-scp-b-ctl']);
    const p = c.result.policies[1]!;
    expect(p.text).toBe('{"Version":"2012-10-17","Statement":[{"Sid":"BCtl","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}');
    expect(p.chars).toBe(p.text.length);
  });

  it('records provenance for every statement: control, role, intent file:line:col', async () => {
    const c = await compileControls(`  guard:\n    kind: deny-actions\n    actions: [s3:DeleteBucket]\n    attach: [Prod]\n`);
    const st = c.result.manifest!.policies[0]!.statements[0]!;
    expect(st).toMatchObject({ sid: 'Guard', element: 'Action', actions: 1, sources: [{ control: 'guard', role: 'deny', source: 'intent.yaml:22:3' }] });
    expect(c.result.manifest!.targets.find((t) => t.target === 'Root/Prod')!.scp).toEqual({ policies: ['guardrails-scp-guard'], foreign: ['FullAWSAccess'], used: 2, max: 10, free: 8 });
  });

  it('records an Action list rewritten as NotAction in the manifest: level 4, only where the quota forces it and the intent allows it', async () => {
    // Everything but iam:GetUser: at 2,000 characters and one free slot on Prod, neither the names
    // (level 1), nor svc:* per service (levels 2 and 3), fit; NotAction of the complement does.
    const quota = (wildcards: string) => ORG_HEADER.replace('  wildcards: exact', `  wildcards: ${wildcards}`).replace('defaults:', 'quotas: { profile: aws-2026-05, scp: { maxChars: 2000, maxPerTarget: 2 } }\ndefaults:');
    const control = `  almost-all: { kind: deny-actions, actions: ["*", "iam:{Exclude:GetUser}"], attach: [Prod] }\n`;
    const aggressive = await compileControls(control, {}, quota('aggressive'));
    expect(errorsOf(aggressive)).toEqual([]);
    const policy = aggressive.result.manifest!.policies[0]!;
    expect(policy).toMatchObject({ level: 4, escalatedFor: 'slots: OU Root/Prod needs 5 SCPs and holds 2' });
    expect(policy.statements[0]).toMatchObject({ element: 'NotAction', introducedNotAction: true });
    expect(aggressive.policies.get('guardrails-scp-almost-all')!.Statement[0]!.NotAction).toBe('iam:GetUser');
    expect(aggressive.result.diagnostics.filter((d) => d.code === 'unreadable-minimization').map((d) => d.message)).toEqual([expect.stringMatching(/^policy guardrails-scp-almost-all \(SCP\) needed level 4 \(NotAction complement\)/)]);
    // Without a condition the Deny reaches every principal: the readable default stops at level 2.
    const readable = await compileControls(control, {}, quota('readable'));
    expect(errorsOf(readable).map((e) => e.split(':')[0])).toEqual(['too-many-policies']);
  });

  it('changing one control leaves the other policies byte for byte the same', async () => {
    const other = `  keep: { kind: deny-actions, actions: [s3:DeleteBucket], attach: [Prod] }\n`;
    const a = await compileControls(other + `  change: { kind: deny-actions, actions: [iam:CreateUser], attach: [Dev] }\n`);
    const b = await compileControls(other + `  change: { kind: deny-actions, actions: [iam:CreateUser, iam:CreateAccessKey], attach: [Dev, Prod] }\n`);
    const keepA = a.result.policies.find((p) => p.name === 'guardrails-scp-keep')!;
    const keepB = b.result.policies.find((p) => p.name === 'guardrails-scp-keep')!;
    expect(keepB.text).toBe(keepA.text);
  });
});

describe('wildcards: exact', () => {
  it('a control\'s own wildcards setting overrides the organization default, both ways', async () => {
    // 1,500-character SCPs and one free slot on Prod: the names of ec2's Write *Delete* actions (about
    // 3,100 characters) do not fit; word-boundary prefixes (about 800) do.
    const quota = (header: string) => header.replace('defaults:', 'quotas: { profile: aws-2026-05, scp: { maxChars: 1500, maxPerTarget: 2 } }\ndefaults:');
    const control = (mode: string) => `  deletes: { kind: deny-actions, actions: ["ec2:{Write}{*Delete*}"], conditions: { StringEquals: { "aws:PrincipalTag/team": [contractors] } }, attach: [Prod], wildcards: ${mode} }\n`;
    const introduced = (c: Awaited<ReturnType<typeof compileControls>>) => c.result.manifest!.policies.flatMap((p) => p.statements.flatMap((s) => s.introduced));
    // ORG_HEADER's default is exact.
    const readable = await compileControls(control('readable'), {}, quota(ORG_HEADER));
    expect(errorsOf(readable)).toEqual([]);
    expect(readable.result.manifest!.policies.map((p) => p.level)).toEqual([2]);
    expect(introduced(readable).length).toBeGreaterThan(0);
    const exact = await compileControls(control('exact'), {}, quota(ORG_HEADER.replace('wildcards: exact', 'wildcards: readable')));
    expect(errorsOf(exact).map((e) => e.split(':')[0])).toEqual(['too-many-policies']);
    // Where the quota does not force it, the readable control is written as exact names too.
    const roomy = await compileControls(control('readable'));
    expect(errorsOf(roomy)).toEqual([]);
    expect(introduced(roomy)).toEqual([]);
    expect(roomy.result.policies[0]!.chars).toBeGreaterThan(readable.result.policies[0]!.chars);
  });

  it('keeps a cross-service wildcard of the intent as written: one small statement, not every Describe action', async () => {
    const c = await compileControls(`  no-describe: { kind: deny-actions, actions: ["*:Describe*", "s3:GetObject"], attach: [Prod] }\n`);
    expect(errorsOf(c)).toEqual([]);
    expect(c.result.policies).toHaveLength(1);
    expect(c.policies.get('guardrails-scp-no-describe')!.Statement[0]!.Action).toEqual(['*:Describe*', 's3:GetObject']);
  });
});

describe('guardrails compile on the example organization', () => {
  let cache: string;
  beforeAll(async () => {
    cache = path.join(await tempDir(), 'cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  });

  async function compileExample(out: string, files: string[] = []) {
    return runCli(['compile', '--cache', cache, '--out', out, ...files]);
  }

  it('compiles to policies that all pass the grammar of their type, and prints sizes, statements and targets', async () => {
    const out = path.join(await tempDir(), 'out');
    const r = await compileExample(out);
    expect(diagnosticCodes(r.stderr)).toEqual(EXAMPLE_WARNINGS);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^policy\s+type\s+characters\s+used\s+statements\s+level\s+targets/);
    expect(r.stdout).toContain('guardrails-rcp-only-org-principals');
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    const controls = new Set<string>();
    for (const p of manifest.policies) {
      const file = fs.readFileSync(path.join(out, p.file), 'utf8');
      // The file is laid out for review; the quota counts its canonical minified form, which is sent.
      expect(Buffer.byteLength(file)).toBe(p.fileBytes);
      const text = canonicalPolicyText(file);
      expect(text.length).toBe(p.chars);
      expect(text).not.toMatch(/\s"|":\s/);
      const sources = new SourceIndex();
      const doc = readPolicyDocument(parseJsonWithPositions(p.file, file, sources).value, sources).document!;
      expect(checkGrammar(doc, p.type, { supportsRcp: (s) => RCP_SUPPORTED.has(s), maxChars: p.maxChars, text })).toEqual([]);
      for (const c of p.controls) controls.add(c);
    }
    // Every policy of the example organization fits as the intent wrote it: level 1, no wildcard the
    // intent did not write.
    expect(manifest.policies.map((p: { level: number }) => p.level)).toEqual(manifest.policies.map(() => 1));
    expect(manifest.policies.flatMap((p: { statements: { introduced: string[]; introducedNotAction: boolean }[] }) => p.statements.flatMap((s) => [...s.introduced, ...(s.introducedNotAction ? ['NotAction'] : [])]))).toEqual([]);
    expect([...controls].sort()).toEqual(['allowed-regions', 'approved-bedrock-models', 'no-long-term-credentials', 'only-org-principals', 'protect-security-services', 'stay-in-organization', 'tls-minimum']);
    expect(manifest.reference.snapshotId).toMatch(/^[0-9a-f]{16}$/);
    // The day the snapshot was synced, from the cache's manifest: a date, no time of day (no diff noise).
    const cacheManifest = JSON.parse(fs.readFileSync(path.join(cache, 'manifest.json'), 'utf8'));
    expect(manifest.reference.syncedOn).toBe(cacheManifest.syncedAt.slice(0, 10));
    expect(manifest.reference.syncedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // The summary dates the reference by what it holds (the cache was synced from .../2026-08-22/), not by the sync.
    expect(r.stdout).toContain(`reference ${manifest.reference.snapshotId} of 2026-08-22,`);
  });

  it('prints the manifest with --json', async () => {
    const r = await runCli(['compile', '--cache', cache, '--out', path.join(await tempDir(), 'out'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(true);
    expect(out.manifest.policies.length).toBeGreaterThan(5);
  });

  it('reports the problems of every control in one run: validation, grammar, missing files and template errors together', async () => {
    const dir = await tempDir();
    fs.writeFileSync(
      path.join(dir, 'a.yaml'),
      `version: 1
organization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: { Dev: { accounts: ["222222222222"] } } } }
controls:
  bad:
    kind: custom
    type: rcp
    statements:
      - Sid: one
        Effect: Allow
        Principal: { AWS: "123456789012" }
        NotAction: s3:GetObject
        Resource: "*"
      - Effect: Deny
        Principal: "*"
        Action: [s3:GetObjekt, sns:Publish]
        Resource: "*"
        Condition: { StringEqual: { "aws:PrincipalOrgID": o-x } }
      - Effect: Deny
        Principal: "*"
        Action: "*"
    attach: [Dev]
  other: { kind: deny-actions, actions: [iam:CreateUsr], attach: [Dev] }
  legacy: { kind: import, type: scp, file: missing.json, attach: [Dev] }
  tpl: { kind: custom, type: scp, template: t.hbs, attach: [Dev] }
`,
    );
    fs.writeFileSync(path.join(dir, 't.hbs'), '[{"Effect":"Deny","Action":"s3:GetObject","Resource":"*",}]');
    const r = await runCli(['compile', '--cache', cache, 'a.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    const found = [...r.stderr.matchAll(/^(.+?):(\d+):\d+: error ([a-z-]+):/gm)].map((m) => `${m[1]}:${m[2]} ${m[3]}`);
    // Each problem once, where it is written: the grammar errors used to wait for the others to be fixed.
    expect(found).toEqual([
      'a.yaml:9 rcp-allow',
      'a.yaml:10 rcp-principal',
      'a.yaml:11 rcp-not-action',
      'a.yaml:15 unknown-action',
      'a.yaml:15 rcp-unsupported-service',
      'a.yaml:17 unknown-operator',
      'a.yaml:18 missing-resource',
      'a.yaml:20 rcp-action-wildcard',
      'a.yaml:22 unknown-action',
      'a.yaml:23 missing-file',
      't.hbs (rendered):1 json-syntax',
    ]);
    expect(r.stderr).toContain('compile failed: 11 errors');
  });

  it('prints {ok: false, diagnostics} with --json when the compile fails, at any stage', async () => {
    const dir = await tempDir();
    const header = 'version: 1\norganization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: { Dev: { accounts: ["222222222222"] } } } }\ncontrols:\n';
    // Invalid intent (validation), and a statement AWS would reject (compile).
    fs.writeFileSync(path.join(dir, 'invalid.yaml'), `${header}  c: { kind: deny-actions, actions: [s3:GetObjekt], attach: [Dev] }\n`);
    fs.writeFileSync(path.join(dir, 'rejected.yaml'), `${header}  c: { kind: custom, type: rcp, statements: [{ Effect: Allow, Principal: "*", Action: "s3:GetObject", Resource: "*" }], attach: [Dev] }\n`);
    for (const [file, code] of [
      ['invalid.yaml', 'unknown-action'],
      ['rejected.yaml', 'rcp-allow'],
    ] as const) {
      const r = await runCli(['compile', '--cache', cache, '--json', file], { cwd: dir });
      expect(r.code).toBe(2);
      const out = JSON.parse(r.stdout);
      expect(out.ok).toBe(false);
      expect(out.diagnostics.map((d: { code: string }) => d.code)).toContain(code);
      // Located in the file, named relative to the repository (the working directory here).
      expect(out.diagnostics.find((d: { code: string }) => d.code === code)).toMatchObject({ severity: 'error', location: { file } });
      expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    }
  });

  it('a failed compile leaves the previous out/ byte for byte as it was', async () => {
    const out = path.join(await tempDir(), 'out');
    expect((await compileExample(out)).code).toBe(0);
    fs.writeFileSync(path.join(out, 'README.md'), 'kept\n');
    const before = await treeHash(out);
    const broken = path.join(await tempDir(), 'broken.yaml');
    const text = fs.readFileSync(path.join(PROJECT_ROOT, 'guardrails', 'baseline.yaml'), 'utf8').replace('iam:CreateUser', 'iam:CreateUsr');
    const files = fs.readdirSync(path.join(PROJECT_ROOT, 'guardrails')).filter((f) => f.endsWith('.yaml') && f !== 'baseline.yaml').map((f) => path.join(PROJECT_ROOT, 'guardrails', f));
    fs.writeFileSync(broken, text);
    const r = await compileExample(out, [...files, broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error unknown-action');
    expect(r.stderr).toContain('left as it was');
    expect(await treeHash(out)).toBe(before);
  });

  it('keeps files it does not own (a README) and drops policies no longer produced', async () => {
    const out = path.join(await tempDir(), 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'README.md'), 'kept\n');
    fs.writeFileSync(path.join(out, 'guardrails-scp-removed.json'), '{}');
    expect((await compileExample(out)).code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toBe('kept\n');
    expect(fs.existsSync(path.join(out, 'guardrails-scp-removed.json'))).toBe(false);
  });
});

describe('minimized compile output', () => {
  const COMPACT = (header: string) => header.replace('wildcards: exact', 'wildcards: compact');

  it('compacts action lists exactly where the quota forces it and records the wildcards it introduced; exact mode introduces none', async () => {
    const { ORG_HEADER } = await import('../support/compile.js');
    // iam:{Write} at 700 characters and one free slot on Prod: level 3 is the first that fits.
    const quota = (header: string) => header.replace('defaults:', 'quotas: { profile: aws-2026-05, scp: { maxChars: 700, maxPerTarget: 2 } }\ndefaults:');
    const controls = `  guard: { kind: deny-actions, actions: ["iam:{Write}"], conditions: { Bool: { "aws:MultiFactorAuthPresent": ["false"] } }, attach: [Prod] }\n`;
    const compact = await compileControls(controls, {}, quota(COMPACT(ORG_HEADER)));
    const exact = await compileControls(controls, {}, ORG_HEADER);
    expect(errorsOf(compact)).toEqual([]);
    const c = compact.result.manifest!.policies[0]!;
    const e = exact.result.manifest!.policies[0]!;
    expect(c.level).toBe(3);
    expect(c.chars).toBeLessThan(e.chars / 3);
    expect(c.statements[0]!.introduced.length).toBeGreaterThan(0);
    expect(c.statements[0]!.actions).toBe(e.statements[0]!.actions);
    expect(e.statements[0]!.introduced).toEqual([]);
  });

  it('splits a statement too large for one policy into several statements that together mean the same', async () => {
    const { ORG_HEADER } = await import('../support/compile.js');
    const header = ORG_HEADER.replace('defaults:', 'quotas: { profile: aws-2026-05, rcp: { maxChars: 1500 } }\ndefaults:');
    const c = await compileControls(`  big: { kind: deny-actions, type: rcp, actions: ["s3:{Write}"], attach: [Prod] }\n`, {}, header);
    expect(errorsOf(c)).toEqual([]);
    const statements = c.result.policies.flatMap((p) => p.statements);
    expect(statements.length).toBeGreaterThan(1);
    for (const p of c.result.policies) expect(p.chars).toBeLessThanOrEqual(1500);
    expect(new Set(statements.map((s) => s.statement.sid)).size).toBe(statements.length);
  });
});

describe('foreign policies', () => {
  it('take slots: Control Tower policies on a target leave room for fewer of ours', async () => {
    const { ORG_HEADER } = await import('../support/compile.js');
    const foreign = Array.from({ length: 8 }, (_, i) => `  - { name: aws-guardrails-${i}, type: scp, targets: [Prod] }`).join('\n');
    const header = ORG_HEADER.replace('defaults:', `foreignPolicies:\n${foreign}\ndefaults:`);
    // FullAWSAccess + 8 Control Tower SCPs leave one slot on Prod; two controls with other targets need two policies there.
    const c = await compileControls(`  a: { kind: deny-actions, actions: [s3:DeleteBucket], attach: [Prod, Dev] }\n  b: { kind: deny-actions, actions: [iam:CreateUser], attach: [Prod, Public] }\n`, {}, header);
    expect(errorsOf(c)).toEqual([]);
    const slots = c.result.manifest!.targets.find((t) => t.target === 'Root/Prod')!.scp;
    expect(slots.foreign).toEqual(['FullAWSAccess', ...Array.from({ length: 8 }, (_, i) => `aws-guardrails-${i}`)]);
    expect(slots.used).toBe(10);
    expect(slots.policies).toHaveLength(1);
    expect(slots.policies[0]).toMatch(/-at-ou-ab12-prod0001$/);
  });
});

describe('statements the evaluation engine cannot evaluate fail the compile where they were written', () => {
  it('an operator that does not fit its key type (Numeric on a String key) is an error where the key is written', async () => {
    const c = await compileControls(`  c:
    kind: deny-actions
    actions: [s3:DeleteBucket]
    conditions:
      NumericLessThan: { "aws:RequestedRegion": ["1"] }
    attach: [Dev]
`);
    expect(c.result.ok).toBe(false);
    const d = c.result.diagnostics.filter((x) => x.severity === 'error');
    expect(d.map((x) => [x.code, x.location?.line, x.location?.col])).toEqual([['condition-type-mismatch', 26, 26]]);
    expect(d[0]!.message).toMatch(/control c \(SCP\): statement .*: condition NumericLessThan cannot compare "aws:RequestedRegion", a String key/);
  });

  it('is reported per control, in the same run as other controls\' problems (an operator in another casing among them)', async () => {
    const c = await compileControls(`  a:
    kind: deny-actions
    actions: [s3:DeleteBucket]
    conditions:
      NumericLessThan: { "aws:RequestedRegion": ["1"] }
    attach: [Dev]
  b:
    kind: deny-actions
    actions: [s3:PutObject]
    conditions:
      ForAnyValue:Stringlike: { "aws:TagKeys": ["team*"] }
    attach: [Dev]
`);
    expect(c.result.ok).toBe(false);
    const d = c.result.diagnostics.filter((x) => x.severity === 'error');
    // validate names the operator, the control's grammar check its statement.
    expect([...new Set(d.map((x) => x.code))].sort()).toEqual(['condition-type-mismatch', 'unknown-operator']);
    expect(d.find((x) => x.code === 'unknown-operator')!.message).toMatch(/"ForAnyValue:Stringlike" is not IAM's spelling of the operator ForAnyValue:StringLike/);
  });

  it('a malformed value in a custom statement is an error at that value', async () => {
    const c = await compileControls(`  c:
    kind: custom
    type: scp
    statements:
      - Effect: Deny
        Action: s3:GetObject
        Resource: "*"
      - Effect: Deny
        Action: s3:PutObject
        Resource: "*"
        Condition: { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8/9" } }
    attach: [Dev]
`);
    expect(c.result.ok).toBe(false);
    const d = c.result.diagnostics.filter((x) => x.severity === 'error');
    expect(d.map((x) => [x.code, x.location?.line])).toEqual([['bad-condition-value', 32]]);
    expect(d[0]!.message).toMatch(/"10.0.0.0\/8\/9" is not an IP address or CIDR range/);
  });
});
