/** Partial evaluation: statements with part of the request known, and chains over the action universe. */
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyActions, partialStatement, prepareStatement, RequestContext, type PartialRequest } from '../../src/evaluate/index.js';
import type { Statement } from '../../src/policy/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

/** A role of account 222222222222 in o-aaaaaaaaaa; everything else unknown. */
function orgRole(): PartialRequest {
  const context = new RequestContext().set('aws:PrincipalAccount', '222222222222').set('aws:PrincipalOrgID', 'o-aaaaaaaaaa').set('aws:PrincipalArn', 'arn:aws:iam::222222222222:role/app');
  return { context, known: new Set(['aws:principalaccount', 'aws:principalorgid', 'aws:principalarn', 'aws:principalisawsservice']) };
}

const partial = (s: Statement) => partialStatement(prepareStatement(s, ref, ref.allActions()), orgRole());

describe('partial evaluation of a statement', () => {
  it.each<[string, Statement['condition'], string, object]>([
    ['a known key that matches', { StringEquals: { 'aws:PrincipalOrgID': ['o-aaaaaaaaaa'] } }, 'yes', {}],
    ['a known key that does not match', { StringNotEquals: { 'aws:PrincipalOrgID': ['o-aaaaaaaaaa'] } }, 'no', {}],
    ['a key known to be absent, IfExists', { StringNotEqualsIfExists: { 'aws:PrincipalIsAWSService': ['true'] } }, 'yes', {}],
    ['an unknown key', { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } }, 'maybe', { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } }],
    ['known and unknown keys: the known one decides no', { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'], 'aws:PrincipalOrgID': ['o-aaaaaaaaaa'] } }, 'no', {}],
    ['known and unknown keys: the unknown one is left', { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] }, ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/BreakGlass'] } }, 'maybe', { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } }],
    ['a variable whose key is unknown', { StringEquals: { 'aws:PrincipalAccount': ['${aws:ResourceAccount}'] } }, 'maybe', { StringEquals: { 'aws:PrincipalAccount': ['${aws:ResourceAccount}'] } }],
    ['a variable whose key is known', { StringEquals: { 'aws:PrincipalArn': ['arn:aws:iam::${aws:PrincipalAccount}:role/app'] } }, 'yes', {}],
  ])('%s', (_, condition, expected, residual) => {
    const p = partial({ effect: 'Deny', action: ['s3:GetObject'], resource: ['*'], ...(condition ? { condition } : {}) });
    expect(p.condition).toBe(expected);
    expect(p.residual).toEqual(residual);
    expect(p.resources).toBe('all');
  });

  it('a statement on some resources only depends on the resource', () => {
    const p = partial({ effect: 'Deny', action: ['bedrock:InvokeModel'], notResource: ['arn:aws:bedrock:*::foundation-model/amazon.titan-text-express-v1'] });
    expect(p).toMatchObject({ condition: 'yes', resources: 'some', resourceElement: { not: true, values: ['arn:aws:bedrock:*::foundation-model/amazon.titan-text-express-v1'] } });
  });

  it('a condition it cannot evaluate stays undecided and says why (fail closed: never "no")', () => {
    const p = partial({ effect: 'Deny', action: ['s3:GetObject'], resource: ['*'], condition: { NumericLessThan: { 'aws:PrincipalAccount': ['not-a-number'] } } });
    expect(p.condition).toBe('maybe');
    expect(p.error).toBeDefined();
  });
});

describe('classifying the action universe along a chain', () => {
  const allowAll: Statement = { effect: 'Allow', action: ['*'], resource: ['*'] };
  it('a Deny that always applies denies; one with unknowns denies under conditions; a level that allows nothing denies the rest', () => {
    const universe = ref.allActions();
    const s3 = ref.serviceActions(ref.service('s3')!);
    const level = (label: string, ...statements: Statement[]) => ({ label, statements: statements.map((s) => partialStatement(prepareStatement(s, ref, universe), orgRole())) });
    const c = classifyActions(
      [
        level('root', allowAll, { effect: 'Deny', action: ['iam:CreateUser'], resource: ['*'] }, { effect: 'Deny', action: ['ec2:*'], resource: ['*'], condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } } }),
        level('ou', { effect: 'Allow', action: ['s3:*', 'iam:*', 'ec2:*'], resource: ['*'] }),
      ],
      universe,
    );
    const iam = ref.action('iam:CreateUser')!.id;
    expect(c.denied.has(iam)).toBe(true);
    // Everything but s3, iam and ec2 is denied implicitly at the OU.
    expect(c.denied.has(ref.action('sqs:SendMessage')!.id)).toBe(true);
    expect(c.allowed.size).toBe(s3.size + ref.serviceActions(ref.service('iam')!).size - 1);
    expect(c.conditional.size).toBe(ref.serviceActions(ref.service('ec2')!).size);
    expect(c.blocks.map((b) => [b.actions.size, b.signatures])).toEqual([[c.conditional.size, ['Deny when StringNotEquals aws:RequestedRegion ["us-east-1"]']]]);
  });
});
