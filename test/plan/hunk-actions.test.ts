/**
 * The line diff of `guardrails diff` says, per hunk that changes action lines, whether the actions
 * changed or only their spelling (expanded against the pinned reference), and which actions the
 * changed lines add and remove.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { structuralDiff, type PolicyDiff } from '../../src/plan/index.js';
import { actionLines } from '../../src/plan/hunk-actions.js';
import { renderPolicyFile } from '../../src/policy/index.js';
import { parseActionPattern, type ReferenceIndex } from '../../src/reference/index.js';
import { deploymentOf, denyPolicy, fullAccessEverywhere, owned, stateOf, type OuSpec } from '../support/org-state.js';
import { reference2026 } from '../support/reference.js';

const TREE: Record<string, OuSpec> = { Prod: { accounts: ['200000000001'] } };
let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

/** The diff of guardrails-scp-x from `deployed` to `compiled` (both deny lists), attached at Prod. */
function diffOf(deployed: string[], compiled: string[], reference: ReferenceIndex | null = ref): PolicyDiff {
  const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-x', denyPolicy(deployed), ['ou-prod'])]);
  const d = deploymentOf(state, [{ name: 'guardrails-scp-x', content: denyPolicy(compiled), targets: ['ou-prod'] }]);
  const p = structuralDiff(d, reference ?? undefined).policies.find((x) => x.name === 'guardrails-scp-x')!;
  expect(p.change).toBe('update');
  return p;
}

/** The reference's names for what a pattern matches, independently of the diff. */
const namesOf = (pattern: string) => ref.match(parseActionPattern(pattern) as never).toArray().map((id) => ref.actions[id]!.qualified).sort();

describe('a hunk whose action sets are equal on both sides', () => {
  it('is marked as a respelling with how many actions both sides match, and lists nothing', () => {
    const names = namesOf('cloudtrail:Sto*g');
    expect(names.length).toBeGreaterThan(0);
    const p = diffOf(['s3:DeleteBucket', ...names], ['s3:DeleteBucket', 'cloudtrail:Sto*g']);
    expect(p.hunks).toHaveLength(1);
    expect(p.hunks[0]).toMatchObject({ element: 'Action', respelled: true, before: names.length, after: names.length, added: [], removed: [] });
    expect(p.textDiff).toMatch(new RegExp(`\\n@@ -\\d+,\\d+ \\+\\d+,\\d+ @@ respelled: same ${names.length} actions?\\n`));
    expect(p.textDiff).toContain('+        "cloudtrail:Sto*g"');
    expect(p.textDiff).not.toContain('# added');
    expect(p.textDiff).not.toContain('# removed');
  });

  it('is a respelling between two wildcards that match the same actions', () => {
    const [a, b] = ['iam:Cre*User', 'iam:CreateU*er'];
    expect(namesOf(a)).toEqual(namesOf(b));
    const p = diffOf(['s3:DeleteBucket', a], ['s3:DeleteBucket', b]);
    expect(p.hunks.map((h) => h.respelled)).toEqual([true]);
  });
});

describe('a hunk that changes actions', () => {
  it('lists the actions added and removed under it; an action on both sides (a line that only gained a comma) is neither', () => {
    const p = diffOf(['iam:CreateUser', 'iam:DeleteUser'], ['iam:CreateAccessKey', 'iam:CreateUser']);
    expect(p.hunks).toHaveLength(1);
    expect(p.hunks[0]).toMatchObject({ respelled: false, added: ['iam:CreateAccessKey'], removed: ['iam:DeleteUser'] });
    // The line of iam:CreateUser changes (its comma), so it is on both sides of the hunk.
    expect(p.textDiff).toContain('-        "iam:CreateUser",\n');
    expect(p.textDiff).toMatch(/@@ 1 action added, 1 removed\n/);
    expect(p.textDiff).toMatch(/\n# added: iam:CreateAccessKey\n# removed: iam:DeleteUser\n$/);
  });

  it('lists only the difference when a wildcard is respelled to match more', () => {
    const narrow = namesOf('iam:CreateUser');
    const wide = namesOf('iam:*User');
    expect(wide.length).toBeGreaterThan(narrow.length);
    const p = diffOf(['s3:DeleteBucket', 'iam:CreateUser'], ['s3:DeleteBucket', 'iam:*User']);
    expect(p.hunks[0]).toMatchObject({ respelled: false, removed: [], added: wide.filter((n) => !narrow.includes(n)) });
  });

  it('counts every action a changed wildcard adds, keeps the first hundred in the report and shows twenty under the hunk', () => {
    const all = namesOf('s3:*');
    const p = diffOf(['s3:DeleteBucket', 'iam:CreateUser'], ['s3:*', 'iam:CreateUser']);
    const added = all.filter((n) => n !== 's3:DeleteBucket');
    expect(added.length).toBeGreaterThan(100);
    expect(p.hunks[0]).toMatchObject({ addedCount: added.length, removedCount: 0, added: added.slice(0, 100), removed: [] });
    expect(p.textDiff).toContain(`@@ ${added.length} actions added, 0 removed\n`);
    expect(p.textDiff).toContain(`# added: ${added.slice(0, 20).join(', ')}, ... (${added.length - 20} more)\n`);
  });

  it('says when the changed lines are in a NotAction list', () => {
    const notAction = (actions: string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', NotAction: actions, Resource: '*' }] });
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-x', notAction(['iam:GetUser', 'sts:GetCallerIdentity']), ['ou-prod'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-x', content: notAction(['iam:GetRole', 'sts:GetCallerIdentity']), targets: ['ou-prod'] }]);
    const p = structuralDiff(d, ref).policies.find((x) => x.name === 'guardrails-scp-x')!;
    expect(p.hunks[0]).toMatchObject({ element: 'NotAction', added: ['iam:GetRole'], removed: ['iam:GetUser'] });
    expect(p.textDiff).toContain('@@ 1 action added, 1 removed (NotAction)\n');
  });

  it('without a reference compares the patterns as written', () => {
    const p = diffOf(['s3:DeleteBucket', 'iam:Cre*User'], ['s3:DeleteBucket', 'iam:CreateU*er'], null);
    expect(p.hunks[0]).toMatchObject({ respelled: false, added: ['iam:CreateU*er'], removed: ['iam:Cre*User'] });
  });

  it('says when the hunk also changes lines that are not actions, so that a respelling is not taken for the whole hunk', () => {
    const policy = (actions: string[], tls: string) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: actions, Resource: '*', Condition: { NumericLessThan: { 's3:TlsVersion': tls } } }] });
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-x', policy(['iam:Cre*User', 's3:DeleteBucket'], '1.1'), ['ou-prod'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-x', content: policy(['iam:CreateU*er', 's3:DeleteBucket'], '1.2'), targets: ['ou-prod'] }]);
    const p = structuralDiff(d, ref).policies.find((x) => x.name === 'guardrails-scp-x')!;
    expect(p.hunks).toHaveLength(1);
    expect(p.hunks[0]).toMatchObject({ respelled: true, otherLinesChanged: true });
    expect(p.textDiff).toMatch(/ @@ respelled: same 1 action; other lines change too\n/);
    // A list that only gains its brackets (one action becoming two) is no other change.
    const grown = diffOf(['iam:CreateUser'], ['iam:CreateUser', 'iam:DeleteUser']);
    expect(grown.hunks[0]).toMatchObject({ otherLinesChanged: false, added: ['iam:DeleteUser'], removed: [] });
  });

  it('leaves hunks that change no action line unannotated', () => {
    const cond = (v: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { NumericLessThan: { 's3:TlsVersion': v } } }] });
    const state = stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-x', cond('1.1'), ['ou-prod'])]);
    const d = deploymentOf(state, [{ name: 'guardrails-scp-x', content: cond('1.2'), targets: ['ou-prod'] }]);
    const p = structuralDiff(d, ref).policies.find((x) => x.name === 'guardrails-scp-x')!;
    expect(p.hunks).toEqual([]);
    expect(p.textDiff).toMatch(/\n@@ -\d+,\d+ \+\d+,\d+ @@\n/);
  });
});

describe('action lines of the file layout', () => {
  it('finds list elements and single actions, and nothing in conditions', () => {
    const text = renderPolicyFile([
      { effect: 'Deny', action: ['s3:DeleteBucket', 'iam:*'], resource: ['*'], condition: { StringEquals: { 'aws:RequestedRegion': ['Action', 'us-east-1'] } } },
      { effect: 'Deny', notAction: ['sts:GetCallerIdentity'], resource: ['*'] },
    ]);
    expect([...actionLines(text).values()]).toEqual([
      { pattern: 's3:DeleteBucket', element: 'Action' },
      { pattern: 'iam:*', element: 'Action' },
      { pattern: 'sts:GetCallerIdentity', element: 'NotAction' },
    ]);
  });
});
