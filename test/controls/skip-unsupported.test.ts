/**
 * skipUnsupportedServices on every control that can emit an RCP: services RCPs do not support are
 * skipped with one warning per service (wherever and however often they are named), or fail the compile.
 */
import { filledExample } from '../support/aws-examples.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileControls, errorsOf, list } from '../support/compile.js';
import { AWS_EXAMPLES } from '../support/paths.js';

const warningsOf = (c: Awaited<ReturnType<typeof compileControls>>) => c.result.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.code}: ${d.message}`);
const statements = (c: Awaited<ReturnType<typeof compileControls>>, name: string) => c.policies.get(name)!.Statement;

describe('skipUnsupportedServices', () => {
  it('tls-minimum: fails on a service RCPs do not support, as its hint says, or skips it once when told to', async () => {
    const strict = await compileControls(`  tls: { kind: tls-minimum, minVersion: "1.2", services: [s3, sns], attach: [Root] }\n`);
    const [e] = strict.result.diagnostics.filter((d) => d.severity === 'error');
    expect(e!.code).toBe('rcp-unsupported-service');
    expect(e!.hint).toContain('skipUnsupportedServices: true');
    const lenient = await compileControls(`  tls: { kind: tls-minimum, minVersion: "1.2", services: [s3, sns], skipUnsupportedServices: true, attach: [Root] }\n`);
    expect(errorsOf(lenient)).toEqual([]);
    expect(warningsOf(lenient)).toEqual(['rcp-unsupported-service: control tls: Action: skipped service "sns", which RCPs do not support']);
    expect(list(statements(lenient, 'guardrails-rcp-tls')[0]!.Action)).toEqual(['s3:*']);
  });

  it('deny-actions (type rcp): one warning for a service named by several patterns', async () => {
    const c = await compileControls(`  d: { kind: deny-actions, type: rcp, actions: [sns:Publish, sns:Subscribe, s3:DeleteBucket], skipUnsupportedServices: true, attach: [Root] }\n`);
    expect(errorsOf(c)).toEqual([]);
    expect(warningsOf(c)).toEqual(['rcp-unsupported-service: control d: Action: skipped service "sns", which RCPs do not support']);
    expect(list(statements(c, 'guardrails-rcp-d')[0]!.Action)).toEqual(['s3:DeleteBucket']);
  });

  it('identity-perimeter: one warning per service, not one per statement that carries it', async () => {
    const c = await compileControls(`  perimeter:
    kind: identity-perimeter
    services: [s3, sns, lambda]
    confusedDeputy: true
    partnerExceptions:
      - { tag: { key: p, value: "yes" }, accounts: ["555555555555"], adminRoles: ["arn:aws:iam::*:role/Admin"] }
    skipUnsupportedServices: true
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const skipped = c.result.diagnostics.filter((d) => d.code === 'rcp-unsupported-service');
    expect(skipped.map((d) => d.message)).toEqual([
      'control perimeter: Action: skipped service "lambda", which RCPs do not support',
      'control perimeter: Action: skipped service "sns", which RCPs do not support',
    ]);
    // Each where it is written: services: [s3, sns, lambda]
    const line = skipped[0]!.location!.line;
    expect(skipped.map((d) => `${d.severity} ${d.location?.line}:${d.location?.col}`)).toEqual([`warning ${line}:25`, `warning ${line}:20`]);
    for (const st of statements(c, 'guardrails-rcp-perimeter')) expect(list(st.Action).some((a) => /^(sns|lambda):/.test(a))).toBe(false);
  });

  it('custom statements and templates', async () => {
    const inline = await compileControls(`  raw:
    kind: custom
    type: rcp
    skipUnsupportedServices: true
    statements:
      - { Effect: Deny, Principal: "*", Action: [sns:Publish, s3:GetObject], Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }
      - { Effect: Deny, Principal: "*", Action: sns:Subscribe, Resource: "*" }
    attach: [Prod]
`);
    expect(errorsOf(inline)).toEqual([]);
    expect(warningsOf(inline)).toEqual(['rcp-unsupported-service: control raw: Action: skipped service "sns", which RCPs do not support']);
    // The second statement named only sns: it goes with it.
    expect(statements(inline, 'guardrails-rcp-raw').map((s) => list(s.Action))).toEqual([['s3:GetObject']]);

    const tpl = await compileControls(`  tpl: { kind: custom, type: rcp, template: t.hbs, skipUnsupportedServices: true, attach: [Prod] }\n`, {
      't.hbs': '[{"Effect":"Deny","Principal":"*","Action":["lambda:InvokeFunction","sqs:SendMessage"],"Resource":"*"}]',
    });
    expect(errorsOf(tpl)).toEqual([]);
    expect(warningsOf(tpl)).toEqual(['rcp-unsupported-service: control tpl: Action: skipped service "lambda", which RCPs do not support']);
  });

  it('import: the AWS example that names cognito-sync compiles without it', async () => {
    const example = filledExample(fs.readFileSync(path.join(AWS_EXAMPLES, 'negative', 'dp_identity_perimeter_rcp_a2a4f71_with_cognito_sync.json'), 'utf8'));
    const files = { 'perimeter.json': example };
    const strict = await compileControls(`  legacy: { kind: import, type: rcp, file: perimeter.json, attach: [Prod] }\n`, files);
    expect(strict.result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toContain('rcp-unsupported-service');
    const lenient = await compileControls(`  legacy: { kind: import, type: rcp, file: perimeter.json, skipUnsupportedServices: true, attach: [Prod] }\n`, files);
    expect(errorsOf(lenient)).toEqual([]);
    const skipped = lenient.result.diagnostics.filter((d) => d.code === 'rcp-unsupported-service');
    expect(skipped.map((d) => `${d.severity} ${d.message}`)).toEqual(['warning control legacy: Action: skipped service "cognito-sync", which RCPs do not support']);
    expect(skipped[0]!.location!.file).toBe(path.join(lenient.dir, 'perimeter.json'));
    const all = [...lenient.policies.values()].flatMap((p) => p.Statement.flatMap((s) => list(s.Action)));
    expect(all.some((a) => a.startsWith('cognito-sync:'))).toBe(false);
    expect(all).toContain('cognito-identity:*');
  });

  it('on an SCP the option means nothing: a warning says so', async () => {
    const c = await compileControls(`  d: { kind: deny-actions, actions: [sns:Publish], skipUnsupportedServices: true, attach: [Root] }\n`);
    expect(errorsOf(c)).toEqual([]);
    expect(warningsOf(c)).toEqual([expect.stringMatching(/^unused-option: control d: skipUnsupportedServices applies to RCPs only/)]);
  });
});
