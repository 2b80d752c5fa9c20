import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileControls, conditionShape, errorsOf, list, type RawStatement } from '../support/compile.js';
import { AWS_EXAMPLES } from '../support/paths.js';

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
    const sources = c.result.manifest!.policies.flatMap((p) => p.statements.flatMap((s) => s.sources));
    expect(sources.filter((s) => s.companionOf === 'perimeter').map((s) => s.role).sort()).toEqual(['partner-access', 'protect-exception-session-tag', 'protect-exception-tag']);
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
    expect(c.policies.get('guardrails-rcp-partners')!.Statement.map((s) => s.Sid)).toEqual(['PartnersPartnerAccess', 'PartnersProtectExceptionSessionTag']);
    expect(c.policies.get('guardrails-scp-partners')!.Statement.map((s) => s.Sid)).toEqual(['PartnersProtectExceptionTag']);
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
