/**
 * Placing statements into policies, per policy type:
 *
 * 1. Statements share a policy only with statements attached to exactly the same targets (a policy
 *    applies to all of its targets). Each such group is minimized: with Sids kept every statement
 *    stays itself; without, statements with equal elements merge (defaults.sids: auto keeps Sids
 *    unless dropping them saves a policy).
 * 2. A group's statements go into as few policies as the size quota allows. When the previous
 *    out/manifest.json is known, packing is sticky: a statement stays in the policy that held its
 *    control if it still fits, and anything that moves goes to a new policy, so a change to one
 *    control never renames or reshuffles a policy that does not hold it.
 * 3. A target with more policies attached than its free slots gets the statements of its smallest
 *    policies repacked into policies of its own where they fit.
 * 4. Levels (minimize/levels.ts): every group is first written at level 1, as the intent wrote it. A
 *    group that does not fit (a statement over the size quota, or a target out of slots) escalates one
 *    level and everything is packed again, until it fits or no group involved can go further; then
 *    compile fails, saying which quota and by how much.
 */
import { createHash } from 'node:crypto';
import { error, type Diagnostic } from '../diagnostics/index.js';
import type { Intent } from '../intent/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import type { ControlPlacement, PackedPolicy, PackedStatement } from './types.js';
import type { ExpandedStatement } from './expand.js';
import { statementKey, type OutManifest } from './out-manifest.js';
import { binPack, POLICY_OVERHEAD } from './minimize/bin-pack.js';
import { maxLevelFor, type MinimizeLevel } from './minimize/levels.js';
import { minimizeStatements, splitStatement, type IntendedStatement, type KeepSpelling } from './minimize/minimize-statements.js';
import type { PreviousSpellings } from './minimize/previous-spellings.js';


export interface PackInput {
  intent: Intent;
  tree: OrgTree;
  placements: readonly ControlPlacement[];
  reference: ReferenceIndex;
  quotas: Quotas;
  /** The previous out/manifest.json, for sticky packing. */
  previous?: OutManifest;
  /** The previous out/'s action lists, kept where still exact (stable spelling). */
  previousSpellings?: PreviousSpellings;
  /** Foreign policies attached directly to a node (FullAWSAccess, Control Tower's). */
  foreignAt: (node: OrgNode, type: PolicyType) => string[];
}

export const POLICY_NAME_PREFIX = 'guardrails';
const MAX_POLICY_NAME = 128;

interface Bin {
  items: PackedStatement[];
  /** The target groups its statements come from (several for a consolidated bin). */
  groups: number[];
  targets: OrgNode[];
  sids: 'keep' | 'drop';
  /** Set when the bin was made for one target by consolidation. */
  consolidatedFor?: OrgNode;
}

export function packPolicies(input: PackInput, diagnostics: Diagnostic[]): PackedPolicy[] {
  const policies: PackedPolicy[] = [];
  for (const type of ['scp', 'rcp'] as const) {
    const capacity = input.quotas[type].maxChars;
    // `fresh`: the group is minimized without the previous out/'s spellings, tried at a level before
    // the next one, since a kept spelling may be longer than a fresh cover.
    const groups = targetGroups(input.placements, type).map((g) => ({ ...g, level: 1 as MinimizeLevel, fresh: false, escalatedFor: undefined as string | undefined, cap: groupCap(g.placements, type, input) }));
    const minimized = new Map<string, ReturnType<typeof minimizeGroup>>();
    const previousKeys = new Set(input.previous?.policies.filter((p) => p.type === type).flatMap((p) => p.statements.map((st) => statementKey(st.sources, st.part))));
    for (;;) {
      const attempt: Diagnostic[] = [];
      const escalate = new Map<number, string>();
      const bins: Bin[] = [];
      groups.forEach((group, g) => {
        const key = `${g}|${group.level}|${group.fresh}`;
        let result = minimized.get(key);
        if (!minimized.has(key)) minimized.set(key, (result = minimizeGroup(group.placements, group.targets, type, group.level, group.fresh ? undefined : keepSpelling(input, type), input)));
        if (!result) return;
        if ('tooLarge' in result) {
          attempt.push(result.tooLarge);
          escalate.set(g, `size: ${result.tooLarge.message.replace(/^an? (SCP|RCP) statement/, 'a statement')}`);
          return;
        }
        for (const items of placeInBins(result.statements, capacity, previousBins(input.previous, type, group, group.level), previousKeys)) bins.push({ items, groups: [g], targets: group.targets, sids: result.sids });
      });
      const outOfSlots = consolidateSlots(bins, type, input, attempt);
      for (const { node, attached, message } of outOfSlots) {
        // The group holding most of the node's policies (then the largest) escalates first: the
        // fewest groups leave level 1.
        const candidates = [...new Set(attached.flatMap((b) => b.groups))].filter((g) => groups[g]!.level < groups[g]!.cap);
        const weight = (g: number) => [attached.filter((b) => b.groups.includes(g)).length, attached.filter((b) => b.groups.includes(g)).reduce((n, b) => n + b.items.reduce((m, s) => m + s.size, 0), 0)] as const;
        candidates.sort((a, b) => weight(b)[0] - weight(a)[0] || weight(b)[1] - weight(a)[1] || a - b);
        const chosen = candidates.find((g) => !escalate.has(g));
        if (chosen !== undefined) escalate.set(chosen, `slots: ${message}`);
      }
      const keptAny = (g: number) => {
        const r = minimized.get(`${g}|${groups[g]!.level}|${groups[g]!.fresh}`);
        return r !== undefined && 'statements' in r && r.statements.some((s) => s.keptSpelling);
      };
      const escalated = [...escalate].filter(([g]) => groups[g]!.level < groups[g]!.cap || (!groups[g]!.fresh && keptAny(g)));
      if (escalated.length === 0 || (attempt.every((d) => d.severity !== 'error') && outOfSlots.length === 0)) {
        diagnostics.push(...attempt);
        policies.push(...nameBins(bins, type, groups));
        break;
      }
      for (const [g, why] of escalated) {
        const group = groups[g]!;
        if (!group.fresh && keptAny(g)) group.fresh = true;
        else {
          group.level = (group.level + 1) as MinimizeLevel;
          group.fresh = false;
        }
        group.escalatedFor = why;
      }
    }
  }
  return policies.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function keepSpelling(input: PackInput, type: PolicyType): KeepSpelling | undefined {
  const previous = input.previousSpellings;
  return previous ? (circumstances, element, actions, level, origins) => previous.find(type, circumstances, element, actions, level, input.reference, keyOf(origins as readonly ExpandedStatement[])) : undefined;
}

/** The highest level any statement of the group may reach: escalating past it changes nothing. */
function groupCap(placements: readonly ControlPlacement[], type: PolicyType, input: PackInput): MinimizeLevel {
  const levels = placements.flatMap((p) => p.statements.filter((s) => s.draft.type === type).map((s) => intendedOf(s, input).maxLevel));
  return Math.max(1, ...levels) as MinimizeLevel;
}

function signature(targets: readonly OrgNode[]): string {
  return targets
    .map((t) => t.path)
    .sort()
    .join('|');
}

function targetGroups(placements: readonly ControlPlacement[], type: PolicyType): { targets: OrgNode[]; placements: ControlPlacement[] }[] {
  const groups = new Map<string, { targets: OrgNode[]; placements: ControlPlacement[] }>();
  for (const p of placements) {
    if (p.targets.length === 0 || !p.statements.some((s) => s.draft.type === type)) continue;
    const key = signature(p.targets);
    const g = groups.get(key) ?? { targets: p.targets, placements: [] };
    g.placements.push(p);
    groups.set(key, g);
  }
  return [...groups.values()];
}

function intendedOf(e: ExpandedStatement, input: PackInput): IntendedStatement<ExpandedStatement> {
  const d = e.draft;
  const list = (e.actions ?? e.notActions)!;
  const item: IntendedStatement<ExpandedStatement> = {
    effect: d.effect,
    element: e.actions ? 'Action' : 'NotAction',
    actions: list.set,
    given: list.text,
    written: list.text,
    maxLevel: maxLevelFor({ effect: d.effect, element: e.actions ? 'Action' : 'NotAction', condition: d.condition }, d.control.wildcards ?? input.intent.defaults.wildcards, d.type),
    sid: d.sid,
    origin: e,
  };
  if (d.principal) item.principal = d.principal;
  if (d.resources) item.resources = [...new Set(d.resources)];
  if (d.notResources) item.notResources = [...new Set(d.notResources)];
  if (d.condition && Object.keys(d.condition).length) item.condition = d.condition;
  return item;
}

/**
 * The group's statements at a level, minimized and split to fit; `tooLarge` when one cannot fit in a
 * policy at this level (a higher one may shorten it); undefined when the group cannot be packed.
 */
function minimizeGroup(
  placements: ControlPlacement[],
  targets: readonly OrgNode[],
  type: PolicyType,
  level: MinimizeLevel,
  keepPrevious: KeepSpelling | undefined,
  input: PackInput,
): { statements: PackedStatement[]; sids: 'keep' | 'drop' } | { tooLarge: Diagnostic } | undefined {
  const capacity = input.quotas[type].maxChars;
  const intended = placements.flatMap((p) => p.statements.filter((s) => s.draft.type === type).map((s) => intendedOf(s, input)));
  let tooLarge: Diagnostic | undefined;
  const run = (merge: boolean): PackedStatement[] | undefined => {
    const minimized = merge
      ? minimizeStatements(intended, input.reference, { merge: true, keepSids: false, policyType: type, level, ...(keepPrevious ? { keepSpelling: keepPrevious } : {}) })
      : placements.flatMap((p) => minimizeStatements(intended.filter((i) => i.origin.draft.control === p.control), input.reference, { merge: false, keepSids: true, policyType: type, level, ...(keepPrevious ? { keepSpelling: keepPrevious } : {}) }));
    const out: PackedStatement[] = [];
    for (const m of minimized) {
      const parts = splitStatement(m, capacity - POLICY_OVERHEAD);
      if (!parts) {
        const controls = controlsOf([m]);
        tooLarge = error(
            'statement-too-large',
            `an ${type.toUpperCase()} statement of control${controls.length > 1 ? 's' : ''} ${controls.join(', ')} for ${targets.map((t) => OrgTree.describe(t)).join(', ')} is ${m.size.toLocaleString('en-US')} characters, ${(m.size - capacity + POLICY_OVERHEAD).toLocaleString('en-US')} over what one ${type.toUpperCase()} holds (${capacity.toLocaleString('en-US')}), and a ${m.element} list cannot be split`,
            m.origins[0]!.draft.location,
          );
        return undefined;
      }
      out.push(...parts);
    }
    return out;
  };
  const fitted = (statements: PackedStatement[] | undefined, sids: 'keep' | 'drop') => withSids(statements, sids) ?? (tooLarge ? { tooLarge } : undefined);
  const mode = input.intent.defaults.sids;
  if (mode === 'keep') return fitted(run(false), 'keep');
  if (mode === 'drop') return fitted(run(true), 'drop');
  const keep = run(false);
  const drop = run(true);
  if (!keep) return fitted(drop, 'drop');
  if (!drop) return withSids(keep, 'keep');
  const count = (s: PackedStatement[]) => binPack(s.map((x) => x.size), capacity, POLICY_OVERHEAD).length;
  // Sticky: the group keeps the choice it made last time unless that choice no longer fits in the
  // policies it had while the other would save one. Flipping renames and reshuffles every policy of
  // the group, including those of controls that did not change.
  const previous = previousGroup(input.previous, type, { targets, placements });
  if (previous) {
    const [same, other] = previous.sids === 'keep' ? [keep, drop] : [drop, keep];
    if (count(same) <= Math.max(previous.policies, count(other))) return withSids(same, previous.sids);
  }
  return count(drop) < count(keep) ? withSids(drop, 'drop') : withSids(keep, 'keep');
}

function withSids(statements: PackedStatement[] | undefined, sids: 'keep' | 'drop'): { statements: PackedStatement[]; sids: 'keep' | 'drop' } | undefined {
  return statements ? { statements, sids } : undefined;
}

/** How many policies the group had in the previous manifest, and whether it kept Sids. */
function previousGroup(previous: OutManifest | undefined, type: PolicyType, group: GroupOf): { policies: number; sids: 'keep' | 'drop' } | undefined {
  const policies = previousPoliciesOf(previous, type, group);
  if (policies.length === 0) return undefined;
  // Manifests written before `sids` was recorded: merged statements carry several sources and no Sid.
  const dropped = policies.some((p) => (p.sids ?? (p.statements.some((st) => st.sid === null) ? 'drop' : 'keep')) === 'drop');
  return { policies: policies.length, sids: dropped ? 'drop' : 'keep' };
}

export function controlsOf(statements: readonly PackedStatement[]): string[] {
  return [...new Set(statements.flatMap((s) => s.origins.map((o) => o.draft.control.id)))].sort();
}

/** A previous policy of this type and target group: the controls it held and its statements by statementKey. */
interface PreviousBin {
  controls: string[];
  statements: Set<string>;
}

function keyOf(origins: readonly ExpandedStatement[], part?: number): string {
  return statementKey(origins.map((o) => ({ control: o.draft.control.id, role: o.draft.role, summary: o.draft.summary })), part);
}

function asPreviousBin(p: OutManifest['policies'][number]): PreviousBin {
  return { controls: [...p.controls], statements: new Set(p.statements.map((st) => statementKey(st.sources, st.part))) };
}

/**
 * Names in the order compile numbered them: `x-2` before `x-10`. A group's policies are numbered in the
 * order its bins were made, and a sticky bin must come back in that order to get its name back.
 */
function byName(a: { name: string }, b: { name: string }): number {
  return a.name.localeCompare(b.name, 'en', { numeric: true });
}

/**
 * The previous policies of this type and target group: those with its targets, and those that lost
 * some of them to consolidation (fewer targets, every control the group's); not the consolidated ones,
 * which hold statements of several groups: consolidateSlots makes them again from the group's policies.
 */
function previousBins(previous: OutManifest | undefined, type: PolicyType, group: GroupOf, level: MinimizeLevel): PreviousBin[] | undefined {
  // Tried at a lower level than it had, the group is packed as the previous compile packed that attempt:
  // afresh. Its statements are not those policies held, and the quota it then misses (the reason it
  // escalates, which the manifest records) must be missed by as much.
  return previous ? previousPoliciesOf(previous, type, group).filter((p) => (p.level ?? 1) <= level).sort(byName).map(asPreviousBin) : undefined;
}

type GroupOf = { targets: readonly OrgNode[]; placements: readonly ControlPlacement[] };

function previousPoliciesOf(previous: OutManifest | undefined, type: PolicyType, group: GroupOf): OutManifest['policies'] {
  if (!previous) return [];
  const sig = signature(group.targets);
  const paths = new Set(group.targets.map((t) => t.path));
  const controls = new Set(group.placements.map((p) => p.control.id));
  return previous.policies
    .filter((p) => p.type === type && !p.consolidatedFor)
    .filter((p) => p.targets.map((t) => t.target).sort().join('|') === sig || (p.targets.every((t) => paths.has(t.target)) && p.controls.every((c) => controls.has(c))));
}

/**
 * Statements into policies. With previous policies, a statement stays in the policy that held that very
 * statement; a statement the previous compile never wrote goes to one that held
 * all its controls; what does not fit (or was held by a policy that is gone) goes to new policies.
 */
function placeInBins(statements: PackedStatement[], capacity: number, previous: PreviousBin[] | undefined, previousKeys: ReadonlySet<string>): PackedStatement[][] {
  const size = (items: PackedStatement[]) => POLICY_OVERHEAD + items.reduce((n, s) => n + s.size, 0) + Math.max(0, items.length - 1);
  if (!previous || previous.length === 0) {
    return binPack(statements.map((s) => s.size), capacity, POLICY_OVERHEAD).map((bin) => bin.map((i) => statements[i]!));
  }
  const sticky: PackedStatement[][] = previous.map(() => []);
  const moved: PackedStatement[] = [];
  for (const s of statements) {
    // The policy that held this very statement; else, for a statement the previous compile did not
    // write, one that held all its controls. A control split over two policies would otherwise send
    // its statements to the first, and one that consolidation took elsewhere would come back to a
    // policy of its controls: compiling twice would then not give the same out/.
    const key = keyOf(s.origins, s.part);
    let at = previous.findIndex((held) => held.statements.has(key));
    if (at < 0 && !previousKeys.has(key)) {
      const controls = controlsOf([s]);
      at = previous.findIndex((held) => controls.every((c) => held.controls.includes(c)));
    }
    if (at >= 0 && size([...sticky[at]!, s]) <= capacity) sticky[at]!.push(s);
    else moved.push(s);
  }
  const fresh = binPack(moved.map((s) => s.size), capacity, POLICY_OVERHEAD).map((bin) => bin.map((i) => moved[i]!));
  return [...sticky.filter((b) => b.length > 0), ...fresh];
}

/**
 * Slots: every target's directly attached policies, ours and foreign, within the per-target quota.
 * When a target has too many, the statements of its smallest policies are repacked (first-fit
 * decreasing over statements, not whole policies: two policies that cannot merge may still share
 * their statements out into fewer) into policies for that target alone; those policies keep their
 * other targets. The fewest policies are touched: the two smallest first, then three, and so on.
 */
function consolidateSlots(bins: Bin[], type: PolicyType, input: PackInput, diagnostics: Diagnostic[]): { node: OrgNode; attached: Bin[]; message: string }[] {
  const outOfSlots: { node: OrgNode; attached: Bin[]; message: string }[] = [];
  const { maxChars, maxPerTarget } = input.quotas[type];
  const binSize = (b: Bin) => POLICY_OVERHEAD + b.items.reduce((n, s) => n + s.size, 0) + Math.max(0, b.items.length - 1);
  // Indexed once: consolidating at one node only changes which bins attach to that node.
  const attachedAt = new Map<OrgNode, Bin[]>();
  for (const b of bins) {
    for (const t of new Set(b.targets)) {
      const list = attachedAt.get(t);
      if (list) list.push(b);
      else attachedAt.set(t, [b]);
    }
  }
  for (const node of input.tree.nodes) {
    const attached = attachedAt.get(node) ?? [];
    if (attached.length === 0) continue;
    const foreign = input.foreignAt(node, type);
    const free = maxPerTarget - foreign.length;
    if (attached.length <= free) continue;
    const smallestFirst = [...attached].sort((a, b) => binSize(a) - binSize(b));
    let done = false;
    for (let j = 2; j <= smallestFirst.length && !done; j++) {
      const chosen = smallestFirst.slice(0, j);
      const items = chosen.flatMap((b) => b.items);
      const repacked = binPack(items.map((s) => s.size), maxChars, POLICY_OVERHEAD).map((bin) => bin.map((i) => items[i]!));
      if (attached.length - j + repacked.length > free) continue;
      for (const x of chosen) {
        x.targets = x.targets.filter((t) => t !== node);
        if (x.targets.length === 0) bins.splice(bins.indexOf(x), 1);
      }
      const sids = chosen.some((b) => b.sids === 'drop') ? 'drop' : 'keep';
      const groups = [...new Set(chosen.flatMap((b) => b.groups))].sort((a, b) => a - b);
      for (const items of repacked) bins.push({ items, groups, targets: [node], consolidatedFor: node, sids });
      done = true;
    }
    if (done) continue;
    const over = attached.length - free;
    outOfSlots.push({ node, attached, message: `${OrgTree.describe(node)} needs ${attached.length + foreign.length} ${type.toUpperCase()}s and holds ${maxPerTarget}` });
    diagnostics.push(
      error(
        'too-many-policies',
        `${OrgTree.describe(node)} needs ${attached.length + foreign.length} ${type.toUpperCase()}s (${attached.length} of guardrails${foreign.length ? ` and ${foreign.join(', ')}` : ''}) but can hold ${maxPerTarget} (${input.quotas.profile}): ${over} over; controls involved: ${controlsOf(attached.flatMap((b) => b.items)).join(', ')}`,
        attached[0]!.items[0]!.origins[0]!.draft.location,
        'attach controls higher in the tree so that fewer policies are attached here, give them the same targets so that they share policies, or free slots taken by foreign policies',
      ),
    );
  }
  return outOfSlots;
}

/** Names say what a policy holds: its controls; a control spread over several policies numbers them. */
function nameBins(bins: Bin[], type: PolicyType, groups: readonly { level: MinimizeLevel; escalatedFor: string | undefined }[]): PackedPolicy[] {
  const used = new Map<string, number>();
  return bins.map((b) => {
    const controls = controlsOf(b.items);
    let base = `${POLICY_NAME_PREFIX}-${type}-${controls.join('+')}${b.consolidatedFor ? `-at-${b.consolidatedFor.id ?? b.consolidatedFor.name}` : ''}`;
    if (base.length > MAX_POLICY_NAME - 4) {
      const hash = createHash('sha256').update(controls.join(',')).digest('hex').slice(0, 8);
      base = `${POLICY_NAME_PREFIX}-${type}-${controls[0]}-and-${controls.length - 1}-more-${hash}`.slice(0, MAX_POLICY_NAME - 4);
    }
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    const highest = b.groups.reduce((x, g) => (groups[g]!.level > groups[x]!.level ? g : x), b.groups[0]!);
    const policy: PackedPolicy = { name: n === 1 ? base : `${base}-${n}`, type, sids: b.sids, statements: b.items, controls, targets: b.targets, level: groups[highest]!.level };
    const why = groups[highest]!.escalatedFor;
    if (why && policy.level > 1) policy.escalatedFor = why;
    if (b.consolidatedFor) policy.consolidatedFor = b.consolidatedFor;
    return policy;
  });
}
