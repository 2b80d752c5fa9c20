import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { compileControls, conditionShape, errorsOf, list, type RawStatement } from '../support/compile.js';
import { AWS_EXAMPLES } from '../support/paths.js';
import { rawService, reference2026 } from '../support/reference.js';

const example = (file: string) => JSON.parse(fs.readFileSync(path.join(AWS_EXAMPLES, file), 'utf8')) as { Statement: RawStatement[] };
let index: ReferenceIndex;
beforeAll(async () => {
  index = (await reference2026()).index;
});

describe('tls-minimum', () => {
  it('RCP by default, with the conditions of AWS examples EnforceSecureTransport and EnforceS3TlsVersion', async () => {
    const c = await compileControls(`  tls: { kind: tls-minimum, minVersion: "1.2", attach: [Root] }\n`);
    expect(errorsOf(c)).toEqual([]);
    const [transport, s3] = c.policies.get('guardrails-rcp-tls')!.Statement;
    const awsTransport = example('orgsdocs_rcp_enforce_secure_transport.json').Statement[0]!;
    const awsTls = example('rcpex_s3_enforce_tls_version.json').Statement[0]!;
    expect(transport!.Principal).toBe('*');
    expect(list(transport!.Action).sort()).toEqual(list(awsTransport.Action).sort());
    expect(transport!.Condition).toEqual(awsTransport.Condition);
    expect(s3).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' });
    expect(conditionShape(s3!.Condition)).toEqual(conditionShape(awsTls.Condition));
    expect(s3!.Condition).toEqual({ NumericLessThan: { 's3:TlsVersion': '1.2' } });
  });

  it('SCP form on request (no Principal); minVersion written as a YAML number', async () => {
    const c = await compileControls(`  tls: { kind: tls-minimum, type: scp, minVersion: 1.3, services: [s3, sqs], attach: [Prod] }\n`);
    expect(errorsOf(c)).toEqual([]);
    const statements = c.policies.get('guardrails-scp-tls')!.Statement;
    expect(statements.map((s) => s.Principal)).toEqual([undefined, undefined]);
    expect(statements[1]!.Condition).toEqual({ NumericLessThan: { 's3:TlsVersion': '1.3' } });
  });
});

describe('bedrock-model-allowlist', () => {
  it('denies every bedrock action that uses a model, found in the data, on all but the approved models and their cross-Region profiles', async () => {
    const c = await compileControls(`  models:
    kind: bedrock-model-allowlist
    models: [anthropic.claude-3-5-sonnet-20240620-v1:0]
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const [st] = c.policies.get('guardrails-scp-models')!.Statement;
    // Oracle from the raw service file: actions on foundation models or inference profiles that do more than describe.
    const expected = rawService('bedrock')
      .Actions.filter((a) => (a.Resources ?? []).some((r) => r.Name === 'foundation-model' || r.Name === 'inference-profile'))
      .map((a) => `bedrock:${a.Name}`)
      .filter((n) => !/:(Get|List|Describe)/.test(n))
      .sort();
    expect(list(st!.Action)).toEqual(expected);
    for (const a of ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:CreateModelInvocationJob']) expect(list(st!.Action)).toContain(a);
    const notResource = list(st!.NotResource);
    expect(notResource).toContain('arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0');
    expect(notResource).toContain('arn:aws:bedrock:*:*:inference-profile/*.anthropic.claude-3-5-sonnet-20240620-v1:0');
    // Like AWS's example, approval is by NotResource on the model ARN; unlike it, jobs and custom models stay reachable.
    expect(Object.keys(example('scpex_bedrock_deny_except_approved_models.json').Statement[0]!)).toContain('NotResource');
    expect(notResource).toContain('arn:aws:bedrock:*:*:model-invocation-job/*');
    expect(notResource.some((r) => r.includes('foundation-model/*'))).toBe(false);
  });

  it('restricts Marketplace subscriptions by aws-marketplace:ProductId, allowlist or denylist', async () => {
    const allow = await compileControls(`  models: { kind: bedrock-model-allowlist, models: [amazon.titan-text-express-v1], marketplace: { allowProductIds: [prod-abc] }, attach: [Root] }\n`);
    const deny = await compileControls(`  models: { kind: bedrock-model-allowlist, models: [amazon.titan-text-express-v1], marketplace: { denyProductIds: [prod-m5ilt4siql27k] }, attach: [Root] }\n`);
    const aws = example('bedrockdocs_deny_marketplace_subscribe_productid.json').Statement[0]!;
    const a = allow.policies.get('guardrails-scp-models')!.Statement[1]!;
    const d = deny.policies.get('guardrails-scp-models')!.Statement[1]!;
    expect(a).toMatchObject({ Action: 'aws-marketplace:Subscribe', Condition: { 'ForAnyValue:StringNotEquals': { 'aws-marketplace:ProductId': 'prod-abc' } } });
    expect(conditionShape(d.Condition)).toEqual(conditionShape(aws.Condition));
    expect(d.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'aws-marketplace:ProductId': 'prod-m5ilt4siql27k' } });
  });
});

describe('deny-actions', () => {
  it('expands access-level selectors and exclusions into exact canonical lists, keeps plain wildcards, excepts principals', async () => {
    const c = await compileControls(`  guard:
    kind: deny-actions
    actions: ["ec2:{Write}{*Import*}", "iam:*User*", "iam:{Exclude:ListUsers}", "S3:deletebucket", "cloudtrail:Stop*"]
    exceptPrincipals: ["arn:aws:iam::*:role/BreakGlass"]
    conditions:
      StringEquals: { "aws:ResourceTag/env": prod }
    attach: [Prod]
`);
    expect(errorsOf(c)).toEqual([]);
    const [st] = c.policies.get('guardrails-scp-guard')!.Statement;
    const imports = index.expandList(['ec2:{Write}{*Import*}']).actions.toArray().map((id) => index.actions[id]!.qualified);
    const users = index.expandList(['iam:*User*', 'iam:{Exclude:ListUsers}']).actions.toArray().map((id) => index.actions[id]!.qualified);
    const actions = list(st!.Action);
    for (const a of [...imports, ...users]) expect(actions).toContain(a);
    expect(actions).not.toContain('iam:ListUsers');
    expect(actions).not.toContain('iam:*User*');
    expect(actions).toContain('s3:DeleteBucket');
    expect(actions).toContain('cloudtrail:Stop*');
    expect(st!.Condition).toEqual({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/BreakGlass' }, StringEquals: { 'aws:ResourceTag/env': 'prod' } });
    expect(c.result.manifest!.policies[0]!.statements[0]!.wildcards).toEqual(['cloudtrail:Stop*']);
  });

  it('as an RCP gets Principal "*"; resources and notResources are kept', async () => {
    const c = await compileControls(`  guard: { kind: deny-actions, type: rcp, actions: [s3:DeleteBucket], notResources: ["arn:aws:s3:::keep-*"], attach: [Prod] }\n`);
    expect(errorsOf(c)).toEqual([]);
    expect(c.policies.get('guardrails-rcp-guard')!.Statement[0]).toEqual({ Sid: 'Guard', Effect: 'Deny', Principal: '*', Action: 's3:DeleteBucket', NotResource: 'arn:aws:s3:::keep-*' });
  });

  it('refuses to merge a positive condition with an exception on the same key', async () => {
    const c = await compileControls(`  guard:
    kind: deny-actions
    actions: [s3:DeleteBucket]
    exceptPrincipals: ["arn:aws:iam::*:role/A"]
    conditions: { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/B" } }
    attach: [Prod]
`);
    // Negated operators join: not A and not B is "not any of A, B".
    expect(c.policies.get('guardrails-scp-guard')!.Statement[0]!.Condition).toEqual({ ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/B', 'arn:aws:iam::*:role/A'] } });
  });
});

describe('region-deny', () => {
  it('matches AWS example Deny-Regions-Except-Approved-With-Bedrock-CRIS: the same exempt actions and both statements', async () => {
    const c = await compileControls(`  regions:
    kind: region-deny
    allowedRegions: [eu-west-1, eu-central-1]
    exceptPrincipals: ["arn:aws:iam::*:role/Admin"]
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const [deny, cris] = c.policies.get('guardrails-scp-regions')!.Statement;
    const [awsDeny, awsCris] = example('scpex_region_deny_with_bedrock_cris.json').Statement;
    expect(list(deny!.NotAction).map((a) => a.toLowerCase()).sort()).toEqual(list(awsDeny!.NotAction).map((a) => a.toLowerCase()).sort());
    expect(conditionShape(deny!.Condition)).toEqual(conditionShape(awsDeny!.Condition));
    expect(deny!.Condition!.StringNotEquals).toEqual({ 'aws:RequestedRegion': ['eu-west-1', 'eu-central-1'] });
    expect(list(cris!.Action).sort()).toEqual(list(awsCris!.Action).sort());
    // AWS's second statement does not exempt the privileged role; ours does, as the first statement does.
    expect(conditionShape(cris!.Condition)).toEqual([...conditionShape(awsCris!.Condition), 'ArnNotLike aws:principalarn'].sort());
  });

  it('takes extra exemptions, or a whole list of its own', async () => {
    const c = await compileControls(`  regions: { kind: region-deny, allowedRegions: [us-east-1], exemptActions: ["iam:*", "sts:*"], additionalExemptActions: [support:*], attach: [Prod] }\n`);
    const statements = c.policies.get('guardrails-scp-regions')!.Statement;
    expect(statements).toHaveLength(1);
    expect(list(statements[0]!.NotAction)).toEqual(['iam:*', 'sts:*', 'support:*']);
  });
});
