import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compile/index.js';
import { loadIntent } from '../../src/intent/index.js';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { evaluateScenario, judge, simulate, type ScenarioResult } from '../../src/simulate/index.js';
import { reference2026 } from '../support/reference.js';
import { diagnosticCodes, EXAMPLE_WARNINGS, runCli } from '../support/cli.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

let cache: string;
beforeAll(async () => {
  cache = path.join(await tempDir(), 'cache');
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
});

/** A copy of the example organization, with `edit` applied to one of its files. */
async function exampleCopy(file?: string, edit?: (text: string) => string): Promise<string> {
  const dir = await tempDir();
  fs.mkdirSync(path.join(dir, 'guardrails'));
  for (const f of fs.readdirSync(path.join(PROJECT_ROOT, 'guardrails'))) {
    let text = fs.readFileSync(path.join(PROJECT_ROOT, 'guardrails', f), 'utf8');
    if (f === file && edit) {
      const edited = edit(text);
      expect(edited).not.toBe(text);
      text = edited;
    }
    fs.writeFileSync(path.join(dir, 'guardrails', f), text);
  }
  return dir;
}

describe('guardrails simulate on the example organization', () => {
  it('passes with the declared tests and the scenarios generated from every control', async () => {
    const r = await runCli(['simulate', '--cache', cache], { cwd: await exampleCopy() });
    expect(r.code).toBe(0);
    const m = /(\d+) of (\d+) scenarios pass \((\d+) from the intent's tests, (\d+) generated/.exec(r.stdout)!;
    expect(m[1]).toBe(m[2]);
    expect(Number(m[3])).toBe(12);
    expect(Number(m[4])).toBeGreaterThan(50);
  });

  it('an EU region lockdown passes: the Bedrock cross-Region scenarios use the eu. geography and Regions the lockdown allows', async () => {
    const dir = await exampleCopy('baseline.yaml', (t) => t.replace('allowedRegions: [us-east-1, us-west-2, eu-central-1]', 'allowedRegions: [eu-west-1, eu-central-1]'));
    // The declared tests name us-east-1 resources; the lockdown denies them, which is not this test's subject.
    fs.rmSync(path.join(dir, 'guardrails', 'tests.yaml'));
    const r = await runCli(['simulate', '--cache', cache, '--json'], { cwd: dir });
    // No out/ here: the intent's warnings are printed; no error.
    expect(r.stderr).toMatch(/^(\S+:\d+:\d+: warning [^\n]*\n(?: [^\n]*\n)*)*$/);
    const out = JSON.parse(r.stdout);
    const failed = out.results.filter((x: { pass: boolean }) => !x.pass).map((x: { name: string; failure: string }) => `${x.name}: ${x.failure}`);
    expect(failed).toEqual([]);
    expect(r.code).toBe(0);
    const bedrock = out.results.filter((x: { name: string }) => /^approved-bedrock-models: .*cross-Region profile/.test(x.name));
    expect(bedrock.length).toBeGreaterThan(0);
    for (const x of bedrock) {
      const req = x.request as { region: string; resource: { arn: string }; context: Record<string, string> };
      expect(req.region).toMatch(/^eu-/);
      const profile = req.context['bedrock:InferenceProfileArn'] ?? req.resource.arn;
      // A profile lives in the Region the request is sent to and is of that Region's geography.
      expect(profile).toMatch(/^arn:aws:bedrock:eu-(west|central)-1:\d{12}:inference-profile\/eu\./);
    }
    // Never an impossible request: a geography's profile is sent from a Region of that geography and
    // routes to one (global. profiles route anywhere).
    const prefixes: Record<string, string> = { us: 'us-', eu: 'eu-', apac: 'ap-' };
    const routed = out.results.filter((x: { request: { context?: Record<string, string> } }) => x.request.context?.['bedrock:InferenceProfileArn']);
    expect(routed.length).toBeGreaterThan(3);
    for (const x of routed) {
      const arn = x.request.context['bedrock:InferenceProfileArn'] as string;
      const m = /^arn:aws:bedrock:([a-z0-9-]+):\d{12}:inference-profile\/([a-z-]+)\./.exec(arn)!;
      if (m[2] === 'global') continue;
      expect(m[1]!.startsWith(prefixes[m[2]!]!), `${x.name}: ${arn}`).toBe(true);
      expect((x.request.region as string).startsWith(prefixes[m[2]!]!), `${x.name}: routed to ${x.request.region}`).toBe(true);
    }
  });

  describe('waivers', () => {
    const failing = 'no-uploads: s3:PutObject missing the condition of PrivateAcl is let through';
    // A second statement of the same control denies every upload, so the request that misses
    // PrivateAcl is still denied by the control: its "let through" scenario fails.
    const control = ['  no-uploads:', '    kind: custom', '    type: scp', '    statements:', '      - Sid: PrivateAcl', '        Effect: Deny', '        Action: s3:PutObject', '        Resource: "*"', '        Condition: { StringNotEquals: { "s3:x-amz-acl": private } }', '      - Sid: NoUploads', '        Effect: Deny', '        Action: s3:PutObject', '        Resource: "*"', '    attach: [GenAI]'];
    const withDeny = (t: string) => t.trimEnd() + '\n' + control.join('\n') + '\n';
    const waiving = (name: string) => (t: string) => withDeny(t) + `\nsimulate:\n  waive:\n    - scenario: "${name}"\n      reason: uploads are frozen by NoUploads; PrivateAcl stays for when the freeze lifts\n`;

    it('a wrong expectation fails simulate without a waiver', async () => {
      const r = await runCli(['simulate', '--cache', cache], { cwd: await exampleCopy('genai.yaml', withDeny) });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`FAIL +${failing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    });

    it('a waived scenario still runs, is reported with its reason, and does not fail simulate', async () => {
      const dir = await exampleCopy('genai.yaml', waiving(failing));
      const r = await runCli(['simulate', '--cache', cache], { cwd: dir });
      // No out/ here: the intent's own warnings are printed, nothing else.
      expect(diagnosticCodes(r.stderr)).toEqual(EXAMPLE_WARNINGS);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`waived  ${failing}`);
      expect(r.stdout).toContain(`waived (simulate.waive in the intent):\n  ${failing}: uploads are frozen by NoUploads; PrivateAcl stays for when the freeze lifts\n`);
      expect(r.stdout).toMatch(/; 1 failing waived\n/);
      const json = JSON.parse((await runCli(['simulate', '--cache', cache, '--json'], { cwd: dir })).stdout);
      expect(json.summary).toMatchObject({ failed: 0, waived: 1 });
      expect(json.results.find((x: { name: string }) => x.name === failing)).toMatchObject({ pass: false, waived: 'uploads are frozen by NoUploads; PrivateAcl stays for when the freeze lifts', decision: 'explicit-deny' });
    });

    it('a waiver that names no generated scenario is an error at its line, with did-you-mean', async () => {
      const typo = failing.replace('PrivateAcl', 'PrivatAcl');
      const r = await runCli(['simulate', '--cache', cache], { cwd: await exampleCopy('genai.yaml', waiving(typo)) });
      expect(r.code).toBe(2);
      const line = fs.readFileSync(path.join(PROJECT_ROOT, 'guardrails', 'genai.yaml'), 'utf8').trimEnd().split('\n').length + control.length + 4;
      expect(r.stderr).toContain(`guardrails/genai.yaml:${line}:17: error unknown-scenario: no generated scenario is named "${typo}"`);
      expect(r.stderr).toContain(`did you mean '${failing}'`);
    });

    it('a waiver of a declared test is an error: the test changes instead', async () => {
      const r = await runCli(['simulate', '--cache', cache], { cwd: await exampleCopy('genai.yaml', waiving('trusted partner reads a bucket tagged for partners')) });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('error waived-test');
    });
  });

  describe('scenarios from the conditions of deny-actions and custom statements', () => {
    const controls = (extra: string) => (t: string) => t.trimEnd() + '\n' + extra;
    const json = async (dir: string) => {
      const r = await runCli(['simulate', '--cache', cache, '--json'], { cwd: dir });
      return { code: r.code, out: JSON.parse(r.stdout) as { results: { name: string; pass: boolean; expected: string; decision: string; failure: string | null; request: { resource: { tags?: Record<string, string>; bucketAbac?: boolean }; context: Record<string, unknown> } }[]; unsimulated: string[] } };
    };

    it('a deny-actions condition: a request meeting it is denied, one missing it is let through', async () => {
      const dir = await exampleCopy('baseline.yaml', controls(`
  no-prod-bucket-deletes:
    kind: deny-actions
    actions: [s3:DeleteBucket]
    conditions: { StringEquals: { "aws:ResourceTag/env": prod } }
    exceptPrincipals: ["arn:aws:iam::*:role/BreakGlass"]
    attach: [Workloads]
`));
      const { code, out } = await json(dir);
      const mine = out.results.filter((x) => x.name.startsWith('no-prod-bucket-deletes: '));
      expect(mine.map((x) => [x.name, x.expected, x.pass])).toEqual([
        ['no-prod-bucket-deletes: s3:DeleteBucket meeting the condition of NoProdBucketDeletes is denied', 'deny by no-prod-bucket-deletes', true],
        // A deny on prod-tagged buckets does not apply where ABAC is off: AWS allows.
        ['no-prod-bucket-deletes: s3:DeleteBucket meeting the condition of NoProdBucketDeletes, but on a bucket without ABAC, whose tags do not count, is let through', 'not denied by no-prod-bucket-deletes', true],
        ['no-prod-bucket-deletes: s3:DeleteBucket missing the condition of NoProdBucketDeletes is let through', 'not denied by no-prod-bucket-deletes', true],
      ]);
      expect(mine[1]!.request.resource).toMatchObject({ tags: { env: 'prod' }, bucketAbac: false });
      expect(mine[1]!.decision).toBe('allow');
      // The tag is meant to count: on an S3 bucket, that takes ABAC enabled.
      expect(mine[0]!.request.resource).toMatchObject({ tags: { env: 'prod' }, bucketAbac: true });
      expect(mine[2]!.request.resource.tags?.env).not.toBe('prod');
      expect(code).toBe(0);
    });

    it('the sampled action is one whose requests carry the condition keys: of s3:GetObject and s3:PutObject, s3:PutObject carries s3:x-amz-acl', async () => {
      const dir = await exampleCopy('baseline.yaml', controls(`
  no-public-acls:
    kind: custom
    type: scp
    statements:
      - Sid: NoPublicAcls
        Effect: Deny
        Action: [s3:GetObject, s3:PutObject]
        Resource: "*"
        Condition: { StringEquals: { "s3:x-amz-acl": public-read } }
    attach: [Workloads]
`));
      const { code, out } = await json(dir);
      const mine = out.results.filter((x) => x.name.startsWith('no-public-acls: '));
      expect(mine.map((x) => [x.name, x.pass])).toEqual([
        ['no-public-acls: s3:PutObject meeting the condition of NoPublicAcls is denied', true],
        ['no-public-acls: s3:PutObject missing the condition of NoPublicAcls is let through', true],
      ]);
      expect(code).toBe(0);
    });

    it('a condition no generated request misses gets its "meets" scenario only, and is listed with the reason', async () => {
      // Every generated request carries aws:SecureTransport, so none misses "Null: false" on it.
      const dir = await exampleCopy('baseline.yaml', controls(`
  always-tls-known:
    kind: custom
    type: scp
    statements:
      - Sid: AlwaysTlsKnown
        Effect: Deny
        Action: s3:GetObject
        Resource: "*"
        Condition: { "Null": { "aws:SecureTransport": "false" } }
    attach: [Workloads]
`));
      const { out } = await json(dir);
      expect(out.results.filter((x) => x.name.startsWith('always-tls-known: ')).map((x) => x.name)).toEqual(['always-tls-known: s3:GetObject meeting the condition of AlwaysTlsKnown is denied']);
      expect(out.unsimulated).toContain('always-tls-known: statement AlwaysTlsKnown: no s3:GetObject request found that misses the whole condition (only the request that meets it is generated)');
    });

    it('conditions no request can be built for are counted, with the reason', async () => {
      const dir = await exampleCopy('baseline.yaml', controls(`
  only-from-home:
    kind: custom
    type: scp
    statements:
      - Sid: OnlyFromHome
        Effect: Deny
        Action: s3:GetObject
        Resource: "*"
        Condition: { StringNotEquals: { "aws:PrincipalAccount": "222222222201" } }
      - Sid: NoExcept
        Effect: Deny
        NotAction: s3:GetObject
        Resource: "*"
        Condition: { Bool: { "aws:SecureTransport": "false" } }
    attach: [Workloads]
`));
      const r = await runCli(['simulate', '--cache', cache], { cwd: dir });
      expect(r.stdout).toContain("2 conditions of Deny statements without generated scenarios (only the intent's tests check them):\n  only-from-home: statement OnlyFromHome: StringNotEquals aws:PrincipalAccount: a key the request derives from its principal\n  only-from-home: statement NoExcept: written with NotAction\n");
      expect((await json(dir)).out.unsimulated).toHaveLength(2);
    });
  });

  it('a test can mark its resource as an AWS managed KMS key, which RCPs do not govern', async () => {
    const test = (name: string, managed: boolean) => `
  - name: ${name}
    request:
      principal: arn:aws:iam::999999999999:role/intruder
      principalOrgId: o-zzzzzzzzzz
      action: kms:Decrypt
      resource: arn:aws:kms:us-east-1:333333333301:key/1234abcd-12ab-34cd-56ef-1234567890ab
${managed ? '      awsManagedKmsKey: true\n' : ''}    expect: ${managed ? 'allow' : 'deny'}
`;
    const dir = await exampleCopy('tests.yaml', (t) => t.trimEnd() + '\n' + test('an outsider uses an AWS managed key', true) + test('an outsider uses a customer managed key', false));
    const r = await runCli(['simulate', '--cache', cache, '--json'], { cwd: dir });
    // No out/ here: the intent's warnings are printed; no error.
    expect(r.stderr).toMatch(/^(\S+:\d+:\d+: warning [^\n]*\n(?: [^\n]*\n)*)*$/);
    const out = JSON.parse(r.stdout);
    const managed = out.results.find((x: { name: string }) => x.name === 'an outsider uses an AWS managed key');
    expect(managed).toMatchObject({ pass: true, decision: 'allow' });
    expect(managed.request.resource.awsManagedKmsKey).toBe(true);
    expect(out.results.find((x: { name: string }) => x.name === 'an outsider uses a customer managed key')).toMatchObject({ pass: true, decision: 'explicit-deny' });
  });

  it('an allow lists the allowing statement of every level in the JSON', async () => {
    const r = await runCli(['simulate', '--cache', cache, '--json'], { cwd: await exampleCopy() });
    const out = JSON.parse(r.stdout);
    const allowed = out.results.find((x: { name: string }) => x.name === 'org principal reads an org bucket over TLS 1.3');
    expect(allowed.decision).toBe('allow');
    const levels = allowed.allowedBy.map((a: { kind: string; level: string; policy: string }) => `${a.kind} ${a.level} ${a.policy}`);
    expect(levels).toContain('scp Root FullAWSAccess');
    expect(levels).toContain('rcp Root RCPFullAWSAccess');
    expect(levels.filter((l: string) => l.startsWith('scp ')).length).toBeGreaterThanOrEqual(3);
    expect(allowed.reason).toMatch(/^allowed by SCP FullAWSAccess statement 1 at Root; /);
  });

  it('prints every result as JSON, with the deciding statement', async () => {
    const r = await runCli(['simulate', '--cache', cache, '--json'], { cwd: await exampleCopy() });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary.failed).toBe(0);
    const outsider = out.results.find((x: { name: string }) => x.name === 'outside principal cannot read an org bucket');
    expect(outsider).toMatchObject({ expected: 'deny by only-org-principals', pass: true, decision: 'explicit-deny', decidedBy: { kind: 'rcp', policy: 'guardrails-rcp-only-org-principals', level: 'Root/Workloads' } });
    const kinds = new Set(out.results.filter((x: { origin: string }) => x.origin === 'generated').map((x: { control: string }) => x.control));
    for (const c of ['only-org-principals', 'tls-minimum', 'approved-bedrock-models', 'no-long-term-credentials', 'allowed-regions']) expect(kinds).toContain(c);
  });

  it.each([
    ['the perimeter no longer covers S3', 'data-perimeter.yaml', (t: string) => t.replace('services: [s3, kms,', 'services: [kms,').replace('        services: [s3]\n', '        services: [kms]\n'), 'outside principal cannot read an org bucket'],
    ['the TLS minimum drops to 1.0', 'data-perimeter.yaml', (t: string) => t.replace('minVersion: "1.2"', 'minVersion: "1.0"'), 'S3 over TLS 1.1 is denied'],
    ['an unapproved model is approved', 'genai.yaml', (t: string) => t.replace('- amazon.titan-text-express-v1', '- amazon.titan-text-express-v1\n      - deepseek.r1-v1:0'), 'approved-bedrock-models: invoking the unapproved model'],
    ['everyone is excepted from the credentials guardrail', 'baseline.yaml', (t: string) => t.replace('exceptPrincipals: ["arn:aws:iam::*:role/BreakGlass"]\n    attach: [Workloads, Sandbox, GenAI]', 'exceptPrincipals: ["arn:aws:iam::*:role/*"]\n    attach: [Workloads, Sandbox, GenAI]'), 'developers cannot create access keys'],
  ])('fails with exit 1 and a clear table when a control is weakened: %s', async (_, file, edit, failing) => {
    const dir = await exampleCopy(file, edit);
    const junit = path.join(dir, 'junit.xml');
    const r = await runCli(['simulate', '--cache', cache, '--junit', junit], { cwd: dir });
    expect(r.code).toBe(1);
    const line = r.stdout.split('\n').find((l) => l.startsWith('FAIL') && l.includes(failing));
    expect(line, r.stdout).toBeDefined();
    expect(r.stdout).toMatch(/\d+ FAILED/);
    const xml = fs.readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites tests="\d+" failures="[1-9]\d*">/);
    expect(xml).toContain('<failure message=');
    // The failing case names the file and line where it is written, relative to the repository: the
    // declared test, or the control a generated scenario comes from.
    const testcase = xml.split('\n').find((l) => l.includes(`name="${failing}`) && l.includes('<failure'))!;
    const control = /^([a-z-]+): /.exec(failing)?.[1];
    const [where, pattern] = control ? [file, `  ${control}:`] : ['tests.yaml', `  - name: ${failing}`];
    const written = fs.readFileSync(path.join(dir, 'guardrails', where), 'utf8').split('\n').indexOf(pattern) + 1;
    expect(written).toBeGreaterThan(0);
    expect(testcase).toContain(` file="guardrails/${where}" line="${written}">`);
    expect(xml).not.toContain(dir);
    expect(xml.match(/<testcase [^>]*file="guardrails\/[a-z-]+\.yaml" line="\d+"/g)!.length).toBe(Number(/<testsuites tests="(\d+)"/.exec(xml)![1]));
  });
});

describe('generated scenarios prove the protections they name', () => {
  /** Compiles the example organization in-process, then drops the statements of the given roles. */
  async function simulateWithout(drop: RegExp) {
    const files = fs.readdirSync(path.join(PROJECT_ROOT, 'guardrails')).filter((f) => f.endsWith('.yaml')).map((f) => path.join(PROJECT_ROOT, 'guardrails', f));
    const { intent } = await loadIntent({ cwd: PROJECT_ROOT, files });
    const ref = await reference2026();
    const compiled = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: PROJECT_ROOT });
    expect(compiled.ok).toBe(true);
    const kept = compiled.policies.map((p) => ({ ...p, statements: p.statements.filter((s) => !s.origins.some((o) => drop.test(o.draft.role))) }));
    const removed = compiled.policies.reduce((n, p) => n + p.statements.length, 0) - kept.reduce((n, p) => n + p.statements.length, 0);
    return { removed, results: simulate(intent!, { ...compiled, policies: kept }, ref.index).results };
  }
  const failing = (results: ScenarioResult[]) => results.filter((r) => !r.pass).map((r) => r.scenario.name);

  it('the example passes with every statement', async () => {
    const { results } = await simulateWithout(/^$/);
    expect(failing(results)).toEqual([]);
    const names = results.map((r) => r.scenario.name);
    expect(names).toContain('only-org-principals: a principal of the organization cannot call s3:PutBucketTagging, whose request does not name tag keys (it could set partner-access-exception)');
    expect(names.some((n) => /which the SCP companion does not reach, cannot set dp:exclude:identity/.test(n))).toBe(true);
  });

  it('s3:PutBucketAbac, which decides whether bucket tags count, is protected like the tagging actions that name no tag key', async () => {
    const { results } = await simulateWithout(/^$/);
    const abac = results.filter((r) => r.scenario.request.action === 's3:PutBucketAbac');
    expect(abac.map((r) => r.scenario.name)).toContain('only-org-principals: a principal of the organization cannot turn bucket ABAC on or off (s3:PutBucketAbac), which decides whether partner-access-exception counts on a bucket');
    expect(abac.some((r) => /which the SCP companion does not reach, cannot turn ABAC on or off/.test(r.scenario.name))).toBe(true);
    for (const r of abac) expect(r.pass, r.scenario.name).toBe(true);
    const ref = await reference2026();
    const { intent } = await loadIntent({ cwd: PROJECT_ROOT });
    const compiled = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: PROJECT_ROOT });
    const id = ref.index.action('s3:PutBucketAbac')!.id;
    for (const role of [/-tag-unconstrained$/, /-tag-unconstrained-rcp$/]) {
      const statements = compiled.policies.flatMap((p) => p.statements).filter((s) => s.origins.some((o) => role.test(o.draft.role)));
      expect(statements.length, String(role)).toBeGreaterThan(0);
      expect(statements.some((s) => s.intended.has(id)), String(role)).toBe(true);
    }
  });

  it.each([
    ['the unconstrained-tagging SCP companions', /-tag-unconstrained(-\d+)?$/, /cannot call s3:PutBucketTagging on a resource of the management account/],
    ['the unconstrained-tagging RCP companions', /-tag-unconstrained-rcp(-\d+)?$/, /does not reach, cannot (call s3:PutBucketTagging|turn ABAC on or off on a bucket)/],
    ['the tag-key RCP companions', /-tag-rcp(-\d+)?$/, /does not reach, cannot set (partner-access-exception|dp:exclude:identity)/],
    ['the Bedrock cross-Region inference statement', /^bedrock-cross-region-inference$/, /Bedrock inference (routed to \S+ through a (global|apac)\. profile .*|in \S+ without an inference profile) is denied$/],
    ['the Mantle model statement', /^mantle-model-allowlist$/, /Mantle inference with the unapproved model/],
    ['the Marketplace statement for subscriptions that name no product', /^marketplace-subscribe-unnamed$/, /a subscription that names no product is denied/],
    ['the tag-key SCP companions', /^protect-[a-z-]*exception-tag(-\d+)?$/, /cannot set (partner-access-exception|dp:exclude:identity) (on a resource of the management account|with iam:Tag\w+, which RCPs do not cover)/],
  ])('without %s, the scenarios that name them fail', async (_, drop, expected) => {
    const { removed, results } = await simulateWithout(drop);
    expect(removed).toBeGreaterThan(0);
    const failed = failing(results);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((n) => expected.test(n) || /another casing/.test(n)), failed.join('\n')).toBe(true);
  });
});

describe('generated scenarios', () => {
  async function exampleSimulation() {
    const ref = await reference2026();
    const { intent } = await loadIntent({ cwd: PROJECT_ROOT });
    const compiled = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: PROJECT_ROOT });
    return simulate(intent!, compiled, ref.index);
  }

  it('name a Region, and where the mission says allowed they expect a real end-to-end allow', async () => {
    const sim = await exampleSimulation();
    const generated = sim.results.filter((r) => r.scenario.origin === 'generated');
    for (const r of generated) expect(r.scenario.request.region, r.scenario.name).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    const allowed = (pattern: RegExp) => generated.filter((r) => pattern.test(r.scenario.name));
    for (const pattern of [
      /^only-org-principals: a principal of the organization may [\w-]+:\w+$/,
      /^only-org-principals: the AWS service principal .* may .* on behalf of the organization/,
      /^only-org-principals: partner \d+ may .* on a resource tagged [^,]*$/,
      /^tls-minimum: S3 over TLS 1\.2 is allowed/,
      /^approved-bedrock-models: invoking the approved model .* is allowed/,
      /^approved-bedrock-models: the approved model through the cross-Region profile/,
      /^approved-bedrock-models: the approved model in .*, reached through the cross-Region profile/,
      /^approved-bedrock-models: the excepted principal may invoke an unapproved model/,
    ]) {
      const found = allowed(pattern);
      expect(found.length, String(pattern)).toBeGreaterThan(0);
      for (const r of found) {
        expect(r.scenario.expect, r.scenario.name).toEqual({ kind: 'allow' });
        expect(r.decision.decision, `${r.scenario.name}: ${r.decision.reason}`).toBe('allow');
        expect(r.pass).toBe(true);
      }
    }
  });

  it('scenarios that rely on S3 bucket tags come in both ABAC states: enabled the tag opens the exception, disabled it does not count', async () => {
    const sim = await exampleSimulation();
    const on = sim.results.filter((r) => /^only-org-principals: partner \d+ may s3:\w+ on a resource tagged .* \(bucket ABAC enabled\)$/.test(r.scenario.name));
    const off = sim.results.filter((r) => /^only-org-principals: partner \d+ may s3:\w+ on a resource tagged .*, but bucket ABAC is disabled, so its tags do not count$/.test(r.scenario.name));
    expect(on.length).toBeGreaterThan(0);
    expect(off.length).toBe(on.length);
    for (const r of on) expect([r.scenario.request.resource.bucketAbac, r.decision.decision, r.pass]).toEqual([true, 'allow', true]);
    for (const r of off) {
      expect(r.scenario.request.resource.bucketAbac).toBe(false);
      expect(r.scenario.expect).toEqual({ kind: 'deny', by: 'only-org-principals' });
      expect([r.decision.decision, r.pass]).toEqual(['explicit-deny', true]);
    }
    // The declared test without bucketAbac: the partner tag opens nothing.
    const declared = sim.results.find((r) => r.scenario.name === 'trusted partner cannot read a partner-tagged bucket without ABAC')!;
    expect([declared.decision.decision, declared.pass]).toEqual(['explicit-deny', true]);
  });

  it('an allow expectation fails when another guardrail denies: the same request without its Region is denied by the region guardrail', async () => {
    const sim = await exampleSimulation();
    const approved = sim.results.find((r) => /^approved-bedrock-models: invoking the approved model/.test(r.scenario.name))!;
    const { region: _region, ...withoutRegion } = approved.scenario.request;
    const scenario = { ...approved.scenario, request: withoutRegion };
    const r = judge(scenario, evaluateScenario(sim.world, scenario), 'local');
    expect(r.pass).toBe(false);
    expect(r.failure).toMatch(/expected allow, got deny by allowed-regions/);
  });
});

describe('generated scenarios never fail a correct intent', () => {
  const EXTRA = `version: 1
conditionKeys:
  accept:
    - { key: "s3:NewKey", reason: "announced, not yet in the service reference" }
controls:
  sse: { kind: custom, type: scp, attach: [Workloads], statements: [ { Effect: Deny, Action: "s3:PutObject", Resource: "*", Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, "Null": { "s3:x-amz-server-side-encryption": "false" } } } ] }
  tls12: { kind: deny-actions, type: rcp, actions: ["s3:*"], conditions: { NumericLessThan: { "s3:TlsVersion": "1.2" } }, attach: [Security] }
  acl: { kind: deny-actions, actions: ["s3:Put*"], conditions: { StringEquals: { "s3:x-amz-acl": [public-read, public-read-write] } }, attach: [Security] }
  imdsv2: { kind: deny-actions, actions: [ec2:RunInstances], conditions: { StringNotEquals: { "ec2:MetadataHttpTokens": required } }, attach: [Workloads] }
  a1: { kind: deny-actions, actions: [s3:GetObject], conditions: { StringEquals: { "s3:NewKey": "x" } }, attach: [Security] }
`;
  let sim: ReturnType<typeof simulate>;
  beforeAll(async () => {
    const dir = await exampleCopy();
    fs.writeFileSync(path.join(dir, 'guardrails', 'extra.yaml'), EXTRA);
    const ref = await reference2026();
    const { intent } = await loadIntent({ cwd: dir });
    const compiled = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: dir });
    expect(compiled.ok).toBe(true);
    sim = simulate(intent!, compiled, ref.index);
  });
  const of = (control: string) => sim.results.filter((r) => r.scenario.control === control);

  it('every generated scenario passes, and each conditional control gets a request that meets and one that misses', () => {
    expect(sim.results.filter((r) => !r.pass).map((r) => `${r.scenario.name}: ${r.failure}`)).toEqual([]);
    for (const id of ['sse', 'tls12', 'acl', 'imdsv2', 'a1']) {
      const names = of(id).map((r) => r.scenario.name);
      expect(names.some((n) => / meeting the condition of \w+ is denied$/.test(n)), `${id}: ${names.join('; ')}`).toBe(true);
      expect(names.some((n) => / missing the condition of \w+ is let through$/.test(n)), `${id}: ${names.join('; ')}`).toBe(true);
    }
  });

  it('the sample action carries every key of the condition (not one of s3:* that cannot carry s3:TlsVersion)', () => {
    const carries = (action: string, key: string) => {
      const a = sim.world.reference.action(action)!;
      const keys = [...a.conditionKeys, ...a.resourceTypes.flatMap((rt) => sim.world.reference.service(a.service)?.resourceTypes.get(rt.toLowerCase())?.conditionKeys ?? [])];
      return keys.some((k) => k.toLowerCase() === key.toLowerCase());
    };
    for (const [id, key] of [['tls12', 's3:TlsVersion'], ['acl', 's3:x-amz-acl']] as const) {
      for (const r of of(id)) expect(carries(r.scenario.request.action, key), r.scenario.name).toBe(true);
    }
  });

  it('a region-deny scenario on a request another control denies claims only "not denied by" the region control', () => {
    const regions = of('allowed-regions').filter((r) => /imdsv2 denies it/.test(r.scenario.name));
    expect(regions.map((r) => r.scenario.name)).toEqual([
      'allowed-regions: ec2:RunInstances in us-east-1 is allowed as far as allowed-regions goes (imdsv2 denies it)',
      'allowed-regions: the excepted principal BreakGlass may work in ap-southeast-2 as far as allowed-regions goes (imdsv2 denies it)',
    ]);
    for (const r of regions) {
      expect(r.scenario.expect).toEqual({ kind: 'not-denied-by', control: 'allowed-regions' });
      expect(r.decision.decision).toBe('explicit-deny');
    }
  });

  it('a key the intent accepts is carried on trust: its statement is simulated, not reported as never applying', () => {
    const meets = of('a1').find((r) => /meeting the condition/.test(r.scenario.name))!;
    expect(meets.scenario.request.context?.['s3:NewKey']).toBe('x');
    expect([meets.decision.decision, meets.pass]).toEqual(['explicit-deny', true]);
  });
});
