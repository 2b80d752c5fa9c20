/**
 * Condition keys that cannot mean what was written, in every kind of statement compile expands:
 * imported files and rendered templates are located in their own text; keys none of the statement's
 * actions carry; keys accepted on purpose.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/diagnostics/index.js';
import { compileControls, ORG_HEADER } from '../support/compile.js';
import { validateFiles } from '../support/intent.js';
import { tempDir } from '../support/temp.js';

const KEY_CODES = ['unknown-condition-key', 'condition-key-not-carried', 'accepted-condition-key', 'accepted-key-now-known', 'duplicate-accepted-key'];

function keyDiagnostics(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.filter((d) => KEY_CODES.includes(d.code)).map((d) => `${d.severity} ${d.code} at ${path.basename(d.location?.file ?? '?')}:${d.location?.line}:${d.location?.col}`);
}

const policy = (condition: object, action: unknown = 's3:GetObject', element = 'Action') =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'S', Effect: 'Deny', [element]: action, Resource: '*', Condition: condition }] }, null, 2);

describe('condition keys in imported files and templates', () => {
  it('an unknown key in an imported file is an error at its line and column there (deny-all under IfExists)', async () => {
    const c = await compileControls(`  legacy: { kind: import, type: scp, file: policies/p.json, attach: [Prod] }\n`, {
      'policies/p.json': policy({ StringNotEqualsIfExists: { 'aws:PrincipleOrgID': 'o-abcdefghij' } }),
    });
    expect(c.result.ok).toBe(false);
    expect(keyDiagnostics(c.result.diagnostics)).toEqual(['error unknown-condition-key at p.json:11:11']);
    const d = c.result.diagnostics.find((x) => x.code === 'unknown-condition-key')!;
    expect(d.message).toContain('(deny-all)');
    expect(d.hint).toContain("'aws:PrincipalOrgID'");
  });

  it('an unknown key in a rendered template is an error located in the rendered text (no-op under ArnLike)', async () => {
    const template = `[{"Effect":"Deny","Action":"iam:CreateUser","Resource":"*",
 "Condition":{"ArnLike":{"aws:PrincipleArn":"{{parameters.arn}}"}}}]`;
    const c = await compileControls(`  tpl: { kind: custom, type: scp, template: t.hbs, parameters: { arn: "arn:aws:iam::*:role/Admin" }, attach: [Prod] }\n`, { 't.hbs': template });
    expect(keyDiagnostics(c.result.diagnostics)).toEqual(['error unknown-condition-key at t.hbs (rendered):2:26']);
    expect(c.result.diagnostics.find((x) => x.code === 'unknown-condition-key')!.message).toContain('never applies (a no-op guardrail)');
  });

  it('a key the imported statement\'s action never carries is an error', async () => {
    const c = await compileControls(`  legacy: { kind: import, type: scp, file: p.json, attach: [Prod] }\n`, { 'p.json': policy({ StringEquals: { 's3:x-amz-acl': 'public-read' } }) });
    expect(keyDiagnostics(c.result.diagnostics)).toEqual(['error condition-key-not-carried at p.json:11:11']);
  });

  it('a NotAction statement covers every other action: its keys are not held to its listed actions', async () => {
    const c = await compileControls(`  legacy: { kind: import, type: scp, file: p.json, attach: [Prod] }\n`, { 'p.json': policy({ StringEquals: { 's3:x-amz-acl': 'public-read' } }, 's3:GetObject', 'NotAction') });
    expect(keyDiagnostics(c.result.diagnostics)).toEqual([]);
  });
});

describe('keys some of the actions carry', () => {
  it('warns naming the actions that never carry the key, and compiles', async () => {
    const c = await compileControls(`  acl:
    kind: deny-actions
    actions: [s3:PutObject, s3:GetObject, s3:DeleteObject]
    conditions:
      StringEquals: { "s3:x-amz-acl": public-read }
    attach: [Prod]
`);
    expect(c.result.ok).toBe(true);
    expect(keyDiagnostics(c.result.diagnostics)).toEqual(['warning condition-key-not-carried at intent.yaml:26:23']);
    const d = c.result.diagnostics.find((x) => x.code === 'condition-key-not-carried')!;
    expect(d.message).toContain('carried by 1 of the statement\'s 3 actions; 2 never carry it (s3:DeleteObject, s3:GetObject)');
    expect(d.message).toContain('never applies');
  });

  it('says deny-all for the actions without the key under an operator true when it is absent', async () => {
    const c = await compileControls(`  sse:
    kind: deny-actions
    actions: [s3:PutObject, s3:GetObject]
    conditions:
      StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }
    attach: [Prod]
`);
    const d = c.result.diagnostics.find((x) => x.code === 'condition-key-not-carried')!;
    expect(d.severity).toBe('warning');
    expect(d.message).toContain('for them, this Deny applies to every request it covers (deny-all)');
  });

  it('knows templated keys: ${TagKey} and <key> placeholders, through the action\'s resource types too', async () => {
    const c = await compileControls(`  tags:
    kind: deny-actions
    actions: [s3:GetObject, ec2:TerminateInstances]
    conditions:
      StringEquals: { "s3:ExistingObjectTag/env": prod }
    attach: [Prod]
  ec2tags:
    kind: deny-actions
    actions: [ec2:TerminateInstances]
    conditions:
      StringEquals: { "ec2:ResourceTag/env": prod }
    attach: [Prod]
`);
    expect(keyDiagnostics(c.result.diagnostics)).toEqual(['warning condition-key-not-carried at intent.yaml:26:23']);
    expect(c.result.diagnostics.find((x) => x.code === 'condition-key-not-carried')!.message).toContain('(ec2:TerminateInstances)');
  });
});

describe('conditionKeys.accept', () => {
  const header = (entries: string) => `${ORG_HEADER}conditionKeys:\n  accept:\n${entries}`;

  it('a key the reference does not know yet compiles when accepted, and the entry is reported once', async () => {
    const controls = `  newkey:
    kind: deny-actions
    actions: [s3:PutObject]
    conditions:
      StringNotEqualsIfExists: { "s3:NewKey": expected }
    attach: [Prod]
`;
    const refused = await compileControls(controls);
    expect(keyDiagnostics(refused.result.diagnostics)).toEqual(['error unknown-condition-key at intent.yaml:26:34']);
    const accepted = await compileControls(controls, {}, header('    - { key: "s3:NewKey", reason: "announced 2026-09-01, not in the 2026-08-22 snapshot" }\n'));
    expect(accepted.result.ok).toBe(true);
    expect(keyDiagnostics(accepted.result.diagnostics)).toEqual(['warning accepted-condition-key at intent.yaml:23:14']);
    expect(accepted.result.diagnostics.find((d) => d.code === 'accepted-condition-key')!.message).toContain('announced 2026-09-01');
  });

  it('an accepted key the reference knows warns that the entry can go', async () => {
    const c = await compileControls(`  none: { kind: deny-actions, actions: [s3:PutObject], attach: [Prod] }\n`, {}, header('    - { key: "s3:x-amz-acl", reason: "old" }\n'));
    expect(keyDiagnostics(c.result.diagnostics)).toEqual(['warning accepted-key-now-known at intent.yaml:23:14']);
  });

  it('each intent file may accept the keys of its own controls: the lists add up; a schema error for an entry without a reason', async () => {
    const dir = await tempDir();
    const org = 'version: 1\norganization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: {} } }\n';
    const team = (name: string, key: string) => `version: 1\nconditionKeys:\n  accept:\n    - { key: "${key}", reason: "new" }\ncontrols:\n  ${name}: { kind: deny-actions, actions: [s3:PutObject], conditions: { StringEquals: { "${key}": x } }, attach: [Root] }\n`;
    fs.writeFileSync(path.join(dir, 'org.yaml'), org);
    fs.writeFileSync(path.join(dir, 'a.yaml'), team('a', 's3:NewKeyA'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), team('b', 's3:NewKeyB'));
    const both = await validateFiles(['org.yaml', 'a.yaml', 'b.yaml'].map((f) => path.join(dir, f)));
    expect(both.intent!.acceptedConditionKeys.map((a) => a.key)).toEqual(['s3:NewKeyA', 's3:NewKeyB']);
    expect(both.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['warning accepted-condition-key', 'warning accepted-condition-key']);
    fs.writeFileSync(path.join(dir, 'b.yaml'), team('b', 's3:NewKeyB').replace(', reason: "new"', ''));
    const noReason = await validateFiles(['org.yaml', 'b.yaml'].map((f) => path.join(dir, f)));
    expect(noReason.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} at ${path.basename(d.location!.file)}:${d.location!.line}`)).toEqual(['missing-property at b.yaml:4']);
  });
});
