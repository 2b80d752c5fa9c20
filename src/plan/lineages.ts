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
 */
import { error, type Diagnostic } from '../diagnostics/index.js';
import type { OrgNode } from '../model/org-tree.js';
import { controlsTagValue, stagingName } from '../org/index.js';
import { canonicalPolicyText, type PolicyType } from '../policy/index.js';
import { lineageKey, PlanStepError, type AttachmentModel, type ModelPolicy } from './attachment-model.js';
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
}

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
export type Cover = (wanted: ReadonlySet<Leaf>, lineage: Lineage, name: string) => OrgNode[];

export function collectLineages(d: Deployment, model: AttachmentModel, leaves: Leaves): { lineages: Lineage[]; diagnostics: Diagnostic[] } {
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
    const lineage: Lineage = { type: g.type, name: g.name, stagingName: stagingName(g.name), desired: g.desired, desiredLeaves, versions, pending: pendingLeaves(versions, desiredLeaves, desiredCanonical) };
    diagnostics.push(...strayCopies(lineage, leaves));
    lineages.push(lineage);
  }
  lineages.sort((a, b) => (a.type + a.name < b.type + b.name ? -1 : 1));
  return { lineages, diagnostics };
}

/** Leaves whose versions of the lineage are not exactly the desired one (or none, where none is desired). */
function pendingLeaves(versions: readonly PolicyVersion[], desiredLeaves: ReadonlySet<Leaf>, desiredCanonical: string | undefined): Set<Leaf> {
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
    if (!(desiredLeaves.has(leaf) && contents.size === 1 && contents.has(desiredCanonical!))) pending.add(leaf);
  }
  for (const leaf of desiredLeaves) if (!seen.has(leaf)) pending.add(leaf);
  return pending;
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
 */
export function configForWave(l: Lineage, holder: Holder | undefined, scope: ReadonlySet<Leaf>, final: boolean, cover: Cover): { entries: ConfigEntry[]; holder: Holder | undefined } {
  const settled = (x: Leaf) => scope.has(x) || !l.pending.has(x);
  const keepOf = (v: PolicyVersion) => new Set([...v.leaves].filter((x) => !settled(x)));
  const entry = (name: string, content: string, controls: readonly string[] | undefined, targets: OrgNode[], rename?: string): ConfigEntry => ({ type: l.type, lineage: l.name, name, content, controls, targets, ...(rename ? { rename } : {}) });

  const entries: ConfigEntry[] = [];
  for (const v of l.versions) {
    if (v === holder?.version) continue;
    const keep = keepOf(v);
    if (keep.size) entries.push(entry(v.name, v.content, v.controls, cover(keep, l, v.name)));
  }
  const desired = l.desired;
  if (!desired) return { entries, holder: undefined };

  const wanted = new Set([...l.desiredLeaves].filter(settled));
  // Where the holder reaches what compile no longer wants, it keeps doing so until a wave reaches there.
  if (holder?.version) for (const x of keepOf(holder.version)) wanted.add(x);
  if (!holder && !wanted.size && !final) return { entries, holder };
  const stableStays = entries.some((e) => e.name === l.name);
  const name = holder?.name ?? (stableStays ? l.stagingName : l.name);
  if (entries.some((e) => e.name === name)) throw new PlanStepError(`${l.name}: ${name} would be needed both by a version that still covers some accounts and by the compiled one`);
  // The copy takes the stable name in the wave that deletes the old version; when that happened before
  // this plan (an interrupted rollout), at the end of the rollout.
  const stableAtStart = l.versions.some((v) => v.name === l.name && v !== holder?.version);
  const rename = name !== l.name && !stableStays && (stableAtStart || final) ? l.name : undefined;
  entries.push(entry(name, desired.content, desired.controls, final ? desired.targets : cover(wanted, l, name), rename));
  return { entries, holder: { name: rename ?? name, version: holder?.version } };
}
