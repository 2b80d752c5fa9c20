/**
 * Records -> fields -> shapes. The first four samples are AWS's, verbatim from the pages named beside
 * each (CloudTrail User Guide and IAM User Guide); the console request is modelled on the IAM page's
 * "Example IAM API event" (its invokedBy and sourceIPAddress), without a recipientAccountId: the folder
 * it was delivered to gives the account.
 */
import { describe, expect, it } from 'vitest';
import { deniedByOf, ownedPolicyNamed, parseAccessDenied } from '../../../src/impact/access-denied.js';
import { readRecord, type RecordFields } from '../../../src/impact/record.js';
import { shapeKey, shapeOf } from '../../../src/impact/shape.js';
import { ShapeLimitError, ShapeTable } from '../../../src/impact/shape-table.js';
import type { Projection } from '../../../src/impact/types.js';

// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference.html
const START_LOGGING = { eventVersion: '1.09', userIdentity: { type: 'IAMUser', principalId: 'EXAMPLE6E4XEGITWATV6R', arn: 'arn:aws:iam::123456789012:user/Mary_Major', accountId: '123456789012', accessKeyId: 'AKIAIOSFODNN7EXAMPLE', userName: 'Mary_Major', sessionContext: { attributes: { creationDate: '2023-07-19T21:11:57Z', mfaAuthenticated: 'false' } } }, eventTime: '2023-07-19T21:33:41Z', eventSource: 'cloudtrail.amazonaws.com', eventName: 'StartLogging', awsRegion: 'us-east-1', sourceIPAddress: '192.0.2.0', userAgent: 'aws-cli/2.13.5 Python/3.11.4 Linux/4.14.255-314-253.539.amzn2.x86_64 exec-env/CloudShell exe/x86_64.amzn.2 prompt/off command/cloudtrail.start-logging', requestParameters: { name: 'myTrail' }, responseElements: null, requestID: '9d478fc1-4f10-490f-a26b-EXAMPLE0e932', eventID: 'eae87c48-d421-4626-94f5-EXAMPLEac994', readOnly: false, eventType: 'AwsApiCall', managementEvent: true, recipientAccountId: '123456789012', eventCategory: 'Management', tlsDetails: { tlsVersion: 'TLSv1.2', cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256', clientProvidedHostHeader: 'cloudtrail.us-east-1.amazonaws.com' }, sessionCredentialFromConsole: 'true' };
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html#error-code-and-error-message
const UPDATE_TRAIL_ERROR = { eventVersion: '1.04', userIdentity: { type: 'IAMUser', principalId: 'EX_PRINCIPAL_ID', arn: 'arn:aws:iam::123456789012:user/Alice', accountId: '123456789012', accessKeyId: 'EXAMPLE_KEY_ID', userName: 'Alice' }, eventTime: '2016-07-14T19:15:45Z', eventSource: 'cloudtrail.amazonaws.com', eventName: 'UpdateTrail', awsRegion: 'us-east-2', sourceIPAddress: '205.251.233.182', userAgent: 'aws-cli/1.10.32 Python/2.7.9 Windows/7 botocore/1.4.22', errorCode: 'TrailNotFoundException', errorMessage: 'Unknown trail: myTrail2 for the user: 123456789012', requestParameters: { name: 'myTrail2' }, responseElements: null, requestID: '5d40662a-49f7-11e6-97e4-d9cb6ff7d6a3', eventID: 'b7d4398e-b2f0-4faa-9c76-e2d316a8d67f', eventType: 'AwsApiCall', recipientAccountId: '123456789012' };
// https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html#stscloudtrailexample: the caller's copy and the owner's
const ASSUME_ROLE_CALLER = { eventVersion: '1.05', userIdentity: { type: 'IAMUser', principalId: 'AIDAQRSTUVWXYZEXAMPLE', arn: 'arn:aws:iam::777788889999:user/JohnDoe', accountId: '777788889999', accessKeyId: 'AKIAQRSTUVWXYZEXAMPLE', userName: 'JohnDoe' }, eventTime: '2014-07-18T15:07:39Z', eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole', awsRegion: 'us-east-2', sourceIPAddress: '192.0.2.101', userAgent: 'aws-cli/1.11.10 Python/2.7.8 Linux/3.2.45-0.6.wd.865.49.315.metal1.x86_64 botocore/1.4.67', requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/EC2-dev', roleSessionName: 'JohnDoe-EC2-dev', sourceIdentity: 'JohnDoe', serialNumber: 'arn:aws:iam::777788889999:mfa' }, responseElements: { credentials: { sessionToken: '<encoded session token blob>', accessKeyId: 'AKIAQRSTUVWXYZEXAMPLE', expiration: 'Jul 18, 2014 4:07:39 PM' }, assumedRoleUser: { assumedRoleId: 'AIDAQRSTUVWXYZEXAMPLE:JohnDoe-EC2-dev', arn: 'arn:aws:sts::111122223333:assumed-role/EC2-dev/JohnDoe-EC2-dev' }, sourceIdentity: 'JohnDoe' }, resources: [{ ARN: 'arn:aws:iam::111122223333:role/EC2-dev', accountId: '111122223333', type: 'AWS::IAM::Role' }], requestID: '4EXAMPLE-0e8d-11e4-96e4-e55c0EXAMPLE', sharedEventID: 'bEXAMPLE-efea-4a70-b951-19a88EXAMPLE', eventID: 'dEXAMPLE-ac7f-466c-a608-4ac8dEXAMPLE', eventType: 'AwsApiCall', recipientAccountId: '111122223333' };
const ASSUME_ROLE_OWNER = { ...ASSUME_ROLE_CALLER, userIdentity: { type: 'AWSAccount', principalId: 'AIDAQRSTUVWXYZEXAMPLE', accountId: '777788889999' }, resources: undefined, recipientAccountId: undefined, eventID: 'eEXAMPLE-ac7f-466c-a608-4ac8dEXAMPLE' };
// Modelled on the same IAM page's "Example IAM API event" (console request: invokedBy and a DNS name as its source)
const GET_USER_POLICY = { eventVersion: '1.05', userIdentity: { type: 'IAMUser', principalId: 'AIDACKCEVSQ6C2EXAMPLE', arn: 'arn:aws:iam::444455556666:user/JaneDoe', accountId: '444455556666', accessKeyId: 'AKIAI44QH8DHBEXAMPLE', userName: 'JaneDoe', sessionContext: { attributes: { mfaAuthenticated: 'false', creationDate: '2014-07-15T21:39:40Z' } }, invokedBy: 'signin.amazonaws.com' }, eventTime: '2014-07-15T21:40:14Z', eventSource: 'iam.amazonaws.com', eventName: 'GetUserPolicy', awsRegion: 'us-east-2', sourceIPAddress: 'signin.amazonaws.com', userAgent: 'signin.amazonaws.com', requestParameters: { userName: 'JaneDoe', policyName: 'ReadOnlyAccess-JaneDoe-201407151307' }, responseElements: null, requestID: '9EXAMPLE-0c68-11e4-a24e-d5e16EXAMPLE', eventID: 'cEXAMPLE-127e-4632-980d-505a4EXAMPLE' };

const ALL: Projection = { sourceIp: true, vpcEndpoint: true, userAgent: true, tlsVersion: true, mfa: true, objectKeys: true, session: true };
const NONE: Projection = { sourceIp: false, vpcEndpoint: false, userAgent: false, tlsVersion: false, mfa: false, objectKeys: false, session: false };

function fields(raw: unknown, pathAccount?: string): RecordFields {
  const read = readRecord(raw, pathAccount);
  if (read.kind !== 'event') throw new Error(`not an event: ${JSON.stringify(read)}`);
  return read.fields;
}

describe('AWS\'s sample records', () => {
  it('StartLogging by an IAM user: TLSv1.2 -> 1.2, the IP kept, MFA false', () => {
    const f = fields(START_LOGGING);
    expect(f).toMatchObject({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'StartLogging', eventType: 'AwsApiCall', eventCategory: 'Management', principalType: 'IAMUser', principalArn: 'arn:aws:iam::123456789012:user/Mary_Major', principalAccount: '123456789012', sessionArn: null, sourceIp: '192.0.2.0', tlsVersion: '1.2', mfaAuthenticated: 'false', recipientAccountId: '123456789012', errorCode: null });
    expect(f.eventTimeMs).toBe(Date.UTC(2023, 6, 19, 21, 33, 41));
  });

  it('an error record keeps its code; its message blames no organization policy', () => {
    const s = shapeOf(fields(UPDATE_TRAIL_ERROR), ALL);
    expect(s).toMatchObject({ errorCode: 'TrailNotFoundException', deniedBy: null, deniedByPolicy: null, eventCategory: null, tlsVersion: null });
  });

  it('cross-account AssumeRole: the caller\'s copy names the role passed and the resource\'s account; the owner\'s has no principal ARN and takes its account from the folder', () => {
    expect(shapeOf(fields(ASSUME_ROLE_CALLER), ALL)).toMatchObject({ principalArn: 'arn:aws:iam::777788889999:user/JohnDoe', resourceArns: ['arn:aws:iam::111122223333:role/EC2-dev'], resourceAccount: '111122223333', passedRoleArn: 'arn:aws:iam::111122223333:role/EC2-dev', recipientAccountId: '111122223333' });
    expect(readRecord(ASSUME_ROLE_OWNER)).toEqual({ kind: 'malformed', reason: 'missing:recipientAccountId' });
    expect(shapeOf(fields(ASSUME_ROLE_OWNER, '111122223333'), ALL)).toMatchObject({ principalType: 'AWSAccount', principalArn: null, principalAccount: '777788889999', recipientAccountId: '111122223333', resourceArns: [], resourceAccount: null });
  });

  it('a console request: invokedBy signin, and a DNS name as source is no IP (aws:SourceIp absent)', () => {
    expect(fields(GET_USER_POLICY, '444455556666')).toMatchObject({ eventType: null, invokedBy: 'signin.amazonaws.com', sourceIp: null, principalArn: 'arn:aws:iam::444455556666:user/JaneDoe', recipientAccountId: '444455556666' });
  });
});

describe('readRecord on odd and hostile records: a reason, never a throw', () => {
  const ok = START_LOGGING;
  it.each<[string, unknown, string]>([
    ['an array', [], 'not-an-object'],
    ['null', null, 'not-an-object'],
    ['no eventVersion', { ...ok, eventVersion: undefined }, 'missing:eventVersion'],
    ['eventVersion 2.0', { ...ok, eventVersion: '2.0' }, 'eventVersion-not-1'],
    ['eventTime not ISO', { ...ok, eventTime: 'yesterday' }, 'invalid:eventTime'],
    ['eventTime a number', { ...ok, eventTime: 1_700_000_000 }, 'wrong-type:eventTime'],
    ['userIdentity a string', { ...ok, userIdentity: 'root' }, 'wrong-type:userIdentity'],
    ['no eventSource', { ...ok, eventSource: undefined }, 'missing:eventSource'],
    ['a 10 MB ARN', { ...ok, userIdentity: { ...ok.userIdentity, arn: 'a'.repeat(10 << 20) } }, 'too-long:userIdentity.arn'],
    ['resources an object', { ...ok, resources: { ARN: 'x' } }, 'wrong-type:resources'],
    ['2,000 resources', { ...ok, resources: Array.from({ length: 2000 }, () => ({ ARN: 'arn:aws:s3:::b' })) }, 'too-many:resources'],
    ['a resource ARN as a number', { ...ok, resources: [{ ARN: 7 }] }, 'wrong-type:resources[].ARN'],
    ['an account that is not 12 digits', { ...ok, recipientAccountId: '12345' }, 'invalid:recipientAccountId'],
    ['sessionContext a list', { ...ok, userIdentity: { ...ok.userIdentity, sessionContext: [] } }, 'wrong-type:userIdentity.sessionContext'],
  ])('%s', (_, raw, reason) => {
    expect(readRecord(raw)).toEqual({ kind: 'malformed', reason });
  });

  it('console sign-ins, service events and Insights are not authorization events', () => {
    for (const eventType of ['AwsConsoleSignIn', 'AwsServiceEvent', 'AwsConsoleAction', 'AwsVpceEvent']) expect(readRecord({ ...ok, eventType })).toEqual({ kind: 'not-authorization' });
  });

  it('what requestParameters holds is read loosely: another type says nothing; a huge userAgent is clipped', () => {
    const f = fields({ ...ok, requestParameters: { modelId: { nested: true }, roleArn: 'not-an-arn' }, userAgent: 'x'.repeat(100_000) });
    expect(f.modelId).toBeNull();
    expect(f.passedRoleArn).toBeNull();
    expect(f.userAgent).toHaveLength(1024);
  });
});

describe('shapeOf', () => {
  const session = {
    ...START_LOGGING,
    userIdentity: { type: 'AssumedRole', principalId: 'AROAEXAMPLE:alice', arn: 'arn:aws:sts::123456789012:assumed-role/legacy-etl/alice', accountId: '123456789012', sessionContext: { sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: 'arn:aws:iam::123456789012:role/data/legacy-etl', accountId: '123456789012', userName: 'legacy-etl' }, attributes: { mfaAuthenticated: 'true', creationDate: '2026-10-01T00:00:00Z' } } },
    eventSource: 's3.amazonaws.com', eventName: 'GetObject', eventCategory: 'Data', tlsDetails: { tlsVersion: 'TLSv1.1' }, sourceIPAddress: '2001:db8::1',
    resources: [{ ARN: 'arn:aws:s3:::payments/2026/10/a.csv', accountId: '123456789012', type: 'AWS::S3::Object' }, { ARN: 'arn:aws:s3:::payments', accountId: '123456789012', type: 'AWS::S3::Bucket' }, { ARN: 'arn:aws:s3:::payments/other/b.csv', accountId: '123456789012' }],
  };

  it('the principal is the role with its path; the session, IP, TLS, MFA and object keys go unless the projection keeps them', () => {
    expect(shapeOf(fields(session), NONE)).toMatchObject({ principalArn: 'arn:aws:iam::123456789012:role/data/legacy-etl', principalId: null, sessionArn: null, sourceIp: null, tlsVersion: null, mfaAuthenticated: null, userAgent: null, resourceArns: ['arn:aws:s3:::payments', 'arn:aws:s3:::payments/*'] });
    expect(shapeOf(fields(session), ALL)).toMatchObject({ principalId: 'AROAEXAMPLE:alice', sessionArn: 'arn:aws:sts::123456789012:assumed-role/legacy-etl/alice', sourceIp: '2001:db8::1', tlsVersion: '1.1', mfaAuthenticated: 'true', resourceArns: ['arn:aws:s3:::payments', 'arn:aws:s3:::payments/2026/10/a.csv', 'arn:aws:s3:::payments/other/b.csv'] });
  });

  it('two sessions of one role, on other objects of the bucket, are one shape; another TLS version is another only when TLS is read', () => {
    const other = { ...session, userIdentity: { ...session.userIdentity, principalId: 'AROAEXAMPLE:bob', arn: 'arn:aws:sts::123456789012:assumed-role/legacy-etl/bob' }, resources: [{ ARN: 'arn:aws:s3:::payments/x' }] };
    const a = { ...session, resources: [{ ARN: 'arn:aws:s3:::payments/y' }] };
    expect(shapeKey(shapeOf(fields(other), NONE))).toBe(shapeKey(shapeOf(fields(a), NONE)));
    expect(shapeKey(shapeOf(fields(other), ALL))).not.toBe(shapeKey(shapeOf(fields(a), ALL)));
    const tls12 = { ...a, tlsDetails: { tlsVersion: 'TLSv1.2' } };
    expect(shapeKey(shapeOf(fields(tls12), NONE))).toBe(shapeKey(shapeOf(fields(a), NONE)));
    expect(shapeKey(shapeOf(fields(tls12), { ...NONE, tlsVersion: true }))).not.toBe(shapeKey(shapeOf(fields(a), { ...NONE, tlsVersion: true })));
  });

  it('an SCP denial\'s message gives deniedBy and the policy id', () => {
    const denied = { ...START_LOGGING, errorCode: 'AccessDenied', errorMessage: 'User: arn:aws:iam::123456789012:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/* with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd' };
    expect(shapeOf(fields(denied), NONE)).toMatchObject({ errorCode: 'AccessDenied', deniedBy: 'scp', deniedByPolicy: 'p-2kgnabcd' });
  });
});

describe('access-denied messages', () => {
  const USER = 'User: arn:aws:iam::123456789012:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/*';
  it.each<[string, string, ReturnType<typeof parseAccessDenied>]>([
    ['the blog\'s SCP message with its ARN', `${USER} with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd`, { type: 'scp', explicit: true, policy: { id: 'p-2kgnabcd', organizationId: 'o-qv5af4abcd', managementAccount: '987654321098' } }],
    ['an RCP with its ARN', `${USER} with an explicit deny in a resource control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/resource_control_policy/p-abcd1234`, { type: 'rcp', explicit: true, policy: { id: 'p-abcd1234', organizationId: 'o-qv5af4abcd', managementAccount: '987654321098' } }],
    ['no ARN (across organizations)', `${USER} with an explicit deny in a service control policy`, { type: 'scp', explicit: true }],
    ['EC2\'s wrapped form', `You are not authorized to perform this operation. ${USER} with an explicit deny in a service control policy. Encoded authorization failure message: Jx4kVn2TMXsh0pTe`, { type: 'scp', explicit: true }],
    ['an implicit deny', `${USER} because no service control policy allows the iam:ListRoles action`, { type: 'scp', explicit: false }],
    ['an ARN whose type contradicts the sentence', `${USER} with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/resource_control_policy/p-2kgnabcd`, { type: 'scp', explicit: true }],
    ['an identity policy', `${USER} with an explicit deny in an identity-based policy`, undefined],
    ['a permissions boundary', `${USER} because no permissions boundary allows the iam:ListRoles action`, undefined],
  ])('%s', (_, message, expected) => {
    expect(parseAccessDenied(message)).toEqual(expected);
  });

  it('a named policy counts as owned only in our organization: a forged ARN of a foreign one does not', () => {
    const owned = new Set(['p-2kgnabcd']);
    const ours = parseAccessDenied(`${USER} with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd`);
    const forged = parseAccessDenied(`${USER} with an explicit deny in a service control policy: arn:aws:organizations::111111111111:policy/o-evilevil00/service_control_policy/p-2kgnabcd`);
    expect(ownedPolicyNamed(ours, 'o-qv5af4abcd', owned)).toBe('p-2kgnabcd');
    expect(ownedPolicyNamed(forged, 'o-qv5af4abcd', owned)).toBeUndefined();
    expect(deniedByOf(null)).toEqual({ deniedBy: null, deniedByPolicy: null });
  });

  it('a 10 MB message is read only up to its cap', () => {
    const t = performance.now();
    expect(parseAccessDenied(`${'x'.repeat(10 << 20)} with an explicit deny in a service control policy`)).toBeUndefined();
    expect(performance.now() - t).toBeLessThan(500);
  });
});

describe('ShapeTable', () => {
  const row = (over: Partial<RecordFields>) => shapeOf({ ...fields(START_LOGGING), ...over }, NONE);

  it('counts events, first and last seen, the smallest event id; a merge of two tables is one table over all records', () => {
    const records: [Partial<RecordFields>, string, string][] = [
      [{}, '2026-10-02T00:00:00Z', 'c'],
      [{}, '2026-10-01T00:00:00Z', 'b'],
      [{ awsRegion: 'eu-west-1' }, '2026-10-03T00:00:00Z', 'z'],
      [{}, '2026-10-05T00:00:00.500Z', 'd'],
      [{ awsRegion: 'eu-west-1' }, '2026-10-01T12:00:00Z', 'y'],
    ];
    const whole = new ShapeTable();
    const a = new ShapeTable();
    const b = new ShapeTable();
    records.forEach(([over, time, id], i) => {
      whole.add(row(over), time, Date.parse(time), id);
      (i % 2 ? a : b).add(row(over), time, Date.parse(time), id);
    });
    const merged = new ShapeTable();
    merged.merge(a.rows());
    merged.merge(b.rows());
    expect(merged.rows()).toEqual(whole.rows());
    expect(whole.rows().map((r) => [r.awsRegion, r.events, r.firstSeen, r.lastSeen, r.exampleEventId])).toEqual([
      ['eu-west-1', 2, '2026-10-01T12:00:00Z', '2026-10-03T00:00:00Z', 'y'],
      ['us-east-1', 3, '2026-10-01T00:00:00Z', '2026-10-05T00:00:00.500Z', 'b'],
    ]);
  });

  it('past maxShapes it fails, never drops a shape silently', () => {
    const t = new ShapeTable(2);
    t.add(row({ awsRegion: 'a' }), '2026-10-01T00:00:00Z', 0, 'x');
    t.add(row({ awsRegion: 'b' }), '2026-10-01T00:00:00Z', 0, 'x');
    t.add(row({ awsRegion: 'b' }), '2026-10-01T00:00:00Z', 0, 'y');
    expect(() => t.add(row({ awsRegion: 'c' }), '2026-10-01T00:00:00Z', 0, 'x')).toThrow(ShapeLimitError);
  });
});
