/**
 * The authorizer against AWS's documented evaluation logic and exemptions (AWS Organizations user
 * guide: SCP and RCP evaluation, "SCPs don't affect...", "RCPs don't apply to..."; REFERENCE.md).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { authorize, buildRequest, compilePolicy, type AuthorizationInput, type OrgChain, type RequestSpec } from '../../src/evaluate/index.js';
import type { Statement } from '../../src/policy/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

const MGMT = '111111111111';
const MEMBER = '222222222222';
const full: Statement = { effect: 'Allow', action: ['*'], resource: ['*'] };
const rcpFull: Statement = { effect: 'Allow', principal: '*', action: ['*'], resource: ['*'] };
const denyS3: Statement = { effect: 'Deny', action: ['s3:*'], resource: ['*'] };
const denyS3Put: Statement = { effect: 'Deny', action: ['s3:PutObject'], resource: ['*'] };
const rcpDenyS3: Statement = { effect: 'Deny', principal: '*', action: ['s3:*'], resource: ['*'] };
const rcpDenyKms: Statement = { effect: 'Deny', principal: '*', action: ['kms:*'], resource: ['*'] };

function chain(...levels: Statement[][]): OrgChain {
  return { levels: levels.map((statements, i) => ({ label: `level ${i}`, policies: [compilePolicy(`p${i}`, statements, ref)] })) };
}

function decide(spec: Partial<RequestSpec> & { action: string }, parts: Partial<AuthorizationInput>) {
  const request = buildRequest(
    {
      principal: spec.principal ?? { id: `arn:aws:iam::${MEMBER}:role/app` },
      action: spec.action,
      resource: spec.resource ?? { arn: `arn:aws:s3:::bucket/key`, account: MEMBER },
      ...(spec.context ? { context: spec.context } : {}),
    },
    ref,
  );
  return authorize({ request, managementAccount: MGMT, supportsRcp: (s) => ref.supportsRcp(s), ...parts });
}

describe('SCP chains', () => {
  it('an explicit deny at any level wins over allows', () => {
    const d = decide({ action: 's3:GetObject' }, { scp: chain([full], [full, denyS3], [full]) });
    expect(d.decision).toBe('explicit-deny');
    expect(d.decidedBy).toMatchObject({ kind: 'scp', level: 'level 1', policy: 'p1', statement: 1 });
  });

  it('every level must allow: a level that allows nothing denies implicitly', () => {
    const d = decide({ action: 's3:GetObject' }, { scp: chain([full], [{ effect: 'Allow', action: ['ec2:*'], resource: ['*'] }], [full]) });
    expect(d.decision).toBe('implicit-deny');
    expect(d.decidedBy).toMatchObject({ kind: 'scp', level: 'level 1' });
  });

  it('an allow says, per level, which statement allowed', () => {
    const allowS3 = { effect: 'Allow' as const, sid: 'S3Only', action: ['s3:*'], resource: ['*'] };
    const d = decide({ action: 's3:GetObject' }, { scp: chain([full], [denyS3Put, allowS3], [full]), rcp: chain([rcpFull], [rcpFull]) });
    expect(d.decision).toBe('allow');
    expect(d.allowedBy!.map((a) => [a.kind, a.level, a.policy, a.statement, a.sid])).toEqual([
      ['scp', 'level 0', 'p0', 0, undefined],
      ['scp', 'level 1', 'p1', 1, 'S3Only'],
      ['scp', 'level 2', 'p2', 0, undefined],
      ['rcp', 'level 0', 'p0', 0, undefined],
      ['rcp', 'level 1', 'p1', 0, undefined],
    ]);
    expect(d.reason).toBe('allowed by SCP p0 statement 1 at level 0; SCP p1 statement S3Only at level 1; SCP p2 statement 1 at level 2; RCP p0 statement 1 at level 0; RCP p1 statement 1 at level 1');
  });

  it('SCPs do not affect the management account', () => {
    const d = decide({ action: 's3:GetObject', principal: { id: `arn:aws:iam::${MGMT}:role/admin` } }, { scp: chain([denyS3]) });
    expect(d.decision).toBe('allow');
    expect(d.scp).toBe('SCPs do not apply to the management account');
  });

  it('SCPs do not affect service-linked roles', () => {
    const d = decide({ action: 's3:GetObject', principal: { id: `arn:aws:iam::${MEMBER}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig` } }, { scp: chain([denyS3]) });
    expect(d.decision).toBe('allow');
    expect(d.scp).toBe('SCPs do not apply to service-linked roles');
  });

  it('SCPs do not affect AWS service principals', () => {
    const d = decide({ action: 's3:GetObject', principal: { id: 'cloudtrail.amazonaws.com' } }, { scp: chain([denyS3]) });
    expect(d.decision).toBe('allow');
  });

  it('a principal outside the organization is not under its SCPs', () => {
    expect(decide({ action: 's3:GetObject', principal: { id: 'arn:aws:iam::999999999999:role/x' } }, { scp: undefined }).scp).toBe('the principal is not in the organization');
  });
});

describe('RCP chains', () => {
  it('apply to the resource owner, whoever the caller is, including outsiders', () => {
    const d = decide({ action: 's3:GetObject', principal: { id: 'arn:aws:iam::999999999999:role/x' } }, { rcp: chain([rcpFull], [rcpFull, rcpDenyS3]) });
    expect(d.decision).toBe('explicit-deny');
    expect(d.decidedBy).toMatchObject({ kind: 'rcp', level: 'level 1' });
  });

  it("do not apply to the management account's resources", () => {
    const d = decide({ action: 's3:GetObject', resource: { arn: 'arn:aws:s3:::b/k', account: MGMT } }, { rcp: chain([rcpFull, rcpDenyS3]) });
    expect(d.decision).toBe('allow');
    expect(d.rcp).toBe("RCPs do not apply to the management account's resources");
  });

  it('do not apply to calls by service-linked roles', () => {
    const d = decide({ action: 's3:GetObject', principal: { id: `arn:aws:iam::${MEMBER}:role/aws-service-role/x.amazonaws.com/r` } }, { rcp: chain([rcpFull, rcpDenyS3]) });
    expect(d.rcp).toBe('RCPs do not apply to calls by service-linked roles');
  });

  it('do not apply to services that do not support them', () => {
    const d = decide({ action: 'sns:Publish', resource: { arn: `arn:aws:sns:us-east-1:${MEMBER}:t`, account: MEMBER } }, { rcp: chain([rcpFull, { effect: 'Deny', principal: '*', action: ['sns:*'], resource: ['*'] }]) });
    expect(d.decision).toBe('allow');
    expect(d.rcp).toBe('RCPs do not apply to sns, which does not support them');
  });

  it('do not apply to AWS managed KMS keys, nor to kms:RetireGrant', () => {
    const managed = decide({ action: 'kms:Decrypt', resource: { arn: `arn:aws:kms:us-east-1:${MEMBER}:key/abc`, account: MEMBER, awsManagedKmsKey: true } }, { rcp: chain([rcpFull, rcpDenyKms]) });
    expect(managed.rcp).toBe('RCPs do not apply to AWS managed KMS keys');
    const retire = decide({ action: 'kms:RetireGrant', resource: { arn: `arn:aws:kms:us-east-1:${MEMBER}:key/abc`, account: MEMBER } }, { rcp: chain([rcpFull, rcpDenyKms]) });
    expect(retire.rcp).toBe('RCPs do not apply to kms:RetireGrant');
    expect(retire.decision).toBe('allow');
    const customer = decide({ action: 'kms:Decrypt', resource: { arn: `arn:aws:kms:us-east-1:${MEMBER}:key/abc`, account: MEMBER } }, { rcp: chain([rcpFull, rcpDenyKms]) });
    expect(customer.decision).toBe('explicit-deny');
  });

  it('every level needs RCPFullAWSAccess (or another allow)', () => {
    const d = decide({ action: 's3:GetObject' }, { rcp: chain([rcpFull], []) });
    expect(d.decision).toBe('implicit-deny');
  });
});

describe('identity and resource policies', () => {
  it('an identity policy must allow when one is given', () => {
    const allowEc2 = compilePolicy('id', [{ effect: 'Allow', action: ['ec2:*'], resource: ['*'] }], ref);
    expect(decide({ action: 's3:GetObject' }, { identity: [allowEc2] }).decision).toBe('implicit-deny');
    expect(decide({ action: 'ec2:RunInstances' }, { identity: [allowEc2] }).decision).toBe('allow');
  });

  it('a resource policy allow counts; its principal must match', () => {
    const none = compilePolicy('id', [], ref);
    const bucket = compilePolicy('bucket', [{ effect: 'Allow', principal: { AWS: [MEMBER] }, action: ['s3:GetObject'], resource: ['arn:aws:s3:::bucket/*'] }], ref);
    expect(decide({ action: 's3:GetObject' }, { identity: [none], resourcePolicy: bucket }).decision).toBe('allow');
    expect(decide({ action: 's3:GetObject', principal: { id: 'arn:aws:iam::999999999999:role/x' } }, { identity: [none], resourcePolicy: bucket }).decision).toBe('implicit-deny');
  });

  // IAM User Guide, "AWS JSON policy elements: Principal": role sessions, federated users (identity
  // providers) and canonical users can be named; a role ARN covers its sessions.
  it('matches Principal entries for role sessions, identity providers and canonical users', () => {
    const session = `arn:aws:sts::${MEMBER}:assumed-role/app/alice`;
    const denyBy = (principal: Record<string, string[]>) => compilePolicy('bucket', [{ effect: 'Deny', principal, action: ['s3:GetObject'], resource: ['*'] }], ref);
    const decideAs = (id: string, principal: Record<string, string[]>) => decide({ action: 's3:GetObject', principal: { id } }, { resourcePolicy: denyBy(principal) }).decision;
    expect(decideAs(session, { AWS: [session] })).toBe('explicit-deny');
    expect(decideAs(`arn:aws:sts::${MEMBER}:assumed-role/app/bob`, { AWS: [session] })).toBe('allow');
    expect(decideAs(session, { AWS: [`arn:aws:iam::${MEMBER}:role/app`] })).toBe('explicit-deny');
    expect(decideAs(session, { AWS: [MEMBER] })).toBe('explicit-deny');
    expect(decideAs('accounts.google.com', { Federated: ['accounts.google.com'] })).toBe('explicit-deny');
    expect(decideAs(`arn:aws:iam::${MEMBER}:saml-provider/corp`, { Federated: [`arn:aws:iam::${MEMBER}:saml-provider/corp`] })).toBe('explicit-deny');
    expect(decideAs('graph.facebook.com', { Federated: ['accounts.google.com'] })).toBe('allow');
    expect(decideAs(`arn:aws:iam::${MEMBER}:role/app`, { Federated: ['accounts.google.com'] })).toBe('allow');
    const canonical = '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be';
    expect(decideAs(canonical, { CanonicalUser: [canonical] })).toBe('explicit-deny');
    expect(decideAs(`arn:aws:iam::${MEMBER}:role/app`, { CanonicalUser: [canonical] })).toBe('allow');
  });

  it('a Principal type the engine does not know makes the statement an error, never a silent non-match', () => {
    const odd = compilePolicy('bucket', [{ effect: 'Deny', principal: { Aws: [MEMBER] }, action: ['s3:GetObject'], resource: ['*'] }], ref);
    const d = decide({ action: 's3:GetObject' }, { resourcePolicy: odd });
    expect(d.decision).toBe('error');
    expect(d.reason).toMatch(/"Aws" is not a principal type/);
  });

  // "Cross-account policy evaluation logic": across accounts the identity-based policy and the
  // resource-based policy must both allow; within one account either may.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
  describe('across accounts both must allow; within one account either may', () => {
    const OTHER = '999999999999';
    const outsider = { id: `arn:aws:iam::${OTHER}:role/x` };
    const allowS3 = compilePolicy('id', [{ effect: 'Allow', action: ['s3:GetObject'], resource: ['*'] }], ref);
    const none = compilePolicy('id', [], ref);
    const bucketFor = (who: string) => compilePolicy('bucket', [{ effect: 'Allow', principal: { AWS: [who] }, action: ['s3:GetObject'], resource: ['arn:aws:s3:::bucket/*'] }], ref);

    it('identity allows, the resource policy names someone else: implicit deny', () => {
      const d = decide({ action: 's3:GetObject', principal: outsider }, { identity: [allowS3], resourcePolicy: bucketFor('123456789012') });
      expect(d.decision).toBe('implicit-deny');
      expect(d.decidedBy).toMatchObject({ kind: 'resource', policy: 'bucket' });
      expect(d.reason).toMatch(/the resource policy does not allow it; a cross-account request \(principal in 999999999999, resource in 222222222222\) needs both/);
    });

    it('the identity allows nothing, the resource policy allows: implicit deny across accounts, allow within one', () => {
      const across = decide({ action: 's3:GetObject', principal: outsider }, { identity: [none], resourcePolicy: bucketFor(OTHER) });
      expect(across.decision).toBe('implicit-deny');
      expect(across.decidedBy).toMatchObject({ kind: 'identity' });
      expect(decide({ action: 's3:GetObject' }, { identity: [none], resourcePolicy: bucketFor(MEMBER) }).decision).toBe('allow');
    });

    it('both allow across accounts: allow, and the allow names both statements', () => {
      const d = decide({ action: 's3:GetObject', principal: outsider }, { identity: [allowS3], resourcePolicy: bucketFor(OTHER) });
      expect(d.decision).toBe('allow');
      expect(d.allowedBy!.map((a) => [a.kind, a.policy, a.statement])).toEqual([['identity', 'id', 0], ['resource', 'bucket', 0]]);
    });

    it('no resource policy given: a question that leaves it out assumes it grants; one that says there is none denies', () => {
      expect(decide({ action: 's3:GetObject', principal: outsider }, { identity: [allowS3] }).decision).toBe('allow');
      const none = decide({ action: 's3:GetObject', principal: outsider }, { identity: [allowS3], resourcePolicy: null });
      expect(none.decision).toBe('implicit-deny');
      expect(none.reason).toMatch(/the resource has no resource-based policy/);
      expect(decide({ action: 's3:GetObject' }, { identity: [allowS3], resourcePolicy: null }).decision).toBe('allow');
    });
  });

  it('Resource, NotResource and policy variables', () => {
    const home = compilePolicy('home', [{ effect: 'Deny', action: ['s3:*'], notResource: ['arn:aws:s3:::home/${aws:PrincipalTag/user}/*'] }], ref);
    const tagged = { id: `arn:aws:iam::${MEMBER}:role/app`, tags: { user: 'alice' } };
    expect(decide({ action: 's3:GetObject', principal: tagged, resource: { arn: 'arn:aws:s3:::home/alice/f', account: MEMBER } }, { identity: [home] }).decision).toBe('implicit-deny');
    expect(decide({ action: 's3:GetObject', principal: tagged, resource: { arn: 'arn:aws:s3:::home/bob/f', account: MEMBER } }, { identity: [home] }).decision).toBe('explicit-deny');
  });
});

describe('fail closed and explanations', () => {
  it('a statement that cannot be evaluated makes the decision an error, never an allow', () => {
    const broken = chain([full, { effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { 'ForAnyValue:StringLikes': { 'aws:TagKeys': ['x'] } } }]);
    const d = decide({ action: 's3:GetObject' }, { scp: broken });
    expect(d.decision).toBe('error');
    expect(d.reason).toMatch(/cannot evaluate SCP p0 statement 2 at level 0: "ForAnyValue:StringLikes" is not an IAM condition operator/);
  });

  it.each([
    ['a CIDR range with two prefixes', { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8/9'] } }, {}],
    ['an ARN value of fewer than six components', { ArnLike: { 'aws:SourceArn': ['arn:aws:s3:*'] } }, {}],
    ['a date JavaScript would roll over', { DateLessThan: { 'aws:CurrentTime': ['2024-02-30'] } }, {}],
    ['a request value that is not a number', { NumericLessThan: { 's3:TlsVersion': ['1.2'] } }, { 's3:TlsVersion': 'TLSv1.1' }],
    ['a request value that is not an IP address', { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } }, { 'aws:SourceIp': 'localhost' }],
  ] as const)('a Deny with %s is an error, not an allow', (_, condition, context) => {
    const d = decide({ action: 's3:GetObject', context: context as Record<string, string> }, { scp: chain([full, { effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: condition as unknown as Record<string, Record<string, string[]>> }]) });
    expect(d.decision).toBe('error');
  });

  it('a deny that matches still decides next to a broken statement', () => {
    const d = decide({ action: 's3:GetObject' }, { scp: chain([full, { effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { Bool: { k: ['maybe'] } } }, denyS3]) });
    expect(d.decision).toBe('explicit-deny');
  });

  it('lists every matching deny on request', () => {
    const d = decide({ action: 's3:GetObject' }, { scp: chain([full, denyS3], [full, denyS3]), allDenies: true });
    expect(d.denies.map((x) => x.level)).toEqual(['level 0', 'level 1']);
  });

  it('matches actions case-insensitively, including ones the reference does not know', () => {
    expect(decide({ action: 'S3:getobject' }, { scp: chain([full, denyS3]) }).decision).toBe('explicit-deny');
    expect(decide({ action: 's3:SomethingNew' }, { scp: chain([full, denyS3]) }).decision).toBe('explicit-deny');
  });
});

describe('request context shapes', () => {
  it('a key the reference types ArrayOf* is a list even when written as one value, so a plain operator does not match it', () => {
    const scp = chain([full, { effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { StringNotEquals: { 'aws:TagKeys': ['team'] } } }]);
    expect(decide({ action: 's3:PutBucketTagging', context: { 'aws:TagKeys': 'owner' } }, { scp }).decision).toBe('allow');
    expect(decide({ action: 's3:PutBucketTagging', context: { 'aws:TagKeys': ['owner', 'team'] } }, { scp }).decision).toBe('allow');
    const setScp = chain([full, { effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['team'] } } }]);
    expect(decide({ action: 's3:PutBucketTagging', context: { 'aws:TagKeys': 'owner' } }, { scp: setScp }).decision).toBe('explicit-deny');
  });

  it('a single-valued key written as a one-element list is one value', () => {
    const scp = chain([full, { effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { StringEquals: { 'aws:SourceAccount': ['999999999999'] } } }]);
    expect(decide({ action: 's3:GetObject', context: { 'aws:SourceAccount': ['999999999999'] } }, { scp }).decision).toBe('explicit-deny');
  });
});

describe('the Resource element', () => {
  // IAM User Guide, Resource element: a wildcard at the end of a segment can match beyond the colon.
  it('matches the whole ARN as one glob, case-sensitively', () => {
    const p = compilePolicy('r', [{ effect: 'Deny', action: ['*'], resource: ['arn:aws:s3:*'] }], ref);
    expect(decide({ action: 's3:GetObject' }, { identity: [p] }).decision).toBe('explicit-deny');
    const caseSensitive = compilePolicy('r', [{ effect: 'Deny', action: ['*'], resource: ['arn:aws:s3:::BUCKET/*'] }], ref);
    expect(decide({ action: 's3:GetObject', resource: { arn: 'arn:aws:s3:::bucket/key', account: MEMBER } }, { identity: [caseSensitive] }).decision).toBe('implicit-deny');
  });
});
