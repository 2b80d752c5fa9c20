/**
 * The semantic diff decides once per distinct chain: accounts that hold the same policies at every level
 * share one verdict, and an account whose chain differs (a policy attached to it directly) or on which an
 * account-dependent condition decides differently (aws:PrincipalAccount, aws:PrincipalArn) is never
 * folded into its siblings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { enabledPolicyTypes } from '../../src/org/index.js';
import { deploymentSemanticDiff, endStates } from '../../src/plan/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { semanticDiff, type SemanticDiffStats, type SemanticGroup } from '../../src/semantic-diff/index.js';
import { denyPolicy, deploymentOf, fullAccessEverywhere, owned, stateOf, type OuSpec } from '../support/org-state.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

const [A, B, C, D, E] = ['200000000001', '200000000002', '200000000003', '200000000004', '200000000005'];
const TREE: Record<string, OuSpec> = { Prod: { accounts: [A, B, C] }, Dev: { accounts: [D, E] } };
const none = { partnerAccounts: [] };
const denyWhen = (operator: string, key: string, values: string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*', Condition: { [operator]: { [key]: values } } }] });
/** Each account's verdict: the changes of the group that holds it, as text ('' when none). */
const verdicts = (groups: SemanticGroup[]) => Object.fromEntries([A, B, C, D, E].map((a) => [a, JSON.stringify(groups.filter((g) => g.accounts.includes(a)).map((g) => g.changes))]));

describe('semantic diff per distinct chain', () => {
  it('accounts with the same chain get one verdict, decided once; an account with a direct policy is not folded into them', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-b-only', denyPolicy(['s3:DeleteBucket']), [B])]);
    const d = deploymentOf(state, [
      { name: 'guardrails-scp-b-only', content: denyPolicy(['s3:DeleteBucket']), targets: [B] },
      { name: 'guardrails-scp-prod', content: denyPolicy(['iam:CreateUser', 's3:DeleteBucket']), targets: ['ou-prod'] },
    ]);
    const stats: SemanticDiffStats = { accounts: 0, chains: 0, decided: 0 };
    const groups = deploymentSemanticDiff(d, ref, none, { stats });
    const v = verdicts(groups);
    // A and C hold the same chains: one verdict, reported under one group naming them.
    expect(v[A]).toBe(v[C]);
    const ac = groups.find((g) => g.accounts.includes(A))!;
    expect(ac.accounts.sort()).toEqual([A, C]);
    expect(ac.changes.map((c) => [c.kind, c.count])).toEqual([['newly-denied', 2]]);
    // B already denied s3:DeleteBucket through its own policy: only iam:CreateUser becomes denied.
    const b = groups.find((g) => g.accounts.includes(B))!;
    expect(b.accounts).toEqual([B]);
    expect(b.changes.map((c) => [c.kind, c.count])).toEqual([['newly-denied', 1]]);
    expect(b.targets).toEqual([`account ${B} (acct-${B})`]);
    // D and E, outside Prod, are unchanged.
    expect(v[D]).toBe('[]');
    expect(v[E]).toBe('[]');
    // Three accounts of Prod, two distinct chains among them: the SCP persona decided twice there, not three times.
    expect(stats.accounts).toBe(5);
    expect(stats.decided).toBeLessThan(stats.accounts * 4);
  });

  it('chains found by what a node holds directly (its attachment key) are the chains found policy by policy', () => {
    // Accounts of Prod and of Dev hold the same policies directly, under OUs that hold different ones.
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-b-only', denyPolicy(['s3:DeleteBucket']), [B]), owned('guardrails-scp-dev', denyPolicy(['ec2:RunInstances']), ['ou-dev'])]);
    const d = deploymentOf(state, [
      { name: 'guardrails-scp-b-only', content: denyPolicy(['s3:DeleteBucket', 'iam:CreateRole']), targets: [B] },
      { name: 'guardrails-scp-prod', content: denyPolicy(['iam:CreateUser', 's3:DeleteBucket']), targets: ['ou-prod'] },
      { name: 'guardrails-scp-d', content: denyWhen('StringNotEquals', 'aws:PrincipalAccount', [E]), targets: [D, E] },
    ]);
    const { before, after } = endStates(d);
    const input = { tree: d.tree, managementAccount: d.managementAccount, organizationId: d.state.organization.id, enabled: enabledPolicyTypes(d.state) };
    const withoutKeys = (m: typeof before) => ({ attachedAt: (id: string, type: 'scp' | 'rcp') => m.attachedAt(id, type) });
    const [keyed, unkeyed]: SemanticDiffStats[] = [{ accounts: 0, chains: 0, decided: 0 }, { accounts: 0, chains: 0, decided: 0 }];
    const byKey = semanticDiff({ ...input, before, after }, ref, none, keyed);
    const byPolicy = semanticDiff({ ...input, before: withoutKeys(before), after: withoutKeys(after) }, ref, none, unkeyed);
    expect(byKey).toEqual(byPolicy);
    expect(keyed).toEqual(unkeyed);
    expect(byKey.length).toBeGreaterThan(2);
    expect(before.attachmentKey(A)).toBe(before.attachmentKey(D));
    expect(before.attachmentKey(A)).not.toBe(before.attachmentKey(B));
  });

  it('accounts with the same chains are still told apart by a condition on the account (aws:PrincipalAccount)', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE)]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-x', content: denyWhen('StringNotEquals', 'aws:PrincipalAccount', [A]), targets: ['r-test'] }]);
    const groups = deploymentSemanticDiff(d, ref, none);
    const v = verdicts(groups);
    expect(v[A]).toBe('[]');
    for (const other of [B, C, D, E]) expect(JSON.parse(v[other]!)).toEqual([[expect.objectContaining({ kind: 'newly-denied', count: 1 })]]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.accounts.sort()).toEqual([B, C, D, E]);
  });

  it('and by a condition on the principal ARN that names one account', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE)]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-x', content: denyWhen('ArnNotLike', 'aws:PrincipalArn', [`arn:aws:iam::${C}:role/*`]), targets: ['ou-prod'] }]);
    const groups = deploymentSemanticDiff(d, ref, none);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.accounts.sort()).toEqual([A, B]);
  });

  it('a condition on the OU path decides alike for the accounts of one OU, differently across OUs', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE)]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-x', content: denyWhen('ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', ['*/ou-dev/*']), targets: ['r-test'] }]);
    const stats: SemanticDiffStats = { accounts: 0, chains: 0, decided: 0 };
    const groups = deploymentSemanticDiff(d, ref, none, { stats });
    expect(groups).toHaveLength(1);
    expect(groups[0]!.accounts.sort()).toEqual([D, E]);
    expect(groups[0]!.targets).toEqual(['OU Root/Dev']);
    // For the SCP persona one decision for Prod's accounts and one for Dev's; one for each RCP persona.
    expect(stats.decided).toBe(2 + 2);
  });
});
