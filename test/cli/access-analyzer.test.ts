/**
 * `validate --access-analyzer` and `compile --access-analyzer`: every compiled policy sent to IAM Access
 * Analyzer's ValidatePolicy (a local fake speaking its REST-JSON protocol,
 * test/support/access-analyzer-server.ts), each finding a diagnostic at the intent line it comes from, an
 * ERROR finding failing the run before out/ is written, nothing sent without the flag.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { locate, startAccessAnalyzerServer, type AccessAnalyzerServer, type FakeFinding, type PathElement } from '../support/access-analyzer-server.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';
import { treeHash } from '../support/tree-hash.js';

let server: AccessAnalyzerServer;
let repo: ExampleRepo;
beforeAll(async () => {
  server = await startAccessAnalyzerServer();
  repo = await compiledExampleRepo();
});
afterAll(() => server.close());
afterEach(() => {
  server.findings(undefined);
  server.throttleNext(0);
  server.pageSize(undefined);
  server.hang(false);
  server.calls.length = 0;
});

/** Credentials, a Region and the fake's endpoint, as a CI job would set them (no file of ~/.aws read). */
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  CI: 'true',
  AWS_ACCESS_KEY_ID: 'AKIDTEST',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_REGION: 'eu-west-1',
  AWS_ENDPOINT_URL_ACCESSANALYZER: server.url,
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  ...extra,
});

/** A copy of the example repository, out/ compiled: a test may change its intent. */
function copyOfRepo(name: string): string {
  const dir = path.join(path.dirname(repo.dir), `${name}-${Math.random().toString(36).slice(2)}`);
  fs.cpSync(repo.dir, dir, { recursive: true });
  return dir;
}
const cli = (args: string[], cwd: string, extra: NodeJS.ProcessEnv = {}) => runCli([...args, '--cache', repo.cache], { cwd, env: env(extra) });

/** The index of the statement with this Sid in a policy text, or -1. */
const statementIndex = (document: string, sid: string) => (JSON.parse(document) as { Statement: { Sid?: string }[] }).Statement.findIndex((s) => s.Sid === sid);

function finding(findingType: string, issueCode: string, findingDetails: string, locations: FakeFinding['locations']): FakeFinding {
  return { findingType, issueCode, findingDetails, learnMoreLink: `https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#${issueCode.toLowerCase()}`, locations };
}

/** Findings AWS could give the example's policies, each located as AWS locates them. */
const EXAMPLE_FINDINGS = (document: string, policyType: string): FakeFinding[] => {
  const out: FakeFinding[] = [];
  const sidAt = (sid: string) => document.indexOf(`"Sid":"${sid}"`);
  const credentials = statementIndex(document, 'NoLongTermCredentials');
  if (credentials >= 0) {
    // By path and span: the second action of the statement.
    const path: PathElement[] = [{ value: 'Statement' }, { index: credentials }, { value: 'Action' }, { index: 1 }];
    out.push(finding('ERROR', 'INVALID_ACTION', 'The action iam:CreateAccessKey does not exist.', [locate(document, '"iam:CreateAccessKey"', path, sidAt('NoLongTermCredentials'))]));
  }
  if (policyType === 'RESOURCE_CONTROL_POLICY' && statementIndex(document, 'TlsMinimumS3TlsVersion') >= 0) {
    // By span alone: AWS gives no path.
    out.push(finding('SECURITY_WARNING', 'MISSING_TLS_CONDITION', 'Consider aws:SecureTransport.', [locate(document, '"NumericLessThan"', [], sidAt('TlsMinimumS3TlsVersion'))]));
  }
  if (statementIndex(document, 'StayInOrganization') >= 0) {
    out.push(finding('SUGGESTION', 'REDUNDANT_VERSION', 'The Version is the default.', [locate(document, '"2012-10-17"', [{ value: 'Version' }])]));
    // A span outside the document: AWS's own error, or a hostile answer.
    out.push(finding('WARNING', 'OUT_OF_RANGE', 'Somewhere.', [{ path: [], span: { start: { line: 9, column: 0, offset: 99_999 }, end: { line: 9, column: 1, offset: 100_000 } } }]));
  }
  return out;
};

/** `file:line:col: severity code:` lines of stderr, with the line of the intent each points at. */
function printed(stderr: string, cwd: string): { where: string; severity: string; code: string; line: string }[] {
  return [...stderr.matchAll(/^(\S+):(\d+):(\d+): (error|warning) (access-analyzer-[a-z0-9-]+):/gm)].map((m) => ({
    where: `${m[1]}:${m[2]}`,
    severity: m[4]!,
    code: m[5]!,
    line: fs.readFileSync(path.join(cwd, m[1]!), 'utf8').split('\n')[Number(m[2]) - 1]!.trim(),
  }));
}

describe('compile --access-analyzer', () => {
  it('sends every SCP as SERVICE_CONTROL_POLICY and every RCP as RESOURCE_CONTROL_POLICY, as deployed, signed for the Region of the environment', async () => {
    const dir = copyOfRepo('sent');
    const r = await cli(['compile', '--access-analyzer'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\nIAM Access Analyzer \(eu-west-1\) validated 6 policies \(4 SCPs, 2 RCPs\): no findings\n$/);
    // The text sent is the canonical one rollout deploys: the policy of out/, and as many characters as the quota counted.
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'manifest.json'), 'utf8')) as { policies: { file: string; type: string; chars: number }[] };
    const canonical = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(canonical) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canonical(x)])) : v;
    const key = (x: { policyType: string; policy: unknown; chars: number }) => JSON.stringify(canonical(x));
    const expected = manifest.policies.map((p) => ({ policyType: p.type === 'scp' ? 'SERVICE_CONTROL_POLICY' : 'RESOURCE_CONTROL_POLICY', policy: JSON.parse(fs.readFileSync(path.join(dir, 'out', p.file), 'utf8')) as unknown, chars: p.chars }));
    const sent = server.calls.map((c) => ({ policyType: c.policyType, policy: JSON.parse(c.document) as unknown, chars: c.document.length }));
    expect(sent.map(key).sort()).toEqual(expected.map(key).sort());
    for (const c of server.calls) expect(c).toMatchObject({ region: 'eu-west-1', service: 'access-analyzer', accessKeyId: 'AKIDTEST', nextToken: undefined });
  });

  it('places each finding on the intent line its statement comes from, naming the policy file and statement; an ERROR fails the run and leaves out/ as it was', async () => {
    const dir = copyOfRepo('error');
    const baseline = path.join(dir, 'guardrails', 'baseline.yaml');
    // A change compile would write: out/ differs afterwards unless the run fails.
    fs.writeFileSync(baseline, fs.readFileSync(baseline, 'utf8').replace('      - iam:CreateUser\n', '      - iam:CreateUser\n      - iam:DeleteUser\n'));
    const before = await treeHash(path.join(dir, 'out'));
    server.findings(EXAMPLE_FINDINGS);
    const r = await cli(['compile', '--access-analyzer'], dir);
    expect(r.code).toBe(2);
    expect(await treeHash(path.join(dir, 'out'))).toBe(before);
    expect(r.stderr).toMatch(/\ncompile failed: 1 error, \d+ warnings; out\/ left as it was\n$/);
    expect(r.stderr).toContain('IAM Access Analyzer (eu-west-1) validated 6 policies (4 SCPs, 2 RCPs): 4 findings (1 error, 3 warnings)');
    const shown = printed(r.stderr, dir);
    expect(shown).toEqual([
      // The action AWS points at, where the intent lists it (one line lower for the action added above).
      expect.objectContaining({ where: 'guardrails/baseline.yaml:11', severity: 'error', code: 'access-analyzer-invalid-action', line: '- iam:CreateAccessKey' }),
      // The policy as a whole: its first control (one line lower, for the action added above).
      expect.objectContaining({ where: 'guardrails/baseline.yaml:17', severity: 'warning', code: 'access-analyzer-redundant-version', line: 'protect-security-services:' }),
      expect.objectContaining({ where: 'guardrails/baseline.yaml:17', severity: 'warning', code: 'access-analyzer-out-of-range' }),
      // The statement's own line: the parameter it comes from.
      expect.objectContaining({ where: 'guardrails/data-perimeter.yaml:42', severity: 'warning', code: 'access-analyzer-missing-tls-condition', line: 'minVersion: "1.2"' }),
    ]);
    expect(r.stderr).toMatch(
      /error access-analyzer-invalid-action: IAM Access Analyzer error on statement 1 \(Sid NoLongTermCredentials\) of policy guardrails-scp-allowed-regions\+no-long-term-credentials \(out\/guardrails-scp-allowed-regions\+no-long-term-credentials\.json:4\), at Statement\[0\]\.Action\[1\], from control no-long-term-credentials \(SCP\): The action iam:CreateAccessKey does not exist\.\n/,
    );
    expect(r.stderr).toMatch(/hint: AWS's issue code INVALID_ACTION; learn more: https:\/\/docs\.aws\.amazon\.com\/IAM\/latest\/UserGuide\/access-analyzer-reference-policy-checks\.html#invalid_action\n/);
    expect(r.stderr).toMatch(/warning access-analyzer-missing-tls-condition: IAM Access Analyzer security warning on statement 2 \(Sid TlsMinimumS3TlsVersion\) of policy guardrails-rcp-tls-minimum \(out\/guardrails-rcp-tls-minimum\.json:\d+\), from control tls-minimum \(RCP\)/);
    expect(r.stderr).toMatch(/warning access-analyzer-redundant-version: IAM Access Analyzer suggestion on policy guardrails-scp-protect-security-services\+stay-in-organization \(out\/[^)]+\) as a whole, at Version, controls protect-security-services, stay-in-organization \(SCP\)/);
    expect(r.stderr).toMatch(/IAM Access Analyzer warning on policy \S+ \(out\/[^)]+\) as a whole \(AWS located it at offset 99999, outside the \d+ characters sent\)/);
  });

  it('warnings and suggestions do not fail the run: out/ is written and the summary counts them', async () => {
    const dir = copyOfRepo('warnings');
    server.findings((document, type) => EXAMPLE_FINDINGS(document, type).filter((f) => f.findingType !== 'ERROR'));
    const r = await cli(['compile', '--access-analyzer'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/IAM Access Analyzer \(eu-west-1\) validated 6 policies \(4 SCPs, 2 RCPs\): 3 findings \(0 errors, 3 warnings\)\n$/);
    expect(printed(r.stderr, dir).map((d) => d.code)).toEqual(['access-analyzer-redundant-version', 'access-analyzer-out-of-range', 'access-analyzer-missing-tls-condition']);
  });

  it('flows into --json and --format sarif as diagnostics with their intent locations', async () => {
    const dir = copyOfRepo('machine');
    server.findings(EXAMPLE_FINDINGS);
    const json = await cli(['compile', '--access-analyzer', '--json'], dir);
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as { ok: boolean; diagnostics: { code: string; severity: string; location?: { file: string; line: number } }[] };
    expect(doc.ok).toBe(false);
    expect(doc.diagnostics.find((d) => d.code === 'access-analyzer-invalid-action')).toMatchObject({ severity: 'error', location: { file: 'guardrails/baseline.yaml', line: 10 } });
    const sarif = await cli(['compile', '--access-analyzer', '--format', 'sarif'], dir);
    const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] }).runs[0]!.results;
    const error = results.find((x) => x.ruleId === 'access-analyzer-invalid-action')!;
    expect(error.level).toBe('error');
    expect(error.locations[0]!.physicalLocation).toMatchObject({ artifactLocation: { uri: 'guardrails/baseline.yaml' }, region: { startLine: 10 } });
  });

  it('reads every page of findings (nextToken), and retries a throttled call as the SDK does', async () => {
    const dir = copyOfRepo('pages');
    server.findings((document) =>
      statementIndex(document, 'StayInOrganization') >= 0 ? [1, 2, 3].map((n) => finding('SUGGESTION', `PAGED_${n}`, `suggestion ${n}`, [locate(document, '"Version"', [{ key: 'Version' }])])) : [],
    );
    server.pageSize(1);
    server.throttleNext(1);
    const throttled = server.throttled();
    const r = await cli(['compile', '--access-analyzer'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(server.throttled()).toBe(throttled + 1);
    expect(printed(r.stderr, dir).map((d) => d.code)).toEqual(['access-analyzer-paged-1', 'access-analyzer-paged-2', 'access-analyzer-paged-3']);
    expect(server.calls.filter((c) => c.nextToken !== undefined)).toHaveLength(2);
  });

  it('fails with one clear error when throttling never ends (AWS_MAX_ATTEMPTS bounds the attempts), out/ untouched', async () => {
    const dir = copyOfRepo('throttled');
    const before = await treeHash(path.join(dir, 'out'));
    server.throttleNext(1000);
    const r = await cli(['compile', '--access-analyzer'], dir, { AWS_MAX_ATTEMPTS: '2' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error access-analyzer-failed: IAM Access Analyzer ValidatePolicy failed for policy \S+ \((SERVICE|RESOURCE)_CONTROL_POLICY, \d+ characters\): ThrottlingException: Rate exceeded \(after 2 attempts\)$/m);
    expect(await treeHash(path.join(dir, 'out'))).toBe(before);
  });

  it('sends nothing without the flag', async () => {
    const dir = copyOfRepo('noflag');
    const throttled = server.throttled();
    server.findings(EXAMPLE_FINDINGS);
    for (const command of ['compile', 'validate']) {
      const r = await cli([command], dir);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('Access Analyzer');
    }
    expect(server.calls).toEqual([]);
    expect(server.throttled()).toBe(throttled);
  });
});

describe('validate --access-analyzer', () => {
  it('validates what the intent compiles to, writes nothing, and an ERROR finding makes the intent invalid', async () => {
    const dir = copyOfRepo('validate');
    const before = await treeHash(dir);
    server.findings(EXAMPLE_FINDINGS);
    const r = await cli(['validate', '--access-analyzer'], dir);
    expect(r.code).toBe(2);
    expect(new Set(server.calls.map((c) => c.policyType))).toEqual(new Set(['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY']));
    expect(printed(r.stderr, dir)[0]).toMatchObject({ where: 'guardrails/baseline.yaml:10', severity: 'error', code: 'access-analyzer-invalid-action', line: '- iam:CreateAccessKey' });
    // No file to name: nothing is written.
    expect(r.stderr).toContain('IAM Access Analyzer error on statement 1 (Sid NoLongTermCredentials) of policy guardrails-scp-allowed-regions+no-long-term-credentials, at Statement[0].Action[1]');
    expect(r.stdout).toContain('IAM Access Analyzer (eu-west-1) validated 6 policies (4 SCPs, 2 RCPs): 4 findings (1 error, 3 warnings)\n');
    expect(await treeHash(dir)).toBe(before);
    server.findings(undefined);
    const clean = await cli(['validate', '--access-analyzer'], dir);
    expect(clean.code, clean.stderr).toBe(0);
  });
});

/**
 * The SDK's default provider chain reads the process environment and ~/.aws: these tests empty both
 * (and keep the chain away from the instance metadata service, which would wait on a network that has none).
 */
describe('credentials and Region', () => {
  let home: string;
  beforeEach(async () => {
    home = await tempDir();
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN']) vi.stubEnv(k, undefined);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('HOME', home);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(home, 'no-credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', path.join(home, 'no-config'));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const bare = { CI: 'true', AWS_ENDPOINT_URL_ACCESSANALYZER: () => server.url };

  it('with the flag and no credentials: a clear error, exit 2, nothing sent and out/ untouched', async () => {
    const dir = copyOfRepo('nocredentials');
    const before = await treeHash(path.join(dir, 'out'));
    const started = Date.now();
    const r = await runCli(['compile', '--access-analyzer', '--cache', repo.cache], { cwd: dir, env: { CI: bare.CI, AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_ACCESSANALYZER: bare.AWS_ENDPOINT_URL_ACCESSANALYZER() } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error access-analyzer-failed: --access-analyzer needs AWS credentials allowed access-analyzer:ValidatePolicy \(.*\); none could be loaded: .+$/m);
    expect(r.stderr).toMatch(/\ncompile failed: 1 error, \d+ warnings; out\/ left as it was\n$/);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.calls).toEqual([]);
    expect(await treeHash(path.join(dir, 'out'))).toBe(before);
  });

  it('takes the credentials and Region of a profile in ~/.aws (the default chain)', async () => {
    const dir = copyOfRepo('profile');
    fs.writeFileSync(path.join(home, 'credentials'), '[ci]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = secret\n');
    fs.writeFileSync(path.join(home, 'config'), '[profile ci]\nregion = ap-southeast-2\n');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(home, 'credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', path.join(home, 'config'));
    vi.stubEnv('AWS_PROFILE', 'ci');
    const r = await runCli(['validate', '--access-analyzer', '--cache', repo.cache], { cwd: dir, env: { CI: 'true', AWS_PROFILE: 'ci', AWS_ENDPOINT_URL_ACCESSANALYZER: server.url } });
    expect(r.code, r.stderr).toBe(0);
    expect(server.calls.length).toBe(6);
    for (const c of server.calls) expect(c).toMatchObject({ region: 'ap-southeast-2', accessKeyId: 'AKIDPROFILE' });
  });

  it('without a Region: a clear error', async () => {
    const dir = copyOfRepo('noregion');
    const r = await runCli(['validate', '--access-analyzer', '--cache', repo.cache], { cwd: dir, env: { CI: 'true', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_ACCESSANALYZER: server.url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error access-analyzer-failed: --access-analyzer needs an AWS Region \(AWS_REGION, or region in the profile's config\); none is set/m);
    expect(server.calls).toEqual([]);
  });
});
