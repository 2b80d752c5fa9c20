/**
 * The proof expands each emitted list once, however many policies carry it, and looks names up
 * directly (prove.ts, expandOutputList): it must decide exactly as expanding every list with
 * expandList does, for names in any casing, patterns, unknown names and the pre-processor's forms.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { proveEquivalence, type ProofInput, type ProofOutput } from '../../src/compile/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

const input = (actions: ReturnType<ReferenceIndex['emptySet']>, scopes = ['scp Root']): ProofInput => ({ effect: 'Deny', element: 'Action', actions, resources: ['*'], scopes, label: 'input' });
const output = (action: string[], scopes = ['scp Root']): ProofOutput => ({ scopes, statement: { effect: 'Deny', action, resource: ['*'] }, label: 'output' });

describe('the proof on emitted lists', () => {
  it('reads a name in any casing as its action, and reports a name the reference does not have as invalid', () => {
    const want = ref.expandList(['s3:GetObject', 'iam:CreateUser']).actions;
    expect(proveEquivalence([input(want)], [output(['S3:getobject', 'iam:CREATEUSER'])], ref)).toEqual([]);
    const [f] = proveEquivalence([input(want)], [output(['s3:GetObject', 'iam:CreateUser', 'iam:CreateUsr'])], ref);
    expect(f!.invalid).toEqual(['iam:CreateUsr']);
    const [g] = proveEquivalence([input(want)], [output(['s3:GetObject'])], ref);
    expect(g!.missing).toEqual(['iam:CreateUser']);
  });

  it('a list carried by several policies is checked at each of their targets', () => {
    const want = ref.expandList(['s3:GetObject']).actions;
    const failures = proveEquivalence([input(want, ['scp A', 'scp B'])], [output(['s3:GetObject'], ['scp A']), output(['s3:GetObject', 's3:PutObject'], ['scp B'])], ref);
    expect(failures.map((f) => [f.scope, f.extra])).toEqual([['scp B', ['s3:PutObject']]]);
  });

  it('property: decides as expandList on random lists (names in any casing, patterns, unknown names, selectors, exclusions)', () => {
    const pool = ['s3:GetObject', 'S3:GETOBJECT', 's3:Get*', 'iam:*User', 'iam:CreateUser', 'iam:createuser', 'ec2:Describe*', 'kms:Decrypt', 'kms:decrypt', 'nosuch:Thing', 'iam:NoSuchAction', '*:GetResourcePolicy', 'iam:{Write}', 'iam:{Exclude:CreateUser}', 'sns:Publish', 's3:Get?bject'];
    fc.assert(
      fc.property(fc.subarray(pool, { minLength: 1 }), fc.subarray(pool, { minLength: 1 }), (wanted, written) => {
        const expected = ref.expandList(written);
        const invalid = expected.problems.filter((p) => p.severity === 'error').map((p) => written[p.index]!);
        const want = ref.expandList(wanted.filter((w) => !w.includes('{'))).actions;
        const failures = proveEquivalence([input(want)], [output(written), output(written, ['scp Other'])], ref);
        if (invalid.length) expect(failures.some((f) => JSON.stringify(f.invalid) === JSON.stringify(invalid))).toBe(true);
        expect(failures.some((f) => f.scope === 'scp Root' && f.invalid.length === 0)).toBe(!expected.actions.equals(want));
      }),
      { numRuns: 200, seed: 15 },
    );
  });
});
