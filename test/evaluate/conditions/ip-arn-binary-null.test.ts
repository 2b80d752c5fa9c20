import { describe, expect, it } from 'vitest';
import { holds, type Case } from './helpers.js';

const cases: Case[] = [
  { name: 'IpAddress in a CIDR range', condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, context: { 'aws:SourceIp': '203.0.113.42' }, expected: true },
  { name: 'IpAddress outside the range', condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, context: { 'aws:SourceIp': '203.0.114.1' }, expected: false },
  { name: 'IpAddress with a single address', condition: { IpAddress: { 'aws:SourceIp': '198.51.100.7' } }, context: { 'aws:SourceIp': '198.51.100.7' }, expected: true },
  { name: 'NotIpAddress', condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.0/24'] } }, context: { 'aws:SourceIp': '192.0.2.1' }, expected: true },
  { name: 'IPv6 range', condition: { IpAddress: { 'aws:SourceIp': '2001:DB8:1234:5678::/64' } }, context: { 'aws:SourceIp': '2001:db8:1234:5678:abcd::1' }, expected: true },
  { name: 'IPv6 outside the range', condition: { IpAddress: { 'aws:SourceIp': '2001:DB8:1234:5678::/64' } }, context: { 'aws:SourceIp': '2001:db8:1234:5679::1' }, expected: false },
  { name: 'an IPv4 address is not in an IPv6 range', condition: { IpAddress: { 'aws:SourceIp': '::/0' } }, context: { 'aws:SourceIp': '10.0.0.1' }, expected: false },
  { name: 'ArnLike compares each component with wildcards', condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Admin*' } }, context: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/AdminRole' }, expected: true },
  { name: 'ArnLike: the resource component keeps its slashes', condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::bucket/*' } }, context: { 'aws:SourceArn': 'arn:aws:s3:::bucket/a/b/c' }, expected: true },
  { name: 'ArnLike is case-sensitive', condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/admin' } }, context: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/Admin' }, expected: false },
  { name: 'ArnEquals', condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111111111111:topic' } }, context: { 'aws:SourceArn': 'arn:aws:sns:us-east-1:111111111111:topic' }, expected: true },
  { name: 'ArnNotLike (the exception pattern of guardrails)', condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/BreakGlass' } }, context: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/BreakGlass' }, expected: false },
  { name: 'a value that is not an ARN does not match', condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::*' } }, context: { 'aws:SourceArn': 'bucket' }, expected: false },
  { name: 'BinaryEquals compares decoded bytes', condition: { BinaryEquals: { 'key': 'QmluYXJ5VmFsdWU=' } }, context: { key: 'QmluYXJ5VmFsdWU=' }, expected: true },
  { name: 'BinaryEquals different bytes', condition: { BinaryEquals: { 'key': 'QmluYXJ5VmFsdWU=' } }, context: { key: 'T3RoZXI=' }, expected: false },
  { name: 'Null true: the key is absent', condition: { Null: { 'aws:TokenIssueTime': 'true' } }, context: {}, expected: true },
  { name: 'Null true: the key is present', condition: { Null: { 'aws:TokenIssueTime': 'true' } }, context: { 'aws:TokenIssueTime': '2026-01-01T00:00:00Z' }, expected: false },
  { name: 'Null false: the key is present', condition: { Null: { 'aws:SourceAccount': 'false' } }, context: { 'aws:SourceAccount': '111111111111' }, expected: true },
  { name: 'Null true: an empty multivalued key counts as absent', condition: { Null: { 'aws:TagKeys': 'true' } }, context: { 'aws:TagKeys': [] }, expected: true },
  // "You can prevent missing context keys or context keys with empty values from evaluating to true by
  // including a Null condition operator in your policy with a value of false" (IAM User Guide).
  { name: 'Null false: a key with only an empty string is null', condition: { Null: { 'aws:TagKeys': 'false' } }, context: { 'aws:TagKeys': [''] }, expected: false },
  { name: 'Null false: an empty single value is null', condition: { Null: { 'aws:SourceVpc': 'false' } }, context: { 'aws:SourceVpc': '' }, expected: false },
  { name: 'Null false: an empty multivalued key is null', condition: { Null: { 'aws:TagKeys': 'false' } }, context: { 'aws:TagKeys': [] }, expected: false },
];

describe('IP address, ARN, binary and Null operators', () => {
  it.each(cases)('$name', (c) => expect(holds(c.condition, c.context)).toBe(c.expected));
});
