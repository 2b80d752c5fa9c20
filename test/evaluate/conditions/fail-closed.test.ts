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
  ] as const)('%s', (_, condition, message) => {
    expect(() => holds(condition as never, {})).toThrow(message);
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
