/**
 * Changing one control's parameters must not rename or reshuffle the policies that do not hold it:
 * compile reads the previous manifest and keeps what still fits where it was.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeScaleRepository } from '../../bench/scale-intent.js';
import { compile } from '../../src/compile/index.js';
import { loadIntent } from '../../src/intent/index.js';
import { compileControls, errorsOf, ORG_HEADER } from '../support/compile.js';
import { reference2026 } from '../support/reference.js';

// A small SCP size quota (600 characters) forces four controls with the same targets into two policies.
const HEADER = ORG_HEADER.replace('defaults:', 'quotas: { profile: aws-2026-05, scp: { maxChars: 600 } }\ndefaults:');

/** One statement of about `size` characters: the resource ARN pads it. */
function control(id: string, size: number): string {
  const statementWithoutPadding = `{"Sid":"${id.toUpperCase()}","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/${id}-admin"}}}`.length;
  const bucket = 'b'.repeat(size - statementWithoutPadding);
  return `  ${id}: { kind: deny-actions, actions: [s3:GetObject], resources: ["arn:aws:s3:::${bucket}"], exceptPrincipals: ["arn:aws:iam::*:role/${id}-admin"], attach: [Prod, Dev] }\n`;
}

const before = { a: 290, b: 280, c: 210, d: 195 };
// First-fit decreasing packs {a, c} and {b, d}; once b grows to 300 it would pack {b, c} and {a, d}.
const after = { ...before, b: 300 };
const intent = (sizes: Record<string, number>) => Object.entries(sizes).map(([id, size]) => control(id, size)).join('');

describe('stable packing', () => {
  it('a changed control leaves every policy that does not hold it byte for byte the same, under the same name', async () => {
    const first = await compileControls(intent(before), {}, HEADER);
    expect(errorsOf(first)).toEqual([]);
    expect(first.result.policies.map((p) => p.controls)).toEqual([['a', 'c'], ['b', 'd']]);
    const second = await compileControls(intent(after), {}, HEADER, first.result.manifest);
    expect(errorsOf(second)).toEqual([]);
    const ac = first.result.policies.find((p) => p.name === 'guardrails-scp-a+c')!;
    expect(second.result.policies.find((p) => p.name === ac.name)?.text).toBe(ac.text);
  });

  it('without the previous manifest the same change reshuffles (what the manifest prevents)', async () => {
    const fresh = await compileControls(intent(after), {}, HEADER);
    expect(fresh.result.policies.map((p) => p.controls)).toEqual([['a', 'd'], ['b', 'c']]);
  });

  it('packing without a previous manifest is deterministic', async () => {
    const one = await compileControls(intent(before), {}, HEADER);
    const two = await compileControls(intent(before), {}, HEADER);
    expect(two.result.policies.map((p) => [p.name, p.text])).toEqual(one.result.policies.map((p) => [p.name, p.text]));
  });
});

describe('stable Sids under sids: auto', () => {
  // Four controls with the same targets and circumstances: dropping Sids merges them into one statement.
  const AUTO = ORG_HEADER.replace('defaults:', 'quotas: { profile: aws-2026-05, scp: { maxChars: 420 } }\ndefaults:\n  sids: auto');
  const deny = (id: string, actions: string[]) => `  ${id}: { kind: deny-actions, actions: [${actions.join(', ')}], attach: [Prod, Dev] }\n`;
  const c = ['ec2:CreateVpnConnection', 'ec2:DeleteVpnConnection', 'ec2:ModifyVpnConnection', 'ec2:CreateVpnGateway', 'ec2:DeleteVpnGateway'];
  const org = (cActions: string[]) =>
    deny('a', ['ec2:CreateVpcEndpoint', 'ec2:DeleteVpcEndpoints', 'ec2:ModifyVpcEndpoint']) +
    deny('b', ['ec2:CreateTransitGateway', 'ec2:DeleteTransitGateway', 'ec2:ModifyTransitGateway']) +
    deny('c', cActions) +
    deny('d', ['ec2:CreateNatGateway', 'ec2:DeleteNatGateway', 'ec2:CreateInternetGateway']);
  const shape = (r: Awaited<ReturnType<typeof compileControls>>) => r.result.policies.map((p) => [p.name, p.sids]);

  it('changing one control does not flip its group from keeping Sids to dropping them, nor rename the others', async () => {
    // Both ways take two policies: Sids are kept.
    const first = await compileControls(org(c), {}, AUTO);
    expect(errorsOf(first)).toEqual([]);
    expect(shape(first)).toEqual([['guardrails-scp-a+d', 'keep'], ['guardrails-scp-b+c', 'keep']]);
    expect(first.result.manifest!.policies.map((p) => p.sids)).toEqual(['keep', 'keep']);
    // c shrinks: from scratch, dropping Sids would now save a policy, renaming a+d's...
    const fresh = await compileControls(org(c.slice(0, 1)), {}, AUTO);
    expect(shape(fresh)).toEqual([['guardrails-scp-a+b+c+d', 'drop']]);
    // ...but keeping them still fits the group's two policies, so it stays as it was.
    const second = await compileControls(org(c.slice(0, 1)), {}, AUTO, first.result.manifest);
    expect(errorsOf(second)).toEqual([]);
    expect(shape(second)).toEqual([['guardrails-scp-a+d', 'keep'], ['guardrails-scp-b+c', 'keep']]);
    expect(second.result.policies[0]!.text).toBe(first.result.policies[0]!.text);
  });
});

describe('compiling twice gives the same out/', () => {
  // The layered mix of the scale benchmark: at the root, controls merge into statements that several
  // policies share out (sids: drop), so one control's statements sit in two policies. Placing a
  // statement by its controls alone sent it to the first of those, which it might not fit: the second
  // compile then reshuffled, and diff refused the first compile's out/ as stale.
  it('the policies compiled with the previous out/ of the same intent are that out/, byte for byte', async () => {
    const { index, manifest } = await reference2026();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-idempotent-'));
    try {
      writeScaleRepository(dir, 300, 'layered', index);
      const { intent } = await loadIntent({ cwd: dir });
      const first = compile({ intent: intent!, reference: index, referenceManifest: manifest, root: dir });
      expect(first.ok).toBe(true);
      const second = compile({ intent: intent!, reference: index, referenceManifest: manifest, root: dir, previous: first.manifest!, previousTexts: new Map(first.policies.map((p) => [p.name, p.fileText])) });
      expect(second.policies.map((p) => [p.name, p.fileText])).toEqual(first.policies.map((p) => [p.name, p.fileText]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
