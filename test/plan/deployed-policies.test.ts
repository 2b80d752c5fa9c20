/**
 * Deployed policies the engine cannot evaluate: an error for diff and plan, and, in the semantic diff
 * itself, a Deny that may apply, never one that silently vanishes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkDeployedPolicies, deploymentSemanticDiff } from '../../src/plan/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { denyPolicy, deploymentOf, fullAccessEverywhere, owned, stateOf, type OuSpec } from '../support/org-state.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

const TREE: Record<string, OuSpec> = { Prod: { accounts: ['200000000001'] } };
const foreign = (content: string) => ({ id: 'p-team0001', name: 'team-deny-s3', type: 'scp' as const, description: '', awsManaged: false, tags: {}, content, targets: ['r-test'] });
const doc = (statement: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

const MALFORMED: [string, string, RegExp][] = [
  ['content that is not JSON', '{"Version": "2012-10-17", "Statement": [', /content is not JSON/],
  ['no Statement', JSON.stringify({ Version: '2012-10-17' }), /no "Statement"/],
  ['"Effect": "deny"', doc({ Effect: 'deny', Action: 's3:*', Resource: '*' }), /"Effect" must be "Allow" or "Deny", not "deny"/],
  ['an unknown operator', doc({ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringEqualz: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/x' } } }), /statement 1: .*StringEqualz/],
  ['an action that is not one', doc({ Effect: 'Deny', Action: 's3', Resource: '*' }), /statement 1: "s3" is not an action/],
];

describe('deployed policies the engine cannot evaluate', () => {
  it.each(MALFORMED)('%s is an error naming the policy, located at its content when the snapshot says where', (_, content, reason) => {
    const at = { file: '/repo/guardrails/org-snapshot.json', line: 42, col: 18 };
    const [d] = checkDeployedPolicies([foreign(content)], ref, new Map([['p-team0001', at]]));
    expect(d).toMatchObject({ severity: 'error', code: 'deployed-policy-invalid', location: at });
    expect(d!.message).toMatch(/^the deployed SCP team-deny-s3 \(p-team0001\) cannot be evaluated: /);
    expect(d!.message).toMatch(reason);
    // Read live, there is no file: the message alone names the policy.
    expect(checkDeployedPolicies([foreign(content)], ref)[0]).not.toHaveProperty('location');
  });

  it('accepts what AWS and compile write, AWS-managed full access included', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-x', denyPolicy(['iam:CreateUser']), ['r-test'])]);
    expect(checkDeployedPolicies(state.policies, ref)).toEqual([]);
  });

  it('quotes what the snapshot says inertly: no terminal escapes from a policy name', () => {
    const [d] = checkDeployedPolicies([{ ...foreign('nope'), name: 'team\u001b[2J\u202eevil' }], ref);
    expect(d!.message).not.toMatch(/[\u001b\u202e]/);
    expect(d!.message).toContain('team\\x1b[2J\\u202eevil');
  });
});

describe('the semantic diff fails closed on a policy it cannot read', () => {
  it('a foreign Deny written "deny" still may deny: removing our Deny of the same action is never reported as allowing it', () => {
    // Deployed: our policy denies s3:DeleteBucket; a foreign root SCP denies s3:* but says "deny".
    // Compiled: our policy is gone. Read as no statements, the foreign Deny would vanish and the diff
    // would report s3:DeleteBucket as newly allowed.
    const unreadable = doc({ Effect: 'deny', Action: 's3:*', Resource: '*' });
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), foreign(unreadable), owned('guardrails-scp-x', denyPolicy(['s3:DeleteBucket']), ['r-test'])]);
    const groups = deploymentSemanticDiff(deploymentOf(state, []), ref, { partnerAccounts: [] });
    const changes = groups.flatMap((g) => g.changes);
    const forDelete = changes.filter((c) => c.services.some((s) => s.actions.includes('s3:DeleteBucket')));
    expect(forDelete.map((c) => c.kind)).toEqual(['now-conditional']);
    expect(forDelete[0]!.after).toEqual([expect.stringMatching(/^Deny when cannot be evaluated: team-deny-s3: .*"Effect" must be "Allow" or "Deny"/)]);
    expect(changes.some((c) => c.kind === 'newly-allowed')).toBe(false);
  });
});
