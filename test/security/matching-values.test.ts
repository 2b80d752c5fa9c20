/**
 * One check of condition values and resource ARNs wherever a policy comes in (issue 11: minimize
 * accepted `Bool "maybe"`, bad dates, IPs, numbers and ARNs that compile rejected): a custom control,
 * an imported file, a built-in control's resources and conditions, and minimize all refuse the same
 * values with the same code, at the value where the text has one.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { minimizePolicy } from '../../src/compile/index.js';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { compilePolicy } from '../../src/evaluate/index.js';
import { parseJsonWithPositions, readPolicyDocument } from '../../src/policy/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { compileControls } from '../support/compile.js';
import { reference2026 } from '../support/reference.js';

interface BadCase {
  name: string;
  condition?: Record<string, Record<string, string>>;
  resource?: string;
  code: string;
}

const CASES: BadCase[] = [
  { name: 'Bool "maybe"', condition: { Bool: { 'aws:SecureTransport': 'maybe' } }, code: 'bad-condition-value' },
  { name: 'a date that does not exist', condition: { DateGreaterThan: { 'aws:CurrentTime': '2024-02-30' } }, code: 'bad-condition-value' },
  { name: 'an IP range with two prefixes', condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8/9' } }, code: 'bad-condition-value' },
  { name: 'a number in words', condition: { NumericLessThan: { 's3:signatureAge': 'ten' } }, code: 'bad-condition-value' },
  { name: 'an ARN of five components in ArnLike', condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*' } }, code: 'bad-condition-value' },
  { name: 'a Resource that is no ARN', resource: 'bucket/*', code: 'bad-resource-arn' },
  { name: 'a Resource of three components', resource: 'arn:aws:s3', code: 'bad-resource-arn' },
  { name: 'a Resource with a wildcard partition', resource: 'arn:*:s3:::bucket/*', code: 'bad-resource-arn' },
  { name: 'a Resource with a wildcard service', resource: 'arn:aws:s*:::bucket/*', code: 'bad-resource-arn' },
];

function statementOf(c: BadCase): Record<string, unknown> {
  return { Effect: 'Deny', Action: 's3:GetObject', Resource: c.resource ?? '*', ...(c.condition ? { Condition: c.condition } : {}) };
}

/** The line of the bad value in the policy text as written below (one statement per line of its own). */
function policyText(c: BadCase): string {
  return `{"Version": "2012-10-17", "Statement": [\n${JSON.stringify(statementOf(c))}\n]}`;
}

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

describe.each(CASES)('$name', (c) => {
  const errors = (d: { severity: string; code: string; location?: { file: string; line: number } | undefined }[]) => d.filter((x) => x.severity === 'error').map((x) => ({ code: x.code, file: x.location && path.basename(x.location.file), line: x.location?.line }));

  it('is refused by a custom control, at the value', async () => {
    const compiled = await compileControls(`  bad:\n    kind: custom\n    type: scp\n    statements:\n      - ${JSON.stringify(statementOf(c))}\n    attach: [Prod]\n`);
    expect(compiled.result.ok).toBe(false);
    expect(errors(compiled.result.diagnostics)).toEqual([{ code: c.code, file: 'intent.yaml', line: 26 }]);
  });

  it('is refused in an imported file, at its line there', async () => {
    const compiled = await compileControls(`  bad: { kind: import, type: scp, file: p.json, attach: [Prod] }\n`, { 'p.json': policyText(c) });
    expect(errors(compiled.result.diagnostics)).toEqual([{ code: c.code, file: 'p.json', line: 2 }]);
  });

  it('is refused by minimize, at its line', () => {
    const sources = new SourceIndex();
    const parsed = parseJsonWithPositions('/policies/p.json', policyText(c), sources);
    const doc = readPolicyDocument(parsed.value, sources).document!;
    const result = minimizePolicy(doc, sources, ref, { type: 'scp', maxChars: 10_240, maxPerTarget: 5, keepSids: false, mode: 'readable' });
    expect(result.ok).toBe(false);
    expect(errors(result.diagnostics)).toEqual([{ code: c.code, file: 'p.json', line: 2 }]);
  });

});

describe.each(CASES.filter((c) => c.condition))('$name', (c) => {
  it('cannot be evaluated by the engine either', () => {
    const [st] = compilePolicy('p', [{ effect: 'Deny', action: ['s3:GetObject'], resource: ['*'], condition: Object.fromEntries(Object.entries(c.condition!).map(([op, keys]) => [op, Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, [v]]))])) }], ref).statements;
    expect(st!.error).toBeDefined();
  });
});

describe('a built-in control', () => {
  it('refuses the same values in its resources and conditions', async () => {
    const compiled = await compileControls(`  bad-resource:
    kind: deny-actions
    actions: [s3:GetObject]
    resources: ["arn:*:s3:::bucket/*"]
    attach: [Prod]
  bad-condition:
    kind: deny-actions
    actions: [s3:PutObject]
    conditions: { Bool: { "aws:SecureTransport": "maybe" } }
    attach: [Prod]
`);
    const codes = compiled.result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${/control [\w-]+/.exec(d.message)?.[0]}`);
    expect(codes.sort()).toEqual(['bad-condition-value control bad-condition', 'bad-resource-arn control bad-resource']);
  });
});
