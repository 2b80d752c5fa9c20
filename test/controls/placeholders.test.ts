/**
 * Placeholders IAM does not substitute (`${Account}`, `[PRIVILEGED_ROLE]`, `<my-org-id>`, `{{team}}`)
 * in custom, templated and imported statements, and in the values other control kinds write into
 * policies, are errors at their place; IAM policy variables are not.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { placeholderProblem } from '../../src/policy/index.js';
import { compileControls } from '../support/compile.js';
import { reference2026 } from '../support/reference.js';

const CODES = ['unknown-policy-variable', 'unresolved-placeholder'];

describe('placeholderProblem', () => {
  it('knows IAM policy variables: context keys of the reference, with or without a default, and ${*} ${?} ${$}', async () => {
    const ref = (await reference2026()).index;
    const isKey = (k: string) => ref.conditionKey(k) !== undefined;
    for (const v of ['arn:aws:s3:::home/${aws:username}/*', '${aws:PrincipalTag/team}', "${aws:username, 'nobody'}", 'a${*}b${?}c${$}', '${s3:prefix}', 'arn:aws:iam::*:role/Admin', 'plain [value] <lower case>']) {
      expect([v, placeholderProblem(v, isKey)]).toEqual([v, undefined]);
    }
    const codes = (v: string) => placeholderProblem(v, isKey)?.code;
    expect(codes('arn:aws:iam::${Account}:role/Admin')).toBe('unknown-policy-variable');
    expect(codes('${aws:usernme}')).toBe('unknown-policy-variable');
    expect(codes('arn:aws:iam::*:role/[PRIVILEGED_ROLE]')).toBe('unresolved-placeholder');
    expect(codes('<my-org-id>')).toBe('unresolved-placeholder');
    expect(codes('{{parameters.team}}')).toBe('unresolved-placeholder');
  });
});

describe('placeholders in statements people write', () => {
  it('custom statements: ${Account} in a Resource and [PRIVILEGED_ROLE] in a condition value are errors in the intent', async () => {
    const c = await compileControls(`  raw:
    kind: custom
    type: scp
    statements:
      - Sid: ProtectRoles
        Effect: Deny
        Action: iam:DeleteRole
        Resource: "arn:aws:iam::\${Account}:role/*"
        Condition:
          ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/[PRIVILEGED_ROLE]" }
    attach: [Prod]
`);
    const found = c.result.diagnostics.filter((d) => CODES.includes(d.code)).map((d) => `${d.severity} ${d.code} at ${path.basename(d.location!.file)}:${d.location!.line}:${d.location!.col}`);
    expect(found).toEqual(['error unknown-policy-variable at intent.yaml:29:19', 'error unresolved-placeholder at intent.yaml:31:45']);
    expect(c.result.ok).toBe(false);
  });

  it('an imported file: the placeholder is located in the file; policy variables compile', async () => {
    const doc = (resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:PutObject', Resource: resource, Condition: { StringNotEquals: { 'aws:PrincipalTag/team': '${aws:PrincipalTag/owner}' } } }] }, null, 2);
    const bad = await compileControls(`  legacy: { kind: import, type: scp, file: p.json, attach: [Prod] }\n`, { 'p.json': doc('arn:aws:s3:::{{bucket}}/*') });
    expect(bad.result.diagnostics.filter((d) => CODES.includes(d.code)).map((d) => `${d.code} at ${path.basename(d.location!.file)}:${d.location!.line}`)).toEqual(['unresolved-placeholder at p.json:7']);
    const good = await compileControls(`  legacy: { kind: import, type: scp, file: p.json, attach: [Prod] }\n`, { 'p.json': doc('arn:aws:s3:::home/${aws:username}/*') });
    expect(good.result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it("an imported file's other problems are reported in the same run as its placeholders", async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'A', Effect: 'Deny', Action: ['iam:*', 'iam:{Exclude:ListUserz}'], Resource: 'arn:aws:iam::${Account}:role/x', Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-centrl-1', 'aws:PrincipleArn': '[PRIVILEGED_ROLE]' } } }] }, null, 2);
    const c = await compileControls(`  legacy: { kind: import, type: scp, file: p.json, attach: [Prod] }\n`, { 'p.json': doc });
    const codes = c.result.diagnostics.filter((d) => d.severity === 'error' && path.basename(d.location?.file ?? '') === 'p.json').map((d) => d.code).sort();
    expect(codes).toEqual(['unknown-condition-key', 'unknown-exclusion', 'unknown-policy-variable', 'unknown-region', 'unresolved-placeholder']);
  });
});

describe('placeholders in the parameters of the other control kinds', () => {
  const found = (c: Awaited<ReturnType<typeof compileControls>>) =>
    c.result.diagnostics.filter((d) => CODES.includes(d.code)).map((d) => `${d.code} at ${path.basename(d.location!.file)}:${d.location!.line}:${d.location!.col}`).sort();

  it('deny-actions: resources, condition values and exceptPrincipals; a policy variable is not one', async () => {
    const c = await compileControls(`  da:
    kind: deny-actions
    actions: [s3:DeleteBucket]
    resources: ["arn:aws:s3:::\${Account}-logs", "arn:aws:s3:::\${aws:PrincipalAccount}-logs"]
    conditions: { StringNotEquals: { "aws:PrincipalOrgID": "<my-org-id>" } }
    exceptPrincipals: ["arn:aws:iam::*:role/[PRIVILEGED_ROLE]"]
    attach: [Prod]
`);
    expect(found(c)).toEqual(['unknown-policy-variable at intent.yaml:25:17', 'unresolved-placeholder at intent.yaml:26:60', 'unresolved-placeholder at intent.yaml:27:24'].sort());
    expect(c.result.ok).toBe(false);
  });

  it('perimeter, partner and Bedrock parameters: tags, admin roles, model and profile ARNs', async () => {
    const c = await compileControls(`  perimeter:
    kind: identity-perimeter
    services: [s3]
    resourceTagException: { key: "{{exclude-tag}}", value: "true", adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"] }
    partnerExceptions:
      - { tag: { key: partner-access, value: "<partner-name>" }, accounts: ["555555555555"], adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"] }
    attach: [Prod]
  px: { kind: partner-tag-exception, tag: { key: px, value: "yes" }, accounts: ["666666666666"], adminRoles: ["arn:aws:iam::*:role/[ADMIN_ROLE]"], services: [sqs], attach: [Dev] }
  models: { kind: bedrock-model-allowlist, models: [amazon.nova-pro-v1:0], approvedModelArns: ["arn:aws:bedrock:*:*:custom-model/\${team}-*"], inferenceProfiles: ["arn:aws:bedrock:*:*:inference-profile/us.amazon.nova-pro-v1:0", "arn:aws:bedrock:*:*:application-inference-profile/<profile-id>"], attach: [Dev] }
  regions: { kind: region-deny, allowedRegions: [eu-west-1], exceptPrincipals: ["arn:aws:iam::*:role/{{breakglass}}"], attach: [Public] }
`);
    expect(found(c)).toEqual([
      'unresolved-placeholder at intent.yaml:25:34', // resourceTagException.key
      'unresolved-placeholder at intent.yaml:27:46', // a partner's tag value
      'unresolved-placeholder at intent.yaml:29:111', // px adminRoles
      'unknown-policy-variable at intent.yaml:30:96', // approvedModelArns
      'unresolved-placeholder at intent.yaml:30:228', // inferenceProfiles
      'unresolved-placeholder at intent.yaml:31:81', // region-deny exceptPrincipals
    ].sort());
  });

  it('a value that fails its own format is reported once, by the schema', async () => {
    const c = await compileControls(`  da: { kind: deny-actions, actions: [s3:DeleteBucket], exceptPrincipals: ["arn:aws:iam::\${Account}:role/Admin"], attach: [Prod] }\n`);
    expect(c.result.diagnostics.filter((d) => d.location?.line === 22).map((d) => d.code)).toEqual(['bad-arn']);
  });
});
