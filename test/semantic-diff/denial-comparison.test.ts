/**
 * Which way a change of deny conditions goes, decided on requests built from the conditions' values;
 * and what a change of known shape means in words.
 */
import { describe, expect, it } from 'vitest';
import { compareDenials, meaningOf, type Denial } from '../../src/semantic-diff/index.js';

const tls = (v: string): Denial => ({ residual: { NumericLessThan: { 's3:TlsVersion': [v] } } });
const regions = (...r: string[]): Denial => ({ residual: { StringNotEquals: { 'aws:RequestedRegion': r } } });
const tag = (k: string): Denial => ({ residual: { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [k] } } });
const ip = (cidr: string): Denial => ({ residual: { NotIpAddress: { 'aws:SourceIp': [cidr] } } });

describe('compareDenials', () => {
  it.each([
    ['a TLS floor raised', [tls('1.1')], [tls('1.2')], 'stricter'],
    ['a TLS floor lowered', [tls('1.2')], [tls('1.1')], 'looser'],
    ['a Region added to an allow-list', [regions('us-east-1')], [regions('us-east-1', 'eu-west-1')], 'looser'],
    ['a Region removed', [regions('us-east-1', 'eu-west-1')], [regions('us-east-1')], 'stricter'],
    ['a Region swapped', [regions('us-east-1', 'eu-central-1')], [regions('us-east-1', 'eu-west-1')], 'mixed'],
    ['the same list in another order', [regions('us-east-1', 'eu-west-1')], [regions('eu-west-1', 'us-east-1')], 'same'],
    ['a protected tag key added beside a kept denial', [tls('1.2')], [tls('1.2'), tag('team')], 'stricter'],
    ['a denial dropped', [tls('1.2'), tag('team')], [tls('1.2')], 'looser'],
    ['a narrower network', [ip('10.0.0.0/8')], [ip('10.1.0.0/16')], 'stricter'],
    ['an unconditional denial made conditional', [{ residual: {} }], [tls('1.2')], 'looser'],
  ] as const)('%s: %s', (_, before, after, direction) => {
    expect(compareDenials(before, after).direction).toBe(direction);
  });

  it('names a request that becomes allowed, with only the keys that tell', () => {
    const r = compareDenials([regions('us-east-1'), tag('team')], [regions('us-east-1', 'eu-west-1'), tag('team')]);
    expect(r).toMatchObject({ direction: 'looser', decided: true, allowedExample: 'aws:RequestedRegion=eu-west-1' });
  });

  it('decides nothing on a statement it cannot evaluate, and says so (mixed)', () => {
    expect(compareDenials([tls('1.1')], [{ residual: {}, error: 'unknown operator' }])).toEqual({ direction: 'mixed', decided: false });
    expect(compareDenials([tls('1.1')], [{ residual: { NumericLessThan: { 's3:TlsVersion': ['not a number'] } } }])).toEqual({ direction: 'mixed', decided: false });
  });
});

describe('meaningOf', () => {
  it.each([
    [['Deny when NumericLessThan s3:TlsVersion ["1.1"]'], ['Deny when NumericLessThan s3:TlsVersion ["1.2"]'], 'S3 TLS floor 1.1 -> 1.2'],
    [[], ['Deny when ForAnyValue:StringEqualsIgnoreCase aws:TagKeys ["dp:exclude:identity"]'], 'tag key dp:exclude:identity protected'],
    [['Deny when StringNotEquals aws:RequestedRegion ["us-east-1","eu-central-1"]'], ['Deny when StringNotEquals aws:RequestedRegion ["us-east-1","eu-west-1"]'], 'allowed Regions + eu-west-1, - eu-central-1'],
    [['Deny when NumericLessThan s3:TlsVersion ["1.2"]'], [], 'S3 TLS floor 1.2 removed'],
    [[], ['Deny when the resource is not ["arn:aws:bedrock:*::foundation-model/a","arn:aws:bedrock:*::foundation-model/b"]'], 'denied on resources other than 2 ARN patterns'],
  ])('%j -> %j', (removed, added, meaning) => {
    expect(meaningOf('conditions-changed', removed, added)).toBe(meaning);
  });

  it('a value that holds " and " or a bracket is read whole', () => {
    expect(meaningOf('conditions-changed', ['Deny when StringEquals aws:PrincipalTag/team ["a and b]"]'], ['Deny when StringEquals aws:PrincipalTag/team ["c"]'])).toBe('aws:PrincipalTag/team StringEquals a and b] -> c');
  });
});
