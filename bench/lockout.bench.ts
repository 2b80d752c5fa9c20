/**
 * The lockout guard at scale: the synthetic organization (2,010 OUs, 10,000 accounts), six changed
 * policies whose Denies spare a break-glass role by aws:PrincipalArn (so requests differ per account),
 * rolled out in four waves; a delegated administrator runs it and the three default protected roles
 * are checked with their default actions in every member account at every wave's end.
 */
import { DEFAULT_PROTECTED_ACTIONS, DEFAULT_PROTECTED_PRINCIPALS } from '../src/intent/index.js';
import { treeOfState, type DeployedPolicy } from '../src/org/index.js';
import { planRollout, type Deployment, type WaveSpec } from '../src/plan/index.js';
import { resolveQuotas } from '../src/policy/index.js';
import { loadFromDirectory } from '../src/reference/index.js';
import { lockoutGuard } from '../src/rollout/preflight.js';
import { SNAPSHOT_2026 } from '../test/support/paths.js';
import { median, type Figure } from './harness.js';
import { syntheticState } from './synthetic-org.js';

const policy = (effect: 'Allow' | 'Deny', actions: string[], condition?: object) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Action: actions, Resource: '*', ...(condition ? { Condition: condition } : {}) }] });
const spare = { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/BreakGlass' } };

export async function benchLockout(): Promise<Figure[]> {
  const reference = (await loadFromDirectory(SNAPSHOT_2026)).index;
  const owned = (name: string, type: 'scp' | 'rcp', content: string, targets: string[]): DeployedPolicy => ({ id: `p-${name}`, name, type, description: '', awsManaged: false, tags: { 'managed-by': 'guardrails', 'guardrails:controls': name }, content, targets });
  const state = syntheticState((all, top) => [
    { id: 'p-FullAWSAccess', name: 'FullAWSAccess', type: 'scp', description: '', awsManaged: true, tags: {}, content: policy('Allow', ['*']), targets: all },
    { id: 'p-RCPFullAWSAccess', name: 'RCPFullAWSAccess', type: 'rcp', description: '', awsManaged: true, tags: {}, content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }), targets: all },
    owned('guardrails-scp-baseline', 'scp', policy('Deny', ['iam:CreateUser'], spare), ['r-synt']),
    owned('guardrails-scp-regions', 'scp', policy('Deny', ['ec2:RunInstances'], { ...spare, StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } }), top.slice(0, 8)),
    owned('guardrails-scp-security', 'scp', policy('Deny', ['cloudtrail:StopLogging'], spare), ['r-synt']),
    owned('guardrails-scp-bedrock', 'scp', policy('Deny', ['bedrock:InvokeModel'], spare), top.slice(2, 4)),
    owned('guardrails-rcp-perimeter', 'rcp', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: ['sts:AssumeRole'], Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-synthetic0' } } }] }), ['r-synt']),
    owned('guardrails-scp-org', 'scp', policy('Deny', ['organizations:LeaveOrganization'], spare), top),
  ]);
  const tree = treeOfState(state);
  const node = (id: string) => tree.byAwsId(id) ?? tree.account(id)!;
  const top = state.root.ous.map((o) => o.id);
  const desired = state.policies
    .filter((p) => !p.awsManaged)
    .map((p) => ({ name: p.name, type: p.type, content: p.content.replace('"Resource"', '"Sid":"Changed","Resource"'), controls: [p.name], targets: p.targets.map(node) }));
  const deployment: Deployment = { state, tree, managementAccount: state.organization.managementAccount, quotas: resolveQuotas('aws-2026-05')!, deployed: state.policies, desired };
  const waves: WaveSpec[] = [
    { name: 'canary', targets: [tree.account('200000000001')!] },
    { name: 'one-division', targets: [node(top[0]!)] },
    { name: 'half', targets: top.slice(1, 5).map(node) },
    { name: 'everything', targets: [tree.root] },
  ];
  const plan = planRollout(deployment, waves);
  if (!plan.ok) throw new Error(`synthetic plan refused: ${plan.diagnostics.map((d) => d.message).join('; ')}`);
  const caller = { account: '200000000001', arn: 'arn:aws:sts::200000000001:assumed-role/GuardrailsRollout/bench', roleArn: 'arn:aws:iam::200000000001:role/GuardrailsRollout' };
  const protect = DEFAULT_PROTECTED_PRINCIPALS.map((principal) => ({ principal, actions: [...DEFAULT_PROTECTED_ACTIONS], defaultActions: true }));
  const input = { deployment, waves: plan.waves.map((w) => ({ name: w.name, steps: w.steps.map((s) => s.op) })), caller, protect, reference };
  let findings = lockoutGuard(input);
  const ms = await median(3, () => {
    findings = lockoutGuard(input);
  });
  // The worst case for the report: a Deny at the root that reaches every account.
  const everywhere = { ...input, protect: [{ principal: 'arn:aws:iam::*:role/Developer', actions: ['iam:CreateUser'], defaultActions: false }] };
  let denied = lockoutGuard(everywhere);
  const deniedMs = await median(3, () => {
    denied = lockoutGuard(everywhere);
  });
  const reached = denied.reduce((n, f) => n + (f.kind === 'denial' ? f.accounts.length : 0), 0);
  // Each protected role's default actions (its SCPs), and being assumed from the management account (its account's RCPs).
  const checks = (tree.accounts.length - 1) * protect.length * (DEFAULT_PROTECTED_ACTIONS.length + 1) * plan.waves.length;
  return [
    {
      name: `lockout guard: ${tree.ous.length.toLocaleString('en-US')} OUs, ${(tree.accounts.length - 1).toLocaleString('en-US')} accounts`,
      value: ms / 1000,
      unit: 's',
      note: `${plan.waves.length} waves, ${plan.totals.calls} steps; ${checks.toLocaleString('en-US')} protected (principal, action, account, wave) requests and the caller's 17 (its Organizations calls, assuming its role); ${findings.length} finding(s)`,
    },
    { name: 'lockout guard: a root Deny reaching every account', value: deniedMs / 1000, unit: 's', note: `${denied.length} finding(s) naming ${reached.toLocaleString('en-US')} denied (account, statement) pairs` },
  ];
}
