/**
 * Differential test against @cloud-copilot/iam-simulate (AGPL: an exact-pinned devDependency used
 * only here, as an oracle). Over 10,000 requests on the example organization's compiled policies,
 * half with an extra SCP holding a random condition block, both engines must decide alike, except
 * where AWS's documentation says the oracle is wrong; each such difference is listed below with its
 * source. Any other disagreement fails the test.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compile/index.js';
import { authorize, buildRequest, compilePolicy, type CompiledPolicy, type OrgChain, type RequestSpec } from '../../src/evaluate/index.js';
import { findIntentFiles, loadIntent } from '../../src/intent/index.js';
import type { Statement } from '../../src/policy/index.js';
import { World } from '../../src/simulate/index.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { Random, randomRequest, type GeneratedRequest, type Population } from '../support/random-requests.js';
import { reference2026 } from '../support/reference.js';

/** Differences decided by AWS documentation, not by either engine. */
const KNOWN_DIFFERENCES: { id: string; source: string; applies: (g: GeneratedRequest, w: World, rcpService: boolean) => boolean }[] = [
  {
    id: 'management account',
    source: 'AWS Organizations user guide, SCPs: "SCPs don\'t affect users or roles in the management account"; RCPs: "RCPs do not apply to resources in the management account". The oracle applies both.',
    applies: (g, w) => g.special === 'management-account' || g.spec.resource.account === w.managementAccount,
  },
  {
    id: 'service-linked roles',
    source: 'AWS Organizations user guide: "SCPs do not affect service-linked roles" and RCPs do not apply to "calls made by service-linked roles". The oracle applies SCPs to them.',
    applies: (g) => g.special === 'service-linked-role',
  },
  {
    id: 'services without RCP support',
    source: 'AWS Organizations user guide, "List of AWS services that support RCPs": RCPs apply only to those services. The oracle applies RCPs to every service.',
    applies: (_g, _w, rcpService) => !rcpService,
  },
  {
    id: 'AWS service principals and SCPs',
    source: 'AWS Organizations user guide: SCPs affect IAM users and roles of member accounts; they do not restrict AWS service principals. The oracle evaluates SCPs for them.',
    applies: (g) => g.special === 'service-principal',
  },
];

const LIMIT = Number(process.env.DIFFERENTIAL_REQUESTS ?? 10_000);
const ORACLE = { Allowed: 'allow', ExplicitlyDenied: 'explicit-deny', ImplicitlyDenied: 'implicit-deny' } as const;
const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
/**
 * Both engines get the whole question with identity and resource policies that allow everything: a
 * cross-account request needs the resource owner's grant too, which the oracle models.
 */
const RESOURCE_ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] };

let world: World;
let population: Population;
beforeAll(async () => {
  const ref = await reference2026();
  const { intent } = await loadIntent(await findIntentFiles(PROJECT_ROOT));
  const result = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: PROJECT_ROOT });
  world = new World(intent!, intent!.tree!, result, ref.index);
  const covered = ref.index.emptySet();
  for (const p of result.policies) for (const s of p.statements) if (s.element === 'Action') covered.addAll(s.intended);
  population = {
    orgId: intent!.organization.id,
    managementAccount: intent!.organization.managementAccount,
    accounts: intent!.tree!.accounts.map((a) => a.id!).filter((id) => id !== intent!.organization.managementAccount),
    outsideAccounts: ['999999999999', '888888888801', '777777777701'],
    regions: ['us-east-1', 'us-west-2', 'eu-central-1', 'ap-southeast-2'],
    covered,
    tags: [
      { key: 'partner-access-exception', value: 'trusted-partner' },
      { key: 'dp:exclude:identity', value: 'true' },
      { key: 'env', value: 'prod' },
    ],
  };
});

/** A Deny of everything under a random condition: exercises the operator families on real keys. */
function randomConditionStatement(r: Random): Statement {
  const choices: (() => Record<string, Record<string, string[]>>)[] = [
    () => ({ [r.pick(['StringEquals', 'StringNotEquals', 'StringEqualsIfExists', 'StringNotEqualsIfExists', 'StringLike', 'StringNotLike', 'StringEqualsIgnoreCase'])]: { 'aws:RequestedRegion': [r.pick(['us-east-1', 'us-*', 'EU-CENTRAL-1', 'ap-southeast-2'])] } }),
    () => ({ [r.pick(['NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericEquals', 'NumericNotEquals', 'NumericLessThanIfExists'])]: { 's3:TlsVersion': [r.pick(['1.1', '1.2', '1.3'])] } }),
    () => ({ [r.pick(['Bool', 'BoolIfExists'])]: { 'aws:SecureTransport': [r.pick(['true', 'false'])] } }),
    () => ({ [r.pick(['ArnLike', 'ArnNotLike', 'ArnEquals', 'ArnNotLikeIfExists'])]: { 'aws:PrincipalArn': [r.pick(['arn:aws:iam::*:role/BreakGlass', 'arn:aws:iam::*:role/*', 'arn:aws:iam::999999999999:role/*'])] } }),
    () => ({ [r.pick(['ForAnyValue:StringEquals', 'ForAllValues:StringEquals', 'ForAnyValue:StringLike', 'ForAllValues:StringNotEquals', 'ForAnyValue:StringEqualsIgnoreCase'])]: { 'aws:TagKeys': [r.pick(['partner-access-exception', 'owner', 'Owner', 'part*'])] } }),
    () => ({ Null: { [r.pick(['aws:PrincipalOrgID', 'aws:SourceOrgID', 'bedrock:InferenceProfileArn', 'aws:TagKeys'])]: [r.pick(['true', 'false'])] } }),
    () => ({ [r.pick(['StringEquals', 'StringNotEqualsIfExists', 'StringNotEquals'])]: { 'aws:PrincipalOrgID': [r.pick(['o-exmpl12345', 'o-outsider000'])], 'aws:ResourceAccount': [r.pick(['333333333301', '999999999999'])] } }),
  ];
  const condition: Record<string, Record<string, string[]>> = {};
  for (let i = 0; i < 1 + r.int(2); i++) Object.assign(condition, r.pick(choices)());
  return { effect: 'Deny', action: ['*'], resource: ['*'], condition };
}

function toOracleLevels(chain: OrgChain | undefined, extra: { statement: Statement; policy: CompiledPolicy } | undefined, type: 'scp' | 'rcp'): Simulation['serviceControlPolicies'] {
  if (!chain) return [];
  return chain.levels.map((level, i) => {
    const node = level.label.startsWith('account ') ? level.label.slice(8) : world.tree.resolve(level.label).ok ? (world.tree.resolve(level.label) as { node: { id?: string } }).node.id! : level.label;
    const policies = level.policies
      .filter((p) => (type === 'rcp' ? p.name !== 'RCPFullAWSAccess' : true))
      .map((p) => ({ name: p.name, policy: p.name === 'FullAWSAccess' ? ALLOW_ALL : JSON.parse(world.result.policies.find((x) => x.name === p.name)!.text) }));
    if (extra && i === chain.levels.length - 1) policies.push({ name: 'random', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: extra.statement.condition }] } });
    return { orgIdentifier: node, policies };
  });
}

describe('differential test against @cloud-copilot/iam-simulate', () => {
  it('decides 10,000 generated requests alike, except for documented differences', async () => {
    const r = new Random(20261122);
    const ref = world.reference;
    const identity = compilePolicy('AllowAll', [{ effect: 'Allow', action: ['*'], resource: ['*'] }], ref);
    const resourcePolicy = compilePolicy('ResourceAllowAll', [{ effect: 'Allow', principal: '*', action: ['*'], resource: ['*'] }], ref);
    let compared = 0;
    let oracleErrors = 0;
    const explained = new Map<string, number>();
    const unexplained: string[] = [];
    for (let i = 0; compared < LIMIT && i < LIMIT * 1.4; i++) {
      const g = randomRequest(ref, population, r);
      const extraStatement = r.chance(0.5) ? randomConditionStatement(r) : undefined;
      const extra = extraStatement ? { statement: extraStatement, policy: compilePolicy('random', [extraStatement], ref) } : undefined;
      const request = buildRequest(g.spec, ref);
      const scp = world.chain(request.principalAccount, 'scp');
      const rcp = world.chain(request.resourceAccount, 'rcp');
      if (scp && extra) scp.levels[scp.levels.length - 1]!.policies.push(extra.policy);
      const ours = authorize({ request, managementAccount: world.managementAccount, scp, rcp, identity: [identity], resourcePolicy, supportsRcp: (s) => ref.supportsRcp(s) });
      const context: Record<string, string | string[]> = {};
      for (const key of request.context.keys()) {
        const e = request.context.get(key)!;
        context[key] = e.multivalued ? e.values : e.values[0]!;
      }
      const simulation: Simulation = {
        request: { principal: g.spec.principal.id, action: request.action, resource: { resource: request.resource, accountId: request.resourceAccount ?? '' }, contextVariables: context },
        identityPolicies: [{ name: 'AllowAll', policy: ALLOW_ALL }],
        resourcePolicy: RESOURCE_ALLOW_ALL,
        serviceControlPolicies: request.isAwsService ? [] : toOracleLevels(world.chain(request.principalAccount, 'scp'), extra, 'scp'),
        resourceControlPolicies: toOracleLevels(rcp, undefined, 'rcp'),
      };
      const oracle = await runSimulation(simulation, {});
      if (oracle.resultType === 'error') {
        oracleErrors++;
        continue;
      }
      compared++;
      const theirs = ORACLE[oracle.overallResult as keyof typeof ORACLE];
      if (theirs === ours.decision) continue;
      const known = KNOWN_DIFFERENCES.find((k) => k.applies(g, world, ref.supportsRcp(request.service)));
      if (known) explained.set(known.id, (explained.get(known.id) ?? 0) + 1);
      else unexplained.push(`${JSON.stringify(g.spec)} ${extraStatement ? JSON.stringify(extraStatement.condition) : ''}: ours ${ours.decision} (${ours.reason}), oracle ${theirs}`);
    }
    // eslint-disable-next-line no-console
    console.log(`differential: ${compared} compared, ${oracleErrors} the oracle could not evaluate, known differences: ${JSON.stringify(Object.fromEntries(explained))}`);
    expect(compared).toBeGreaterThanOrEqual(LIMIT);
    expect(unexplained.slice(0, 5)).toEqual([]);
  }, 240_000);
});

export type { RequestSpec };
