/** Partial evaluation: statements with part of the request known, and chains over the action universe. */
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyActions, partialStatement, prepareStatement, RequestContext, signatureOf, type PartialRequest } from '../../src/evaluate/index.js';
import type { Statement } from '../../src/policy/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { rawService, reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

/** A role of account 222222222222 in o-aaaaaaaaaa; everything else unknown. */
function orgRole(): PartialRequest {
  const context = new RequestContext().set('aws:PrincipalAccount', '222222222222').set('aws:PrincipalOrgID', 'o-aaaaaaaaaa').set('aws:PrincipalArn', 'arn:aws:iam::222222222222:role/app');
  return { context, known: new Set(['aws:principalaccount', 'aws:principalorgid', 'aws:principalarn', 'aws:principalisawsservice']) };
}

/** A statement whose keys every action carries, or none is action-scoped: one result for all its actions. */
const partial = (s: Statement) => {
  const parts = partialStatement(prepareStatement(s, ref, ref.allActions()), orgRole());
  expect(parts).toHaveLength(1);
  return parts[0]!;
};

/** The result for the part of the statement's actions that holds `action`. */
const partialOn = (s: Statement, action: string) => {
  const id = ref.action(action)!.id;
  const found = partialStatement(prepareStatement(s, ref, ref.allActions()), orgRole()).filter((p) => p.actions.has(id));
  expect(found).toHaveLength(1);
  return found[0]!;
};

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
    ['a service key the action carries', { NumericLessThan: { 's3:TlsVersion': ['1.2'] } }, 'maybe', { NumericLessThan: { 's3:TlsVersion': ['1.2'] } }],
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

describe('condition keys only some actions carry (the reference lists them per action)', () => {
  // [what, action, condition, outcome for that action]. Absent: a negated operator, IfExists and Null true
  // are true, a positive operator and ForAnyValue false. Carried: unknown, so maybe.
  it.each<[string, string, NonNullable<Statement['condition']>, string]>([
    ['aws:TagKeys on an action that passes no tags', 's3:GetObject', { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': ['dp:exclude'] } }, 'no'],
    ['aws:TagKeys on an action that passes tags', 'iam:CreateRole', { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': ['dp:exclude'] } }, 'maybe'],
    ['aws:TagKeys listed only on the resource type', 'ec2:AttachApplianceToNatGateway', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['x'] } }, 'maybe'],
    ['ForAllValues on an absent aws:TagKeys', 's3:GetObject', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['x'] } }, 'yes'],
    ['aws:RequestTag/${TagKey} matches aws:RequestTag/owner', 'iam:CreateRole', { StringNotEquals: { 'aws:RequestTag/owner': ['me'] } }, 'maybe'],
    ['aws:RequestTag/owner absent, negated operator', 's3:GetObject', { StringNotEquals: { 'aws:RequestTag/owner': ['me'] } }, 'yes'],
    ['Null false on a service key the action never carries', 'bedrock-mantle:ArchiveProject', { Null: { 'bedrock-mantle:Model': ['false'] } }, 'no'],
    ['Null false on a service key the action carries', 'bedrock-mantle:CreateInference', { Null: { 'bedrock-mantle:Model': ['false'] } }, 'maybe'],
    ['Null true on an absent service key', 'aws-marketplace:ViewSubscriptions', { Null: { 'aws-marketplace:ProductId': ['true'] } }, 'yes'],
    ['a key AWS documents where the reference does not (ProductId on Subscribe)', 'aws-marketplace:Subscribe', { Null: { 'aws-marketplace:ProductId': ['true'] } }, 'maybe'],
    ['a positive operator on an absent service key', 's3:ListAllMyBuckets', { StringEquals: { 's3:x-amz-acl': ['private'] } }, 'no'],
    ['a negated operator on an absent service key', 's3:ListAllMyBuckets', { StringNotEquals: { 's3:x-amz-acl': ['private'] } }, 'yes'],
    ['IfExists on an absent service key', 's3:ListAllMyBuckets', { StringEqualsIfExists: { 's3:x-amz-acl': ['private'] } }, 'yes'],
    ['s3:TlsVersion on the few S3 actions that lack it', 's3:InitiateReplication', { NumericLessThan: { 's3:TlsVersion': ['1.2'] } }, 'no'],
    ['s3:TlsVersion on an S3 action that has it', 's3:GetObject', { NumericLessThan: { 's3:TlsVersion': ['1.2'] } }, 'maybe'],
    ['a templated <key> service key', 's3:GetObject', { StringEquals: { 's3:ExistingObjectTag/team': ['a'] } }, 'maybe'],
    ['a templated <key> service key, absent', 's3:ListAllMyBuckets', { StringEquals: { 's3:ExistingObjectTag/team': ['a'] } }, 'no'],
    ['a key of the resource type (iam:ResourceTag on role)', 'iam:CreateRole', { StringEquals: { 'iam:ResourceTag/team': ['a'] } }, 'maybe'],
    ['a key of the resource type, on an action without it', 'iam:ListRoles', { StringEquals: { 'iam:ResourceTag/team': ['a'] } }, 'no'],
    ['a service key of another service, in any casing', 'sqs:SendMessage', { StringEquals: { 'S3:TLSVERSION': ['1.2'] } }, 'no'],
    ['a global key stays unknown', 's3:GetObject', { StringEquals: { 'aws:RequestedRegion': ['us-east-1'] } }, 'maybe'],
    ['a service key the reference gives no action stays unknown', 's3:GetObject', { Null: { 'ec2:SourceInstanceARN': ['false'] } }, 'maybe'],
    ["an identity provider's key stays unknown", 's3:GetObject', { StringEquals: { 'accounts.google.com:sub': ['x'] } }, 'maybe'],
  ])('%s: %s', (_, action, condition, expected) => {
    const p = partialOn({ effect: 'Deny', action: ['*'], resource: ['*'], condition }, action);
    expect(p.condition).toBe(expected);
    expect(Object.keys(p.residual).length > 0).toBe(expected === 'maybe');
  });

  it('splits a statement by every action-scoped key, and the parts cover its actions exactly once', () => {
    const s: Statement = { effect: 'Deny', action: ['s3:*', 'iam:*', 'bedrock-mantle:*'], resource: ['*'], condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['x'] }, NumericLessThan: { 's3:TlsVersion': ['1.2'] } } };
    const prepared = prepareStatement(s, ref, ref.allActions());
    const parts = partialStatement(prepared, orgRole());
    const union = ref.emptySet();
    for (const p of parts) {
      expect(union.intersect(p.actions).isEmpty()).toBe(true);
      union.addAll(p.actions);
    }
    expect(union.equals(prepared.actions)).toBe(true);
    // Only actions that carry both keys may be denied: every other part is decided "no".
    const maybe = parts.filter((p) => p.condition !== 'no');
    expect(maybe).toHaveLength(1);
    const both = [...maybe[0]!.actions].map((id) => ref.actions[id]!.qualified);
    expect(both).toContain('s3:CreateBucket');
    expect(both.every((a) => a.startsWith('s3:'))).toBe(true);
  });

  it('carriers of aws:TagKeys are exactly what the raw reference files list (action keys and resource type keys)', () => {
    for (const service of ['iam', 'bedrock-mantle', 'logs']) {
      const raw = rawService(service);
      const resourceKeys = new Map((raw.Resources ?? []).map((r) => [r.Name, r.ConditionKeys ?? []]));
      const expected = raw.Actions.filter((a) => [...(a.ActionConditionKeys ?? []), ...(a.Resources ?? []).flatMap((r) => resourceKeys.get(r.Name) ?? [])].includes('aws:TagKeys')).map((a) => `${service}:${a.Name}`).sort();
      const s: Statement = { effect: 'Deny', action: [`${service}:*`], resource: ['*'], condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['x'] } } };
      const maybe = partialStatement(prepareStatement(s, ref, ref.allActions()), orgRole()).filter((p) => p.condition === 'maybe');
      const got = maybe.flatMap((p) => [...p.actions].map((id) => ref.actions[id]!.qualified)).sort();
      expect(got.length).toBeGreaterThan(0);
      expect(got).toEqual(expected);
    }
  });
});

describe('classifying the action universe along a chain', () => {
  const allowAll: Statement = { effect: 'Allow', action: ['*'], resource: ['*'] };
  it('a Deny that always applies denies; one with unknowns denies under conditions; a level that allows nothing denies the rest', () => {
    const universe = ref.allActions();
    const s3 = ref.serviceActions(ref.service('s3')!);
    const level = (label: string, ...statements: Statement[]) => ({ label, statements: statements.flatMap((s) => partialStatement(prepareStatement(s, ref, universe), orgRole())) });
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

  it('splits the actions that conditional statements may deny into blocks by exactly the statements that may deny them, leaving the statements\' own sets as they were', () => {
    const universe = ref.allActions();
    const when = (key: string, value: string) => ({ StringNotEquals: { [key]: [value] } });
    const statements = [
      allowAll,
      { effect: 'Deny', action: ['ec2:*'], resource: ['*'], condition: when('aws:RequestedRegion', 'us-east-1') },
      { effect: 'Deny', action: ['ec2:Run*', 's3:Get*'], resource: ['*'], condition: when('aws:PrincipalTag/team', 'a') },
      { effect: 'Deny', action: ['ec2:RunInstances', 's3:*'], resource: ['*'], condition: when('aws:SourceVpc', 'vpc-1') },
      // Covers a block whole: it joins that block's statements without splitting it.
      { effect: 'Deny', action: ['ec2:*', 's3:*'], resource: ['*'], condition: when('aws:SourceIp', '10.0.0.0/8') },
    ] satisfies Statement[];
    const partials = statements.flatMap((s) => partialStatement(prepareStatement(s, ref, universe), orgRole()));
    const sizes = partials.map((p) => p.actions.size);
    const c = classifyActions([{ label: 'root', statements: partials }], universe);
    expect(partials.map((p) => p.actions.size)).toEqual(sizes);
    // Brute force: each action's block is named by the statements that may deny it.
    const conditional = partials.filter((p) => p.effect === 'Deny');
    const expected = new Map<string, number[]>();
    for (let id = 0; id < ref.size; id++) {
      const names = JSON.stringify(conditional.filter((p) => p.actions.has(id)).map((p) => signatureOf(p)).sort());
      if (names !== '[]') expected.set(names, [...(expected.get(names) ?? []), id]);
    }
    expect(new Map(c.blocks.map((b) => [JSON.stringify(b.signatures), b.actions.toArray()]))).toEqual(expected);
    expect(c.blocks).toHaveLength(expected.size);
  });

  it('blocks are exact whatever the classifications before left in the sets blocks split in', () => {
    const universe = ref.allActions();
    const when = (key: string, value: string) => ({ StringNotEquals: { [key]: [value] } });
    const deny = (action: string[], key: string, value = 'x'): Statement => ({ effect: 'Deny', action, resource: ['*'], condition: when(key, value) });
    // Chains of levels: wide blocks (every action, most services) first, then narrow ones far apart in
    // the universe, then an Allow that applies under conditions (its actions may be denied unless it
    // does), then wide again.
    const chains: Statement[][][] = [
      [[allowAll, deny(['*'], 'aws:RequestedRegion'), deny(['ec2:*', 's3:*', 'iam:*', 'kms:*'], 'aws:SourceVpc'), deny(['s3:Get*', 'sqs:*'], 'aws:PrincipalTag/team')]],
      [[allowAll, deny(['a4b:*'], 'aws:SourceIp', '10.0.0.0/8'), deny(['xray:Get*', 'a4b:Get*'], 'aws:PrincipalTag/team'), deny(['s3:GetObject'], 'aws:SourceVpc'), deny(['zocalo:*', 'ec2:RunInstances'], 'aws:RequestedRegion')]],
      [[allowAll, deny(['ec2:Describe*'], 'aws:SourceVpc')], [{ effect: 'Allow', action: ['s3:*', 'ec2:*'], resource: ['*'], condition: when('aws:PrincipalTag/team', 'a') }]],
      [[allowAll, deny(['*'], 'aws:RequestedRegion'), deny(['iam:*'], 'aws:SourceVpc')]],
    ];
    for (const chain of chains) {
      const levels = chain.map((statements) => ({ label: '', statements: statements.flatMap((s) => partialStatement(prepareStatement(s, ref, universe), orgRole())) }));
      const c = classifyActions(levels, universe);
      // Brute force: what may deny each action, by signature: conditional Denies, and conditional
      // Allows where their level allows it under no condition ("unless ...").
      const expected = new Map<string, number[]>();
      for (let id = 0; id < ref.size; id++) {
        const names = new Set<string>();
        for (const { statements } of levels) {
          const surelyAllowed = statements.some((p) => p.effect === 'Allow' && p.condition === 'yes' && p.resources === 'all' && p.actions.has(id));
          for (const p of statements) {
            if (p.condition === 'no' || (p.condition === 'yes' && p.resources === 'all') || !p.actions.has(id)) continue;
            if (p.effect === 'Deny') names.add(signatureOf(p));
            else if (!surelyAllowed) names.add(`unless ${signatureOf(p)}`);
          }
        }
        if (!names.size) continue;
        const key = JSON.stringify([...names].sort());
        const ids = expected.get(key);
        if (ids) ids.push(id);
        else expected.set(key, [id]);
      }
      expect(new Map(c.blocks.map((b) => [JSON.stringify(b.signatures), b.actions.toArray()]))).toEqual(expected);
      expect(c.blocks).toHaveLength(expected.size);
    }
  });

  it('a classification shares no set with the next one (the sets it works in are refilled by every call)', () => {
    const universe = ref.allActions();
    const level = (...statements: Statement[]) => ({ label: '', statements: statements.flatMap((s) => partialStatement(prepareStatement(s, ref, universe), orgRole())) });
    const regions = { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } };
    const first = classifyActions([level(allowAll, { effect: 'Deny', action: ['ec2:*'], resource: ['*'], condition: regions }), level({ effect: 'Allow', action: ['ec2:*', 's3:*'], resource: ['*'] })], universe);
    const sizes = (c: typeof first) => [c.denied.size, c.conditional.size, c.allowed.size, ...c.blocks.map((b) => b.actions.size)];
    const before = sizes(first);
    classifyActions([level({ effect: 'Allow', action: ['iam:*'], resource: ['*'] }), level(allowAll, { effect: 'Deny', action: ['iam:*', 'ec2:*'], resource: ['*'], condition: regions })], universe);
    expect(sizes(first)).toEqual(before);
    expect(first.denied.size + first.conditional.size + first.allowed.size).toBe(universe.size);
  });
});
