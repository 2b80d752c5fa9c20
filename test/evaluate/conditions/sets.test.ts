import { describe, expect, it } from 'vitest';
import { holds, type Case } from './helpers.js';

// IAM User Guide, "Single-valued vs. multivalued context keys": ForAllValues returns true when every
// request value matches, and also when the key is missing or empty; ForAnyValue returns true when one
// request value matches, and false when the key is missing or empty.
const cases: Case[] = [
  { name: 'ForAnyValue: one request value matches', condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'env'] } }, context: { 'aws:TagKeys': ['owner', 'team'] }, expected: true },
  { name: 'ForAnyValue: none matches', condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] } }, context: { 'aws:TagKeys': ['owner'] }, expected: false },
  { name: 'ForAnyValue: a missing key is false', condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] } }, context: {}, expected: false },
  { name: 'ForAnyValue: an empty key is false', condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] } }, context: { 'aws:TagKeys': [] }, expected: false },
  { name: 'ForAllValues: every request value is allowed', condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } }, context: { 'aws:TagKeys': ['env', 'team'] }, expected: true },
  { name: 'ForAllValues: one request value is not', condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } }, context: { 'aws:TagKeys': ['env', 'owner'] }, expected: false },
  { name: 'ForAllValues: a missing key is true', condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }, context: {}, expected: true },
  { name: 'ForAllValues: an empty key is true', condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }, context: { 'aws:TagKeys': [] }, expected: true },
  // IAM User Guide, condition operators: "The ForAllValues qualifier returns true if there are no context
  // keys in the request or if the context key value resolves to a null dataset, such as an empty string."
  { name: 'ForAllValues: a null dataset (an empty string) is true', condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }, context: { 'aws:TagKeys': [''] }, expected: true },
  { name: 'ForAllValues: an empty string on a single-valued key is a null dataset too', condition: { 'ForAllValues:StringLike': { 's3:prefix': ['home/*'] } }, context: { 's3:prefix': '' }, expected: true },
  { name: 'ForAllValues: an empty string next to a real value is compared', condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }, context: { 'aws:TagKeys': ['', 'team'] }, expected: false },
  { name: 'ForAnyValue: a null dataset is false, like an empty key', condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['team'] } }, context: { 'aws:TagKeys': [''] }, expected: false },
  { name: 'ForAllValues:StringNotLike: no request value matches any pattern (org paths outside ours)', condition: { 'ForAllValues:StringNotLike': { 'aws:PrincipalOrgPaths': ['o-abcdefghij/r-ab12/ou-ab12-11111111/*'] } }, context: { 'aws:PrincipalOrgPaths': ['o-zzzzzzzzzz/r-zz12/'] }, expected: true },
  { name: 'ForAllValues:StringNotLike: a path inside ours', condition: { 'ForAllValues:StringNotLike': { 'aws:PrincipalOrgPaths': ['o-abcdefghij/r-ab12/ou-ab12-11111111/*'] } }, context: { 'aws:PrincipalOrgPaths': ['o-abcdefghij/r-ab12/ou-ab12-11111111/ou-ab12-22222222/'] }, expected: false },
  { name: 'ForAnyValue:StringNotEquals: one request value outside the allowed products', condition: { 'ForAnyValue:StringNotEquals': { 'aws-marketplace:ProductId': ['prod-a'] } }, context: { 'aws-marketplace:ProductId': ['prod-a', 'prod-b'] }, expected: true },
  { name: 'ForAnyValue:StringLike with wildcards', condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': ['dp:*'] } }, context: { 'aws:TagKeys': ['dp:exclude'] }, expected: true },
  { name: 'ForAnyValue:StringEqualsIgnoreCase (tag keys in any casing)', condition: { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': ['partner-access-exception'] } }, context: { 'aws:TagKeys': ['Partner-Access-Exception'] }, expected: true },
  // No set operator on a list of values: AWS only says multivalued keys "require a condition set
  // operator"; the oracle (@cloud-copilot/iam-simulate) matches none of these, and neither do we (SEMANTICS).
  { name: 'plain StringEquals on two values: no match', condition: { StringEquals: { 'aws:TagKeys': 'team' } }, context: { 'aws:TagKeys': ['owner', 'team'] }, expected: false },
  { name: 'plain StringNotEquals on two values: no match either', condition: { StringNotEquals: { 'aws:TagKeys': 'a' } }, context: { 'aws:TagKeys': ['a', 'b'] }, expected: false },
  { name: 'plain StringNotEquals on one value in a list: no match', condition: { StringNotEquals: { 'aws:TagKeys': 'a' } }, context: { 'aws:TagKeys': ['b'] }, expected: false },
  { name: 'plain StringEquals on one value in a list: no match', condition: { StringEquals: { 'aws:TagKeys': 'a' } }, context: { 'aws:TagKeys': ['a'] }, expected: false },
  { name: 'plain StringNotEqualsIfExists on an empty list: no match', condition: { StringNotEqualsIfExists: { 'aws:TagKeys': 'a' } }, context: { 'aws:TagKeys': [] }, expected: false },
  { name: 'plain ArnNotLike on a list of ARNs: no match', condition: { ArnNotLike: { 'aws:CalledVia': 'arn:aws:iam::*:role/x' } }, context: { 'aws:CalledVia': ['arn:aws:iam::111111111111:role/y'] }, expected: false },
  { name: 'plain StringEquals on a single value still compares', condition: { StringEquals: { 'aws:TagKeys': 'a' } }, context: { 'aws:TagKeys': 'a' }, expected: true },
];

describe('set operators on multivalued keys', () => {
  it.each(cases)('$name', (c) => expect(holds(c.condition, c.context)).toBe(c.expected));
});
