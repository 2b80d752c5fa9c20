/**
 * Which new actions a control does not cover are near what it covers, and why: real actions of the two
 * snapshots, new in 2026-08-22, against controls written as the example's are.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CoveredNeighbourhood, describeNearness, nameParts, type Nearness } from '../../src/notify/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { reference2025, reference2026 } from '../support/reference.js';

/** no-long-term-credentials of the example, expanded: users, their access keys and passwords. */
const USERS_AND_KEYS = ['iam:CreateUser', 'iam:CreateAccessKey', 'iam:CreateLoginProfile', 'iam:DeleteLoginProfile', 'iam:GetLoginProfile', 'iam:UpdateLoginProfile', 'iam:CreateServiceSpecificCredential'];

let to: ReferenceIndex;
let from: ReferenceIndex;
beforeAll(async () => {
  [from, to] = [(await reference2025()).index, (await reference2026()).index];
});

function nearness(covered: readonly string[], action: string): Nearness[] {
  const ids = new Set(covered.map((a) => to.action(a)!.id));
  return new CoveredNeighbourhood(to, (id) => ids.has(id)).near(to.action(action)!);
}

describe('a new action near what a control covers', () => {
  const cases: { control: string; covered: readonly string[]; action: string; why: string[] }[] = [
    // The case: every new IAM Write action was flagged for a control on users and keys.
    { control: 'users and keys', covered: USERS_AND_KEYS, action: 'iam:CreateDelegationRequest', why: [] },
    { control: 'users and keys', covered: USERS_AND_KEYS, action: 'iam:AcceptDelegationRequest', why: [] },
    { control: 'users and keys', covered: USERS_AND_KEYS, action: 'iam:EnableOutboundWebIdentityFederation', why: [] },
    { control: 'users and keys', covered: USERS_AND_KEYS, action: 'iam:PutAccountProperties', why: [] },
    { control: 'security services', covered: ['access-analyzer:DeleteAnalyzer'], action: 'access-analyzer:CreateServiceLinkedAnalyzer', why: ['same resource type Analyzer as access-analyzer:DeleteAnalyzer'] },
    {
      control: 'security services',
      covered: ['securityhub:DisableSecurityHub', 'securityhub:DisableSecurityHubFeatureV2'],
      action: 'securityhub:EnableSecurityHubFeatureV2',
      why: ['same resource type hubv2 as securityhub:DisableSecurityHubFeatureV2', 'name like securityhub:DisableSecurityHubFeatureV2 (SecurityHubFeature)'],
    },
    { control: 'security services', covered: ['securityhub:DisableSecurityHub'], action: 'securityhub:CreateConnector', why: [] },
    { control: 'security services', covered: ['config:DeleteConfigurationRecorder'], action: 'config:PutThirdPartyServiceLinkedConfigurationRecorder', why: ['name like config:DeleteConfigurationRecorder (ConfigurationRecorder)'] },
    {
      control: 'security services',
      covered: ['config:DeleteServiceLinkedConfigurationRecorder'],
      action: 'config:PutThirdPartyServiceLinkedConfigurationRecorder',
      why: ['name like config:DeleteServiceLinkedConfigurationRecorder (ServiceLinkedConfigurationRecorder)', 'condition key config:ConfigurationRecorderServicePrincipal, as config:DeleteServiceLinkedConfigurationRecorder'],
    },
    { control: 'stay in the organization', covered: ['organizations:LeaveOrganization'], action: 'organizations:InviteOrganizationToTransferResponsibility', why: [] },
    { control: 'model allowlist', covered: ['bedrock:InvokeModel'], action: 'bedrock:InvokeTool', why: ['same resource type system-tool as bedrock:InvokeModel'] },
    { control: 'model allowlist', covered: ['bedrock:InvokeModel'], action: 'bedrock:PutAccountDataRetention', why: [] },
    // s3:TlsVersion is on every S3 action: sharing it says nothing.
    { control: 'object writes', covered: ['s3:PutObject'], action: 's3:GetBucketAbac', why: [] },
    { control: 'object writes', covered: ['s3:PutObject'], action: 's3:DeleteObjectAnnotation', why: ['same resource type accesspointobject as s3:PutObject'] },
  ];
  it.each(cases)('$control: $action', ({ covered, action, why }) => {
    // Each candidate is new: the older snapshot does not have it; what the control covers is older.
    expect(from.action(action), action).toBeUndefined();
    for (const c of covered) expect(to.action(c), c).toBeDefined();
    expect(nearness(covered, action).map(describeNearness)).toEqual(why);
  });

  it('finds the names of actions AWS already had in the same way: a key of a user is near users and keys', () => {
    expect(nearness(USERS_AND_KEYS, 'iam:DeleteAccessKey').map(describeNearness)).toEqual(['same resource type user as iam:CreateAccessKey', 'name like iam:CreateAccessKey (AccessKey)']);
    expect(nearness(['iam:CreateAccessKey'], 'iam:ListAccessKeys').map((n) => n.by)).toContain('name');
  });
});

describe('nameParts', () => {
  it.each([
    ['CreateUser', 'Create', 'User'],
    ['CreateUserV2', 'Create', 'User'],
    ['DisableSecurityHubFeatureV2', 'Disable', 'SecurityHubFeature'],
    ['BatchGetItem', 'BatchGet', 'Item'],
    ['ListAccessKeys', 'List', 'AccessKeys'],
    ['GetSAMLProvider', 'Get', 'SAMLProvider'],
    ['Subscribe', 'Subscribe', ''],
  ])('%s: verb %s, noun %s', (name, verb, noun) => {
    const parts = nameParts(name);
    expect([parts.verb, parts.noun.map((w) => w.text).join('')]).toEqual([verb, noun]);
  });

  it('compares nouns without a plural s: ListAccessKeys and CreateAccessKey share AccessKey', () => {
    expect(nameParts('ListAccessKeys').noun.map((w) => w.key)).toEqual(nameParts('CreateAccessKey').noun.map((w) => w.key));
  });
});
