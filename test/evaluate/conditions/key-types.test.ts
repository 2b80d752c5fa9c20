/**
 * Operator families against key types, checked when a policy is compiled with a reference. Types as
 * the service reference and the global keys page give them (src/evaluate/conditions/key-types.ts).
 */
import { describe, expect, it } from 'vitest';
import { compileCondition, type KeyTypes } from '../../../src/evaluate/index.js';

const TYPES: Record<string, string[]> = {
  'aws:requestedregion': ['String'],
  'aws:principalarn': ['ARN'],
  'aws:securetransport': ['Bool'],
  'aws:sourceip': ['IPAddress'],
  'aws:currenttime': ['Date'],
  'aws:epochtime': ['Date', 'Numeric'],
  's3:tlsversion': ['Numeric'],
  'aws:tagkeys': ['ArrayOfString'],
  'svc:calledvia': ['ArrayOfARN'],
  'svc:mixed': ['ArrayOfString', 'String'],
  'svc:blob': ['Binary'],
  'svc:future': ['Long'],
  'svc:futurelist': ['ArrayOfDuration'],
};
const keyTypes: KeyTypes = (k) => TYPES[k.toLowerCase()];

const compiles = (operator: string, key: string, value: string) => () => compileCondition({ [operator]: { [key]: [value] } }, keyTypes);

describe('operator families fit key types', () => {
  it.each([
    ['StringEquals', 'aws:RequestedRegion', 'us-east-1'],
    ['StringLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/x'],
    ['ArnNotLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/x'],
    ['BoolIfExists', 'aws:SecureTransport', 'false'],
    ['NotIpAddress', 'aws:SourceIp', '10.0.0.0/8'],
    ['DateLessThan', 'aws:CurrentTime', '2026-01-01T00:00:00Z'],
    ['DateLessThan', 'aws:EpochTime', '2026-01-01T00:00:00Z'],
    ['NumericLessThan', 'aws:EpochTime', '1700000000'],
    ['NumericLessThan', 's3:TlsVersion', '1.2'],
    ['ForAnyValue:StringEquals', 'aws:TagKeys', 'team'],
    ['ForAllValues:ArnLike', 'svc:CalledVia', 'arn:aws:iam::*:role/x'],
    ['ForAnyValue:StringLike', 'svc:CalledVia', 'arn:aws:*'],
    ['StringEquals', 'svc:mixed', 'x'],
    ['BinaryEquals', 'svc:blob', 'QmluYXJ5'],
    ['Null', 'svc:future', 'true'],
    ['Null', 's3:TlsVersion', 'false'],
    ['NumericEquals', 'svc:not-in-the-reference', '1'],
  ])('%s on %s compiles', (operator, key, value) => {
    expect(compiles(operator, key, value)).not.toThrow();
  });

  it.each([
    ['NumericLessThan', 'aws:RequestedRegion', '1', 'condition-type-mismatch', /cannot compare "aws:RequestedRegion", a String key: use a String operator/],
    ['ArnLike', 'aws:RequestedRegion', 'arn:aws:s3:::b', 'condition-type-mismatch', /a String key/],
    ['StringEquals', 's3:TlsVersion', '1.2', 'condition-type-mismatch', /a Numeric key: use a Numeric operator/],
    ['Bool', 'aws:SourceIp', 'true', 'condition-type-mismatch', /an? IPAddress key/],
    ['DateEquals', 'aws:SecureTransport', '2026-01-01', 'condition-type-mismatch', /a Bool key/],
    ['ForAnyValue:NumericEquals', 'aws:TagKeys', '1', 'condition-type-mismatch', /ArrayOfString key/],
    ['StringEquals', 'svc:future', 'x', 'unknown-key-type', /type Long is one the engine does not know/],
    ['NumericEquals', 'svc:futurelist', '1', 'unknown-key-type', /type Duration is one the engine does not know/],
  ])('%s on %s is an error (%s)', (operator, key, value, code, message) => {
    expect(compiles(operator, key, value)).toThrow(message);
    try {
      compiles(operator, key, value)();
    } catch (e) {
      expect((e as { code: string }).code).toBe(code);
    }
  });
});
