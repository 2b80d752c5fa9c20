import { describe, expect, it } from 'vitest';
import { holds } from './helpers.js';

describe('fail closed: what cannot be evaluated faithfully is an error', () => {
  it.each([
    ['a misspelled operator', { StringEqual: { k: 'v' } }, /"StringEqual" is not an IAM condition operator/],
    ['an operator in another casing', { 'ForAnyValue:Stringlike': { k: 'v' } }, /not IAM's spelling of the operator ForAnyValue:StringLike: AWS evaluates operator names case-insensitively/],
    ['Null with IfExists', { NullIfExists: { k: 'true' } }, /not an IAM condition operator/],
    ['a number that is not one', { NumericLessThan: { k: 'abc' } }, /"abc" is not a number/],
    ['a date that is not one', { DateLessThan: { k: 'yesterday' } }, /is not a date/],
    ['a boolean that is not one', { Bool: { k: 'yes' } }, /is not a boolean/],
    ['a CIDR that is not one', { IpAddress: { k: '10.0.0.0/33' } }, /is not an IP address/],
    ['base64 that is not', { BinaryEquals: { k: '!!' } }, /is not base64/],
  ] as const)('%s', (_, condition, message) => {
    expect(() => holds(condition as never, {})).toThrow(message);
  });
});
