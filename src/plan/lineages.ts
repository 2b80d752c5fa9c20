/**
 * Lineages: a policy guardrails owns under its stable name, with every deployed version of it (the
 * policy itself and a staged `<name>.next`), and what each wave makes of them.
 *
 * A rollout can be re-planned at any point: after some waves were applied, or in the middle of one.
 * So a lineage does not assume the deployed state is "the old version everywhere": for each leaf (an
 * account, or the future accounts of an OU) it knows whether the deployed state already is what compile
 * wants (`pending` holds the leaves where it is not yet). Leaves that already are count as reached by
 * the rollout from the start: the version that holds the compiled content stays where it is, and the
 * others keep covering only what no wave has reached yet.
 *
 * How a lineage is staged (its strategy): when the compiled version denies everything every older
 * version did (deny-coverage.ts) and reaches every account they reach, it is staged additively: the new
 * version is attached at each wave's targets beside the old one, which stays where it is until the last
 * wave (both apply, the stricter wins, so old and new together mean exactly the new one). Else the old
 * version is pushed down to the parts of the tree no wave has reached yet. In the last wave of an
 * additive rollout, the old policy takes the new content in place when that costs fewer calls than
 * moving the staged copy to the compiled targets and renaming it.
 */
import { error, type Diagnostic } from '../diagnostics/index.js';
import type { OrgNode } from '../model/org-tree.js';
import { controlsTagValue, stagingName } from '../org/index.js';
import { canonicalPolicyText, type PolicyType } from '../policy/index.js';
import { lineageKey, PlanStepError, type AttachmentModel, type ModelPolicy } from './attachment-model.js';
import type { DenyCoverage } from './deny-coverage.js';
import type { Deployment, DesiredPolicy } from './deployment.js';
import type { Leaf, Leaves } from './leaves.js';

/**
 * One deployed version of a lineage, as it was before the first wave. A snapshot, not the model's
 * policy: the model changes as the waves are planned, and a version's start is what later waves read.
 */
export interface PolicyVersion {
  readonly name: string;
  readonly content: string;
  readonly canonical: string;
  readonly controls: readonly string[] | undefined;
  /** Target ids it was attached to. */
  readonly targets: ReadonlySet<string>;
  /** The leaves it reached. */
  readonly leaves: ReadonlySet<Leaf>;
  /** It holds the content compile wants now. */
  readonly holdsDesired: boolean;
}

export interface Lineage {
  readonly type: PolicyType;
  /** The stable name: the compiled policy's, or the deployed one's without its staging suffix. */
  readonly name: string;
  /** Where its next version is staged while the current one still covers what no wave has reached. */
  readonly stagingName: string;
  readonly desired: DesiredPolicy | undefined;
  readonly desiredLeaves: ReadonlySet<Leaf>;
  readonly versions: readonly PolicyVersion[];
  /** Leaves where the deployed versions are not yet exactly what compile wants (the desired version, or none). */
  readonly pending: ReadonlySet<Leaf>;
  /** Whether the compiled version can be staged beside the older ones, and if not why. */
  readonly staging: Staging;
}

export type Staging = { additive: true } | { additive: false; why: string };

export type StrategyName = 'additive' | 'push-down' | 'in-place' | 'create' | 'delete';

/** How a wave stages one policy, and why. */
export interface Strategy {
  policy: string;
  type: PolicyType;
  strategy: StrategyName;
  why: string;
}

/** Whether content `newer` denies everything content `older` does (canonical texts). */
export type Coverage = (newer: string, older: string) => DenyCoverage;

/** The policy that holds the compiled content: a deployed version, or a copy an earlier wave created. */
export interface Holder {
  name: string;
  /** The deployed version it is, when it existed before the first wave. */
  version: PolicyVersion | undefined;
}

/** One policy of a lineage as a wave leaves it. */
export interface ConfigEntry {
  type: PolicyType;
  /** The lineage's stable name. */
  lineage: string;
  /** The name the policy has (or is created with) during the wave. */
  name: string;
  /** The name it takes at the end of the wave, once the version holding it is gone. */
  rename?: string;
  content: string;
  controls: readonly string[] | undefined;
  targets: OrgNode[];
}

/**
 * Attachment points for policy `name` of a lineage reaching exactly `wanted`: where it is attached now
 * if that already does, else the fewest that do (`lineage` names it in the notes about what cannot be reached).
 */
export type Cover = (wanted: ReadonlySet<Leaf>, lineage: Lineage, name: string, noteGaps?: boolean) => OrgNode[];

/** Where a wave finds policies and places them. */
export interface Placement {
  cover: Cover;
  /** Where the policy of that name is attached now (in the model the wave starts from). */
  current(lineage: Lineage, name: string): OrgNode[];
}

export function collectLineages(d: Deployment, model: AttachmentModel, leaves: Leaves, coverage: Coverage): { lineages: Lineage[]; diagnostics: Diagnostic[] } {
  const groups = new Map<string, { type: PolicyType; name: string; policies: ModelPolicy[]; desired?: DesiredPolicy }>();
  const group = (type: PolicyType, name: string) => {
    const key = lineageKey(type, name);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { type, name, policies: [] }));
    return g;
  };
  for (const p of model.all()) if (p.owned) group(p.type, p.lineage).policies.push(p);
  for (const p of d.desired) group(p.type, p.name).desired = p;

  const lineages: Lineage[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const g of groups.values()) {
    const desiredCanonical = g.desired ? canonicalPolicyText(g.desired.content) : undefined;
    const desiredLeaves = g.desired ? leaves.union(g.desired.targets) : new Set<Leaf>();
    const versions: PolicyVersion[] = g.policies
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((p) => ({
        name: p.name,
        content: p.content,
        canonical: p.canonical,
        controls: p.controls ? [...p.controls] : undefined,
        targets: new Set(p.targets),
        leaves: leaves.union([...p.targets].map((t) => d.tree.node(t)).filter((n): n is OrgNode => n !== undefined)),
        holdsDesired: p.canonical === desiredCanonical,
      }));
    const lineage: Lineage = {
      type: g.type,
      name: g.name,
      stagingName: stagingName(g.name),
      desired: g.desired,
      desiredLeaves,
      versions,
      pending: pendingLeaves(versions, desiredLeaves, desiredCanonical, coverage),
      staging: stagingOf(versions, desiredLeaves, desiredCanonical, coverage, leaves),
    };
    diagnostics.push(...strayCopies(lineage, leaves));
    lineages.push(lineage);
  }
  lineages.sort((a, b) => (a.type + a.name < b.type + b.name ? -1 : 1));
  return { lineages, diagnostics };
}

/**
 * Leaves whose versions of the lineage are not yet exactly the desired one (or none, where none is
 * desired). Older versions beside the desired one that it denies everything of count as the desired one.
 */
function pendingLeaves(versions: readonly PolicyVersion[], desiredLeaves: ReadonlySet<Leaf>, desiredCanonical: string | undefined, coverage: Coverage): ReadonlySet<Leaf> {
  // One version or none (most lineages): its leaves are as desired exactly where it holds the desired
  // content and is desired; the same leaves, in the same order, as the general case below finds.
  if (versions.length === 0) return desiredLeaves;
  if (versions.length === 1) {
    const v = versions[0]!;
    if (desiredCanonical === undefined) return v.leaves;
    if (v.holdsDesired && v.leaves === desiredLeaves) return new Set();
    const pending = new Set<Leaf>();
    for (const leaf of v.leaves) if (!(v.holdsDesired && desiredLeaves.has(leaf))) pending.add(leaf);
    for (const leaf of desiredLeaves) if (!v.leaves.has(leaf)) pending.add(leaf);
    return pending;
  }
  const seen = new Map<Leaf, Set<string>>();
  for (const v of versions) {
    for (const leaf of v.leaves) {
      let contents = seen.get(leaf);
      if (!contents) seen.set(leaf, (contents = new Set()));
      contents.add(v.canonical);
    }
  }
  const pending = new Set<Leaf>();
  for (const [leaf, contents] of seen) {
    const asDesired = desiredCanonical !== undefined && contents.has(desiredCanonical) && [...contents].every((c) => c === desiredCanonical || coverage(desiredCanonical, c).covers);
    if (!(desiredLeaves.has(leaf) && asDesired)) pending.add(leaf);
  }
  for (const leaf of desiredLeaves) if (!seen.has(leaf)) pending.add(leaf);
  return pending;
}

/** Additive when the compiled version denies everything each older version does and reaches all they reach. */
function stagingOf(versions: readonly PolicyVersion[], desiredLeaves: ReadonlySet<Leaf>, desiredCanonical: string | undefined, coverage: Coverage, leaves: Leaves): Staging {
  if (desiredCanonical === undefined) return { additive: false, why: 'removed from the intent: detached from the accounts each wave reaches, deleted when none needs it' };
  if (!versions.length) return { additive: false, why: 'a new policy: attached at the targets each wave reaches' };
  if (versions.every((v) => v.holdsDesired)) return { additive: false, why: 'its content does not change: it moves to the targets compile wants wave by wave' };
  for (const v of versions) {
    if (v.holdsDesired) continue;
    const c = coverage(desiredCanonical, v.canonical);
    if (!c.covers) return { additive: false, why: `the new version is not proven to deny everything ${v.name} did: ${c.why}` };
    const outside = [...v.leaves].filter((x) => !desiredLeaves.has(x) && leaves.isAccount(x));
    if (outside.length) return { additive: false, why: `${v.name} reaches ${outside.length} account(s) the compiled version will not (${outside.slice(0, 3).join(', ')}${outside.length > 3 ? ', ...' : ''}): it must leave them wave by wave` };
    if ([...v.leaves].some((x) => !desiredLeaves.has(x))) return { additive: false, why: `${v.name} is attached where the compiled version will not be: it must leave there wave by wave` };
  }
  return { additive: true };
}

/**
 * A staged copy that does not hold what compile wants, while the stable policy holds yet another
 * version, is left by a rollout that was never finished. Rolling out the compiled version would need a
 * new staged copy while that one still covers its accounts, so such a lineage is refused. Where no new
 * copy is needed (compile wants what the stable policy holds, or the stable policy is gone, or the
 * policy is removed), the stray copy is just an older version, phased out wave by wave.
 */
function strayCopies(l: Lineage, leaves: Leaves): Diagnostic[] {
  const stable = l.versions.find((v) => v.name === l.name);
  if (!l.desired || !stable || stable.holdsDesired) return [];
  return l.versions
    .filter((v) => v !== stable && !v.holdsDesired)
    .map((v) => {
      const accounts = [...v.leaves].filter((x) => leaves.isAccount(x)).length;
      const holds = v.canonical === stable.canonical ? `the same content as ${l.name}` : `neither what ${l.name} holds nor what compile wants`;
      return error(
        'stray-staged-copy',
        `${l.type.toUpperCase()} ${v.name} is a staged copy of ${l.name} left by an unfinished rollout (it reaches ${accounts} account(s)), and it holds ${holds}: rolling out the compiled version needs a new staged copy while this one still covers its accounts`,
        undefined,
        `finish that rollout (compile the version the copy holds and plan again), or roll it back (compile what ${l.name} holds and plan again: the copy is then phased out wave by wave), or detach and delete ${v.name} if no account needs it`,
      );
    });
}

/** The deployed version that already holds the compiled content, the stable one first. */
export function initialHolder(l: Lineage): Holder | undefined {
  if (!l.desired) return undefined;
  const v = l.versions.find((x) => x.holdsDesired && x.name === l.name) ?? l.versions.find((x) => x.holdsDesired);
  return v ? { name: v.name, version: v } : undefined;
}

/** Whether the lineage needs any call at all: other content, other targets, other names or tags. */
export function lineageChanges(l: Lineage): boolean {
  if (!l.desired) return l.versions.length > 0;
  const [v, ...more] = l.versions;
  if (!v || more.length || v.name !== l.name || !v.holdsDesired) return true;
  const targets = new Set(l.desired.targets.map((t) => t.id!));
  if (targets.size !== v.targets.size || [...targets].some((t) => !v.targets.has(t))) return true;
  const tag = controlsTagValue(l.desired.controls);
  return tag !== undefined && tag !== (v.controls ?? []).join(' ');
}

/**
 * The lineage at the end of a wave whose reach is `scope` (final: the last wave, which leaves exactly
 * what compile wants). Leaves in the scope, or already as compile wants, get the desired version; every
 * other leaf keeps the versions it had. The desired version lives in the holder; without one, it is
 * created under the stable name when no other version needs that name any more (or updated in place
 * there), else beside it under the staging name, which takes the stable name once the old version is gone.
 *
 * Staged additively (`additive`), an older version that still covers leaves no wave has reached stays
 * where it is instead of being pushed down to them, and the compiled version leaves no gap where it
 * cannot reach an OU's future accounts (the old one still reaches them). `pushedDownWhy` says why a
 * lineage that could be staged additively is not in this wave (a full target).
 */
export function configForWave(l: Lineage, holder: Holder | undefined, scope: ReadonlySet<Leaf>, final: boolean, place: Placement, pushedDownWhy?: string): { entries: ConfigEntry[]; holder: Holder | undefined; strategy: Strategy } {
  const additive = l.staging.additive && pushedDownWhy === undefined;
  const unsettled = (set: ReadonlySet<Leaf>) => splitBySettled(scope, l.pending, set).unsettled;
  const keepOf = (v: PolicyVersion) => unsettled(v.leaves);
  const entry = (name: string, content: string, controls: readonly string[] | undefined, targets: OrgNode[], rename?: string): ConfigEntry => ({ type: l.type, lineage: l.name, name, content, controls, targets, ...(rename ? { rename } : {}) });
  const strategy = (name: StrategyName, why: string): Strategy => ({ policy: l.name, type: l.type, strategy: name, why });
  const stable = l.versions.find((v) => v.name === l.name && v !== holder?.version && !v.holdsDesired);

  const entries: ConfigEntry[] = [];
  const desired = l.desired;
  if (additive && final && desired && stable && holder && holder.name !== l.name && inPlaceIsCheaper(l, holder, place)) {
    // The old policy takes the new content where it is; the staged copy and any other version go.
    entries.push(entry(l.name, desired.content, desired.controls, desired.targets));
    return { entries, holder: { name: l.name, version: stable }, strategy: strategy('in-place', 'last wave: the old policy takes the new content in place and the staged copy is removed, fewer calls than moving the copy and renaming it') };
  }
  for (const v of l.versions) {
    if (v === holder?.version) continue;
    const keep = keepOf(v);
    if (keep.size) entries.push(entry(v.name, v.content, v.controls, additive ? place.current(l, v.name) : place.cover(keep, l, v.name)));
  }
  const pushDown = () => strategy('push-down', pushedDownWhy ?? (l.staging.additive ? 'pushed down' : l.staging.why));
  if (!desired) return { entries, holder: undefined, strategy: strategy('delete', stagingWhy(l)) };

  let wanted = splitBySettled(scope, l.pending, l.desiredLeaves).settled();
  // Where the holder reaches what compile no longer wants, it keeps doing so until a wave reaches there.
  const held = holder?.version ? keepOf(holder.version) : undefined;
  if (held?.size) wanted = new Set([...wanted, ...held]);
  const created = !l.versions.length;
  if (!holder && !wanted.size && !final) return { entries, holder, strategy: created ? strategy('create', stagingWhy(l)) : additive ? additiveStrategy() : pushDown() };
  const stableStays = entries.some((e) => e.name === l.name);
  const name = holder?.name ?? (stableStays ? l.stagingName : l.name);
  if (entries.some((e) => e.name === name)) throw new PlanStepError(`${l.name}: ${name} would be needed both by a version that still covers some accounts and by the compiled one`);
  // The copy takes the stable name in the wave that deletes the old version; when that happened before
  // this plan (an interrupted rollout), at the end of the rollout.
  const stableAtStart = l.versions.some((v) => v.name === l.name && v !== holder?.version);
  const rename = name !== l.name && !stableStays && (stableAtStart || final) ? l.name : undefined;
  entries.push(entry(name, desired.content, desired.controls, final ? desired.targets : place.cover(wanted, l, name, !additive), rename));
  const chosen = created
    ? strategy('create', stagingWhy(l))
    : stable && name === l.name
      ? strategy('in-place', 'every account it reaches is reached by this wave or an earlier one: updated in place')
      : additive
        ? additiveStrategy()
        : pushDown();
  return { entries, holder: { name: rename ?? name, version: holder?.version }, strategy: chosen };

  function additiveStrategy(): Strategy {
    return strategy('additive', final ? 'last wave: the staged copy moves to the compiled targets, the old version goes and the copy takes its name' : 'the new version denies everything the old one did: attached beside it at the wave\'s targets, the old one stays where it is until the last wave');
  }
}

interface SettledSplit {
  /** The leaves not settled yet. */
  readonly unsettled: ReadonlySet<Leaf>;
  /** The others (the set itself when all are settled). */
  settled(): ReadonlySet<Leaf>;
}

/** Kept per wave scope, pending set and set: lineages created or moved alike share their sets (leaves.ts keeps them per node). */
const splits = new WeakMap<ReadonlySet<Leaf>, WeakMap<ReadonlySet<Leaf>, WeakMap<ReadonlySet<Leaf>, SettledSplit>>>();

/**
 * The leaves of `set` not settled yet in a wave whose reach is `scope` (pending, and no wave has reached
 * them), and the others: found from the smaller of `pending` and `set`, since most lineages have few
 * pending leaves or none. Read-only.
 */
function splitBySettled(scope: ReadonlySet<Leaf>, pending: ReadonlySet<Leaf>, set: ReadonlySet<Leaf>): SettledSplit {
  let byPending = splits.get(scope);
  if (!byPending) splits.set(scope, (byPending = new WeakMap()));
  let bySet = byPending.get(pending);
  if (!bySet) byPending.set(pending, (bySet = new WeakMap()));
  let split = bySet.get(set);
  if (split) return split;
  const unsettled = new Set<Leaf>();
  const [small, big] = pending.size <= set.size ? [pending, set] : [set, pending];
  for (const x of small) if (big.has(x) && !scope.has(x)) unsettled.add(x);
  let settled: ReadonlySet<Leaf> | undefined;
  split = { unsettled, settled: () => (settled ??= unsettled.size ? new Set([...set].filter((x) => !unsettled.has(x))) : set) };
  bySet.set(set, split);
  return split;
}

function stagingWhy(l: Lineage): string {
  return l.staging.additive ? 'staged beside the old version' : l.staging.why;
}

/**
 * Calls to finish in place (update the old policy, move it to the compiled targets, remove the staged
 * copy) against moving the copy there, removing the old one and renaming the copy.
 */
function inPlaceIsCheaper(l: Lineage, holder: Holder, place: Placement): boolean {
  const ids = (nodes: OrgNode[]) => new Set(nodes.map((n) => n.id!));
  const want = ids(l.desired!.targets);
  const old = ids(place.current(l, l.name));
  const copy = ids(place.current(l, holder.name));
  const moves = (from: Set<string>) => [...want].filter((t) => !from.has(t)).length + [...from].filter((t) => !want.has(t)).length;
  const inPlace = 1 + moves(old) + copy.size + 1;
  const rename = moves(copy) + old.size + 1 + 1;
  return inPlace <= rename;
}
