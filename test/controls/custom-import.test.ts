import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileControls, errorsOf, list } from '../support/compile.js';
import { filledExample } from '../support/aws-examples.js';
import { AWS_EXAMPLES, PREPROCESSOR_EXAMPLES } from '../support/paths.js';

describe('custom', () => {
  it('takes raw statements, validated like any policy', async () => {
    const c = await compileControls(`  raw:
    kind: custom
    type: scp
    statements:
      - Sid: NoRootUser
        Effect: Deny
        Action: "*"
        Resource: "*"
        Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:root" } }
    attach: [Prod]
`);
    expect(errorsOf(c)).toEqual([]);
    expect(c.policies.get('guardrails-scp-raw')!.Statement[0]).toEqual({ Sid: 'NoRootUser', Effect: 'Deny', Action: '*', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } } });
  });

  it('escapes {{x}} for a JSON string: a parameter cannot close its string and add a condition', async () => {
    const template = `[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"*",
 "Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"{{parameters.team}}"}}}]`;
    const injection = 'red", "aws:PrincipalAccount": "1';
    // YAML flow mappings take JSON: the parameters are written as JSON.
    const params = (p: object) => JSON.stringify(p);
    const c = await compileControls(`  tpl: { kind: custom, type: rcp, template: t.hbs, parameters: ${params({ team: injection })}, attach: [Prod] }\n`, { 't.hbs': template });
    expect(errorsOf(c)).toEqual([]);
    const condition = c.policies.get('guardrails-rcp-tpl')!.Statement[0]!.Condition!;
    // One key, whose value is the parameter as written: no aws:PrincipalAccount slipped in.
    expect(condition).toEqual({ StringNotEquals: { 'aws:PrincipalTag/team': injection } });

    // Backslashes and control characters too; {{json x}} still writes values (and lists) as JSON.
    const v = 'a\\b"c\td';
    const both = await compileControls(`  tpl: { kind: custom, type: scp, template: t.hbs, parameters: ${params({ v, list: ['x"y', 'z'] })}, attach: [Prod] }\n`, {
      't.hbs': '[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/a":"{{parameters.v}}","aws:PrincipalTag/b":{{json parameters.list}} }}}]',
    });
    expect(errorsOf(both)).toEqual([]);
    expect(both.policies.get('guardrails-scp-tpl')!.Statement[0]!.Condition).toEqual({ StringEquals: { 'aws:PrincipalTag/a': v, 'aws:PrincipalTag/b': ['x"y', 'z'] } });
  });

  it('renders a handlebars template with parameters and the organization', async () => {
    const template = `[{"Sid":"OnlyTeams","Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"*",
 "Condition":{"StringNotEquals":{"aws:PrincipalTag/team":{{json parameters.teams}},"aws:PrincipalOrgID":"{{organization.id}}"}}}]`;
    const c = await compileControls(`  tpl: { kind: custom, type: rcp, template: templates/teams.hbs, parameters: { teams: [red, blue] }, attach: [Prod] }\n`, { 'templates/teams.hbs': template });
    expect(errorsOf(c)).toEqual([]);
    expect(c.policies.get('guardrails-rcp-tpl')!.Statement[0]!.Condition).toEqual({ StringNotEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij', 'aws:PrincipalTag/team': ['red', 'blue'] } });
  });

  it('reports a missing template parameter and a rendered text that is not JSON', async () => {
    const missing = await compileControls(`  tpl: { kind: custom, type: scp, template: t.hbs, attach: [Prod] }\n`, { 't.hbs': '[{"Effect":"Deny","Action":"{{parameters.action}}","Resource":"*"}]' });
    expect(errorsOf(missing)).toEqual(['template-error: control tpl: template t.hbs: {{...}} uses "action", which is not defined']);
    expect(missing.result.diagnostics.find((d) => d.severity === 'error')!.location).toMatchObject({ file: expect.stringMatching(/t\.hbs$/), line: 1, col: 31 });
    const broken = await compileControls(`  tpl: { kind: custom, type: scp, template: t.hbs, parameters: { a: x }, attach: [Prod] }\n`, { 't.hbs': '[{"Effect":"Deny",\n "Action":{{parameters.a}},"Resource":"*"}]' });
    const d = broken.result.diagnostics.find((x) => x.severity === 'error')!;
    expect(d.code).toBe('json-syntax');
    expect(d.location).toMatchObject({ file: expect.stringMatching(/t\.hbs \(rendered\)$/), line: 2, col: 11 });
  });

  it('rejects an RCP statement with a Principal other than "*" at its place', async () => {
    const c = await compileControls(`  raw:
    kind: custom
    type: rcp
    statements:
      - { Effect: Deny, Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "s3:*", Resource: "*" }
    attach: [Prod]
`);
    const d = c.result.diagnostics.find((x) => x.severity === 'error')!;
    expect(d.code).toBe('rcp-principal');
    // The Principal's value, in the intent file.
    expect(d.location).toMatchObject({ line: 26, col: 36 });
  });
});

describe('import', () => {
  // The file is copied into the repository beside the intent, as a user commits it: the intent may
  // only name files inside its repository.
  const importOf = (file: string, type: 'scp' | 'rcp', fill = true) => {
    const text = fs.readFileSync(file, 'utf8');
    return compileControls(`  legacy: { kind: import, type: ${type}, file: ${JSON.stringify(`policies/${path.basename(file)}`)}, attach: [Prod] }\n`, { [`policies/${path.basename(file)}`]: fill ? filledExample(text) : text });
  };

  it('refuses an AWS example whose placeholders are not filled in, each at its place in the file', async () => {
    const c = await importOf(path.join(AWS_EXAMPLES, 'dp_identity_perimeter_rcp.json'), 'rcp', false);
    const placeholders = c.result.diagnostics.filter((d) => d.code === 'unresolved-placeholder');
    expect(placeholders.length).toBeGreaterThanOrEqual(5);
    expect(placeholders.every((d) => d.severity === 'error' && d.location?.file === path.join(c.dir, 'policies', 'dp_identity_perimeter_rcp.json'))).toBe(true);
    expect(placeholders.map((d) => d.message).join('\n')).toContain('"<my-org-id>"');
    expect(c.result.policies).toEqual([]);
  });

  it('imports AWS examples once their placeholders are filled in', async () => {
    const c = await importOf(path.join(AWS_EXAMPLES, 'dp_identity_perimeter_rcp.json'), 'rcp');
    expect(errorsOf(c)).toEqual([]);
    expect(c.policies.get('guardrails-rcp-legacy')!.Statement.map((s) => s.Sid)).toEqual(['EnforceOrgIdentities', 'EnforceTrustedOIDCTenants', 'EnforceTrustedOIDCProviders', 'EnforceConfusedDeputyProtection']);
  });

  it('reads the SCP pre-processor format: selectors and exclusions expanded, Comments dropped, every statement kept', async () => {
    const c = await importOf(path.join(PREPROCESSOR_EXAMPLES, 'blog.json'), 'scp');
    expect(errorsOf(c)).toEqual([]);
    const [st] = c.policies.get('guardrails-scp-legacy')!.Statement;
    expect(list(st!.Action)).not.toContain('iam:ListUsers');
    expect(list(st!.Action)).toContain('iam:CreateUser');
  });

  describe('rejects every file in negative/ with a clear message at its place', () => {
    const negative = path.join(AWS_EXAMPLES, 'negative');
    it.each([
      ['scpex_deny_service_specific_credential_by_type_has_comment.json', 'scp', ['json-syntax'], /comments are not allowed in JSON/],
      ['rcpex_sts_protect_iamra_session_tags_Stringlike_case.json', 'rcp', ['unknown-operator'], /"ForAnyValue:Stringlike" is not IAM's spelling of the operator ForAnyValue:StringLike/],
      ['dp_identity_perimeter_rcp_a2a4f71_with_cognito_sync.json', 'rcp', ['rcp-unsupported-service', 'rcp-unsupported-service'], /RCPs do not support service "cognito-sync"/],
      ['rcpex_shared_issuers_oversize_with_allow.json', 'rcp', ['missing-resource', 'rcp-allow'], /RCPs may only deny/],
    ] as const)('%s', async (file, type, codes, message) => {
      const c = await importOf(path.join(negative, file), type);
      const errors = c.result.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.map((d) => d.code).sort()).toEqual([...codes].sort());
      expect(errors.map((d) => d.message).join('\n')).toMatch(message);
      for (const d of errors) {
        expect(d.location?.file).toBe(path.join(c.dir, 'policies', file));
        expect(d.location!.line).toBeGreaterThan(1);
      }
      expect(c.result.policies).toEqual([]);
      expect(fs.existsSync(path.join(c.dir, 'out'))).toBe(false);
    });
  });
});

describe('Regions in imported and templated statements', () => {
  it('a misspelled Region in an imported file is an error located in the file', async () => {
    const policy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Deny",
      "NotAction": ["iam:*", "sts:*"],
      "Resource": "*",
      "Condition": { "StringNotEquals": { "aws:RequestedRegion": ["eu-west-1", "eu-centrl-1"] } }
    }
  ]
}
`;
    const c = await compileControls(`  legacy: { kind: import, type: scp, file: legacy.json, attach: [Prod] }\n`, { 'legacy.json': policy });
    const d = c.result.diagnostics.filter((x) => x.code === 'unknown-region');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ severity: 'error', hint: expect.stringMatching(/^did you mean 'eu-central-1'/) });
    expect(path.basename(d[0]!.location!.file)).toBe('legacy.json');
    expect([d[0]!.location!.line, d[0]!.location!.col]).toEqual([8, 80]);
  });

  it('a misspelled Region in a rendered template ARN is an error', async () => {
    const c = await compileControls(`  tpl: { kind: custom, type: scp, template: t.hbs, parameters: { region: us-eats-1 }, attach: [Prod] }\n`, {
      't.hbs': '[{"Effect":"Deny","Action":"sqs:DeleteQueue","Resource":"arn:aws:sqs:{{parameters.region}}:*:*"}]',
    });
    expect(errorsOf(c)).toEqual([expect.stringContaining('unknown-region')]);
  });
});
