/**
 * conditionRequests: for each operator family, the request that meets a condition meets all of it and
 * the one that misses it misses it, as the engine reads the whole condition on the built request.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRequest, compileCondition, type RequestSpec } from '../../src/evaluate/index.js';
import type { Condition } from '../../src/policy/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { conditionRequests, holdsWithoutBucketTags } from '../../src/simulate/condition-scenarios.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

const ACCOUNT = '222222222222';
const base = (action: string, arn: string): RequestSpec => ({ principal: { id: `arn:aws:iam::${ACCOUNT}:role/developer`, account: ACCOUNT }, action, resource: { arn, account: ACCOUNT }, region: 'us-east-1' });
const S3 = base('s3:PutObject', 'arn:aws:s3:::data/key');
const EC2 = base('ec2:RunInstances', `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/*`);

describe('conditionRequests', () => {
  it.each<[string, Condition, RequestSpec]>([
    ['StringEquals on a resource tag', { StringEquals: { 'aws:ResourceTag/env': ['prod'] } }, S3],
    ['StringNotEquals on a service key', { StringNotEquals: { 's3:x-amz-acl': ['private'] } }, S3],
    ['StringLike with a wildcard', { StringLike: { 'aws:PrincipalTag/team': ['data-*'] } }, S3],
    ['ArnNotLike on the principal (an exception)', { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/BreakGlass'] } }, S3],
    ['StringNotEqualsIfExists on the Region', { StringNotEqualsIfExists: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } }, EC2],
    ['NumericLessThan', { NumericLessThan: { 's3:TlsVersion': ['1.2'] } }, S3],
    ['NumericGreaterThanEquals', { NumericGreaterThanEquals: { 'ec2:VolumeSize': ['100'] } }, EC2],
    ['Bool', { Bool: { 'aws:SecureTransport': ['false'] } }, S3],
    ['Null true', { Null: { 'aws:RequestTag/owner': ['true'] } }, EC2],
    ['ForAnyValue:StringEquals on a multivalued key', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } }, EC2],
    ['DateGreaterThan', { DateGreaterThan: { 'aws:CurrentTime': ['2026-06-01T00:00:00Z'] } }, S3],
    ['NotIpAddress', { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8'] } }, S3],
    ['two keys', { StringEquals: { 'aws:ResourceTag/env': ['prod'] }, Bool: { 'aws:SecureTransport': ['true'] } }, S3],
  ])('%s', (_, condition, spec) => {
    const r = conditionRequests(condition, spec, ref, ACCOUNT);
    if ('skip' in r) throw new Error(r.skip);
    const holds = compileCondition(condition);
    expect(r.absent).toEqual([]);
    expect(holds(buildRequest(r.meets, ref).context)).toBe(true);
    expect(r.misses).toBeDefined();
    expect(holds(buildRequest(r.misses!, ref).context)).toBe(false);
  });

  it('a key the action never carries stays absent, so the request cannot meet a positive operator', () => {
    const condition = { StringEquals: { 's3:x-amz-acl': ['public-read'] } };
    const r = conditionRequests(condition, base('s3:GetObject', 'arn:aws:s3:::data/key'), ref, ACCOUNT);
    if ('skip' in r) throw new Error(r.skip);
    expect(r.absent).toEqual(['s3:x-amz-acl']);
    expect(compileCondition(condition)(buildRequest(r.meets, ref).context)).toBe(false);
  });

  it('without bucket ABAC, a tag clause reads its key absent: a positive operator misses, a negated one meets', () => {
    expect(holdsWithoutBucketTags({ StringEquals: { 'aws:ResourceTag/env': ['prod'] } })).toBe(false);
    expect(holdsWithoutBucketTags({ StringNotEquals: { 'aws:ResourceTag/partner': ['yes'] } })).toBe(true);
    expect(holdsWithoutBucketTags({ StringEquals: { 's3:BucketTag/env': ['prod'] } })).toBe(false);
    expect(holdsWithoutBucketTags({ Bool: { 'aws:SecureTransport': ['false'] } })).toBe(true);
  });

  it("AWS's encrypt-with-KMS idiom: the request that misses sets the header to another value or leaves it out, never one the Null clause keeps meeting", () => {
    const condition = { StringNotEquals: { 's3:x-amz-server-side-encryption': ['aws:kms'] }, Null: { 's3:x-amz-server-side-encryption': ['false'] } };
    const r = conditionRequests(condition, S3, ref, ACCOUNT);
    if ('skip' in r) throw new Error(r.skip);
    const holds = compileCondition(condition);
    expect(holds(buildRequest(r.meets, ref).context)).toBe(true);
    expect(r.misses).toBeDefined();
    expect(holds(buildRequest(r.misses!, ref).context)).toBe(false);
  });

  it('a condition that no request misses gets no "misses" request', () => {
    // Null false on a key every S3 request carries (withDefaults), with StringLike "*": nothing misses it.
    const r = conditionRequests({ StringLike: { 's3:TlsVersion': ['*'] }, Null: { 's3:TlsVersion': ['false'] } }, S3, ref, ACCOUNT);
    if ('skip' in r) throw new Error(r.skip);
    expect(r.misses).toBeUndefined();
  });

  it('a key the intent accepts (conditionKeys.accept) is taken on trust: the request carries it', () => {
    const condition = { StringEquals: { 's3:NewKey': ['x'] } };
    const get = base('s3:GetObject', 'arn:aws:s3:::data/key');
    const r = conditionRequests(condition, get, ref, ACCOUNT, new Set(['s3:newkey']));
    if ('skip' in r) throw new Error(r.skip);
    expect(r.absent).toEqual([]);
    expect(compileCondition(condition)(buildRequest(r.meets, ref).context)).toBe(true);
    expect(compileCondition(condition)(buildRequest(r.misses!, ref).context)).toBe(false);
    const untrusted = conditionRequests(condition, get, ref, ACCOUNT);
    expect('absent' in untrusted && untrusted.absent).toEqual(['s3:NewKey']);
  });

  it.each([
    ['aws:ViaAWSService', "a key AWS sets when a service makes the request on the principal's behalf, which generated requests do not model"],
    ['aws:CalledViaFirst', "a key AWS sets when a service makes the request on the principal's behalf, which generated requests do not model"],
    ['aws:SourceIdentity', "a key AWS sets from the principal's identity or session, which generated requests do not model"],
    ['aws:ResourceOrgPaths', 'a key the request derives from its resource'],
  ])('says why %s is not simulated', (key, why) => {
    expect(conditionRequests({ StringEquals: { [key]: ['x'] } }, S3, ref, ACCOUNT)).toEqual({ skip: `StringEquals ${key}: ${why}` });
  });

  it('skips keys derived from the principal or resource it does not model', () => {
    expect(conditionRequests({ StringEquals: { 'aws:PrincipalAccount': ['111111111111'] } }, S3, ref, ACCOUNT)).toEqual({ skip: 'StringEquals aws:PrincipalAccount: a key the request derives from its principal' });
  });
});
