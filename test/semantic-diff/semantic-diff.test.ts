/** The semantic diff on small organizations: what it reports, and what it must not. */
import { beforeAll, describe, expect, it } from 'vitest';
import { deploymentSemanticDiff, policyTypeWarnings, structuralDiff } from '../../src/plan/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { deploymentOf, fullAccessEverywhere, owned, stateOf, type OuSpec } from '../support/org-state.js';
import { rawService, reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

const TREE: Record<string, OuSpec> = { Prod: { accounts: ['200000000001'] }, Dev: { accounts: ['200000000002'] } };
const RCP_FULL = { id: 'p-RCPFullAWSAccess', name: 'RCPFullAWSAccess', type: 'rcp' as const, description: '', awsManaged: true, tags: {}, content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }), targets: ['r-test', 'ou-prod', 'ou-dev', '200000000001', '200000000002', '111111111111'] };
const tls = (version: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { NumericLessThan: { 's3:TlsVersion': version } } }] });

/** The S3 actions the raw reference gives s3:TlsVersion (on the action or its resource types): the others never carry it. */
function s3ActionsWithTlsVersion(): number {
  const raw = rawService('s3');
  const resourceKeys = new Map((raw.Resources ?? []).map((r) => [r.Name, r.ConditionKeys ?? []]));
  return raw.Actions.filter((a) => [...(a.ActionConditionKeys ?? []), ...(a.Resources ?? []).flatMap((r) => resourceKeys.get(r.Name) ?? [])].includes('s3:TlsVersion')).length;
}

describe('semantic diff', () => {
  it('reports a changed condition value as the same actions denied under other conditions, for every persona', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), RCP_FULL, owned('guardrails-rcp-tls', tls('1.2'), ['r-test'], 'rcp')]);
    const d = deploymentOf(state, [{ name: 'guardrails-rcp-tls', type: 'rcp', content: tls('1.3'), targets: ['r-test'] }]);
    const groups = deploymentSemanticDiff(d, ref, { partnerAccounts: [] });
    expect(groups).toHaveLength(1);
    const g = groups[0]!;
    expect(g.type).toBe('rcp');
    expect(g.personas).toHaveLength(2);
    expect(g.targets).toEqual(['root Root']);
    expect(g.changes).toEqual([
      expect.objectContaining({ kind: 'conditions-changed', count: s3ActionsWithTlsVersion(), before: ['Deny when NumericLessThan s3:TlsVersion ["1.2"]'], after: ['Deny when NumericLessThan s3:TlsVersion ["1.3"]'] }),
    ]);
  });

  it('reports nothing when statements only move between policies (a repack) or JSON formatting differs', () => {
    const a = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }] });
    const b = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:CreateAccessKey', Resource: '*' }] });
    const both = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: ['iam:CreateUser'], Resource: '*' }, { Resource: '*', Action: 'iam:CreateAccessKey', Effect: 'Deny' }] }, null, 2);
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-a', a, ['r-test']), owned('guardrails-scp-b', b, ['r-test'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-a+b', content: both, targets: ['r-test'] }]);
    expect(deploymentSemanticDiff(d, ref, { partnerAccounts: [] })).toEqual([]);
    const structural = structuralDiff(d);
    expect(structural.policies.map((p) => `${p.change} ${p.name}`)).toEqual(['delete guardrails-scp-a', 'create guardrails-scp-a+b', 'delete guardrails-scp-b']);
  });

  it('leaves the management account out: organization policies do not affect it', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE)]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-x', content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }] }), targets: ['r-test'] }]);
    const groups = deploymentSemanticDiff(d, ref, { partnerAccounts: [] });
    expect(groups).toHaveLength(1);
    expect(groups[0]!.accounts.sort()).toEqual(['200000000001', '200000000002']);
    expect(groups[0]!.changes).toEqual([expect.objectContaining({ kind: 'newly-denied', count: 1, services: [expect.objectContaining({ service: 'iam', accessLevel: 'Write', actions: ['iam:CreateUser'] })] })]);
  });

  it('a Deny of every action under a tag-key condition changes only the actions that can carry tag keys', () => {
    const companion = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': ['dp:exclude'] } } }] });
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE)]), [{ name: 'guardrails-scp-tags', content: companion, targets: ['r-test'] }]);
    const [g] = deploymentSemanticDiff(d, ref, { partnerAccounts: [] });
    expect(g!.changes).toHaveLength(1);
    const c = g!.changes[0]!;
    expect(c).toMatchObject({ kind: 'newly-conditional', after: ['Deny when ForAnyValue:StringEqualsIgnoreCase aws:TagKeys ["dp:exclude"]'] });
    const names = c.services.flatMap((s) => s.actions);
    expect(names).not.toContain('s3:GetObject');
    expect(c.count).toBeLessThan(ref.size / 4);
    expect(c.services.find((s) => s.service === 'iam' && s.accessLevel === 'Write')!.actions).toContain('iam:CreateRole');
  });

  it('a service key: only the actions that carry it are denied under conditions', () => {
    const mantle = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'bedrock-mantle:*', Resource: '*', Condition: { Null: { 'bedrock-mantle:Model': 'false' }, StringNotLike: { 'bedrock-mantle:Model': ['amazon.titan-text-express-v1'] } } }] });
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE)]), [{ name: 'guardrails-scp-mantle', content: mantle, targets: ['r-test'] }]);
    const [g] = deploymentSemanticDiff(d, ref, { partnerAccounts: [] });
    const names = g!.changes.flatMap((c) => c.services.flatMap((s) => s.actions));
    expect(names).toContain('bedrock-mantle:CreateInference');
    expect(names).not.toContain('bedrock-mantle:ArchiveProject');
    expect(g!.changes.map((c) => c.kind)).toEqual(['newly-conditional']);
  });

  it('asks as a role no control excepts: a Deny that excepts role/guardrails-* still shows', () => {
    const deny = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ec2:RunInstances', Resource: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/guardrails-*', 'arn:aws:iam::*:role/BreakGlass', 'arn:aws:iam::*:role/*Admin*'] } } }] });
    const d = deploymentOf(stateOf(TREE, [fullAccessEverywhere(TREE)]), [{ name: 'guardrails-scp-x', content: deny, targets: ['r-test'] }]);
    const groups = deploymentSemanticDiff(d, ref, { partnerAccounts: [] });
    expect(groups.map((g) => g.changes.map((c) => `${c.kind} ${c.services.flatMap((s) => s.actions)}`))).toEqual([['newly-denied ec2:RunInstances']]);
  });

  it('RCPs not enabled: before, they decide nothing; after, enabling them attaches RCPFullAWSAccess everywhere with the compiled RCPs', () => {
    const state = stateOf(TREE, [fullAccessEverywhere(TREE)]);
    const d = deploymentOf(state, [{ name: 'guardrails-rcp-tls', type: 'rcp', content: tls('1.2'), targets: ['r-test'] }]);
    const groups = deploymentSemanticDiff(d, ref, { partnerAccounts: [] });
    expect(groups.map((g) => [g.type, g.targets])).toEqual([['rcp', ['root Root']]]);
    expect(groups[0]!.changes).toEqual([expect.objectContaining({ kind: 'newly-conditional', count: s3ActionsWithTlsVersion(), after: ['Deny when NumericLessThan s3:TlsVersion ["1.2"]'] })]);
    expect(policyTypeWarnings(d)).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'policy-type-not-enabled', message: expect.stringMatching(/^RCPs are not enabled in organization o-test000000 \(test\): the 1 compiled RCP applies only once/), hint: 'enable the policy type first: aws organizations enable-policy-type --root-id r-test --policy-type RESOURCE_CONTROL_POLICY' }),
    ]);
    // Enabled (ListRoots says so), the same organization without RCPFullAWSAccess denies everything before and after.
    expect(policyTypeWarnings(deploymentOf({ ...state, enabledPolicyTypes: ['scp', 'rcp'] }, [{ name: 'guardrails-rcp-tls', type: 'rcp', content: tls('1.2'), targets: ['r-test'] }]))).toEqual([]);
  });

  it('SCPs not enabled: the same, with FullAWSAccess', () => {
    const d = deploymentOf(stateOf(TREE, []), [{ name: 'guardrails-scp-x', content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }] }), targets: ['ou-prod'] }]);
    const groups = deploymentSemanticDiff(d, ref, { partnerAccounts: [] });
    expect(groups.map((g) => [g.type, g.targets, g.changes.map((c) => `${c.kind} ${c.count}`)])).toEqual([['scp', ['OU Root/Prod'], ['newly-denied 1']]]);
    expect(policyTypeWarnings(d).map((w) => w.message)).toEqual([expect.stringMatching(/^SCPs are not enabled .* attaches FullAWSAccess to the root and every OU and account/)]);
  });
});
