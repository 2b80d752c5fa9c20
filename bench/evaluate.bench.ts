/**
 * Evaluations per second: our engine and @cloud-copilot/iam-simulate (the test oracle, a
 * devDependency), in the same run, on the same requests over the example organization's policies.
 * Both are timed in CPU time of this process after a warm-up (steady state), so that other work on
 * a shared machine does not decide the ratio.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { compile } from '../src/compile/index.js';
import { authorize, buildRequest, compilePolicy, type OrgChain } from '../src/evaluate/index.js';
import { loadIntent } from '../src/intent/index.js';
import { loadFromDirectory } from '../src/reference/index.js';
import { World } from '../src/simulate/index.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../test/support/paths.js';
import { Random, randomRequest } from '../test/support/random-requests.js';
import type { Figure } from './harness.js';

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const RESOURCE_ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] };

export async function benchEvaluate(): Promise<Figure[]> {
  const r = await loadFromDirectory(SNAPSHOT_2026);
  const { intent } = await loadIntent({ cwd: PROJECT_ROOT });
  const compiled = compile({ intent: intent!, reference: r.index, referenceManifest: r.manifest, root: PROJECT_ROOT });
  const world = new World(intent!, intent!.tree!, compiled, r.index);
  const covered = r.index.emptySet();
  for (const p of compiled.policies) for (const s of p.statements) if (s.element === 'Action') covered.addAll(s.intended);
  const population = {
    orgId: world.orgId,
    managementAccount: world.managementAccount,
    accounts: world.tree.accounts.map((a) => a.id!).filter((id) => id !== world.managementAccount),
    outsideAccounts: ['999999999999', '888888888801'],
    regions: ['us-east-1', 'eu-central-1', 'ap-southeast-2'],
    covered,
    tags: [{ key: 'partner-access-exception', value: 'trusted-partner' }],
  };
  const random = new Random(99);
  const requests = Array.from({ length: 2000 }, () => randomRequest(r.index, population, random).spec);
  const identity = compilePolicy('AllowAll', [{ effect: 'Allow', action: ['*'], resource: ['*'] }], r.index);
  const resourcePolicy = compilePolicy('ResourceAllowAll', [{ effect: 'Allow', principal: '*', action: ['*'], resource: ['*'] }], r.index);

  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  // Ours: request building, chains and the decision, per request; several passes after warm-up passes.
  const ours = () => {
    for (const spec of requests) {
      const request = buildRequest(spec, r.index);
      authorize({ request, managementAccount: world.managementAccount, scp: world.chain(request.principalAccount, 'scp'), rcp: world.chain(request.resourceAccount, 'rcp'), identity: [identity], resourcePolicy, supportsRcp: (s) => r.index.supportsRcp(s) });
    }
  };
  for (let i = 0; i < 3; i++) ours();
  const passes = 10;
  let start = cpuMs();
  for (let i = 0; i < passes; i++) ours();
  const oursPerSecond = (passes * requests.length) / ((cpuMs() - start) / 1000);

  // The oracle, on the same requests and policies.
  const levels = (chain: OrgChain | undefined, type: 'scp' | 'rcp') =>
    (chain?.levels ?? []).map((level) => ({
      orgIdentifier: level.label.startsWith('account ') ? level.label.slice(8) : (world.tree.resolve(level.label) as { node: { id?: string } }).node.id!,
      policies: level.policies.filter((p) => type === 'scp' || p.name !== 'RCPFullAWSAccess').map((p) => ({ name: p.name, policy: p.name === 'FullAWSAccess' ? ALLOW_ALL : JSON.parse(compiled.policies.find((x) => x.name === p.name)!.text) })),
    }));
  const simulations: Simulation[] = requests.map((spec) => {
    const request = buildRequest(spec, r.index);
    const context: Record<string, string | string[]> = {};
    for (const key of request.context.keys()) {
      const e = request.context.get(key)!;
      context[key] = e.multivalued ? e.values : e.values[0]!;
    }
    return {
      request: { principal: spec.principal.id, action: request.action, resource: { resource: request.resource, accountId: request.resourceAccount ?? '' }, contextVariables: context },
      identityPolicies: [{ name: 'AllowAll', policy: ALLOW_ALL }],
      resourcePolicy: RESOURCE_ALLOW_ALL,
      serviceControlPolicies: request.isAwsService ? [] : levels(world.chain(request.principalAccount, 'scp'), 'scp'),
      resourceControlPolicies: levels(world.chain(request.resourceAccount, 'rcp'), 'rcp'),
    };
  });
  for (const s of simulations.slice(0, 200)) await runSimulation(s, {});
  start = cpuMs();
  for (const s of simulations) await runSimulation(s, {});
  const oraclePerSecond = simulations.length / ((cpuMs() - start) / 1000);
  return [
    { name: 'evaluate: our engine', value: oursPerSecond, unit: '/s', note: `${requests.length.toLocaleString('en-US')} requests over the example organization's SCP and RCP chains, ${passes} passes, CPU time` },
    { name: 'evaluate: @cloud-copilot/iam-simulate', value: oraclePerSecond, unit: '/s', note: 'the same requests and policies, CPU time' },
    { name: 'evaluate: ratio', value: oursPerSecond / oraclePerSecond, unit: 'x', note: 'goal: at least 100' },
  ];
}
