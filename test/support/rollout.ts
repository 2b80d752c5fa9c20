/**
 * Runs a plan on a model of the deployed state, step by step as the executor would, independently of
 * the planner's own checks: a step the model refuses or one that overfills a target throws; after each
 * wave, the contents of guardrails' policies reaching each member account are recorded, what the account
 * may do: a version beside a newer one of the same policy that denies everything it does (additive
 * staging) adds nothing and is left out.
 */
import { expect } from 'vitest';
import type { OrgNode } from '../../src/model/org-tree.js';
import { AttachmentModel, deniesEverythingOf, type Deployment, type Plan, type WaveSpec } from '../../src/plan/index.js';
import { CONTROLS_TAG, OWNER_TAG, STAGING_OF_TAG, type DeployedPolicy, type OrgOperation, type OrgState } from '../../src/org/index.js';
import { canonicalPolicyText } from '../../src/policy/index.js';

export function wavesOn(d: Deployment, ...specs: [string, string[]][]): WaveSpec[] {
  return specs.map(([name, refs]) => ({ name, targets: refs.map((r) => nodeOf(d, r)) }));
}

export function nodeOf(d: Deployment, ref: string): OrgNode {
  const r = d.tree.resolve(ref);
  if (!r.ok) throw new Error(`no ${ref}`);
  return r.node;
}

/** Per account, the contents (type and canonical text) of guardrails' policies reaching it. */
export type Contents = Map<string, string[]>;

export function contentsOf(d: Deployment, model: AttachmentModel): Contents {
  const out: Contents = new Map();
  const wanted = new Set(d.desired.map((p) => `${p.type} ${canonicalPolicyText(p.content)}`));
  for (const a of d.tree.accounts) {
    if (a.id === d.managementAccount) continue;
    const seen = (['scp', 'rcp'] as const).flatMap((type) => {
      const owned = model.effective(a, type).filter((e) => e.policy.owned).map((e) => e.policy);
      const covers = (a: string, b: string) => deniesEverythingOf(a, b, d.reference).covers;
      // Of two versions that deny the same, the compiled one stands for both.
      const kept = owned.filter((p) => !owned.some((q) => q.lineage === p.lineage && q.canonical !== p.canonical && covers(q.canonical, p.canonical) && (!covers(p.canonical, q.canonical) || wanted.has(`${type} ${q.canonical}`))));
      return kept.map((p) => `${type} ${p.canonical}`);
    });
    out.set(a.id!, [...new Set(seen)].sort());
  }
  return out;
}

/** Per account, every content of guardrails' policies reaching it, as attached (no version left out). */
export function attachedContentsOf(d: Deployment, model: AttachmentModel): Contents {
  const out: Contents = new Map();
  for (const a of d.tree.accounts) {
    if (a.id === d.managementAccount) continue;
    const seen = (['scp', 'rcp'] as const).flatMap((type) => model.effective(a, type).filter((e) => e.policy.owned).map((e) => `${type} ${e.policy.canonical}`));
    out.set(a.id!, [...new Set(seen)].sort());
  }
  return out;
}

/** What compile wants to reach each account. */
export function desiredContents(d: Deployment): Contents {
  const out: Contents = new Map();
  for (const a of d.tree.accounts) {
    if (a.id === d.managementAccount) continue;
    const path = new Set<OrgNode>();
    for (let n: OrgNode | undefined = a; n; n = n.parent) path.add(n);
    const seen = d.desired.filter((p) => p.targets.some((t) => path.has(t))).map((p) => `${p.type} ${canonicalPolicyText(p.content)}`);
    out.set(a.id!, [...new Set(seen)].sort());
  }
  return out;
}

/** The model after every step, and the contents after each wave. */
export function rollOut(d: Deployment, plan: Plan): { model: AttachmentModel; afterWave: Contents[] } {
  const model = AttachmentModel.fromDeployed(d.tree, d.deployed);
  const afterWave = plan.waves.map((w) => {
    for (const [i, s] of w.steps.entries()) {
      model.apply(s.op);
      if (s.op.op === 'attach') {
        const n = model.attachedAt(s.op.target.id, s.op.type).length;
        if (n > d.quotas[s.op.type].maxPerTarget) throw new Error(`wave ${w.name}, step ${i + 1} (${s.text}): ${n} policies on ${s.op.target.label}`);
      }
    }
    return contentsOf(d, model);
  });
  return { model, afterWave };
}

/**
 * Checks that every wave leaves the accounts it (or an earlier wave) reached with what compile wants and
 * every other account with what was deployed; and that the plan ends exactly where compile wants.
 */
export function expectRolledOut(d: Deployment, plan: Plan): AttachmentModel {
  const { model, afterWave } = rollOut(d, plan);
  const before = contentsOf(d, AttachmentModel.fromDeployed(d.tree, d.deployed));
  const wanted = desiredContents(d);
  const reached = new Set<string>();
  plan.waves.forEach((w, i) => {
    for (const a of w.accounts) reached.add(a);
    for (const [account, contents] of afterWave[i]!) {
      const expected = reached.has(account) ? wanted.get(account) : before.get(account);
      expect(contents, `account ${account} after wave ${w.name}`).toEqual(expected);
    }
  });
  for (const p of d.desired) {
    const q = model.find(p.type, p.name);
    expect(q?.canonical, p.name).toBe(canonicalPolicyText(p.content));
    expect([...q!.targets].sort(), p.name).toEqual(p.targets.map((t) => t.id!).sort());
  }
  expect(model.all().filter((p) => p.owned).map((p) => p.name).sort()).toEqual(d.desired.map((p) => p.name).sort());
  return model;
}

/** The organization's policies as a model holds them, as Organizations would list them (ids by name). */
export function deployedOf(model: AttachmentModel): DeployedPolicy[] {
  return model.all().map((p) => ({
    id: `p-${p.name}`,
    name: p.name,
    type: p.type,
    description: '',
    awsManaged: !p.owned && /FullAWSAccess$/.test(p.name),
    tags: p.owned ? { [OWNER_TAG.key]: OWNER_TAG.value, ...(p.controls ? { [CONTROLS_TAG]: p.controls.join(' ') } : {}), ...(p.lineage !== p.name ? { [STAGING_OF_TAG]: p.lineage } : {}) } : {},
    content: p.content,
    targets: [...p.targets].sort(),
  }));
}

/** The state after the first `k` operations of `ops` on the deployed state of `state`. */
export function stateAfter(state: OrgState, d: Deployment, ops: readonly OrgOperation[], k: number): OrgState {
  const model = AttachmentModel.fromDeployed(d.tree, d.deployed);
  for (const op of ops.slice(0, k)) model.apply(op);
  return { ...state, policies: deployedOf(model) };
}
