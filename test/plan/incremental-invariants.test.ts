/**
 * The invariant checker looks only at the accounts an operation can reach, decides accounts that see
 * the same once (one verdict per distinct view), and tries a rejected operation on the model itself
 * before undoing it. Differential check: on random deployed states, requirements and step sequences over
 * a small tree, it must agree with a full re-check of every account after every step, each account's
 * views worked out on its own: every account a step newly breaks is reported, and nothing reported is
 * not broken. And trying an operation (wouldBreak) says what applying it says, and leaves the model
 * exactly as it was.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrgTree, type OrgNode } from '../../src/model/org-tree.js';
import { describeOperation, type DeployedPolicy, type OrgOperation } from '../../src/org/index.js';
import { AttachmentModel, ContentIds, InvariantChecker, Leaves, RequiredState, viewOf, type Violation } from '../../src/plan/index.js';
import { accountProblems, describeAccountProblem } from '../../src/plan/invariants.js';
import { denyPolicy, deploymentOf, fullAccessEverywhere, MANAGEMENT, owned, stateOf, type OuSpec } from '../support/org-state.js';

// Three levels of OUs; several accounts per OU hold the same policies directly (FullAWSAccess), so
// that they share views, and one account lives at the root.
const TREE: Record<string, OuSpec> = {
  A: { accounts: ['200000000001', '200000000002'], ous: { A1: { accounts: ['200000000003', '200000000004'], ous: { A1x: { accounts: ['200000000005', '200000000006', '200000000011'] } } } } },
  B: { accounts: ['200000000007'], ous: { B1: { accounts: ['200000000008', '200000000010'] } } },
};
const ROOT_ACCOUNTS = [MANAGEMENT, '200000000009'];
const NODES = ['r-test', 'ou-a', 'ou-a1', 'ou-a1x', 'ou-b', 'ou-b1', '200000000001', '200000000003', '200000000005', '200000000006', '200000000008', '200000000009'];
const ACCOUNTS = ['200000000001', '200000000002', '200000000003', '200000000004', '200000000005', '200000000006', '200000000007', '200000000008', '200000000009', '200000000010', '200000000011'];
const CONTENTS = [denyPolicy(['s3:DeleteBucket']), denyPolicy(['s3:DeleteBucket', 's3:PutBucketPolicy']), denyPolicy(['iam:CreateUser'])];
const POLICIES = ['guardrails-scp-x', 'guardrails-scp-y', 'guardrails-scp-x.next'];

interface Scenario {
  deployed: { x: string[]; y: string[]; xContent: number };
  desired: { x: string[]; y: string[]; xContent: number };
  changing: string[];
  /** Accounts reached by earlier waves: in scope, but not changing. */
  reached: string[];
  ops: OrgOperation[];
}

const label = (id: string) => (id.startsWith('ou-') ? `OU ${id}` : id === 'r-test' ? 'root Root' : `account ${id}`);
const targetsArb = fc.uniqueArray(fc.constantFrom(...NODES), { minLength: 1, maxLength: 3 });
const opArb: fc.Arbitrary<OrgOperation> = fc.oneof(
  fc.record({ policy: fc.constantFrom(...POLICIES), node: fc.constantFrom(...NODES) }).map(({ policy, node }): OrgOperation => ({ op: 'attach', policy, type: 'scp', target: { id: node, label: label(node) } })),
  fc.record({ policy: fc.constantFrom(...POLICIES), node: fc.constantFrom(...NODES) }).map(({ policy, node }): OrgOperation => ({ op: 'detach', policy, type: 'scp', target: { id: node, label: label(node) } })),
  fc.record({ policy: fc.constantFrom(...POLICIES), content: fc.integer({ min: 0, max: CONTENTS.length - 1 }) }).map(({ policy, content }): OrgOperation => ({ op: 'update', policy, type: 'scp', content: CONTENTS[content]! })),
  fc.integer({ min: 0, max: CONTENTS.length - 1 }).map((content): OrgOperation => ({ op: 'create', policy: 'guardrails-scp-x.next', type: 'scp', content: CONTENTS[content]!, description: '', tags: { 'managed-by': 'guardrails', 'guardrails:controls': 'x', 'guardrails:staging-of': 'guardrails-scp-x' } })),
  fc.constantFrom(...POLICIES).map((policy): OrgOperation => ({ op: 'delete', policy, type: 'scp' })),
  fc.constantFrom(...POLICIES).map((policy): OrgOperation => ({ op: 'update', policy, type: 'scp', rename: `${policy}-renamed` })),
);
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  deployed: fc.record({ x: targetsArb, y: targetsArb, xContent: fc.integer({ min: 0, max: CONTENTS.length - 1 }) }),
  desired: fc.record({ x: targetsArb, y: targetsArb, xContent: fc.integer({ min: 0, max: CONTENTS.length - 1 }) }),
  changing: fc.uniqueArray(fc.constantFrom(...ACCOUNTS), { maxLength: ACCOUNTS.length }),
  reached: fc.uniqueArray(fc.constantFrom(...ACCOUNTS), { maxLength: 4 }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 12 }),
});

function setUp(s: Scenario) {
  const policies: DeployedPolicy[] = [fullAccessEverywhere(TREE, ROOT_ACCOUNTS), owned('guardrails-scp-x', CONTENTS[s.deployed.xContent]!, s.deployed.x, 'scp', ['x']), owned('guardrails-scp-y', CONTENTS[2]!, s.deployed.y, 'scp', ['y'])];
  const d = deploymentOf(stateOf(TREE, policies, ROOT_ACCOUNTS), [
    { name: 'guardrails-scp-x', content: CONTENTS[s.desired.xContent]!, targets: s.desired.x, controls: ['x'] },
    { name: 'guardrails-scp-y', content: CONTENTS[2]!, targets: s.desired.y, controls: ['y'] },
  ]);
  const start = AttachmentModel.fromDeployed(d.tree, d.deployed);
  const ids = new ContentIds();
  const required = new RequiredState(d, start, ids);
  const changing = new Set(s.changing);
  const scope = new Set([...s.changing, ...s.reached]);
  const leaves = new Leaves(d.tree, MANAGEMENT);
  const checker = () => new InvariantChecker({ start, required, scope, changing, quotas: d.quotas, leaves });
  return { d, start, ids, required, changing, scope, leaves, checker };
}

type World = ReturnType<typeof setUp>;

/**
 * Continuity and isolation for every account of `model`, each worked out on its own views (no view
 * shared between accounts, nor a content list: its own ContentIds), without the operation's name.
 */
function fullRecheck(w: World, model: AttachmentModel): Set<string> {
  const out = new Set<string>();
  for (const account of w.leaves.accountsUnder(model.tree.root)) {
    const ids = new ContentIds();
    const now = viewOf(model, account, ids);
    const start = viewOf(w.start, account, ids);
    const required = w.required.of(account, w.scope.has(account.id!));
    for (const p of accountProblems(start, required, now, w.changing.has(account.id!))) out.add(describeAccountProblem(p, '', OrgTree.describe(account)).message);
  }
  return out;
}

/** Continuity and isolation among what the checker reported for `op`, without the operation's name. */
function accountLevel(violations: readonly Violation[], op: OrgOperation): Set<string> {
  const what = describeOperation(op);
  return new Set(violations.filter((v) => v.code === 'continuity' || v.code === 'wave-isolation').map((v) => `: ${v.message.slice(what.length + 2)}`));
}

/** Everything observable about a model: policies in order with their fields and targets in order, and what each node holds directly. */
function snapshot(model: AttachmentModel): string {
  const nodes = model.tree.nodes.map((n: OrgNode) => `${n.id}=${model.attachmentKey(n.id!)}|${model.attachedAt(n.id!, 'scp').map((p) => p.name).join(',')}`);
  return JSON.stringify([model.all().map((p) => ({ ...p, targets: [...p.targets] })), nodes, model.count('scp')]);
}

describe('plan invariants, checked incrementally', () => {
  it('agree with a full re-check of every account after every step of random step sequences', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const w = setUp(s);
        const checker = w.checker();
        const model = w.start.clone();
        let before = fullRecheck(w, model);
        for (const op of s.ops) {
          // Tried first: the same verdict as applying it, and the model left exactly as it was.
          const shape = snapshot(model);
          const tried = w.checker().wouldBreak(model, op);
          expect(snapshot(model)).toBe(shape);
          const reported = checker.apply(model, op);
          expect(tried).toEqual(reported);
          const after = fullRecheck(w, model);
          const incremental = accountLevel(reported, op);
          // Sound: every account-level problem reported is one the full re-check finds...
          for (const m of incremental) expect(after).toContain(m);
          // ...and complete: every account the step newly breaks is reported.
          for (const m of after) if (!before.has(m)) expect(incremental).toContain(m);
          before = after;
        }
        // The wave's end, checked on the accounts its steps touched and the wave reaches: what it
        // reports is what checking every account reports, but for accounts the steps never touched,
        // which end as they began (and were checked then).
        const partial = checker.waveResult(model, false).map((v) => v.message);
        const every = checker.waveResult(model, true).map((v) => v.message);
        const atStart = new Set(w.checker().waveResult(w.start.clone(), true).map((v) => v.message));
        for (const m of partial) expect(every).toContain(m);
        for (const m of every) if (!partial.includes(m)) expect(atStart).toContain(m);
      }),
      { numRuns: 200, seed: 15_2026 },
    );
  });

  it('a step that breaks continuity deep in the tree is reported for each account below it, however many share a view', () => {
    const s: Scenario = { deployed: { x: ['ou-a1x'], y: ['r-test'], xContent: 0 }, desired: { x: ['ou-a1x'], y: ['r-test'], xContent: 0 }, changing: ['200000000001'], reached: [], ops: [] };
    const w = setUp(s);
    const model = w.start.clone();
    const op: OrgOperation = { op: 'detach', policy: 'guardrails-scp-x', type: 'scp', target: { id: 'ou-a1x', label: 'OU Root/A/A1/A1x' } };
    const reported = w.checker().apply(model, op);
    const accounts = ['200000000005', '200000000006', '200000000011'];
    expect(reported).toEqual(
      accounts.flatMap((a) => [
        { code: 'continuity', message: `detach guardrails-scp-x from OU Root/A/A1/A1x: account ${a} (acct-${a}) would have neither the old nor the new version of control x, policy guardrails-scp-x` },
        { code: 'wave-isolation', message: `detach guardrails-scp-x from OU Root/A/A1/A1x: account ${a} (acct-${a}) is not in this wave, but the SCPs reaching it would change` },
      ]),
    );
    expect(accountLevel(reported, op)).toEqual(fullRecheck(w, model));
  });

  it('the accounts of one OU that hold the same policies directly share one view; one with a policy of its own does not', () => {
    const s: Scenario = { deployed: { x: ['200000000005'], y: ['r-test'], xContent: 0 }, desired: { x: ['200000000005'], y: ['r-test'], xContent: 0 }, changing: [], reached: [], ops: [] };
    const w = setUp(s);
    const node = (id: string) => w.d.tree.account(id)!;
    const shared = new Map<string, unknown>();
    for (const id of ['200000000005', '200000000006', '200000000011']) shared.set(id, w.required.beforeRollout(node(id)));
    expect(shared.get('200000000006')).toBe(shared.get('200000000011'));
    expect(shared.get('200000000005')).not.toBe(shared.get('200000000006'));
  });

  it('content lists are one value per distinct set of contents, shared by the views of every model state', () => {
    const s: Scenario = { deployed: { x: ['ou-a1'], y: ['r-test'], xContent: 0 }, desired: { x: ['ou-a1'], y: ['r-test'], xContent: 0 }, changing: [], reached: [], ops: [] };
    const w = setUp(s);
    const account = w.d.tree.account('200000000006')!;
    const model = w.start.clone();
    model.apply({ op: 'detach', policy: 'guardrails-scp-y', type: 'scp', target: { id: 'r-test', label: 'root Root' } });
    model.apply({ op: 'attach', policy: 'guardrails-scp-y', type: 'scp', target: { id: 'r-test', label: 'root Root' } });
    const before = viewOf(w.start, account, w.ids).scp;
    const after = viewOf(model, account, w.ids).scp;
    expect(after.contents).toBe(before.contents);
    expect(after.signature).toBe(before.signature);
    expect(before.signature).toBe([...before.contents].sort().join('\n'));
    // FullAWSAccess at each of the five levels down to the account, x at A1, y at the root.
    expect(before.contents).toHaveLength(7);

    const ids = new ContentIds();
    const list = ids.contentList(['b', 'a', 'c']);
    expect(list).toEqual({ contents: ['a', 'b', 'c'], signature: 'a\nb\nc' });
    expect(ids.contentList(new Set(['c', 'a', 'b']))).toBe(list);
    expect(ids.contentListWith(ids.contentList(['c', 'a']).contents, ['b'])).toBe(list);
    expect(ids.contentListWith(list.contents, ['a'])).toBe(list);
  });
});
