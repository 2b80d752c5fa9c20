import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileControls, conditionShape, errorsOf, list, type RawStatement } from '../support/compile.js';
import { AWS_EXAMPLES } from '../support/paths.js';
import { rawService, reference2026 } from '../support/reference.js';
import { tagScopeServices, taggingActions } from '../../src/controls/index.js';

const example = (file: string) => JSON.parse(fs.readFileSync(path.join(AWS_EXAMPLES, file), 'utf8')) as { Statement: RawStatement[] };
const awsPerimeter = example('dp_identity_perimeter_rcp.json').Statement.find((s) => s.Sid === 'EnforceOrgIdentities')!;
const awsDeputy = example('dp_identity_perimeter_rcp.json').Statement.find((s) => s.Sid === 'EnforceConfusedDeputyProtection')!;

describe('identity-perimeter (only-org principals, RCP)', () => {
  it('has the shape of AWS data-perimeter example EnforceOrgIdentities: same operators, keys and exceptions', async () => {
    const c = await compileControls(`  perimeter:
    kind: identity-perimeter
    services: [s3, kms]
    actions: [sts:AssumeRole]
    trustedAccounts: ["999999999999"]
    resourceTagException: { key: "dp:exclude:identity", value: "true" }
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const [st] = c.policies.get('guardrails-rcp-perimeter')!.Statement;
    expect(st).toMatchObject({ Effect: 'Deny', Principal: '*', Resource: '*' });
    expect(list(st!.Action)).toEqual(['kms:*', 's3:*', 'sts:AssumeRole']);
    expect(conditionShape(st!.Condition)).toEqual(conditionShape(awsPerimeter.Condition));
    expect(st!.Condition).toEqual({
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-abcdefghij', 'aws:PrincipalAccount': '999999999999', 'aws:ResourceTag/dp:exclude:identity': 'true' },
    });
  });

  it('adds confused-deputy protection like AWS example EnforceConfusedDeputyProtection', async () => {
    const c = await compileControls(`  perimeter:
    kind: identity-perimeter
    services: [s3]
    confusedDeputy: { trustedSourceAccounts: ["999999999999"] }
    resourceTagException: { key: "dp:exclude:identity", value: "true" }
    attach: [Root]
`);
    const st = c.policies.get('guardrails-rcp-perimeter')!.Statement.find((s) => s.Sid === 'PerimeterConfusedDeputy')!;
    expect(conditionShape(st.Condition)).toEqual(conditionShape(awsDeputy.Condition));
    expect(st.Condition).toEqual({
      Bool: { 'aws:PrincipalIsAWSService': 'true' },
      Null: { 'aws:SourceAccount': 'false' },
      StringNotEqualsIfExists: { 'aws:SourceOrgID': 'o-abcdefghij', 'aws:SourceAccount': '999999999999', 'aws:ResourceTag/dp:exclude:identity': 'true' },
    });
  });

  it('covers sts:* with confused-deputy protection once the perimeter covers sts, like AWS example EnforceConfusedDeputyProtection', async () => {
    const perimeterActions = list(awsPerimeter.Action);
    const c = await compileControls(`  perimeter:
    kind: identity-perimeter
    services: [${perimeterActions.filter((a) => a.endsWith(':*')).map((a) => a.slice(0, -2)).join(', ')}]
    actions: [${perimeterActions.filter((a) => a.startsWith('sts:')).join(', ')}]
    confusedDeputy: true
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const statements = c.policies.get('guardrails-rcp-perimeter')!.Statement;
    const main = statements.find((s) => s.Sid === 'Perimeter')!;
    const deputy = statements.find((s) => s.Sid === 'PerimeterConfusedDeputy')!;
    // The perimeter keeps AWS's seven sts actions: federated identities call the others by design.
    expect(list(main.Action).filter((a) => a.startsWith('sts:'))).toHaveLength(7);
    expect(list(deputy.Action).sort()).toEqual(list(awsDeputy.Action).sort());
  });

  it('leaves sts out of confused-deputy protection when the perimeter does not cover sts', async () => {
    const c = await compileControls(`  perimeter: { kind: identity-perimeter, services: [s3], confusedDeputy: true, attach: [Root] }\n`);
    const deputy = c.policies.get('guardrails-rcp-perimeter')!.Statement.find((s) => s.Sid === 'PerimeterConfusedDeputy')!;
    expect(list(deputy.Action)).toEqual(['s3:*']);
  });

  it('uses aws:PrincipalOrgPaths for OUs and written paths, and aws:ResourceAccount for resource-account exceptions', async () => {
    const c = await compileControls(`  perimeter:
    kind: identity-perimeter
    services: [sqs]
    orgPaths: [Prod, "o-abcdefghij/r-ab12/ou-ab12-dev00001/*"]
    resourceAccountExceptions: ["444444444444"]
    allowServicePrincipals: false
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const [st] = c.policies.get('guardrails-rcp-perimeter')!.Statement;
    expect(st!.Condition).toEqual({
      'ForAllValues:StringNotLike': { 'aws:PrincipalOrgPaths': ['o-abcdefghij/r-ab12/ou-ab12-prod0001/*', 'o-abcdefghij/r-ab12/ou-ab12-dev00001/*'] },
      StringNotEqualsIfExists: { 'aws:ResourceAccount': '444444444444' },
    });
  });

  it('fails on a service RCPs do not support, or skips it with a warning when told to', async () => {
    const strict = await compileControls(`  perimeter: { kind: identity-perimeter, services: [s3, sns], attach: [Root] }\n`);
    expect(errorsOf(strict)).toEqual([expect.stringContaining('rcp-unsupported-service: control perimeter: services: service "sns", which RCPs do not support')]);
    expect(strict.result.policies).toEqual([]);
    const lenient = await compileControls(`  perimeter: { kind: identity-perimeter, services: [s3, sns], skipUnsupportedServices: true, attach: [Root] }\n`);
    expect(errorsOf(lenient)).toEqual([]);
    expect(lenient.result.diagnostics.map((d) => d.code)).toContain('rcp-unsupported-service');
    expect(list(lenient.policies.get('guardrails-rcp-perimeter')!.Statement[0]!.Action)).toEqual(['s3:*']);
  });
});

describe('trusted-partner tag exception with companion protections', () => {
  const intent = `  perimeter:
    kind: identity-perimeter
    services: [s3, kms]
    actions: [sts:AssumeRole]
    partnerExceptions:
      - tag: { key: partner-access-exception, value: trusted-partner }
        accounts: ["555555555555"]
        adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"]
        services: [s3]
        actions: [sts:AssumeRole]
    attach: [Root]
`;
  const awsPartner = example('blog_rcp_partner_tag_exception_assumerole.json').Statement;
  const awsProtectTag = example('blog_scp_protect_partner_exception_tag.json').Statement[0]!;
  const awsSessionTags = example('rcpex_sts_protect_iamra_session_tags.json').Statement[0]!;

  it('carves the tag out of the perimeter for the partner scope only, like the blog post (with the org kept in)', async () => {
    const c = await compileControls(intent);
    expect(errorsOf(c)).toEqual([]);
    const rcp = c.policies.get('guardrails-rcp-perimeter')!.Statement;
    const main = rcp.find((s) => s.Sid === 'Perimeter')!;
    const scoped = rcp.find((s) => s.Sid === 'PerimeterPerimeterPartnerScope')!;
    const partner = rcp.find((s) => s.Sid === 'PerimeterPartnerAccess')!;
    expect(list(main.Action)).toEqual(['kms:*']);
    expect(list(scoped.Action)).toEqual(['s3:*', 'sts:AssumeRole']);
    // The blog's first statement: the org check with the tag carved out.
    expect(conditionShape(scoped.Condition)).toEqual(conditionShape(awsPartner[0]!.Condition));
    expect(scoped.Condition!.StringNotEqualsIfExists!['aws:ResourceTag/partner-access-exception']).toBe('trusted-partner');
    expect(main.Condition!.StringNotEqualsIfExists!['aws:ResourceTag/partner-access-exception']).toBeUndefined();
    // The blog's second statement restricts tagged resources to the partner; ours also keeps the organization in.
    expect(partner.Condition).toEqual({
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      StringEquals: { 'aws:ResourceTag/partner-access-exception': 'trusted-partner' },
      StringNotEqualsIfExists: { 'aws:PrincipalAccount': '555555555555', 'aws:PrincipalOrgID': 'o-abcdefghij' },
    });
    expect(conditionShape(awsPartner[1]!.Condition).every((k) => conditionShape(partner.Condition).includes(k))).toBe(true);
  });

  it('generates the companions: an SCP that protects the tag and an RCP that stops it as a session tag', async () => {
    const c = await compileControls(intent);
    const [protect] = c.policies.get('guardrails-scp-perimeter')!.Statement;
    expect(protect).toMatchObject({ Effect: 'Deny', Action: '*', Resource: '*' });
    expect(protect!.Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/SecurityAdmin' },
      'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': 'partner-access-exception' },
    });
    // Same protection as the blog's SCP, with a wildcard-capable ARN operator and case-proof tag keys.
    expect(conditionShape(awsProtectTag.Condition).map((k) => k.split(' ')[1]).sort()).toEqual(conditionShape(protect!.Condition).map((k) => k.split(' ')[1]).sort());
    const session = c.policies.get('guardrails-rcp-perimeter')!.Statement.find((s) => s.Sid === 'PerimeterProtectExceptionSessionTag')!;
    expect(session).toMatchObject({ Action: 'sts:TagSession', Principal: '*' });
    // As AWS's rcpex_sts_protect_iamra_session_tags.json: AWS service principals are let through.
    expect(awsSessionTags.Condition!.BoolIfExists).toEqual({ 'aws:PrincipalIsAwsService': 'false' });
    expect(session.Condition!.BoolIfExists).toEqual({ 'aws:PrincipalIsAWSService': 'false' });
    const sources = c.result.manifest!.policies.flatMap((p) => p.statements.flatMap((s) => s.sources));
    expect(sources.filter((s) => s.companionOf === 'perimeter').map((s) => s.role).sort()).toEqual([
      'partner-access',
      'protect-exception-session-tag',
      'protect-exception-tag',
      'protect-exception-tag-rcp',
      'protect-exception-tag-unconstrained',
      'protect-exception-tag-unconstrained-rcp',
    ]);
  });

  it('denies, except to the admin roles, the tagging actions whose requests cannot name the tag key (found in the reference)', async () => {
    // The reference says s3:PutBucketTagging (it replaces all of a bucket's tags) has no aws:TagKeys:
    // the aws:TagKeys companion alone would let anyone tag a bucket for the partner.
    const raw = rawService('s3').Actions.find((a) => a.Name === 'PutBucketTagging')!;
    expect(raw.ActionConditionKeys).not.toContain('aws:TagKeys');
    const c = await compileControls(intent);
    expect(errorsOf(c)).toEqual([]);
    const scp = c.policies.get('guardrails-scp-perimeter')!.Statement.find((s) => s.Sid === 'PerimeterProtectExceptionTagUnconstrained')!;
    const expected = rawService('s3')
      .Actions.filter((a) => {
        const keys = (a.ActionConditionKeys ?? []).map((k) => k.toLowerCase());
        const tagging = a.Annotations?.Properties?.IsTaggingOnly === true || keys.includes('aws:tagkeys') || keys.includes('aws:requesttag/${tagkey}');
        return tagging && !keys.includes('aws:tagkeys');
      })
      .map((a) => `s3:${a.Name}`);
    expect(expected).toContain('s3:PutBucketTagging');
    // s3:PutBucketAbac decides whether a bucket's tags count at all (ABAC off by default): protected too.
    expect(expected).not.toContain('s3:PutBucketAbac');
    expected.push('s3:PutBucketAbac');
    // s3:* resource types include S3 Object Lambda access points: their object tagging is protected too.
    expect(list(scp.Action).filter((a) => a.startsWith('s3:')).sort()).toEqual(expected.sort());
    expect(list(scp.Action).some((a) => a.startsWith('s3-object-lambda:'))).toBe(true);
    expect(list(scp.Action)).not.toContain('s3:TagResource');
    expect(scp).toMatchObject({ Effect: 'Deny', Resource: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/SecurityAdmin' } } });
    expect(Object.keys(scp.Condition!)).toEqual(['ArnNotLike']);

    // The RCP side: for principals the SCP does not reach (excluded OUs, other organizations).
    const rcp = c.policies.get('guardrails-rcp-perimeter')!.Statement;
    const keys = rcp.find((s) => s.Sid === 'PerimeterProtectExceptionTagRcp')!;
    expect(keys).toMatchObject({ Principal: '*', Action: 's3:*', Resource: '*' });
    expect(keys.Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/SecurityAdmin' },
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
      'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': 'partner-access-exception' },
    });
    const bare = rcp.find((s) => s.Sid === 'PerimeterProtectExceptionTagUnconstrainedRcp')!;
    expect(list(bare.Action).sort()).toEqual(expected.sort()); // RCPs do not support s3-object-lambda
    expect(bare.Condition).toEqual({ ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/SecurityAdmin' }, BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' } });
  });

  it('finds the services whose resources the scope acts on: sts:AssumeRole acts on IAM roles', async () => {
    const ref = (await reference2026()).index;
    expect(tagScopeServices(ref, ref.expandList(['sts:AssumeRole']).actions)).toEqual(['iam', 'sts']);
    const { constrained, unconstrained } = taggingActions(ref, ['iam']);
    expect(constrained.has(ref.action('iam:TagRole')!.id)).toBe(true);
    expect(unconstrained.isEmpty()).toBe(true);
  });

  it('leaves tagging actions unprotected only when the exception opts out, with a warning naming them', async () => {
    const some = await compileControls(intent.replace('        services: [s3]\n', '        services: [s3]\n        allowUnconstrainedTagging: ["s3*:*Object*Tagging", s3:ReplicateTags]\n'));
    expect(errorsOf(some)).toEqual([]);
    const w = some.result.diagnostics.find((d) => d.code === 'unprotected-exception-tag')!;
    expect(w.severity).toBe('warning');
    expect(w.message).toContain('s3:PutObjectTagging');
    expect(w.message).not.toContain('s3:PutBucketTagging');
    const scp = some.policies.get('guardrails-scp-perimeter')!.Statement.find((s) => s.Sid === 'PerimeterProtectExceptionTagUnconstrained')!;
    expect(list(scp.Action).sort()).toEqual(['s3:DeleteJobTagging', 's3:DeleteStorageLensConfigurationTagging', 's3:PutBucketAbac', 's3:PutBucketTagging']);

    const none = await compileControls(intent.replace('        services: [s3]\n', '        services: [s3]\n        allowUnconstrainedTagging: true\n'));
    expect(errorsOf(none)).toEqual([]);
    expect(none.result.diagnostics.find((d) => d.code === 'unprotected-exception-tag')!.message).toContain('s3:PutBucketTagging');
    const roles = none.result.manifest!.policies.flatMap((p) => p.statements.flatMap((s) => s.sources.map((x) => x.role)));
    expect(roles.filter((r) => r.includes('unconstrained'))).toEqual([]);
    expect(roles).toContain('protect-exception-tag-rcp');
  });

  it('protects a resourceTagException like a partner tag (AWS data-perimeter governance protects dp:* tags)', async () => {
    const awsGovernance = example('dp_data_perimeter_governance_scp.json').Statement.find((s) => s.Sid === 'ProtectDataPerimeterTags')!;
    const c = await compileControls(`  perimeter:
    kind: identity-perimeter
    services: [s3, kms]
    resourceTagException: { key: "dp:exclude:identity", value: "true", adminRoles: ["arn:aws:iam::*:role/PerimeterAdmin"] }
    partnerExceptions:
      - tag: { key: partner-access-exception, value: trusted-partner }
        accounts: ["555555555555"]
        adminRoles: ["arn:aws:iam::*:role/PerimeterAdmin"]
        services: [s3]
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const scp = c.policies.get('guardrails-scp-perimeter')!.Statement;
    const tag = scp.find((s) => s.Sid === 'PerimeterProtectResourceExceptionTag')!;
    expect(tag).toMatchObject({ Action: '*', Resource: '*' });
    expect(list(awsGovernance.Action)).toEqual(list(tag.Action));
    expect(tag.Condition!['ForAnyValue:StringEqualsIgnoreCase']).toEqual({ 'aws:TagKeys': 'dp:exclude:identity' });
    const rcp = c.policies.get('guardrails-rcp-perimeter')!.Statement;
    expect(list(rcp.find((s) => s.Sid === 'PerimeterProtectResourceExceptionTagRcp')!.Action)).toEqual(['kms:*', 's3:*']);
    expect(rcp.find((s) => s.Sid === 'PerimeterProtectResourceExceptionSessionTag')).toBeDefined();
    // Both exceptions have the same admins: one unconstrained-tagging statement serves both tags.
    const bare = scp.filter((s) => list(s.Action).includes('s3:PutBucketTagging'));
    expect(bare).toHaveLength(1);
    const summary = c.result.manifest!.policies.flatMap((p) => p.statements.flatMap((s) => s.sources)).find((s) => s.role === 'protect-exception-tag-unconstrained')!.summary;
    expect(summary).toContain('partner-access-exception or dp:exclude:identity');
  });

  it('warns when a resource tag exception has no adminRoles: nobody may set the tag', async () => {
    const c = await compileControls(`  perimeter: { kind: identity-perimeter, services: [s3], resourceTagException: { key: "dp:exclude:identity", value: "true" }, attach: [Root] }\n`);
    expect(errorsOf(c)).toEqual([]);
    expect(c.result.diagnostics.find((d) => d.code === 'unprotected-exception-tag')!.message).toMatch(/resource tag exception "dp:exclude:identity" has no adminRoles/);
    const bare = c.policies.get('guardrails-scp-perimeter')!.Statement.find((s) => s.Sid === 'PerimeterProtectResourceExceptionTagUnconstrained')!;
    expect(bare.Condition).toBeUndefined();
  });

  it('works standalone (partner-tag-exception) for a perimeter written elsewhere', async () => {
    const c = await compileControls(`  partners:
    kind: partner-tag-exception
    tag: { key: partner-access-exception, value: trusted-partner }
    accounts: ["555555555555"]
    adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"]
    services: [s3]
    attach: [Prod]
`);
    expect(errorsOf(c)).toEqual([]);
    expect(c.policies.get('guardrails-rcp-partners')!.Statement.map((s) => s.Sid)).toEqual([
      'PartnersPartnerAccess',
      'PartnersProtectExceptionSessionTag',
      'PartnersProtectExceptionTagRcp',
      'PartnersProtectExceptionTagUnconstrainedRcp',
    ]);
    expect(c.policies.get('guardrails-scp-partners')!.Statement.map((s) => s.Sid)).toEqual(['PartnersProtectExceptionTag', 'PartnersProtectExceptionTagUnconstrained']);
  });
});

describe('partner exception scope', () => {
  it('warns when the exception names actions the perimeter does not cover', async () => {
    const c = await compileControls(`  perimeter:
    kind: identity-perimeter
    services: [kms]
    partnerExceptions:
      - { tag: { key: p, value: "yes" }, accounts: ["555555555555"], adminRoles: ["arn:aws:iam::*:role/Admin"], services: [s3] }
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const w = c.result.diagnostics.find((d) => d.code === 'partner-scope-outside-perimeter')!;
    expect(w.severity).toBe('warning');
    expect(w.message).toMatch(/names \d+ actions the perimeter does not cover \(s3:/);
  });
});
