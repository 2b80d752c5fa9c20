/**
 * The wave plan: the ordered Organizations calls that take the deployed state to the compiled one,
 * one wave at a time, each wave changing only the accounts of its own targets.
 *
 * After wave k, the accounts its targets (and earlier waves') reach carry the new version of every
 * policy and all others the old one; accounts whose deployed policies already are what compile wants
 * (a rollout interrupted and planned again) count as reached from the start. A policy attached high in
 * the tree cannot be staged with UpdatePolicy, which changes every account below it at once, so the new
 * version is created beside it (its staging name) and attached to the wave's targets. When the new
 * version denies everything the old one did, the old one simply stays where it is until the last wave
 * (additive staging: both apply, the stricter wins, and no account is ever without either); otherwise it
 * is pushed down to the parts of the tree not yet reached. When no account needs the old version any
 * more it is deleted and the new one takes its name, or the old one takes the new content in place when
 * that costs fewer calls. A policy whose every account is in the wave is simply updated in place. Each
 * wave says, per policy, which strategy it got and why.
 *
 *   lineages.ts       what each policy and its versions look like at the end of each wave, and its strategy
 *   deny-coverage.ts  whether a new version denies everything an old one did (additive or not)
 *   transition.ts     the operations from one wave's end to the next
 *   ordering.ts       their order within the slots of each target (push-down when a target is full)
 *   invariants.ts     the checks on every state, against the required state (required-state.ts)
 *   full-targets.ts   OUs whose slots other actors' policies fill: their subtrees are reached through their children
 *
 * A plan that breaks an invariant is refused, saying which; so is a deployed state the planner cannot
 * take forward safely. Planning never throws on a deployed state: problems are diagnostics.
 */
import { error, hasErrors, type Diagnostic } from '../diagnostics/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { AWS_POLICY_TYPE, CONTROLS_TAG, controlsTagValue, describeOperation, enabledPolicyTypes, MAX_TAG_VALUE, type OrgOperation } from '../org/index.js';
import { canonicalPolicyText, type PolicyType } from '../policy/index.js';
import { leastSeconds } from './api-time.js';
import { AttachmentModel, hasAllowStatement, PlanStepError } from './attachment-model.js';
import type { Deployment } from './deployment.js';
import { FullTargets } from './full-targets.js';
import { InvariantChecker, type Violation } from './invariants.js';
import { Leaves, type Leaf } from './leaves.js';
import { collectLineages, configForWave, initialHolder, lineageChanges, type ConfigEntry, type Cover, type Holder, type Lineage, type Placement, type Strategy } from './lineages.js';
import { orderWithinSlots, type OrderedWave } from './ordering.js';
import { ContentIds, POLICY_TYPES, RequiredState } from './required-state.js';
import { transition } from './transition.js';
import { completeWaves, type WaveSpec } from './waves.js';

export interface PlannedStep {
  op: OrgOperation;
  text: string;
}

export interface PlannedWave {
  name: string;
  description?: string;
  implicit: boolean;
  targets: string[];
  /** Accounts this wave changes (reached by its targets, by no earlier wave, and not already as compile wants). */
  accounts: string[];
  steps: PlannedStep[];
  /** API calls: one per step. */
  calls: number;
  /** The least time the calls take at Organizations' write rate limits. */
  leastSeconds: number;
  /** Per policy the wave changes, how it is staged and why. */
  strategies: Strategy[];
  notes: string[];
}

export interface PlanViolation extends Violation {
  wave: string;
  /** 1-based step number within the wave; for wave-result, the wave's number of steps (the state after the last); 0 when the wave could not be planned. */
  step: number;
}

export interface Plan {
  ok: boolean;
  waves: PlannedWave[];
  violations: PlanViolation[];
  diagnostics: Diagnostic[];
  totals: { calls: number; leastSeconds: number; waves: number };
}

export function planRollout(deployment: Deployment, declaredWaves: readonly WaveSpec[]): Plan {
  const leaves = new Leaves(deployment.tree, deployment.managementAccount);
  // The deployed state as a model; never changed (each wave works on a copy), the required state reads it.
  const deployed = AttachmentModel.fromDeployed(deployment.tree, deployment.deployed);
  const diagnostics = disabledPolicyTypes(deployment);
  const ids = new ContentIds(deployment.reference);
  // Where compile's targets are full of policies guardrails does not own, the plan ends with the
  // policies below them instead; the required state still reads compile's placement (accounts see the same).
  const full = new FullTargets(deployed, deployment.quotas, leaves);
  const placed: Deployment = { ...deployment, desired: deployment.desired.map((p) => ({ ...p, targets: full.around(p.targets, p.type, hasAllowStatement(canonicalPolicyText(p.content)), p.name) })) };
  const collected = collectLineages(placed, deployed, leaves, (newer, older) => ids.coversText(newer, older));
  diagnostics.push(...collected.diagnostics);
  if (hasErrors(diagnostics)) return refused(diagnostics);
  const lineages = collected.lineages;

  const pending = new Set<Leaf>();
  for (const l of lineages) for (const x of l.pending) pending.add(x);
  const completed = completeWaves(declaredWaves, pending, lineages.some(lineageChanges), leaves);
  diagnostics.push(...completed.diagnostics);
  const waves = completed.waves;

  const required = new RequiredState(deployment, deployed, ids);
  const holders = new Map<Lineage, Holder | undefined>(lineages.map((l) => [l, initialHolder(l)]));
  const planned: PlannedWave[] = [];
  const violations: PlanViolation[] = [];
  let model = deployed;
  // Leaves already as compile wants count as reached before the first wave.
  let scope = new Set([...leaves.all].filter((x) => !pending.has(x)));
  let reachedByWaves = new Set<Leaf>();
  for (const [k, wave] of waves.entries()) {
    const before = scope;
    const targets = leaves.union(wave.targets);
    scope = new Set([...before, ...targets]);
    // The wave may change the accounts its targets reach first (isolation holds for all others); of
    // those, it changes only the ones not already as compile wants.
    const changing = new Set([...targets].filter((x) => !reachedByWaves.has(x) && leaves.isAccount(x)));
    reachedByWaves = new Set([...reachedByWaves, ...targets]);
    const changed = [...changing].filter((x) => !before.has(x));
    const final = k === waves.length - 1;
    const context: WaveContext = { model, lineages, holders, scope, final, tree: deployment.tree, leaves, full, checker: () => new InvariantChecker({ start: model, required, scope, changing, quotas: deployment.quotas, leaves }) };
    // An additive attach needs a free slot at its target: where there is none, that policy is pushed
    // down in this wave instead, and the wave planned again.
    const pushedDown = new Map<Lineage, string>();
    let attempt = planWave(context, pushedDown);
    for (let full = fullForAdditive(attempt, pushedDown, final); full.size; full = fullForAdditive(attempt, pushedDown, final)) {
      for (const [l, why] of full) pushedDown.set(l, why);
      attempt = planWave(context, pushedDown);
    }
    const { result, checker, unplannable, strategies, gapNotes } = attempt;
    for (const [l, h] of attempt.holders) holders.set(l, h);
    if (attempt.error) violations.push({ code: 'invalid-step', message: attempt.error, wave: wave.name, step: 0 });
    for (const p of result.problems) violations.push({ ...p.violation, wave: wave.name, step: p.step });
    if (!unplannable) for (const v of checker.waveResult(result.end, k === 0)) violations.push({ ...v, wave: wave.name, step: result.order.length });
    model = result.end;
    planned.push({
      name: wave.name,
      ...(wave.description ? { description: wave.description } : {}),
      implicit: wave.implicit === true,
      targets: wave.targets.map((t) => OrgTree.describe(t)),
      accounts: changed.sort(),
      steps: result.order.map((op) => ({ op, text: describeOperation(op) })),
      calls: result.order.length,
      leastSeconds: leastSeconds(result.order),
      strategies,
      notes: [...gapNotes, ...result.notes],
    });
    // Later waves start from a state this one never reached: planning them would only repeat the error.
    if (unplannable) break;
  }

  // The last wave must leave exactly what compile asked for (when every wave could be planned at all).
  if (!violations.length) for (const problem of compareWithDesired(model, placed)) diagnostics.push(error('plan-incomplete', `internal error: after the last wave, ${problem}`, undefined, 'please report this with the org snapshot and out/'));
  for (const v of violations) diagnostics.push(error(v.code === 'invalid-step' ? 'plan-invalid-step' : `invariant-${v.code}`, `${where(v)}: ${v.message}`));
  const calls = planned.reduce((n, w) => n + w.calls, 0);
  return {
    ok: !hasErrors(diagnostics),
    waves: planned,
    violations,
    diagnostics,
    totals: { calls, leastSeconds: planned.reduce((s, w) => s + w.leastSeconds, 0), waves: planned.length },
  };
}

interface WaveContext {
  model: AttachmentModel;
  lineages: readonly Lineage[];
  holders: ReadonlyMap<Lineage, Holder | undefined>;
  scope: ReadonlySet<Leaf>;
  final: boolean;
  tree: OrgTree;
  leaves: Leaves;
  full: FullTargets;
  checker: () => InvariantChecker;
}

interface WaveAttempt {
  result: OrderedWave;
  checker: InvariantChecker;
  config: ConfigEntry[];
  holders: Map<Lineage, Holder | undefined>;
  strategies: Strategy[];
  chosen: Map<Lineage, Strategy>;
  gapNotes: string[];
  unplannable: boolean;
  error?: string;
}

/** One wave from the model it starts from, with the lineages in `pushedDown` pushed down (and why). */
function planWave(w: WaveContext, pushedDown: ReadonlyMap<Lineage, string>): WaveAttempt {
  const { place, gapNotes } = placementOn(w.model, w.leaves, w.full);
  const checker = w.checker();
  const config: ConfigEntry[] = [];
  const holders = new Map<Lineage, Holder | undefined>();
  const chosen = new Map<Lineage, Strategy>();
  try {
    for (const l of w.lineages) {
      const c = configForWave(l, w.holders.get(l), w.scope, w.final, place, pushedDown.get(l));
      config.push(...c.entries);
      holders.set(l, c.holder);
      chosen.set(l, c.strategy);
    }
    const ops = transition(w.model, config, w.tree);
    const result = orderWithinSlots(w.model, ops, checker, w.leaves);
    result.notes.push(...untaggedControls(config, ops), ...aroundFullTargets(w.full, config, result.order));
    return { result, checker, config, holders, strategies: strategiesOf(w, config, result.order, chosen), chosen, gapNotes: gapNotes(), unplannable: false };
  } catch (e) {
    if (!(e instanceof PlanStepError)) throw e;
    return { result: { order: [], problems: [], notes: [], end: w.model }, checker, config, holders, strategies: [], chosen, gapNotes: gapNotes(), unplannable: true, error: e.message };
  }
}

/** The additive lineages (not pushed down yet) that attach at a target left over its slots. */
function fullForAdditive(attempt: WaveAttempt, pushedDown: ReadonlyMap<Lineage, string>, final: boolean): Map<Lineage, string> {
  const out = new Map<Lineage, string>();
  if (final) return out;
  const full = new Map<string, string>();
  for (const p of attempt.result.problems) {
    const op = attempt.result.order[p.step - 1];
    if (p.violation.code === 'slots' && op?.op === 'attach') full.set(op.target.id, op.target.label);
  }
  if (!full.size) return out;
  for (const [l, s] of attempt.chosen) {
    if (s.strategy !== 'additive' || pushedDown.has(l)) continue;
    const entry = attempt.config.find((e) => e.type === l.type && e.lineage === l.name && e.content === l.desired?.content);
    const at = entry?.targets.find((t) => full.has(t.id!));
    if (at) out.set(l, `no free slot at ${full.get(at.id!)} for the new version beside the old one: pushed down in this wave`);
  }
  return out;
}

/** The strategy of every lineage the wave's operations touch, by policy name. */
function strategiesOf(w: WaveContext, config: readonly ConfigEntry[], order: readonly OrgOperation[], chosen: ReadonlyMap<Lineage, Strategy>): Strategy[] {
  const lineageOfName = new Map<string, string>();
  for (const p of w.model.all()) if (p.owned) lineageOfName.set(`${p.type}:${p.name}`, p.lineage);
  for (const e of config) lineageOfName.set(`${e.type}:${e.name}`, e.lineage);
  const touched = new Set(order.map((o) => `${o.type}:${lineageOfName.get(`${o.type}:${o.policy}`) ?? o.policy}`));
  return [...chosen].filter(([l]) => touched.has(`${l.type}:${l.name}`)).map(([, s]) => s).sort((a, b) => (a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0));
}

/**
 * Attachment points for a wave planned from `model`: a policy keeps its own where they already reach
 * exactly what is wanted (no churn), else gets the fewest that do. The future accounts of an OU that
 * cannot be reached without reaching accounts that must not be are noted, unless the caller says an
 * older version still covers them (additive staging).
 */
function placementOn(model: AttachmentModel, leaves: Leaves, full: FullTargets): { place: Placement; gapNotes: () => string[] } {
  const gaps = new Map<OrgNode, Set<string>>();
  const nodesOf = (type: PolicyType, name: string) => [...(model.find(type, name)?.targets ?? [])].map((t) => model.tree.node(t)).filter((n): n is OrgNode => n !== undefined);
  const cover: Cover = (wanted, lineage, name, noteGaps = true) => {
    const now = nodesOf(lineage.type, name);
    // Where the policy already is where compile places it, and all of that is wanted (most policies, most waves).
    if (now.length && lineage.desired && wanted === lineage.desiredLeaves && sameNodes(now, lineage.desired.targets)) return now;
    if (now.length && leaves.reachExactly(now, wanted)) return now;
    const c = leaves.cover(wanted);
    const allow = model.find(lineage.type, name)?.hasAllow ?? (lineage.desired !== undefined && hasAllowStatement(canonicalPolicyText(lineage.desired.content)));
    if (noteGaps) {
      for (const n of c.unreachable) {
        let names = gaps.get(n);
        if (!names) gaps.set(n, (names = new Set()));
        names.add(lineage.name);
      }
    }
    return full.around(c.nodes, lineage.type, allow, lineage.name);
  };
  const gapNotes = () =>
    [...gaps].map(([node, names]) => `until the last wave, accounts created in or moved to ${OrgTree.describe(node)} would get neither version of ${[...names].sort().join(', ')}: policies cannot be attached to an OU for its future accounts without reaching the accounts already there`);
  return { place: { cover, current: (lineage, name) => nodesOf(lineage.type, name) }, gapNotes };
}

function sameNodes(a: readonly OrgNode[], b: readonly OrgNode[]): boolean {
  const ids = new Set(a.map((n) => n.id));
  return ids.size === new Set(b.map((n) => n.id)).size && b.every((n) => ids.has(n.id));
}

function where(v: PlanViolation): string {
  if (v.code === 'wave-result') return `wave ${v.wave}, at its end`;
  return v.step ? `wave ${v.wave}, step ${v.step}` : `wave ${v.wave}`;
}

function refused(diagnostics: Diagnostic[]): Plan {
  return { ok: false, waves: [], violations: [], diagnostics, totals: { calls: 0, leastSeconds: 0, waves: 0 } };
}

/** Policies of a type the organization has not enabled cannot be created or attached. */
function disabledPolicyTypes(d: Deployment): Diagnostic[] {
  const enabled = enabledPolicyTypes(d.state);
  const out: Diagnostic[] = [];
  for (const type of POLICY_TYPES) {
    const names = d.desired.filter((p) => p.type === type).map((p) => p.name);
    if (!names.length || enabled.has(type)) continue;
    const command = `aws organizations enable-policy-type --root-id ${d.state.root.id} --policy-type ${AWS_POLICY_TYPE[type]}`;
    out.push(
      error(
        'policy-type-disabled',
        `the compiled policies include ${names.length} ${type.toUpperCase()}(s) (${names.join(', ')}), but the policy type ${AWS_POLICY_TYPE[type]} is not enabled in organization ${d.state.organization.id}: enable it with \`${command}\``,
        undefined,
        'then export the state and plan again; or remove those controls from the intent',
      ),
    );
  }
  return out;
}

/** What the wave attaches below a full target instead of at it, and what that leaves out. */
function aroundFullTargets(full: FullTargets, config: readonly ConfigEntry[], order: readonly OrgOperation[]): string[] {
  const notes = new Set<string>();
  for (const f of full.known()) {
    const instead = new Set(f.instead.map((n) => n.id!));
    for (const op of order) {
      if (op.op !== 'attach' || op.type !== f.type || !instead.has(op.target.id)) continue;
      const lineage = config.find((e) => e.type === op.type && e.name === op.policy)?.lineage ?? op.policy;
      if (f.movedFor.has(lineage)) notes.add(FullTargets.note(f, op.policy));
    }
  }
  return [...notes];
}

/** Policies created without their controls tag, because the joined list is longer than a tag value may be. */
function untaggedControls(config: readonly ConfigEntry[], ops: readonly OrgOperation[]): string[] {
  const created = new Set(ops.filter((o) => o.op === 'create').map((o) => `${o.type}:${o.policy}`));
  return config
    .filter((e) => e.controls && controlsTagValue(e.controls) === undefined && created.has(`${e.type}:${e.name}`))
    .map((e) => `${e.name} carries ${e.controls!.length} controls, ${e.controls!.join(' ').length} characters joined, over the ${MAX_TAG_VALUE} a tag value may hold: it is created without the ${CONTROLS_TAG} tag, and the plan checks its continuity by policy lineage only`);
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
    const targets = new Set(want.targets.map((t) => t.id!));
    if (targets.size !== p.targets.size || [...targets].some((t) => !p.targets.has(t))) out.push(`${want.name} is not attached exactly where compile places it`);
  }
  for (const p of model.all()) if (p.owned && !desiredKeys.has(`${p.type}:${p.name}`)) out.push(`${p.name} still exists`);
  return out;
}
