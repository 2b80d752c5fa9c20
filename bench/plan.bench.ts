/**
 * The wave planner and the read side at scale: a synthetic organization of 2,010 OUs and 10,000
 * accounts with six guardrails policies at the root and the top OUs, every one of them changed, rolled
 * out in four waves; and what reading its state costs in API calls (per policy, against per target).
 */
import { readOrganization, treeOfState, type DeployedPolicy } from '../src/org/index.js';
import { planRollout, structuralDiff, type Deployment, type WaveSpec } from '../src/plan/index.js';
import { resolveQuotas } from '../src/policy/index.js';
import { median, type Figure } from './harness.js';
import { fakeOrganizations, syntheticState } from './synthetic-org.js';

const deny = (actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: actions, Resource: '*' }] });

export async function benchPlan(): Promise<Figure[]> {
  const owned = (name: string, type: 'scp' | 'rcp', content: string, targets: string[]): DeployedPolicy => ({ id: `p-${name}`, name, type, description: '', awsManaged: false, tags: { 'managed-by': 'guardrails', 'guardrails:controls': name }, content, targets });
  const state = syntheticState((all, top) => [
    { id: 'p-FullAWSAccess', name: 'FullAWSAccess', type: 'scp', description: '', awsManaged: true, tags: {}, content: deny([]).replace('Deny', 'Allow'), targets: all },
    { id: 'p-RCPFullAWSAccess', name: 'RCPFullAWSAccess', type: 'rcp', description: '', awsManaged: true, tags: {}, content: '{}', targets: all },
    owned('guardrails-scp-baseline', 'scp', deny(['iam:CreateUser']), ['r-synt']),
    owned('guardrails-scp-regions', 'scp', deny(['ec2:RunInstances']), top.slice(0, 8)),
    owned('guardrails-scp-security', 'scp', deny(['cloudtrail:StopLogging']), ['r-synt']),
    owned('guardrails-scp-bedrock', 'scp', deny(['bedrock:InvokeModel']), top.slice(2, 4)),
    owned('guardrails-rcp-perimeter', 'rcp', deny(['s3:GetObject']), ['r-synt']),
    owned('guardrails-rcp-tls', 'rcp', deny(['s3:PutObject']), top),
  ]);
  const tree = treeOfState(state);
  const node = (id: string) => tree.byAwsId(id) ?? tree.account(id)!;
  const top = state.root.ous.map((o) => o.id);
  const desired = state.policies
    .filter((p) => !p.awsManaged)
    .map((p) => ({ name: p.name, type: p.type, content: p.content.replace('"Resource"', '"Condition":{"Bool":{"aws:ViaAWSService":"false"}},"Resource"'), controls: [p.name], targets: p.targets.map(node) }));
  const deployment: Deployment = { state, tree, managementAccount: state.organization.managementAccount, quotas: resolveQuotas('aws-2026-05')!, deployed: state.policies, desired };
  const waves: WaveSpec[] = [
    { name: 'canary', targets: [tree.account('200000000001')!] },
    { name: 'one-division', targets: [node(top[0]!)] },
    { name: 'half', targets: top.slice(1, 5).map(node) },
    { name: 'everything', targets: [tree.root] },
  ];
  let plan = planRollout(deployment, waves);
  const planMs = await median(3, () => {
    plan = planRollout(deployment, waves);
  });
  if (!plan.ok) throw new Error(`synthetic plan refused: ${plan.diagnostics.map((d) => d.message).join('; ')}`);
  const diffMs = await median(3, () => structuralDiff(deployment));

  const api = fakeOrganizations(state);
  const readStart = performance.now();
  const { calls } = await readOrganization(api, { concurrency: 8 });
  const readMs = performance.now() - readStart;
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  const targets = tree.nodes.length;
  // Reading per target instead: the same tree walk, then ListPoliciesForTarget per node and type.
  const perTarget = (calls.ListOrganizationalUnitsForParent ?? 0) + (calls.ListAccountsForParent ?? 0) + 2 * targets + state.policies.length;
  const accounts = tree.accounts.length - 1;
  const ous = tree.ous.length;
  return [
    { name: `plan: ${ous.toLocaleString('en-US')} OUs, ${accounts.toLocaleString('en-US')} accounts`, value: planMs / 1000, unit: 's', note: `6 changed policies, 4 waves: ${plan.totals.calls} API calls, at least ${Math.round(plan.totals.leastSeconds)} s at the write rate limits; every step checked against the invariants` },
    { name: 'diff (structural), same organization', value: diffMs, unit: 'ms' },
    { name: 'read state: API calls, per policy', value: total, unit: 'calls', note: Object.entries(calls).map(([k, v]) => `${k} ${v}`).join(', ') },
    { name: 'read state: API calls, per target', value: perTarget, unit: 'calls', note: `what ListPoliciesForTarget per target and type would cost: ${(perTarget / total).toFixed(1)} times more` },
    { name: 'read state: in-process time (fake API)', value: readMs, unit: 'ms', note: 'parsing and assembling only; the API answers at once' },
  ];
}
