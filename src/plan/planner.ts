/**
 * The wave plan: the ordered Organizations calls that take the deployed state to the compiled one,
 * one wave at a time, each wave changing only the accounts of its own targets.
 *
 * After wave k, the accounts its targets (and earlier waves') reach carry the new version of every
 * policy and all others the old one. A policy attached high in the tree cannot be staged with
 * UpdatePolicy, which changes every account below it at once, so the new version is created beside it
 * (`<name>.next`) and attached to the wave's targets, while the old one is pushed down to the parts
 * of the tree not yet reached. When no account needs the old version any more it is deleted and the
 * new one takes its name. A policy whose every account is in the wave is simply updated in place.
 *
 * Every operation is walked through a model of the organization and the invariants (invariants.ts)
 * are checked on each state; a plan that breaks one is refused, saying which.
 */
import { error, warning, type Diagnostic } from '../diagnostics/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { CONTROLS_TAG, describeOperation, lineageOf, stagingName, STAGING_SUFFIX, type OrgOperation, type TargetRef } from '../org/index.js';
import type { PolicyType } from '../policy/index.js';
import { leastSeconds } from './api-time.js';
import { AttachmentModel, PlanStepError, type ModelPolicy } from './attachment-model.js';
import { canonicalPolicyText } from '../policy/index.js';
import type { Deployment, DesiredPolicy } from './deployment.js';
import { InvariantChecker, type Violation } from './invariants.js';
import { Leaves, type Leaf } from './leaves.js';

export interface WaveSpec {
  name: string;
  description?: string;
  targets: OrgNode[];
  /** Added by the planner to reach what no declared wave reaches. */
  implicit?: boolean;
}

export interface PlannedStep {
  op: OrgOperation;
  text: string;
}

export interface PlannedWave {
  name: string;
  description?: string;
  implicit: boolean;
  targets: string[];
  /** Accounts this wave changes (reached by its targets and by no earlier wave). */
  accounts: string[];
  steps: PlannedStep[];
  /** API calls: one per step. */
  calls: number;
  /** The least time the calls take at Organizations' write rate limits. */
  leastSeconds: number;
  notes: string[];
}

export interface PlanViolation extends Violation {
  wave: string;
  /** 1-based step number within the wave. */
  step: number;
}

export interface Plan {
  ok: boolean;
  waves: PlannedWave[];
  violations: PlanViolation[];
  diagnostics: Diagnostic[];
  totals: { calls: number; leastSeconds: number; waves: number };
}

interface Lineage {
  type: PolicyType;
  name: string;
  old: ModelPolicy | undefined;
  staged: ModelPolicy | undefined;
  desired: DesiredPolicy | undefined;
  desiredCanonical: string | undefined;
  oldLeaves: Set<Leaf>;
  newLeaves: Set<Leaf>;
}

interface ConfigEntry {
  type: PolicyType;
  /** The name the policy has (or is created with) during this wave. */
  name: string;
  /** The name it takes at the end of the wave, once the old version is gone. */
  rename?: string;
  content: string;
  controls: string[] | undefined;
  targets: OrgNode[];
}

export function planRollout(deployment: Deployment, declaredWaves: readonly WaveSpec[]): Plan {
  const diagnostics: Diagnostic[] = [];
  const leaves = new Leaves(deployment.tree, deployment.managementAccount);
  let model = AttachmentModel.fromDeployed(deployment.tree, deployment.deployed);
  const lineages = collectLineages(deployment, model, leaves);

  // Everything a change touches must be in some wave; what no declared wave reaches gets a last one.
  const waves = [...declaredWaves];
  const declaredScope = leaves.union(waves.flatMap((w) => w.targets));
  const untouched = new Set<Leaf>();
  for (const l of lineages) {
    if (!changes(l)) continue;
    for (const leaf of [...l.oldLeaves, ...l.newLeaves]) if (!declaredScope.has(leaf)) untouched.add(leaf);
  }
  if (untouched.size) {
    const accounts = [...untouched].filter((l) => leaves.isAccount(l)).length;
    waves.push({ name: waves.length ? 'rest' : 'all', description: 'what no declared wave reaches', targets: [deployment.tree.root], implicit: true });
    if (declaredWaves.length) diagnostics.push(warning('waves-incomplete', `the declared waves do not reach ${accounts} account(s) that this change affects; a last wave "rest" (the root) is added`, undefined, 'end the waves with one that targets the root'));
  }

  const planned: PlannedWave[] = [];
  const violations: PlanViolation[] = [];
  const scope = new Set<Leaf>();
  for (const [k, wave] of waves.entries()) {
    const before = new Set(scope);
    for (const l of leaves.union(wave.targets)) scope.add(l);
    const final = k === waves.length - 1;
    const gaps = new Map<OrgNode, Set<string>>();
    const config = lineages.flatMap((l) => configFor(l, scope, final, model, leaves, gaps));
    const ops = transition(model, config, deployment.tree);
    const changing = new Set([...scope].filter((l) => !before.has(l) && leaves.isAccount(l)));
    const end = model.clone();
    for (const o of ops) end.apply(o);
    const checker = new InvariantChecker({ start: model, end, changing, quotas: deployment.quotas, leaves });
    const { order, problems } = orderWithinSlots(model, ops, checker);
    for (const p of problems) violations.push({ ...p.violation, wave: wave.name, step: p.step });
    model = end;
    planned.push({
      name: wave.name,
      ...(wave.description ? { description: wave.description } : {}),
      implicit: wave.implicit === true,
      targets: wave.targets.map((t) => OrgTree.describe(t)),
      accounts: [...changing].sort(),
      steps: order.map((op) => ({ op, text: describeOperation(op) })),
      calls: order.length,
      leastSeconds: leastSeconds(order),
      notes: [...gaps].map(([node, names]) => `until the last wave, accounts created in or moved to ${OrgTree.describe(node)} would get neither version of ${[...names].sort().join(', ')}: policies cannot be attached to an OU for its future accounts without reaching the accounts already there`),
    });
  }

  // The last wave must leave exactly what compile asked for.
  for (const problem of compareWithDesired(model, deployment)) diagnostics.push(error('plan-incomplete', `internal error: after the last wave, ${problem}`, undefined, 'please report this with the org snapshot and out/'));
  for (const v of violations) diagnostics.push(error(`invariant-${v.code}`, `wave ${v.wave}, step ${v.step}: ${v.message}`));
  const calls = planned.reduce((n, w) => n + w.calls, 0);
  return {
    ok: !diagnostics.some((d) => d.severity === 'error'),
    waves: planned,
    violations,
    diagnostics,
    totals: { calls, leastSeconds: planned.reduce((s, w) => s + w.leastSeconds, 0), waves: planned.length },
  };
}

function collectLineages(d: Deployment, model: AttachmentModel, leaves: Leaves): Lineage[] {
  const byKey = new Map<string, Lineage>();
  const get = (type: PolicyType, name: string) => {
    const key = `${type}:${name}`;
    let l = byKey.get(key);
    if (!l) byKey.set(key, (l = { type, name, old: undefined, staged: undefined, desired: undefined, desiredCanonical: undefined, oldLeaves: new Set(), newLeaves: new Set() }));
    return l;
  };
  for (const p of model.all()) {
    if (!p.owned) continue;
    const l = get(p.type, lineageOf(p.name));
    if (p.name.endsWith(STAGING_SUFFIX)) l.staged = p;
    else l.old = p;
  }
  for (const p of d.desired) {
    const l = get(p.type, p.name);
    l.desired = p;
    l.desiredCanonical = canonicalPolicyText(p.content);
    l.newLeaves = leaves.union(p.targets);
  }
  for (const l of byKey.values()) {
    if (l.old) l.oldLeaves = leaves.union(nodesOf(l.old, d.tree));
    // A staged copy left by an interrupted rollout is kept only if it already holds the new version.
    if (l.staged && l.staged.canonical !== l.desiredCanonical) {
      const stray = get(l.type, l.staged.name);
      stray.old = l.staged;
      stray.oldLeaves = leaves.union(nodesOf(l.staged, d.tree));
      l.staged = undefined;
    }
  }
  return [...byKey.values()].sort((a, b) => (a.type + a.name < b.type + b.name ? -1 : 1));
}

function changes(l: Lineage): boolean {
  if (!l.old || !l.desired) return true;
  if (l.old.canonical !== l.desiredCanonical) return true;
  if (l.staged) return true;
  return !sameSet(l.oldLeaves, l.newLeaves) || !sameSet(l.old.targets, new Set(l.desired.targets.map((t) => t.id!)));
}

/** What one lineage looks like at the end of a wave whose cumulative reach is `scope`. */
function configFor(l: Lineage, scope: ReadonlySet<Leaf>, final: boolean, model: AttachmentModel, leaves: Leaves, gaps: Map<OrgNode, Set<string>>): ConfigEntry[] {
  const cover = (wanted: Set<Leaf>, what: string) => {
    const c = leaves.cover(wanted);
    for (const n of c.unreachable) {
      let names = gaps.get(n);
      if (!names) gaps.set(n, (names = new Set()));
      names.add(what);
    }
    return c.nodes;
  };
  const inScope = (set: ReadonlySet<Leaf>) => new Set([...set].filter((x) => scope.has(x)));
  const outOfScope = (set: ReadonlySet<Leaf>) => new Set([...set].filter((x) => !scope.has(x)));
  const desired = l.desired;
  const newTargets = (needNew: Set<Leaf>) => (final ? desired!.targets : cover(needNew, l.name));
  const entry = (name: string, content: string, controls: string[] | undefined, targets: OrgNode[], rename?: string): ConfigEntry => ({ type: l.type, name, content, controls, targets, ...(rename ? { rename } : {}) });

  if (!desired) {
    // Removed: the old version keeps covering what no wave has reached yet.
    const needOld = outOfScope(l.oldLeaves);
    return needOld.size ? [entry(l.old!.name, l.old!.content, l.old!.controls, cover(needOld, l.name))] : [];
  }
  if (!l.old) {
    const needNew = inScope(l.newLeaves);
    return needNew.size ? [entry(l.name, desired.content, desired.controls, newTargets(needNew))] : [];
  }
  if (l.old.canonical === l.desiredCanonical && !l.staged) {
    const wanted = new Set([...inScope(l.newLeaves), ...outOfScope(l.oldLeaves)]);
    if (!wanted.size) return [];
    const targets = final ? desired.targets : cover(wanted, l.name);
    return [entry(l.name, desired.content, desired.controls, targets)];
  }
  const needOld = outOfScope(l.oldLeaves);
  const needNew = inScope(l.newLeaves);
  const out: ConfigEntry[] = [];
  const stagedNow = model.find(l.type, stagingName(l.name));
  if (needOld.size) {
    out.push(entry(l.name, l.old.content, l.old.controls, cover(needOld, l.name)));
    if (needNew.size) out.push(entry(stagingName(l.name), desired.content, desired.controls, newTargets(needNew)));
  } else if (needNew.size || final) {
    // Nobody needs the old version any more: the staged copy takes the name, or the policy is updated in place.
    const targets = needNew.size ? newTargets(needNew) : [];
    if (stagedNow) out.push(entry(stagingName(l.name), desired.content, desired.controls, targets, l.name));
    else out.push(entry(l.name, desired.content, desired.controls, targets));
  }
  return out;
}

/** The operations from the model's state to the configuration: create, update, attach, detach, delete, rename. */
function transition(model: AttachmentModel, config: readonly ConfigEntry[], tree: OrgTree): OrgOperation[] {
  const creates: OrgOperation[] = [];
  const updates: OrgOperation[] = [];
  const attaches: OrgOperation[] = [];
  const detaches: OrgOperation[] = [];
  const deletes: OrgOperation[] = [];
  const renames: OrgOperation[] = [];
  const ref = (id: string): TargetRef => {
    const node = tree.node(id);
    return { id, label: node ? OrgTree.describe(node) : id };
  };
  const kept = new Set<string>();
  for (const e of config) {
    kept.add(`${e.type}:${e.name}`);
    const p = model.find(e.type, e.name);
    const tags: Record<string, string> = e.controls ? { [CONTROLS_TAG]: e.controls.join(' ') } : {};
    const current = new Set(p?.targets ?? []);
    if (!p) creates.push({ op: 'create', policy: e.name, type: e.type, content: e.content, description: describePolicy(e), tags });
    else {
      if (p.canonical !== canonicalPolicyText(e.content)) updates.push({ op: 'update', policy: e.name, type: e.type, content: e.content });
      if (e.controls && (p.controls ?? []).join(' ') !== e.controls.join(' ')) updates.push({ op: 'tag', policy: e.name, type: e.type, tags });
    }
    const wanted = new Set(e.targets.map((t) => t.id!));
    for (const t of sortIds(wanted)) if (!current.has(t)) attaches.push({ op: 'attach', policy: e.name, type: e.type, target: ref(t) });
    for (const t of sortIds(current)) if (!wanted.has(t)) detaches.push({ op: 'detach', policy: e.name, type: e.type, target: ref(t) });
    if (e.rename) renames.push({ op: 'update', policy: e.name, type: e.type, rename: e.rename, description: describePolicy({ ...e, name: e.rename }) });
  }
  for (const p of model.all()) {
    if (!p.owned || kept.has(`${p.type}:${p.name}`)) continue;
    for (const t of sortIds(p.targets)) detaches.push({ op: 'detach', policy: p.name, type: p.type, target: ref(t) });
    deletes.push({ op: 'delete', policy: p.name, type: p.type });
  }
  return [...creates, ...updates, ...attaches, ...detaches, ...deletes, ...renames];
}

/**
 * Runs the operations through the model and the invariant checks. Attaches come before detaches so
 * that no account is ever left without a guardrail; when an attach would overfill a target's slots, a
 * detach on the same target is brought forward if that breaks nothing. What still breaks an invariant
 * is reported with its step.
 */
function orderWithinSlots(start: AttachmentModel, ops: readonly OrgOperation[], checker: InvariantChecker): { order: OrgOperation[]; problems: { step: number; violation: Violation }[] } {
  const pending = [...ops];
  const order: OrgOperation[] = [];
  const problems: { step: number; violation: Violation }[] = [];
  const current = start.clone();
  /** Applies `op` to `m` and returns what it breaks; the accounts checked are those it reaches before and after. */
  const apply = (m: AttachmentModel, op: OrgOperation): Violation[] => {
    const before = checker.affected(m, op);
    try {
      m.apply(op);
    } catch (e) {
      if (!(e instanceof PlanStepError)) throw e;
      return [{ code: 'continuity', message: `${describeOperation(op)}: ${e.message}` }];
    }
    return checker.check(m, op, [...new Set([...before, ...checker.affected(m, op)])]);
  };
  while (pending.length) {
    const op = pending.shift()!;
    if (op.op === 'attach' && current.attachedAt(op.target.id, op.type).length >= checker.quotas[op.type].maxPerTarget) {
      {
        const i = pending.findIndex((p) => p.op === 'detach' && p.type === op.type && p.target.id === op.target.id && apply(current.clone(), p).length === 0);
        if (i >= 0) {
          const [detach] = pending.splice(i, 1);
          apply(current, detach!);
          order.push(detach!);
        }
      }
    }
    const violations = apply(current, op);
    order.push(op);
    for (const v of violations) problems.push({ step: order.length, violation: v });
  }
  return { order, problems };
}

function compareWithDesired(model: AttachmentModel, d: Deployment): string[] {
  const out: string[] = [];
  const desiredKeys = new Set(d.desired.map((p) => `${p.type}:${p.name}`));
  for (const want of d.desired) {
    const p = model.find(want.type, want.name);
    if (!p) {
      out.push(`${want.name} does not exist`);
      continue;
    }
    if (p.canonical !== canonicalPolicyText(want.content)) out.push(`${want.name} does not hold the compiled content`);
    if (!sameSet(p.targets, new Set(want.targets.map((t) => t.id!)))) out.push(`${want.name} is not attached exactly where compile places it`);
  }
  for (const p of model.all()) if (p.owned && !desiredKeys.has(`${p.type}:${p.name}`)) out.push(`${p.name} still exists`);
  return out;
}

function describePolicy(e: { name: string; type: PolicyType; controls: string[] | undefined }): string {
  const text = `Managed by guardrails (do not edit by hand). ${e.type.toUpperCase()} of control${(e.controls?.length ?? 0) > 1 ? 's' : ''}: ${(e.controls ?? []).join(', ') || 'unknown'}.`;
  return text.length <= 512 ? text : `${text.slice(0, 509)}...`;
}

function nodesOf(p: ModelPolicy, tree: OrgTree): OrgNode[] {
  return [...p.targets].map((t) => tree.node(t)).filter((n): n is OrgNode => n !== undefined);
}

function sortIds(ids: Iterable<string>): string[] {
  return [...ids].sort();
}

function sameSet<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}
