/**
 * The lockout guard on compiled intents: it refuses a wave whose end state denies the rollout's own
 * role an Organizations call it makes or a protected principal its actions (naming the statement, the
 * control and where the intent declares it), says when a denial only *may* happen, is moot for the
 * management account, and lets the example organization's rollout through.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findIntentFiles, loadIntent, type ProtectRule } from '../../src/intent/index.js';
import { compile } from '../../src/compile/index.js';
import { readStateFile, treeOfState, type DeployedPolicy, type OrgState, type OrgStateOu } from '../../src/org/index.js';
import { buildDeployment, planRollout, wavesOf, type Deployment, type Plan } from '../../src/plan/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { lockoutGuard, lockoutRefuses, type LockoutDenial, type LockoutFinding } from '../../src/rollout/preflight.js';
import { compileControls, type Compiled } from '../support/compile.js';
import { FULL_ACCESS } from '../support/org-state.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { reference2026 } from '../support/reference.js';
import { wavesOn } from '../support/rollout.js';

let reference: ReferenceIndex;
beforeAll(async () => {
  reference = (await reference2026()).index;
});

const MANAGEMENT = '111111111111';
/** The organization of test/support/compile.ts's ORG_HEADER, as deployed: FullAWSAccess everywhere. */
function headerState(rcp = false, withoutFullAccess: string[] = []): OrgState {
  const ou = (name: string, id: string, account: string): OrgStateOu => ({ id, name, ous: [], accounts: [{ id: account, name: `${name.toLowerCase()}-account` }] });
  const root: OrgStateOu = { id: 'r-ab12', name: 'Root', accounts: [{ id: MANAGEMENT, name: 'management' }], ous: [ou('Prod', 'ou-ab12-prod0001', '222222222222'), ou('Dev', 'ou-ab12-dev00001', '333333333333'), ou('Public', 'ou-ab12-public01', '444444444444')] };
  const state: OrgState = { format: 1, source: 'test', readAt: '2026-12-05T00:00:00.000Z', organization: { id: 'o-abcdefghij', managementAccount: MANAGEMENT }, root, policies: [] };
  const full: DeployedPolicy = { id: 'p-FullAWSAccess', name: 'FullAWSAccess', type: 'scp', description: '', awsManaged: true, tags: {}, content: FULL_ACCESS, targets: treeOfState(state).nodes.map((n) => n.id!).filter((id) => !withoutFullAccess.includes(id)) };
  const rcpFull: DeployedPolicy = { ...full, id: 'p-RCPFullAWSAccess', name: 'RCPFullAWSAccess', type: 'rcp', content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }) };
  return { ...state, policies: rcp ? [full, rcpFull] : [full] };
}

interface Setup {
  compiled: Compiled;
  deployment: Deployment;
  plan: Plan;
}

/** Compiles the controls, and plans their rollout onto the deployed organization, by default in two waves: Dev, then Root. */
async function setup(controls: string, rcp = false, withoutFullAccess: string[] = [], waves: [string, string[]][] = [['dev', ['Dev']], ['all', ['Root']]]): Promise<Setup> {
  const compiled = await compileControls(controls);
  expect(compiled.result.ok, JSON.stringify(compiled.result.diagnostics)).toBe(true);
  const built = buildDeployment({ state: headerState(rcp, withoutFullAccess), policies: compiled.result.policies, quotas: compiled.result.quotas, organizationId: 'o-abcdefghij', managementAccount: MANAGEMENT });
  expect(built.deployment, JSON.stringify(built.diagnostics)).toBeDefined();
  const deployment = built.deployment!;
  const plan = planRollout(deployment, wavesOn(deployment, ...waves));
  expect(plan.ok, JSON.stringify(plan.diagnostics)).toBe(true);
  return { compiled, deployment, plan };
}

const ROLLOUT_ROLE = 'arn:aws:iam::222222222222:role/GuardrailsRollout';
const DELEGATED = { account: '222222222222', arn: 'arn:aws:sts::222222222222:assumed-role/GuardrailsRollout/ci-run-7', roleArn: ROLLOUT_ROLE };
const FROM_MANAGEMENT = { account: MANAGEMENT, arn: 'arn:aws:sts::111111111111:assumed-role/GuardrailsRollout/ci-run-7', roleArn: 'arn:aws:iam::111111111111:role/GuardrailsRollout' };

function guard(s: Setup, caller: typeof DELEGATED, protect: ProtectRule[] = []): LockoutFinding[] {
  return lockoutGuard({ deployment: s.deployment, waves: s.plan.waves.map((w) => ({ name: w.name, steps: w.steps.map((x) => x.op) })), caller, protect, reference, compiled: s.compiled.result.policies });
}

const denials = (findings: LockoutFinding[]) => findings.filter((f): f is LockoutDenial => f.kind === 'denial');

const OAAR: ProtectRule = { principal: 'arn:aws:iam::*:role/OrganizationAccountAccessRole', actions: ['sts:AssumeRole', 'iam:CreateRole'], defaultActions: false };

describe('the lockout guard', () => {
  it('refuses a compiled SCP that denies the rollout role organizations:AttachPolicy, naming the statement, the control and its line', async () => {
    const s = await setup(`  no-policy-changes:
    kind: deny-actions
    actions: [organizations:AttachPolicy, organizations:DetachPolicy]
    attach: [Root]
`);
    const findings = guard(s, DELEGATED);
    expect(lockoutRefuses(findings)).toBe(true);
    const found = denials(findings);
    expect(found.map((f) => [f.subject, f.action, f.certain, f.accounts, f.wave, f.waves])).toEqual([
      ['caller', 'organizations:AttachPolicy', true, ['222222222222'], 'all', ['all']],
      ['caller', 'organizations:DetachPolicy', true, ['222222222222'], 'all', ['all']],
    ]);
    const attach = found[0]!;
    const policy = s.compiled.result.policies.find((p) => p.controls.includes('no-policy-changes'))!;
    expect(attach.principal).toBe(ROLLOUT_ROLE);
    expect(attach.denial).toMatchObject({ type: 'scp', policy: policy.name, statement: 1, implicit: false, level: 'root Root' });
    // Line 25 of the compiled intent file: the control's key under controls: (ORG_HEADER is 23 lines).
    expect(attach.denial.controls).toEqual([{ id: 'no-policy-changes', location: { file: path.join(s.compiled.dir, 'intent.yaml'), line: expect.any(Number), col: expect.any(Number) } }]);
    const line = attach.denial.controls[0]!.location!.line;
    expect(attach.message).toBe(
      `at the end of wave all: SCP ${policy.name} statement ${attach.denial.sid ?? 1} (control no-policy-changes at intent.yaml:${line}:${attach.denial.controls[0]!.location!.col}), attached to root Root, denies organizations:AttachPolicy to the rollout's own principal ${ROLLOUT_ROLE} in account 222222222222 (prod-account)`,
    );
  });

  it('judges each wave at its end: a deny that reaches the rollout account in the first wave is reported from that wave on', async () => {
    const s = await setup(`  no-policy-changes:
    kind: deny-actions
    actions: [organizations:AttachPolicy]
    attach: [Root]
`);
    const fromDev = guard(s, { account: '333333333333', arn: 'arn:aws:sts::333333333333:assumed-role/GuardrailsRollout/x', roleArn: 'arn:aws:iam::333333333333:role/GuardrailsRollout' });
    expect(denials(fromDev).map((f) => [f.action, f.wave, f.waves])).toEqual([['organizations:AttachPolicy', 'dev', ['dev', 'all']]]);
    expect(denials(fromDev)[0]!.message).toMatch(/^from wave dev on \(dev, all\): /);
  });

  it('says the guard of its own access is moot from the management account, and still protects the member accounts', async () => {
    const s = await setup(`  no-policy-changes:
    kind: deny-actions
    actions: [organizations:AttachPolicy]
    attach: [Root]
`);
    const findings = guard(s, FROM_MANAGEMENT, [OAAR]);
    expect(findings.filter((f) => f.kind === 'note').map((f) => f.message)).toEqual([
      'the rollout runs from the management account 111111111111, which organization policies (SCPs, RCPs) do not affect: the guard of its own access is moot',
    ]);
    expect(lockoutRefuses(findings)).toBe(false);
  });

  it("refuses a Deny of sts:AssumeRole on OrganizationAccountAccessRole, in every member account and not the management account's", async () => {
    const s = await setup(`  no-admin-hop:
    kind: deny-actions
    actions: [sts:AssumeRole]
    conditions: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/OrganizationAccountAccessRole" } }
    attach: [Root]
`);
    const found = denials(guard(s, FROM_MANAGEMENT, [OAAR]));
    expect(found.map((f) => [f.subject, f.principal, f.action, f.certain, f.accounts])).toEqual([
      ['protect', OAAR.principal, 'sts:AssumeRole', true, ['222222222222', '333333333333', '444444444444']],
    ]);
    expect(found[0]!.denial.controls.map((c) => c.id)).toEqual(['no-admin-hop']);
    expect(found[0]!.message).toMatch(/denies sts:AssumeRole to protected arn:aws:iam::\*:role\/OrganizationAccountAccessRole in account 222222222222 \(prod-account\) and 2 more accounts$/);
    // Another role is not affected by that statement.
    const other = denials(guard(s, FROM_MANAGEMENT, [{ ...OAAR, principal: 'arn:aws:iam::*:role/BreakGlass' }]));
    expect(other).toEqual([]);
  });

  it("checks the RCPs of the role's own account for sts:AssumeRole into it", async () => {
    const s = await setup(`  no-rollout-role:
    kind: deny-actions
    type: rcp
    actions: [sts:AssumeRole]
    resources: ["arn:aws:iam::*:role/GuardrailsRollout"]
    attach: [Prod]
`,
      true,
    );
    const found = denials(guard(s, DELEGATED));
    expect(found.map((f) => [f.subject, f.action, f.denial.type, f.certain, f.accounts, f.denial.level])).toEqual([['caller', 'sts:AssumeRole', 'rcp', true, ['222222222222'], 'OU Root/Prod']]);
    expect(found[0]!.denial.controls.map((c) => c.id)).toEqual(['no-rollout-role']);
    // Another role of that account may still be assumed: the statement names its resource.
    const other = { ...DELEGATED, arn: 'arn:aws:sts::222222222222:assumed-role/Deployer/x', roleArn: 'arn:aws:iam::222222222222:role/Deployer' };
    expect(denials(guard(s, other))).toEqual([]);
  });

  it('refuses an RCP that stops the management account from assuming OrganizationAccountAccessRole in member accounts', async () => {
    const s = await setup(
      `  no-admin-door:
    kind: deny-actions
    type: rcp
    actions: [sts:AssumeRole]
    resources: ["arn:aws:iam::*:role/OrganizationAccountAccessRole"]
    attach: [Dev, Public]
`,
      true,
    );
    const found = denials(guard(s, FROM_MANAGEMENT, [OAAR]));
    expect(found.map((f) => [f.subject, f.direction, f.action, f.denial.type, f.certain, f.accounts])).toEqual([['protect', 'into', 'sts:AssumeRole', 'rcp', true, ['333333333333', '444444444444']]]);
    expect(found[0]!.message).toMatch(/RCP guardrails-rcp-\S+ statement \S+ \(control no-admin-door at intent\.yaml:\d+:\d+\), attached to OU Root\/Dev, denies sts:AssumeRole to principals of the management account assuming protected arn:aws:iam::\*:role\/OrganizationAccountAccessRole in account 333333333333 \(dev-account\) and 1 more account$/);
    // A protect rule without sts:AssumeRole among its actions does not ask.
    expect(denials(guard(s, FROM_MANAGEMENT, [{ ...OAAR, actions: ['iam:CreateRole'] }]))).toEqual([]);
  });

  it('refuses an allow-list that leaves out the Organizations calls at the rollout account\'s OU: no SCP there allows them', async () => {
    // Prod holds the allow-list instead of FullAWSAccess (as teams that allow-list do), in one wave.
    const s = await setup(
      `  prod-allow-list:
    kind: custom
    type: scp
    statements:
      - { Effect: Allow, Action: ["s3:*", "ec2:*", "sts:*"], Resource: "*" }
    attach: [Prod]
`,
      false,
      ['ou-ab12-prod0001'],
      [['all', ['Root']]],
    );
    const found = denials(guard(s, DELEGATED));
    expect(new Set(found.map((f) => [f.certain, f.denial.implicit, f.denial.level].join(' ')))).toEqual(new Set(['true true OU Root/Prod']));
    expect(found.map((f) => f.action).sort()).toEqual([
      'organizations:AttachPolicy',
      'organizations:CreatePolicy',
      'organizations:DeletePolicy',
      'organizations:DescribeOrganization',
      'organizations:DescribePolicy',
      'organizations:DetachPolicy',
      'organizations:EnablePolicyType',
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListPolicies',
      'organizations:ListRoots',
      'organizations:ListTagsForResource',
      'organizations:ListTargetsForPolicy',
      'organizations:TagResource',
      'organizations:UpdatePolicy',
    ]);
    expect(found.find((f) => f.action === 'organizations:AttachPolicy')!.message).toBe(
      "at the end of wave all: no SCP attached at OU Root/Prod (guardrails-scp-prod-allow-list) allows organizations:AttachPolicy for the rollout's own principal arn:aws:iam::222222222222:role/GuardrailsRollout in account 222222222222 (prod-account)",
    );
  });

  it('says an allow that depends on the unknown may not allow', async () => {
    const s = await setup(
      `  prod-allow-list:
    kind: custom
    type: scp
    statements:
      - { Effect: Allow, Action: "*", Resource: "*", Condition: { IpAddress: { "aws:SourceIp": "192.0.2.0/24" } } }
    attach: [Prod]
`,
      false,
      ['ou-ab12-prod0001'],
      [['all', ['Root']]],
    );
    const found = denials(guard(s, FROM_MANAGEMENT, [{ ...OAAR, actions: ['iam:CreateRole'] }]));
    expect(found.map((f) => [f.action, f.certain, f.denial.implicit, f.accounts, f.denial.depends])).toEqual([['iam:CreateRole', false, true, ['222222222222'], 'aws:SourceIp']]);
    expect(found[0]!.message).toMatch(/the SCPs attached at OU Root\/Prod \(guardrails-scp-prod-allow-list\) may not allow iam:CreateRole for protected .*: the Allow there depends on aws:SourceIp, which the guard does not know$/);
  });

  it('reports a Deny that depends on what it cannot know as one that may deny, and still refuses', async () => {
    const s = await setup(`  office-only:
    kind: deny-actions
    actions: [sts:AssumeRole]
    conditions: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24"] } }
    attach: [Dev]
`);
    const findings = guard(s, FROM_MANAGEMENT, [OAAR]);
    expect(lockoutRefuses(findings)).toBe(true);
    const [f, ...rest] = denials(findings);
    expect(rest).toEqual([]);
    expect([f!.action, f!.certain, f!.accounts, f!.denial.level, f!.denial.depends]).toEqual(['sts:AssumeRole', false, ['333333333333'], 'OU Root/Dev', 'aws:SourceIp']);
    expect(f!.message).toMatch(/may deny sts:AssumeRole .*: it depends on aws:SourceIp, which the guard does not know$/);
  });

  it("judges conditions on what it knows of the request: the rollout tags its own policies, the Region is us-east-1, the resources are the organization's", async () => {
    const s = await setup(`  resource-perimeter:
    kind: deny-actions
    actions: [organizations:*, sts:AssumeRole]
    conditions: { StringNotEqualsIfExists: { "aws:ResourceOrgID": "o-abcdefghij" } }
    attach: [Root]
  tag-discipline:
    kind: deny-actions
    actions: [organizations:TagResource, organizations:CreatePolicy]
    conditions: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["partner-access-exception"] } }
    attach: [Root]
  regions:
    kind: region-deny
    allowedRegions: [us-east-1]
    attach: [Root]
`);
    expect(denials(guard(s, DELEGATED, [OAAR]))).toEqual([]);
  });

  it('tells apart accounts that share a chain when a condition names an account or an ARN of one', async () => {
    const s = await setup(`  only-some:
    kind: deny-actions
    actions: [sts:AssumeRole]
    conditions:
      StringNotEquals: { "aws:PrincipalAccount": ["333333333333"] }
      ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::222222222222:role/*"] }
    attach: [Root]
`);
    expect(denials(guard(s, FROM_MANAGEMENT, [OAAR])).map((f) => [f.action, f.accounts])).toEqual([['sts:AssumeRole', ['444444444444']]]);
  });

  it('decides per chain: of 600 accounts, exactly those under the OU that denies are reported, once', async () => {
    const ous = Array.from({ length: 200 }, (_, i) => `Team${i}`);
    const header = `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  rootId: r-ab12
  tree:
    Root:
      accounts: ["111111111111"]
${ous.map((name, i) => `      ${name}: { id: ou-ab12-team${String(i).padStart(4, '0')}, accounts: [${[0, 1, 2].map((k) => `"${String(500000000000 + i * 10 + k)}"`).join(', ')}] }`).join('\n')}
`;
    const compiled = await compileControls(
      `  no-admin-hop:
    kind: deny-actions
    actions: [sts:AssumeRole]
    attach: [Team7]
`,
      {},
      header,
    );
    expect(compiled.result.ok, JSON.stringify(compiled.result.diagnostics)).toBe(true);
    const root: OrgStateOu = {
      id: 'r-ab12',
      name: 'Root',
      accounts: [{ id: MANAGEMENT, name: 'management' }],
      ous: ous.map((name, i) => ({ id: `ou-ab12-team${String(i).padStart(4, '0')}`, name, ous: [], accounts: [0, 1, 2].map((k) => ({ id: String(500000000000 + i * 10 + k), name: `${name}-${k}` })) })),
    };
    const bare: OrgState = { format: 1, source: 'test', readAt: '2026-12-05T00:00:00.000Z', organization: { id: 'o-abcdefghij', managementAccount: MANAGEMENT }, root, policies: [] };
    const state: OrgState = { ...bare, policies: [{ id: 'p-FullAWSAccess', name: 'FullAWSAccess', type: 'scp', description: '', awsManaged: true, tags: {}, content: FULL_ACCESS, targets: treeOfState(bare).nodes.map((n) => n.id!) }] };
    const deployment = buildDeployment({ state, policies: compiled.result.policies, quotas: compiled.result.quotas, organizationId: 'o-abcdefghij', managementAccount: MANAGEMENT }).deployment!;
    const plan = planRollout(deployment, wavesOn(deployment, ['all', ['Root']]));
    expect(plan.ok).toBe(true);
    const findings = lockoutGuard({ deployment, waves: plan.waves.map((w) => ({ name: w.name, steps: w.steps.map((x) => x.op) })), caller: FROM_MANAGEMENT, protect: [OAAR], reference, compiled: compiled.result.policies });
    expect(denials(findings).map((f) => [f.action, f.accounts])).toEqual([['sts:AssumeRole', ['500000000070', '500000000071', '500000000072']]]);
  });
});

describe('the example organization (guardrails/*.yaml, deployed as guardrails/org-snapshot.json)', () => {
  it('passes: no wave denies a delegated administrator in security-tooling its calls, nor the default protected roles theirs', async () => {
    const files = await findIntentFiles(PROJECT_ROOT);
    const { intent } = await loadIntent({ cwd: PROJECT_ROOT, files });
    const snapshot = await reference2026();
    const compiled = compile({ intent: intent!, reference: snapshot.index, referenceManifest: snapshot.manifest, root: PROJECT_ROOT });
    expect(compiled.ok).toBe(true);
    const read = await readStateFile(path.join(PROJECT_ROOT, 'guardrails', 'org-snapshot.json'));
    const built = buildDeployment({ state: read.state!, policies: compiled.policies, quotas: compiled.quotas, organizationId: intent!.organization.id, managementAccount: intent!.organization.managementAccount });
    const deployment = built.deployment!;
    const plan = planRollout(deployment, wavesOf(intent!, deployment.tree).waves);
    expect(plan.ok).toBe(true);
    expect(plan.waves.length).toBeGreaterThan(1);
    expect(intent!.rollout.protectDefaults).toBe(true);
    const caller = { account: '222222222201', arn: 'arn:aws:sts::222222222201:assumed-role/GuardrailsRollout/ci', roleArn: 'arn:aws:iam::222222222201:role/GuardrailsRollout' };
    const findings = lockoutGuard({ deployment, waves: plan.waves.map((w) => ({ name: w.name, steps: w.steps.map((x) => x.op) })), caller, protect: intent!.rollout.protect, reference: snapshot.index, compiled: compiled.policies });
    expect(findings).toEqual([]);
    // The same rollout that denied the delegated administrator AttachPolicy would be refused: the check is live.
    const strict = lockoutGuard({ deployment, waves: plan.waves.map((w) => ({ name: w.name, steps: w.steps.map((x) => x.op) })), caller, protect: [{ principal: 'arn:aws:iam::*:role/Developer', actions: ['iam:CreateUser'], defaultActions: false }], reference: snapshot.index, compiled: compiled.policies });
    // The old version still attached and the new one both deny it; the new one is named with its line in the intent.
    expect(denials(strict).length).toBeGreaterThan(0);
    for (const f of denials(strict)) expect([f.action, f.certain, f.denial.controls.map((c) => c.id)]).toEqual(['iam:CreateUser', true, expect.arrayContaining(['no-long-term-credentials'])]);
    expect(denials(strict).map((f) => f.message)).toContainEqual(expect.stringMatching(/statement NoLongTermCredentials \(control no-long-term-credentials at baseline\.yaml:\d+:\d+\)/));
  });
});
