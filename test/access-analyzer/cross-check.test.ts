/**
 * The cross-check module against the local ValidatePolicy fake (test/support/access-analyzer-server.ts),
 * which is as strict as AWS: what it refuses, and how the check treats a service that refuses, pages
 * without end, answers nonsense or does not answer at all.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessAnalyzerClient, ValidatePolicyCommand } from '@aws-sdk/client-accessanalyzer';
import { compile } from '../../src/compile/index.js';
import { loadIntent } from '../../src/intent/index.js';
import { AccessAnalyzerError, crossCheck, validatePolicies } from '../../src/access-analyzer/index.js';
import { startAccessAnalyzerServer, type AccessAnalyzerServer } from '../support/access-analyzer-server.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { reference2026 } from '../support/reference.js';

let server: AccessAnalyzerServer;
beforeAll(async () => {
  server = await startAccessAnalyzerServer();
});
afterAll(() => server.close());
afterEach(() => server.hang(false));

const env = (): NodeJS.ProcessEnv => ({ AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_ACCESSANALYZER: server.url, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });

describe('the cross-check, against a strict fake', () => {
  let policies: Awaited<ReturnType<typeof examplePolicies>>;
  async function examplePolicies() {
    const ref = await reference2026();
    const { intent } = await loadIntent({ cwd: PROJECT_ROOT });
    const result = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: PROJECT_ROOT });
    return { intent: intent!, policies: result.policies };
  }
  beforeAll(async () => {
    policies = await examplePolicies();
  });
  const client = () => new AccessAnalyzerClient({ region: 'us-east-1', endpoint: server.url, maxAttempts: 1, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });

  it.each([
    ['an unknown policyType', { policyType: 'NETWORK_CONTROL_POLICY', policyDocument: '{}' }, /ValidationException|Member must satisfy enum value set/],
    ['a resource type for an SCP', { policyType: 'SERVICE_CONTROL_POLICY', policyDocument: '{}', validatePolicyResourceType: 'AWS::S3::Bucket' }, /applies to RESOURCE_POLICY only/],
    ['a document over the quota of its type', { policyType: 'RESOURCE_CONTROL_POLICY', policyDocument: `{"Version":"2012-10-17","Statement":[${'{"Effect":"Deny","Action":"s3:*","Resource":"*","Principal":"*"},'.repeat(80)}]}` }, /longer than 5120 characters/],
    ['a page token it did not issue', { policyType: 'SERVICE_CONTROL_POLICY', policyDocument: '{}', nextToken: 'forged' }, /Invalid pagination token/],
  ])('refuses %s, as AWS does', async (_, input, message) => {
    await expect(client().send(new ValidatePolicyCommand(input as never))).rejects.toThrow(message);
  });

  it('answers a document that is not JSON with an ERROR finding at the fault', async () => {
    const r = await client().send(new ValidatePolicyCommand({ policyType: 'SERVICE_CONTROL_POLICY', policyDocument: '{"Version":"2012-10-17",' }));
    expect(r.findings).toEqual([expect.objectContaining({ findingType: 'ERROR', issueCode: 'JSON_SYNTAX_ERROR' })]);
  });

  it('an oversized policy fails the check naming it and what AWS said', async () => {
    const big = { ...policies.policies.find((p) => p.type === 'rcp')!, name: 'too-big' };
    big.text = big.text.replace('"Statement":[', `"Statement":[${'{"Effect":"Deny","Action":"s3:*","Resource":"*","Principal":"*"},'.repeat(40)}`);
    await expect(validatePolicies([big], { client: client(), stop: new AbortController() })).rejects.toThrow(
      /^IAM Access Analyzer ValidatePolicy failed for policy too-big \(RESOURCE_CONTROL_POLICY, \d+ characters\): ValidationException: policyDocument is longer than 5120 characters$/,
    );
  });

  it('gives up at its deadline when the service does not answer, with every call aborted', async () => {
    server.hang(true);
    const started = Date.now();
    await expect(crossCheck({ ...policies, env: env(), timeoutMs: 300 })).rejects.toThrow(new AccessAnalyzerError('IAM Access Analyzer did not answer every ValidatePolicy call within 300 ms; nothing was decided'));
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('bounds the calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const slow = {
      send: async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return { findings: [] };
      },
    };
    const many = Array.from({ length: 12 }, (_, i) => ({ ...policies.policies[0]!, name: `p${i}` }));
    const r = await validatePolicies(many, { client: slow, stop: new AbortController(), concurrency: 3 });
    expect(r).toHaveLength(12);
    expect(most).toBe(3);
  });

  it.each([
    ['repeats a page token', () => ({ findings: [], nextToken: 'same' })],
    ['pages without end', (page: number) => ({ findings: [], nextToken: `t${page}` })],
    ['sends no list of findings', () => ({ findings: 'none' })],
  ])('stops, with an error, a server that %s', async (_, answer) => {
    let page = 0;
    const odd = { send: async () => answer(page++) };
    await expect(validatePolicies([policies.policies[0]!], { client: odd, stop: new AbortController() })).rejects.toThrow(AccessAnalyzerError);
    expect(page).toBeLessThanOrEqual(100);
  });
});
