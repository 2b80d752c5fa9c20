import { describe, expect, it } from 'vitest';
import { holds, type Case } from './helpers.js';

const cases: Case[] = [
  { name: 'StringEquals matches the exact value', condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } }, context: { 'aws:PrincipalTag/team': 'red' }, expected: true },
  { name: 'StringEquals values are case-sensitive', condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } }, context: { 'aws:PrincipalTag/team': 'Red' }, expected: false },
  { name: 'condition key names are case-insensitive', condition: { StringEquals: { 'AWS:PRINCIPALTAG/TEAM': 'red' } }, context: { 'aws:principaltag/team': 'red' }, expected: true },
  { name: 'several values of one key: any of them', condition: { StringEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] } }, context: { 'aws:RequestedRegion': 'eu-central-1' }, expected: true },
  { name: 'several keys of one operator: all of them', condition: { StringEquals: { 'aws:PrincipalTag/team': 'red', 'aws:PrincipalTag/env': 'prod' } }, context: { 'aws:PrincipalTag/team': 'red', 'aws:PrincipalTag/env': 'dev' }, expected: false },
  { name: 'several operators: all of them', condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' }, StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/app-*' } }, context: { 'aws:PrincipalTag/team': 'red', 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/app-web' }, expected: true },
  { name: 'StringNotEquals holds when the value equals none of the policy values', condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] } }, context: { 'aws:RequestedRegion': 'us-east-1' }, expected: true },
  { name: 'StringNotEquals fails when the value equals one of them', condition: { StringNotEquals: { 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] } }, context: { 'aws:RequestedRegion': 'eu-west-1' }, expected: false },
  { name: 'StringEqualsIgnoreCase ignores case', condition: { StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'RED' } }, context: { 'aws:PrincipalTag/team': 'red' }, expected: true },
  { name: 'StringNotEqualsIgnoreCase', condition: { StringNotEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'RED' } }, context: { 'aws:PrincipalTag/team': 'red' }, expected: false },
  { name: 'StringLike with * (multi-character)', condition: { StringLike: { 's3:prefix': 'home/*' } }, context: { 's3:prefix': 'home/alice/docs' }, expected: true },
  { name: 'StringLike with ? (one character)', condition: { StringLike: { 's3:prefix': 'home/?' } }, context: { 's3:prefix': 'home/ab' }, expected: false },
  { name: 'StringLike is case-sensitive', condition: { StringLike: { 's3:prefix': 'Home/*' } }, context: { 's3:prefix': 'home/a' }, expected: false },
  { name: 'StringNotLike', condition: { StringNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/admin-*'] } }, context: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/dev' }, expected: true },
  { name: 'IfExists: a missing key holds', condition: { StringEqualsIfExists: { 'aws:PrincipalTag/team': 'red' } }, context: {}, expected: true },
  { name: 'IfExists: a present key is compared', condition: { StringEqualsIfExists: { 'aws:PrincipalTag/team': 'red' } }, context: { 'aws:PrincipalTag/team': 'blue' }, expected: false },
  { name: 'StringNotEqualsIfExists with a missing key holds (the data-perimeter pattern)', condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abcdefghij' } }, context: {}, expected: true },
  { name: 'a missing key makes a positive operator false', condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } }, context: {}, expected: false },
  // IAM User Guide, condition operators: "If the policy condition requires that the key is not matched,
  // such as StringNotLike or ArnNotLike, and the right key is not present, the condition is true."
  { name: 'a missing key makes a negated operator true', condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } }, context: {}, expected: true },
  { name: 'a missing key makes ArnNotLike true (AWS region deny with Bedrock CRIS relies on it)', condition: { ArnNotLike: { 'bedrock:InferenceProfileArn': 'arn:aws:bedrock:*:*:inference-profile/*' } }, context: {}, expected: true },
  { name: 'policy variable in a value', condition: { StringEquals: { 's3:prefix': 'home/${aws:username}' } }, context: { 's3:prefix': 'home/alice', 'aws:username': 'alice' }, expected: true },
  { name: 'policy variable with a default', condition: { StringEquals: { 'aws:PrincipalTag/team': "${aws:PrincipalTag/owner, 'nobody'}" } }, context: { 'aws:PrincipalTag/team': 'nobody' }, expected: true },
  { name: '${*} is a literal star in StringLike', condition: { StringLike: { 's3:prefix': 'a${*}b' } }, context: { 's3:prefix': 'axyzb' }, expected: false },
  { name: '${*} matches a literal star', condition: { StringLike: { 's3:prefix': 'a${*}b' } }, context: { 's3:prefix': 'a*b' }, expected: true },
  { name: 'an unresolvable variable matches nothing', condition: { StringEquals: { 's3:prefix': 'home/${aws:username}' } }, context: { 's3:prefix': 'home/' }, expected: false },
];

describe('String operators', () => {
  it.each(cases)('$name', (c) => expect(holds(c.condition, c.context)).toBe(c.expected));
});
