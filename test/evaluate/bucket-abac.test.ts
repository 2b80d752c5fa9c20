/**
 * S3 bucket tags reach aws:ResourceTag only when ABAC is enabled on the bucket (off by default):
 * Amazon S3 User Guide, "Enabling ABAC in general purpose buckets". A deny on prod-tagged buckets
 * therefore does not apply to a bucket without ABAC, and a tag exception does not open it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { authorize, buildRequest, compilePolicy, isS3BucketOrObjectArn, type ResourceSpec } from '../../src/evaluate/index.js';
import type { Statement } from '../../src/policy/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

const MEMBER = '222222222222';
const full: Statement = { effect: 'Allow', action: ['*'], resource: ['*'] };
const denyProd: Statement = { effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { StringEquals: { 'aws:ResourceTag/env': ['prod'] } } };
const denyUnlessPartnerTag: Statement = { effect: 'Deny', action: ['s3:*'], resource: ['*'], condition: { StringNotEqualsIfExists: { 'aws:ResourceTag/partner': ['yes'] } } };

function decide(action: string, resource: ResourceSpec, deny: Statement) {
  const request = buildRequest({ principal: { id: `arn:aws:iam::${MEMBER}:role/app` }, action, resource }, ref);
  const scp = { levels: [{ label: 'Root', policies: [compilePolicy('p', [full, deny], ref)] }] };
  return authorize({ request, managementAccount: '111111111111', scp, supportsRcp: (s) => ref.supportsRcp(s) }).decision;
}

describe('S3 bucket ABAC', () => {
  it('knows general purpose bucket and object ARNs from access points and other services', () => {
    expect(isS3BucketOrObjectArn('arn:aws:s3:::bucket')).toBe(true);
    expect(isS3BucketOrObjectArn('arn:aws:s3:::bucket/dir/key.csv')).toBe(true);
    expect(isS3BucketOrObjectArn('arn:aws-cn:s3:::bucket/key')).toBe(true);
    expect(isS3BucketOrObjectArn('arn:aws:s3:us-east-1:222222222222:accesspoint/ap')).toBe(false);
    expect(isS3BucketOrObjectArn('arn:aws:sqs:us-east-1:222222222222:queue')).toBe(false);
  });

  it.each([
    ['the bucket', 's3:ListBucket', 'arn:aws:s3:::data'],
    ['an object in it', 's3:GetObject', 'arn:aws:s3:::data/report.csv'],
  ])('a deny on prod-tagged buckets applies to %s only with ABAC enabled', (_, action, arn) => {
    const tags = { env: 'prod' };
    expect(decide(action, { arn, account: MEMBER, tags }, denyProd)).toBe('allow');
    expect(decide(action, { arn, account: MEMBER, tags, bucketAbac: false }, denyProd)).toBe('allow');
    expect(decide(action, { arn, account: MEMBER, tags, bucketAbac: true }, denyProd)).toBe('explicit-deny');
  });

  it('a tag exception opens a bucket only with ABAC enabled', () => {
    const resource = { arn: 'arn:aws:s3:::shared/report.csv', account: MEMBER, tags: { partner: 'yes' } };
    expect(decide('s3:GetObject', resource, denyUnlessPartnerTag)).toBe('explicit-deny');
    expect(decide('s3:GetObject', { ...resource, bucketAbac: true }, denyUnlessPartnerTag)).toBe('allow');
  });

  it('the tags of other resources, S3 access points included, always apply', () => {
    const tags = { env: 'prod' };
    expect(decide('sqs:SendMessage', { arn: `arn:aws:sqs:us-east-1:${MEMBER}:queue`, account: MEMBER, tags }, { ...denyProd, action: ['sqs:*'] })).toBe('explicit-deny');
    expect(decide('s3:GetAccessPoint', { arn: `arn:aws:s3:us-east-1:${MEMBER}:accesspoint/ap`, account: MEMBER, tags }, denyProd)).toBe('explicit-deny');
  });
});
