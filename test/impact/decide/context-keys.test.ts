/** Condition keys from a shape: known from the record or the tree, or unknown; never guessed (design section 3). */
import { describe, expect, it } from 'vitest';
import { shapeRequest } from '../../../src/impact/context-keys.js';
import { projectionOf } from '../../../src/impact/projection.js';
import { readShapesFile } from '../../../src/impact/sources/shapes-file.js';
import { OrgTree } from '../../../src/model/org-tree.js';
import { shape } from './example.js';

const tree = new OrgTree('Root', 'r-ab12');
const prod = tree.add({ kind: 'ou', name: 'Prod', id: 'ou-ab12-prod', parent: tree.root });
tree.add({ kind: 'account', name: 'app', id: '200000000001', parent: prod });
const org = { organizationId: 'o-abc1234567', managementAccount: '100000000000', tree };

/** A key's value ('absent' when known to be absent, 'unknown' when not known). */
function valueOf(row: Parameters<typeof shapeRequest>[0], key: string): unknown {
  const { request } = shapeRequest(row, org);
  if (!request.known.has(key.toLowerCase())) return 'unknown';
  const entry = request.context.get(key);
  return entry ? (entry.multivalued ? entry.values : entry.values[0]) : 'absent';
}

const inside = shape({ eventSource: 's3.amazonaws.com', eventName: 'GetObject', recipientAccountId: '200000000001', principalArn: 'arn:aws:iam::200000000001:role/team/app', tlsVersion: '1.2' });
const outside = shape({ eventSource: 's3.amazonaws.com', eventName: 'GetObject', recipientAccountId: '200000000001', principalType: 'AWSAccount', principalArn: null, principalAccount: '999999999999', resourceAccount: '200000000001', tlsVersion: null });
const service = shape({ eventSource: 's3.amazonaws.com', eventName: 'PutObject', recipientAccountId: '200000000001', principalType: 'AWSService', principalArn: null, principalAccount: null, invokedBy: 'cloudtrail.amazonaws.com' });

describe('shapeRequest', () => {
  it.each([
    ['a pathed role keeps its path in aws:PrincipalArn', inside, 'aws:PrincipalArn', 'arn:aws:iam::200000000001:role/team/app'],
    ['a principal of the organization: its org id', inside, 'aws:PrincipalOrgID', 'o-abc1234567'],
    ['and its OU path', inside, 'aws:PrincipalOrgPaths', ['o-abc1234567/r-ab12/ou-ab12-prod/']],
    ['TLS from tlsDetails', inside, 's3:TlsVersion', '1.2'],
    ['aws:SecureTransport with tlsDetails', inside, 'aws:SecureTransport', 'true'],
    ['an outside principal has no aws:PrincipalOrgID', outside, 'aws:PrincipalOrgID', 'absent'],
    ['the owner side of a cross-account call does not name the caller', outside, 'aws:PrincipalArn', 'unknown'],
    ['no tlsDetails says nothing of TLS', outside, 's3:TlsVersion', 'unknown'],
    ['the resource account is in the organization', outside, 'aws:ResourceOrgID', 'o-abc1234567'],
    ['tags are never in CloudTrail', inside, 'aws:TagKeys', 'unknown'],
    ['principal tags neither', inside, 'aws:PrincipalTag/team', 'unknown'],
    ['a service principal', service, 'aws:PrincipalIsAWSService', 'true'],
    ['is named by invokedBy', service, 'aws:PrincipalServiceName', 'cloudtrail.amazonaws.com'],
    ['and has no ARN', service, 'aws:PrincipalArn', 'absent'],
    ['the confused-deputy keys of a service call are not recorded', service, 'aws:SourceAccount', 'unknown'],
    ['the Region', inside, 'aws:RequestedRegion', 'us-east-1'],
  ])('%s', (_, row, key, expected) => {
    expect(valueOf(row, key)).toEqual(expected);
  });

  it('a Bedrock profile id gives the profile ARN and the model in the Region that served it', () => {
    const s = shapeRequest(shape({ eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', recipientAccountId: '200000000001', principalAccount: '200000000001', awsRegion: 'eu-west-1', modelId: 'eu.amazon.nova-pro-v1:0', inferenceRegion: 'eu-central-1' }), org);
    expect(s.resources).toEqual(['arn:aws:bedrock:eu-west-1:200000000001:inference-profile/eu.amazon.nova-pro-v1:0', 'arn:aws:bedrock:eu-central-1::foundation-model/amazon.nova-pro-v1:0']);
    expect(s.request.context.get('bedrock:InferenceProfileArn')?.values).toEqual(['arn:aws:bedrock:eu-west-1:200000000001:inference-profile/eu.amazon.nova-pro-v1:0']);
    const unlogged = shapeRequest(shape({ eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', modelId: 'eu.amazon.nova-pro-v1:0' }), org);
    expect(unlogged.resourcesComplete).toBe(false);
  });
});

describe('projectionOf', () => {
  it('keeps only the fields the statements read', () => {
    expect(projectionOf([{ effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { NumericLessThan: { 's3:TlsVersion': ['1.2'] } } }])).toEqual({ sourceIp: false, vpcEndpoint: false, userAgent: false, tlsVersion: true, mfa: false, objectKeys: false, session: false });
    const p = projectionOf([
      { effect: 'Deny', action: ['s3:GetObject'], resource: ['arn:aws:s3:::logs/private/*'], condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24'] }, StringNotEquals: { 'aws:SourceVpce': ['vpce-1'] } } },
      { effect: 'Deny', action: ['s3:*'], resource: ['arn:aws:s3:::other/*'] },
    ]);
    expect(p).toMatchObject({ sourceIp: true, vpcEndpoint: true, objectKeys: true, tlsVersion: false });
    expect(projectionOf([{ effect: 'Deny', action: ['s3:*'], resource: ['arn:aws:s3:::other/*'] }]).objectKeys).toBe(false);
  });
});

describe('readShapesFile', () => {
  const ok = JSON.stringify(inside);
  it.each([
    ['not JSON', `${ok}\n{`, 2, 'not JSON'],
    ['an unknown field', JSON.stringify({ ...inside, extra: 1 }), 1, 'unknown field "extra"'],
    ['a wrong type', JSON.stringify({ ...inside, awsRegion: 3 }), 1, 'awsRegion must be a string'],
    ['an overlong string', JSON.stringify({ ...inside, principalArn: 'a'.repeat(3000) }), 1, 'principalArn is longer than 2048 characters or null'],
    ['too many ARNs', JSON.stringify({ ...inside, resourceArns: Array.from({ length: 101 }, (_, i) => `arn:aws:s3:::b${i}`) }), 1, 'resourceArns has more than 100 entries'],
    ['a bad time', JSON.stringify({ ...inside, firstSeen: 'yesterday' }), 1, 'firstSeen must be an ISO 8601 UTC time'],
    ['a bad deniedBy', JSON.stringify({ ...inside, deniedBy: 'iam' }), 1, 'deniedBy must be "scp", "rcp" or null'],
    ['zero events', JSON.stringify({ ...inside, events: 0 }), 1, 'events must be a whole number from 1 to 1000000000000'],
  ])('refuses %s, naming the line', (_, text, line, problem) => {
    expect(readShapesFile(text)).toEqual({ ok: false, line, problem });
  });

  it('reads good lines, skipping blank ones, and counts their events', () => {
    const read = readShapesFile(`${ok}\n\n${ok}\n`);
    expect(read.ok && read.reduction.shapes.length).toBe(2);
    expect(read.ok && read.reduction.totals.records).toBe(20);
  });
});
