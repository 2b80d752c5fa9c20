import { describe, expect, it } from 'vitest';
import { holds } from './helpers.js';

describe('fail closed: what cannot be evaluated faithfully is an error', () => {
  it.each([
    ['a misspelled operator', { StringEqual: { k: 'v' } }, /"StringEqual" is not an IAM condition operator/],
    ['a set prefix that is not one', { 'ForSomeValues:StringLike': { k: 'v' } }, /"ForSomeValues:StringLike" is not an IAM condition operator/],
    ['Null with IfExists', { NullIfExists: { k: 'true' } }, /not an IAM condition operator/],
    ['a number that is not one', { NumericLessThan: { k: 'abc' } }, /"abc" is not a number/],
    ['a date that is not one', { DateLessThan: { k: 'yesterday' } }, /is not a date/],
    ['a boolean that is not one', { Bool: { k: 'yes' } }, /is not a boolean/],
    ['a CIDR that is not one', { IpAddress: { k: '10.0.0.0/33' } }, /is not an IP address/],
    ['base64 that is not', { BinaryEquals: { k: '!!' } }, /is not base64/],
    ['a CIDR range with two prefixes', { IpAddress: { k: '10.0.0.0/8/9' } }, /"10.0.0.0\/8\/9" is not an IP address or CIDR range/],
    ['a CIDR prefix that is not decimal', { NotIpAddress: { k: '10.0.0.0/0x8' } }, /is not an IP address/],
    // IAM User Guide, ARN condition operators: "Each of the six colon-delimited components of the ARN is checked separately".
    ['an ARN value that is no ARN', { ArnLike: { k: 'notarn' } }, /"notarn" is not an ARN/],
    ['an ARN value of fewer than six components', { ArnNotLike: { k: 'arn:aws:s3:*' } }, /"arn:aws:s3:\*" is not an ARN/],
    ['a date that does not exist (JavaScript rolls it over to March 1)', { DateLessThan: { k: '2024-02-30' } }, /"2024-02-30" is not a date/],
    ['a month that does not exist', { DateEquals: { k: '2024-13-01T00:00:00Z' } }, /is not a date/],
    ['an hour that does not exist', { DateGreaterThan: { k: '2024-01-01T24:00:00Z' } }, /is not a date/],
  ] as const)('%s', (_, condition, message) => {
    expect(() => holds(condition as never, {})).toThrow(message);
  });

  // A request value the operator cannot read is an error too: false would let a Deny with a positive
  // operator through, true would let one with a negated operator deny for the wrong reason.
  it.each([
    ['NumericLessThan', { NumericLessThan: { 's3:TlsVersion': '1.2' } }, { 's3:TlsVersion': 'TLSv1' }, /the request value "TLSv1" is not a number/],
    ['NumericNotEquals', { NumericNotEquals: { 's3:max-keys': '10' } }, { 's3:max-keys': 'ten' }, /the request value "ten" is not a number/],
    ['IpAddress', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': 'vpce-1a2b3c' }, /the request value "vpce-1a2b3c" is not an IP address/],
    ['NotIpAddress', { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, { 'aws:SourceIp': '10.0.0.0/8' }, /the request value "10.0.0.0\/8" is not an IP address/],
    ['DateLessThan', { DateLessThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, { 'aws:CurrentTime': 'yesterday' }, /the request value "yesterday" is not a date/],
    ['ForAnyValue:NumericEquals', { 'ForAnyValue:NumericEquals': { k: '1' } }, { k: ['2', 'x'] }, /the request value "x" is not a number/],
  ] as const)('a request value that %s cannot read', (_, condition, ctx, message) => {
    expect(() => holds(condition as never, ctx as never)).toThrow(message);
  });

  // REFERENCE.md section 2: condition operators are case-insensitive in AWS's evaluation, and so in the
  // engine's; validate, compile and import still ask for IAM's spelling (test/policy/policy.test.ts).
  it.each([
    ['stringequals', { stringequals: { k: 'v' } }, { k: 'v' }, true],
    ['STRINGNOTEQUALS', { STRINGNOTEQUALS: { k: 'v' } }, { k: 'v' }, false],
    ['forAnyValue:stringLike', { 'forAnyValue:stringLike': { k: 'a*' } }, { k: ['b', 'ab'] }, true],
    ['ForAllValues:StringEqualsIFEXISTS', { 'FORALLVALUES:StringEqualsIFEXISTS': { k: 'a' } }, { k: ['b'] }, false],
    ['arnnotlikeifexists on a missing key', { arnnotlikeifexists: { k: 'arn:aws:iam::*:role/x' } }, {}, true],
    ['null', { null: { k: 'true' } }, {}, true],
  ] as const)('accepts the operator %s in any casing', (_, condition, ctx, expected) => {
    expect(holds(condition as never, ctx as never)).toBe(expected);
  });
});
