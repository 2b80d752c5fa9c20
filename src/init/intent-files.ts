/**
 * The intent init scaffolds: guardrails/organization.yaml (the organization, its tree from an org
 * snapshot or an example tree to edit) and guardrails/controls.yaml (the commonest controls, each
 * commented, with tests). Both compile as written: a scaffold that fails its first compile teaches
 * nothing. Values from a snapshot are written as quoted scalars (yaml-scalar.ts), never into comments.
 */
import type { OrgState, OrgStateOu } from '../org/state.js';
import { yamlQuoted } from './yaml-scalar.js';

export const ORGANIZATION_FILE = 'guardrails/organization.yaml';
export const CONTROLS_FILE = 'guardrails/controls.yaml';
/** Where init puts the snapshot it is given or reads, and what organization.treeFrom names. */
export const SNAPSHOT_FILE = 'guardrails/org-snapshot.json';
export const SNAPSHOT_TREE_FROM = 'org-snapshot.json';

/** Files init creates whatever the organization is (the snapshot aside), for a check before reading AWS. */
export const INTENT_FILES = [ORGANIZATION_FILE, CONTROLS_FILE] as const;

export type OrganizationSource = { kind: 'example' } | { kind: 'snapshot'; state: OrgState };

/** What the controls and their tests are written against. */
interface Targets {
  orgId: string;
  root: string;
  /** Where the Region restriction applies. */
  regionAttach: string[];
  /** A member account (SCPs and RCPs do not apply to the management account) for the tests. */
  member: string | undefined;
}

const EXAMPLE_ORG_ID = 'o-exmpl12345';
const EXAMPLE_MEMBER = '444444444444';

export function organizationFile(modeline: string, source: OrganizationSource): string {
  const head = [modeline];
  if (source.kind === 'example') {
    return [
      ...head,
      '# Your AWS organization: its id, management account and tree of OUs and accounts. The ids below are an',
      "# example's, so that this compiles at once: replace them with yours. Or take the tree from AWS instead of",
      '# writing it: guardrails org export --out guardrails/org-snapshot.json, then treeFrom: org-snapshot.json',
      '# in place of tree (guardrails init --org FILE or --live writes it so).',
      '# Intent files in this directory merge into one organization; each starts with "version: 1".',
      'version: 1',
      '',
      'organization:',
      `  id: ${EXAMPLE_ORG_ID}                   # example: your organization's id`,
      '  managementAccount: "111111111111"      # example; quote account ids',
      '  tree:',
      '    Root:                                # the one root; OUs nest below it, `accounts` lists their accounts',
      '      accounts:',
      '        - { id: "111111111111", name: management }',
      '      Security:',
      '        accounts:',
      '          - { id: "222222222222", name: security-tooling }',
      '      Workloads:',
      '        Prod:',
      '          accounts:',
      '            - { id: "333333333333", name: app-prod }',
      '        NonProd:',
      '          accounts:',
      `            - { id: "${EXAMPLE_MEMBER}", name: app-dev }`,
      '      Sandbox:',
      '        accounts:',
      '          - { id: "555555555555", name: sandbox-1 }',
      '',
      ...commonTail(['app-dev', 'Workloads']),
    ].join('\n');
  }
  const { state } = source;
  return [
    ...head,
    '# Your AWS organization. Its tree of OUs and accounts, with their AWS ids, is read from the org snapshot',
    '# beside this file; to bring new accounts in, export it again and compile:',
    '#   guardrails org export --out guardrails/org-snapshot.json && guardrails compile',
    '# Intent files in this directory merge into one organization; each starts with "version: 1".',
    'version: 1',
    '',
    'organization:',
    `  id: ${yamlQuoted(state.organization.id)}`,
    `  managementAccount: ${yamlQuoted(state.organization.managementAccount)}`,
    `  treeFrom: ${SNAPSHOT_TREE_FROM}             # guardrails/org-snapshot.json`,
    '',
    ...commonTail(['a-test-account', 'an-ou']),
  ].join('\n');
}

function commonTail([canary, next]: [string, string]): string[] {
  return [
    '# The quotas the policies must fit: AWS\'s since May 2026 (aws-legacy: the ones before).',
    'quotas: aws-2026-05',
    '',
    '# How guardrails plan and rollout stage the change, smallest blast radius first; what no wave reaches',
    '# gets a last wave at the root. For example:',
    '# waves:',
    `#   - { name: canary, targets: [${canary}] }`,
    `#   - { name: ${next.toLowerCase()}, targets: [${next}] }`,
    '',
  ];
}

/** The controls file, and how many tests it holds (none when the organization has no member account to test). */
export function controlsFile(modeline: string, source: OrganizationSource): { text: string; tests: number } {
  const t = targetsOf(source);
  const flow = (items: string[]) => `[${items.join(', ')}]`;
  const member = t.member;
  const tests = member === undefined ? untestable() : testLines(t, member);
  const text = [
    modeline,
    '# Your guardrails. A control is a kind, its parameters, and where it applies: attach (and exclude) name',
    '# OUs by name or path (Workloads/Prod), accounts by id or name, or the root. Every kind and parameter is',
    "# in the schema named above (your editor completes them) and in guardrails' README, under Controls.",
    'version: 1',
    '',
    'controls:',
    '  # Nobody but the security team switches off detection and logging (an SCP).',
    '  protect-security-services:',
    '    kind: deny-actions',
    '    actions:',
    '      - cloudtrail:StopLogging',
    '      - cloudtrail:DeleteTrail',
    '      - guardduty:DeleteDetector',
    '      - guardduty:Disassociate*',
    '      - securityhub:Disable*',
    '      - config:Stop*',
    '      - config:Delete*',
    '      - access-analyzer:DeleteAnalyzer',
    '    exceptPrincipals: ["arn:aws:iam::*:role/SecurityAdmin"]   # the roles that still may: yours',
    `    attach: ${flow([t.root])}`,
    '',
    '  # Requests outside these Regions are denied; global services (IAM, Organizations, ...) stay reachable',
    '  # (an SCP). A Region misspelt here is an error, not a lockout.',
    '  allowed-regions:',
    '    kind: region-deny',
    '    allowedRegions: [us-east-1, us-west-2]',
    '    exceptPrincipals: ["arn:aws:iam::*:role/BreakGlass"]',
    `    attach: ${flow(t.regionAttach)}${source.kind === 'snapshot' ? '   # narrow it to the OUs whose workloads must stay there' : ''}`,
    '',
    '  # Only principals of the organization reach its S3 buckets, KMS keys, SQS queues and secrets (an RCP).',
    '  only-org-principals:',
    '    kind: identity-perimeter',
    '    services: [s3, kms, sqs, secretsmanager]',
    `    attach: ${flow([t.root])}`,
    '',
    ...tests,
  ].join('\n');
  return { text, tests: tests.filter((l) => l.startsWith('  - name: ')).length };
}

function testLines(t: Targets, member: string): string[] {
  const principal = (role: string) => yamlQuoted(`arn:aws:iam::${member}:role/${role}`);
  const account = yamlQuoted(member);
  return [
    '# What the guardrails must decide. guardrails simulate runs these, and scenarios it generates from every',
    '# control; a deny names the control expected to decide it.',
    'tests:',
    '  - name: a developer cannot stop CloudTrail',
    `    request: { principal: ${principal('developer')}, action: cloudtrail:StopLogging, region: us-east-1 }`,
    '    expect: deny',
    '    decidedBy: protect-security-services',
    '  - name: the security team can',
    `    request: { principal: ${principal('SecurityAdmin')}, action: cloudtrail:StopLogging, region: us-east-1 }`,
    '    expect: allow',
    '  - name: no instances outside the allowed Regions',
    '    request:',
    `      principal: ${principal('developer')}`,
    '      action: ec2:RunInstances',
    `      resource: ${yamlQuoted(`arn:aws:ec2:ap-southeast-2:${member}:instance/*`)}`,
    '      region: ap-southeast-2',
    '    expect: deny',
    '    decidedBy: allowed-regions',
    '  - name: a principal outside the organization cannot read its buckets',
    '    request:',
    '      principal: "arn:aws:iam::999999999999:role/outsider"',
    '      principalOrgId: o-zzzzzzzzzz',
    '      action: s3:GetObject',
    '      resource: "arn:aws:s3:::example-bucket/report.csv"',
    `      resourceAccount: ${account}`,
    '    expect: deny',
    '    decidedBy: only-org-principals',
    '  - name: a principal of the organization can',
    '    request:',
    `      principal: ${principal('developer')}`,
    `      principalOrgId: ${yamlQuoted(t.orgId)}`,
    '      action: s3:GetObject',
    '      resource: "arn:aws:s3:::example-bucket/report.csv"',
    `      resourceAccount: ${account}`,
    '      region: us-east-1',
    '    expect: allow',
    '',
  ];
}

/** An organization with no member account: guardrails apply to none yet, so no test can show one. */
function untestable(): string[] {
  return [
    '# What the guardrails must decide (guardrails simulate runs these). The organization has no member account',
    '# yet, and guardrails do not apply to the management account; once it has one, for example:',
    '# tests:',
    '#   - name: a developer cannot stop CloudTrail',
    '#     request: { principal: "arn:aws:iam::<member account>:role/developer", action: cloudtrail:StopLogging }',
    '#     expect: deny',
    '#     decidedBy: protect-security-services',
    '',
  ];
}

function targetsOf(source: OrganizationSource): Targets {
  if (source.kind === 'example') return { orgId: EXAMPLE_ORG_ID, root: 'Root', regionAttach: ['Workloads', 'Sandbox'], member: EXAMPLE_MEMBER };
  const { state } = source;
  const root = yamlQuoted(state.root.name);
  return { orgId: state.organization.id, root, regionAttach: [root], member: firstMember(state.root, state.organization.managementAccount) };
}

/** The first member account with a well-formed id, depth first in the snapshot's (sorted) order. */
function firstMember(ou: OrgStateOu, management: string): string | undefined {
  for (const a of ou.accounts) if (a.id !== management && /^\d{12}$/.test(a.id)) return a.id;
  for (const child of ou.ous) {
    const found = firstMember(child, management);
    if (found) return found;
  }
  return undefined;
}
