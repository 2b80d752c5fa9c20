import { describe, expect, it } from 'vitest';
import { holds, type Case } from './helpers.js';

const cases: Case[] = [
  { name: 'NumericLessThan (s3:TlsVersion 1.1 < 1.2)', condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } }, context: { 's3:TlsVersion': '1.1' }, expected: true },
  { name: 'NumericLessThan (1.3 is not below 1.2)', condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } }, context: { 's3:TlsVersion': '1.3' }, expected: false },
  { name: 'NumericLessThanEquals', condition: { NumericLessThanEquals: { 's3:max-keys': '10' } }, context: { 's3:max-keys': 10 }, expected: true },
  { name: 'NumericGreaterThan', condition: { NumericGreaterThan: { 'aws:MultiFactorAuthAge': '3600' } }, context: { 'aws:MultiFactorAuthAge': '7200' }, expected: true },
  { name: 'NumericGreaterThanEquals', condition: { NumericGreaterThanEquals: { 'aws:MultiFactorAuthAge': '3600' } }, context: { 'aws:MultiFactorAuthAge': '3599' }, expected: false },
  { name: 'NumericEquals compares numbers, not text', condition: { NumericEquals: { 's3:max-keys': '10' } }, context: { 's3:max-keys': '10.0' }, expected: true },
  { name: 'NumericNotEquals', condition: { NumericNotEquals: { 's3:max-keys': ['10', '20'] } }, context: { 's3:max-keys': '30' }, expected: true },
  { name: 'DateGreaterThan with ISO 8601', condition: { DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, context: { 'aws:CurrentTime': '2026-11-22T10:00:00Z' }, expected: true },
  { name: 'DateLessThan with epoch seconds in the request', condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-01-01T00:00:00Z' } }, context: { 'aws:TokenIssueTime': '1700000000' }, expected: true },
  { name: 'DateEquals with a date only', condition: { DateEquals: { 'aws:CurrentTime': '2026-11-22' } }, context: { 'aws:CurrentTime': '2026-11-22T00:00:00Z' }, expected: true },
  { name: 'DateLessThanEquals', condition: { DateLessThanEquals: { 'aws:CurrentTime': '2026-11-22T10:00:00+01:00' } }, context: { 'aws:CurrentTime': '2026-11-22T09:00:00Z' }, expected: true },
  { name: 'DateEquals on February 29 of a leap year', condition: { DateEquals: { 'aws:CurrentTime': '2024-02-29' } }, context: { 'aws:CurrentTime': '2024-02-29T00:00:00Z' }, expected: true },
  { name: 'DateNotEquals', condition: { DateNotEquals: { 'aws:CurrentTime': '2026-11-22T10:00:00Z' } }, context: { 'aws:CurrentTime': '2026-11-22T10:00:01Z' }, expected: true },
  { name: 'Bool true', condition: { Bool: { 'aws:SecureTransport': 'true' } }, context: { 'aws:SecureTransport': true }, expected: true },
  { name: 'Bool compares case-insensitively', condition: { Bool: { 'aws:SecureTransport': 'false' } }, context: { 'aws:SecureTransport': 'FALSE' }, expected: true },
  { name: 'BoolIfExists false with a missing key holds (deny when not known to be TLS)', condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } }, context: {}, expected: true },
  { name: 'Bool with a missing key is false', condition: { Bool: { 'aws:SecureTransport': 'false' } }, context: {}, expected: false },
];

describe('Numeric, Date and Bool operators', () => {
  it.each(cases)('$name', (c) => expect(holds(c.condition, c.context)).toBe(c.expected));
});
