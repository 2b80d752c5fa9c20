import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IAMClient } from '@aws-sdk/client-iam';
import { compile } from '../../src/compile/index.js';
import { loadIntent } from '../../src/intent/index.js';
import { evaluateScenario, judge, simulate } from '../../src/simulate/index.js';
import { runWithAws } from '../../src/simulate/aws-engine.js';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli } from '../support/cli.js';
import { startIamQueryServer, type IamQueryServer } from '../support/iam-query-server.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { reference2026 } from '../support/reference.js';
import { tempDir } from '../support/temp.js';

let server: IamQueryServer;
let cache: string;
beforeAll(async () => {
  const ref = await reference2026();
  server = await startIamQueryServer(ref.index);
  cache = path.join(await tempDir(), 'cache');
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
});
afterAll(() => server.close());

const env = () => ({ CI: 'true', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_IAM: server.url });

async function exampleSimulation() {
  const ref = await reference2026();
  const { intent } = await loadIntent({ cwd: PROJECT_ROOT });
  const compiled = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: PROJECT_ROOT });
  return simulate(intent!, compiled, ref.index);
}

function client(): IAMClient {
  return new IAMClient({ region: 'us-east-1', endpoint: server.url, maxAttempts: 1, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
}

describe('the IAM policy simulator backend', () => {
  it('sends SCP scenarios with the SCP chain level by level, batched; RCP scenarios stay local', async () => {
    const sim = await exampleSimulation();
    server.calls.length = 0;
    const results = await runWithAws(sim.world, sim.scenarios, sim.results, { env: {}, client: client(), baseDelayMs: 5 });
    const aws = results.filter((r) => r.engine === 'aws');
    const local = results.filter((r) => r.engine === 'local');
    expect(aws.length).toBeGreaterThan(10);
    expect(local.length).toBeGreaterThan(10);
    expect(results.every((r) => r.pass)).toBe(true);
    // Every RCP-governed scenario stayed local.
    for (const r of aws) expect(r.decision.rcp).not.toBe(true);
    // Batching: fewer calls than scenarios, and the chain root -> OUs -> account as separate levels.
    expect(server.calls.length).toBeLessThan(aws.length);
    expect(server.calls.some((c) => c.actions.length > 1)).toBe(true);
    const call = server.calls.find((c) => c.levels.length === 4)!;
    expect(call.levels[0]!.some((t) => t.includes('"Action":"*"'))).toBe(true);
    expect(call.policies).toEqual(['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}']);
    expect(call.context.find((e) => e.key === 'aws:securetransport')).toEqual({ key: 'aws:securetransport', values: ['true'], type: 'boolean' });
  });

  it('retries throttling and follows pages', async () => {
    const sim = await exampleSimulation();
    server.calls.length = 0;
    server.throttleNext(2);
    server.pageSize(2);
    try {
      const results = await runWithAws(sim.world, sim.scenarios, sim.results, { env: {}, client: client(), baseDelayMs: 5 });
      expect(results.filter((r) => r.engine === 'aws').every((r) => r.pass)).toBe(true);
      expect(server.calls.filter((c) => c.marker !== undefined).length).toBeGreaterThan(0);
    } finally {
      server.pageSize(undefined);
    }
  });

  it('fails clearly on an error reply and when throttling never ends', async () => {
    const sim = await exampleSimulation();
    server.failWith('MalformedPolicyDocument', 'Syntax errors in policy.');
    await expect(runWithAws(sim.world, sim.scenarios, sim.results, { env: {}, client: client(), baseDelayMs: 5 })).rejects.toThrow(/IAM SimulateCustomPolicy failed: MalformedPolicyDocument(Exception)?: Syntax errors in policy\./);
    server.failWith(undefined);
    server.failWith(undefined);
    server.throttleNext(100);
    await expect(runWithAws(sim.world, sim.scenarios, sim.results, { env: {}, client: client(), attempts: 3, baseDelayMs: 5 })).rejects.toThrow(/Throttling.*after 3 attempts/);
    server.throttleNext(0);
  });

  it("takes the deciding statement from AWS's MatchedStatements, mapped back to our policy, level and statement", async () => {
    const sim = await exampleSimulation();
    const results = await runWithAws(sim.world, sim.scenarios, sim.results, { env: {}, client: client(), baseDelayMs: 5 });
    const r = results.find((x) => x.scenario.name === 'developers cannot create access keys')!;
    expect(r.engine).toBe('aws');
    expect(r.pass).toBe(true);
    expect(r.decision.decidedBy).toMatchObject({ kind: 'scp', level: 'Root/Workloads', sid: 'NoLongTermCredentials', tag: { controls: ['no-long-term-credentials'] } });
    expect(r.decision.decidedBy!.policy).toMatch(/^guardrails-scp-.*no-long-term-credentials/);
    expect(r.decision.reason).toMatch(/^IAM policy simulator: explicitDeny \(OrganizationPolicy\.\d+\.\d+@1:\d+\)$/);
  });

  it("AWS's answer decides: an explicit deny for everything fails every scenario AWS was asked about that is not an explicit deny locally, showing both decisions", async () => {
    const sim = await exampleSimulation();
    server.answer('explicitDeny');
    try {
      const results = await runWithAws(sim.world, sim.scenarios, sim.results, { env: {}, client: client(), baseDelayMs: 5 });
      const aws = results.filter((r) => r.engine === 'aws');
      const disagreeing = aws.filter((r) => sim.results[results.indexOf(r)]!.decision.decision !== 'explicit-deny');
      expect(disagreeing.length).toBeGreaterThan(10);
      for (const r of disagreeing) {
        expect(r.pass, r.scenario.name).toBe(false);
        expect(r.decision.decision).toBe('explicit-deny');
        expect(r.failure).toMatch(/^the engines disagree: the IAM policy simulator says explicit-deny \(IAM policy simulator: explicitDeny\), the local engine says allow/);
      }
      // Where both deny, AWS names no statement here: a scenario that expects a control to deny cannot pass on the local engine's word.
      for (const r of aws.filter((x) => x.scenario.expect.kind === 'deny' && 'by' in x.scenario.expect && x.scenario.expect.by)) {
        expect(r.pass, r.scenario.name).toBe(false);
        expect(r.decision.decidedBy).toBeUndefined();
      }
      expect(aws.filter((r) => !r.pass).length).toBeGreaterThan(aws.length / 2);
    } finally {
      server.answer(undefined);
    }
  });

  it('an allow from AWS where the local engine denies fails the scenario', async () => {
    const sim = await exampleSimulation();
    server.answer((action) => (action.toLowerCase() === 'iam:createaccesskey' ? 'allowed' : undefined));
    try {
      const results = await runWithAws(sim.world, sim.scenarios, sim.results, { env: {}, client: client(), baseDelayMs: 5 });
      const failed = results.filter((r) => !r.pass);
      expect(failed.map((r) => r.scenario.name).sort()).toEqual(['developers cannot create access keys', 'no-long-term-credentials: iam:CreateAccessKey is denied']);
      for (const r of failed) expect(r.failure).toMatch(/the IAM policy simulator says allow .* the local engine says explicit-deny/);
    } finally {
      server.answer(undefined);
    }
  });

  it('for resource "*" it reads the result whose EvalResourceName is "*"', async () => {
    const sim = await exampleSimulation();
    const i = sim.scenarios.findIndex((x) => x.name === 'developers cannot create access keys');
    const onArn = sim.scenarios[i]!;
    const onStar = { ...onArn, name: 'on every resource', request: { ...onArn.request, resource: { ...onArn.request.resource, arn: '*' } } };
    const scenarios = [onArn, onStar];
    const local = scenarios.map((x) => judge(x, evaluateScenario(sim.world, x), 'local'));
    server.calls.length = 0;
    server.answer((_action, resource) => (resource === '*' ? 'explicitDeny' : 'allowed'));
    try {
      const results = await runWithAws(sim.world, scenarios, local, { env: {}, client: client(), baseDelayMs: 5 });
      expect(server.calls).toHaveLength(1);
      expect(server.calls[0]!.resources).toEqual([onArn.request.resource.arn, '*']);
      expect(results[1]!.decision.decision).toBe('explicit-deny');
      expect(results[0]!.decision.decision).toBe('allow');
    } finally {
      server.answer(undefined);
    }
  });

  it('guardrails simulate --engine aws reports which engine decided, and needs credentials', async () => {
    const r = await runCli(['simulate', '--engine', 'aws', '--cache', cache, '--all'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pass\s+developers cannot create access keys\s+.*\s+aws\s*$/m);
    expect(r.stdout).toMatch(/pass\s+outside principal cannot read an org bucket\s+.*\s+local\s*$/m);
    const none = await runCli(['simulate', '--engine', 'aws', '--cache', cache], { env: { CI: 'true' } });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--engine aws needs AWS credentials');
  });
});
