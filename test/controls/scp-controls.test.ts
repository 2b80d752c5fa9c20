import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { compileControls, conditionShape, errorsOf, list, type RawStatement } from '../support/compile.js';
import { mantleModelKey } from '../../src/controls/index.js';
import { AWS_EXAMPLES, PROJECT_ROOT } from '../support/paths.js';
import { rawService, reference2025, reference2026 } from '../support/reference.js';

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
  const bedrockTypes = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'src', 'controls', 'bedrock-model-resources.json'), 'utf8')) as {
    modelResourceTypes: Record<string, string>;
    nonModelResourceTypes: Record<string, string>;
    modelIntroductionActions: Record<string, string>;
  };

  it('denies every bedrock action that uses a model, found in the data, on every resource but the approved models, their cross-Region profiles and non-model resources', async () => {
    const c = await compileControls(`  models:
    kind: bedrock-model-allowlist
    models: [anthropic.claude-3-5-sonnet-20240620-v1:0]
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const [st] = c.policies.get('guardrails-scp-models')!.Statement;
    // Oracle from the raw service file: actions on foundation models or inference profiles that do more
    // than describe, and the model-introduction actions of the data file (AWS's example denies
    // PutFoundationModelEntitlement with the invocations).
    const raw = rawService('bedrock');
    const users = raw.Actions.filter((a) => (a.Resources ?? []).some((r) => r.Name === 'foundation-model' || r.Name === 'inference-profile')).filter((a) => !/^(Get|List|Describe)/.test(a.Name));
    const expected = [...users.map((a) => `bedrock:${a.Name}`), ...Object.keys(bedrockTypes.modelIntroductionActions)].sort();
    expect(list(st!.Action)).toEqual(expected);
    const aws = example('scpex_bedrock_deny_except_approved_models.json').Statement[0]!;
    for (const a of [...list(aws.Action), 'bedrock:CreateModelInvocationJob', 'bedrock:CreateModelImportJob']) expect(list(st!.Action)).toContain(a);
    const notResource = list(st!.NotResource);
    expect(notResource.slice(0, 2)).toEqual(['arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0', 'arn:aws:bedrock:*:*:inference-profile/*.anthropic.claude-3-5-sonnet-20240620-v1:0']);
    // Like AWS's example, approval is by NotResource on the model ARN.
    expect(Object.keys(aws)).toContain('NotResource');
    // Exempt: exactly the resource types those actions touch that the data file says are not models.
    const touched = new Set(users.flatMap((a) => (a.Resources ?? []).map((r) => r.Name)));
    const nonModel = [...touched].filter((t) => t in bedrockTypes.nonModelResourceTypes).sort();
    expect(nonModel).toEqual(['async-invoke', 'model-invocation-job', 'project', 'system-tool']);
    expect(notResource.slice(2).map((arn) => /:([a-z-]+)\/\*$/.exec(arn)?.[1]).sort()).toEqual(nonModel);
    // Every other type they touch is a model: imported, custom, provisioned models, routers... stay denied.
    for (const t of [...touched].filter((x) => !(x in bedrockTypes.nonModelResourceTypes))) {
      expect(bedrockTypes.modelResourceTypes).toHaveProperty(t);
      expect(notResource.some((r) => r.includes(`:${t}/`))).toBe(t === 'foundation-model' || t === 'inference-profile');
    }
    expect(notResource.some((r) => /imported-model|custom-model|provisioned-model|marketplace/.test(r))).toBe(false);
    expect(c.result.diagnostics.filter((d) => d.code === 'unclassified-bedrock-resource')).toEqual([]);
  });

  it('approves custom, imported or provisioned models only by approvedModelArns, and warns on a wildcard over foundation models', async () => {
    const c = await compileControls(`  models:
    kind: bedrock-model-allowlist
    models: [amazon.titan-text-express-v1]
    approvedModelArns: ["arn:aws:bedrock:*:222222222222:imported-model/*", "arn:aws:bedrock:*::foundation-model/meta.*"]
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const notResource = list(c.policies.get('guardrails-scp-models')!.Statement[0]!.NotResource);
    expect(notResource).toContain('arn:aws:bedrock:*:222222222222:imported-model/*');
    const w = c.result.diagnostics.find((d) => d.code === 'broad-model-approval')!;
    expect(w.severity).toBe('warning');
    expect(w.message).toContain('foundation-model/meta.*');
  });

  it('denies Bedrock powered by Mantle on unapproved models, and not requests that name no model', async () => {
    const c = await compileControls(`  models: { kind: bedrock-model-allowlist, models: [amazon.titan-text-express-v1], mantleModels: ["openai.gpt-oss-*"], exceptPrincipals: ["arn:aws:iam::*:role/Admin"], attach: [Root] }\n`);
    expect(errorsOf(c)).toEqual([]);
    const aws = example('scpex_bedrock_deny_except_approved_models.json').Statement[1]!;
    const st = c.policies.get('guardrails-scp-models')!.Statement.find((s) => s.Sid === 'ModelsMantle')!;
    expect(st).toMatchObject({ Effect: 'Deny', Action: aws.Action, Resource: '*' });
    expect(rawService('bedrock-mantle').ConditionKeys!.map((k) => k.Name)).toContain('bedrock-mantle:Model');
    // AWS's example denies one model with StringLike; an allowlist denies what is not like the approved
    // ids, and only when the request names a model (a negated operator is true when the key is absent).
    expect(Object.keys(aws.Condition!)).toEqual(['StringLike']);
    expect(st.Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Admin' },
      Null: { 'bedrock-mantle:Model': 'false' },
      StringNotLike: { 'bedrock-mantle:Model': 'openai.gpt-oss-*' },
    });
    // The 2025 snapshot predates Mantle: no key, no statement.
    expect(mantleModelKey((await reference2025()).index)).toBeUndefined();
    expect(mantleModelKey(index)).toBe('bedrock-mantle:Model');
  });

  it('restricts Marketplace subscriptions by aws-marketplace:ProductId, allowlist or denylist', async () => {
    const allow = await compileControls(`  models: { kind: bedrock-model-allowlist, models: [amazon.titan-text-express-v1], marketplace: { allowProductIds: [prod-abc] }, attach: [Root] }\n`);
    const deny = await compileControls(`  models: { kind: bedrock-model-allowlist, models: [amazon.titan-text-express-v1], marketplace: { denyProductIds: [prod-m5ilt4siql27k] }, attach: [Root] }\n`);
    const aws = example('bedrockdocs_deny_marketplace_subscribe_productid.json').Statement[0]!;
    const allowed = allow.policies.get('guardrails-scp-models')!.Statement;
    const a = allowed.find((s) => s.Sid === 'ModelsMarketplaceSubscribe')!;
    const d = deny.policies.get('guardrails-scp-models')!.Statement.find((s) => s.Sid === 'ModelsMarketplaceSubscribe')!;
    expect(a).toMatchObject({ Action: 'aws-marketplace:Subscribe', Condition: { 'ForAnyValue:StringNotEquals': { 'aws-marketplace:ProductId': 'prod-abc' } } });
    // ForAnyValue is false when the key is absent: the allowlist also denies a subscription naming no product.
    expect(allowed.find((s) => s.Sid === 'ModelsMarketplaceSubscribeUnnamed')).toMatchObject({ Action: 'aws-marketplace:Subscribe', Condition: { Null: { 'aws-marketplace:ProductId': 'true' } } });
    expect(conditionShape(d.Condition)).toEqual(conditionShape(aws.Condition));
    expect(d.Condition).toEqual({ 'ForAnyValue:StringEquals': { 'aws-marketplace:ProductId': 'prod-m5ilt4siql27k' } });
    expect(deny.policies.get('guardrails-scp-models')!.Statement.find((s) => s.Sid === 'ModelsMarketplaceSubscribeUnnamed')).toBeUndefined();
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
    // AWS's example lets inference out only through profiles of a geographic prefix: here the EU's.
    expect(list(awsCris!.Condition!.ArnNotLike!['bedrock:InferenceProfileArn'])).toEqual(['arn:aws:bedrock:*:*:inference-profile/{example-inference-profile-geographic-prefix}']);
    expect(cris!.Condition!.ArnNotLike!['bedrock:InferenceProfileArn']).toBe('arn:aws:bedrock:*:*:inference-profile/eu.*');
  });

  it('defaults the inference profile geographies from the allowed Regions, and warns about global profiles and unknown ones', async () => {
    const profilesOf = (c: Awaited<ReturnType<typeof compileControls>>) => list(c.policies.get('guardrails-scp-regions')!.Statement[1]!.Condition!.ArnNotLike!['bedrock:InferenceProfileArn']);
    const mixed = await compileControls(`  regions: { kind: region-deny, allowedRegions: [us-east-1, us-gov-west-1, eu-west-3, ap-northeast-1, us-west-2], attach: [Root] }\n`);
    expect(errorsOf(mixed)).toEqual([]);
    expect(profilesOf(mixed)).toEqual(['us', 'us-gov', 'eu', 'apac'].map((g) => `arn:aws:bedrock:*:*:inference-profile/${g}.*`));
    expect(mixed.result.diagnostics.filter((d) => d.severity === 'warning')).toEqual([]);

    const chosen = await compileControls(`  regions: { kind: region-deny, allowedRegions: [ap-northeast-1], inferenceProfileGeographies: [jp, global, mars], attach: [Root] }\n`);
    expect(errorsOf(chosen)).toEqual([]);
    expect(profilesOf(chosen)).toEqual(['jp', 'global', 'mars'].map((g) => `arn:aws:bedrock:*:*:inference-profile/${g}.*`));
    expect(chosen.result.diagnostics.map((d) => d.code).sort()).toEqual(['global-inference-profiles', 'unknown-inference-geography']);

    const nowhere = await compileControls(`  regions: { kind: region-deny, allowedRegions: [sa-east-1], attach: [Root] }\n`);
    expect(nowhere.result.diagnostics.map((d) => d.code)).toEqual(['no-inference-geography']);
    const cris = nowhere.policies.get('guardrails-scp-regions')!.Statement[1]!;
    expect(cris.Condition).toEqual({ StringNotEquals: { 'aws:RequestedRegion': 'sa-east-1' } });
  });

  it('takes extra exemptions, or a whole list of its own', async () => {
    const c = await compileControls(`  regions: { kind: region-deny, allowedRegions: [us-east-1], exemptActions: ["iam:*", "sts:*"], additionalExemptActions: [support:*], attach: [Prod] }\n`);
    const statements = c.policies.get('guardrails-scp-regions')!.Statement;
    expect(statements).toHaveLength(1);
    expect(list(statements[0]!.NotAction)).toEqual(['iam:*', 'sts:*', 'support:*']);
  });
});
