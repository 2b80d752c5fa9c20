/**
 * What each account must see, worked out from the deployment alone and never from the planner's own
 * configuration, so that a planner mistake shows up as a broken invariant instead of being checked
 * against itself: for an account the rollout has reached, what compile wants (the desired policies
 * attached to it or above it); for any other account, what is deployed before the first wave.
 *
 * Also how an account sees a model: the guardrails it gets (lineages and controls), the contents of
 * the policies guardrails owns, and a signature of every content reaching it. Both judge what the
 * account may do, not which policies are attached: a version of a policy reaching an account beside a
 * version of the same lineage that denies everything it does (additive staging) adds nothing, and is
 * left out of both.
 */
import type { OrgNode } from '../model/org-tree.js';
import { canonicalPolicyText, type PolicyType } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { lineageKey, lineageOfPolicy, type AttachmentModel } from './attachment-model.js';
import { DenyCoverageCache, type DenyCoverage } from './deny-coverage.js';
import type { Deployment, DesiredPolicy } from './deployment.js';

export const POLICY_TYPES: readonly PolicyType[] = ['scp', 'rcp'];

/** What guardrails gives an account, for one policy type. */
export interface Holdings {
  /** Lineage keys (type:stable name) of the owned policies reaching it. */
  lineages: Set<string>;
  /** Controls recorded by those policies. */
  controls: Set<string>;
  /** Some owned policy reaching it does not record its controls: its guardrails are known by lineage only. */
  untracked: boolean;
  /** Contents of the owned policies reaching it (content id), each with the name of a policy holding it. */
  owned: Map<number, string>;
}

interface ViewHoldings extends Holdings {
  /** The lineage key of each owned content. */
  lineageOf: Map<number, string>;
  /** Contents some foreign policy reaching the account holds. */
  foreign: Set<number>;
}

export interface TypeView extends ViewHoldings {
  /** Every content reaching the account, foreign included; Allow-bearing SCPs with the level they are attached at. */
  signature: string;
  /** The same, as a sorted list. */
  contents: readonly string[];
}

export type AccountView = Record<PolicyType, TypeView>;
export type RequiredView = Record<PolicyType, Holdings>;

/**
 * Small numbers for canonical policy texts, so that views compare numbers instead of long strings; and
 * whether one content denies everything another does (with the service reference when there is one).
 */
export class ContentIds {
  private readonly ids = new Map<string, number>();
  private readonly texts: string[] = [];
  private readonly coverage: DenyCoverageCache;
  private readonly byPair = new Map<number, Map<number, DenyCoverage>>();
  private readonly listsBySignature = new Map<string, ContentList>();
  private readonly listsAfter = new Map<readonly string[], Map<string, ContentList>>();

  constructor(reference?: ReferenceIndex) {
    this.coverage = new DenyCoverageCache(reference);
  }

  of(canonical: string): number {
    let id = this.ids.get(canonical);
    if (id === undefined) {
      this.ids.set(canonical, (id = this.ids.size));
      this.texts.push(canonical);
    }
    return id;
  }

  /** Whether content `newer` denies everything content `older` denies (asked for every account view: kept by id pair). */
  covers(newer: number, older: number): DenyCoverage {
    let row = this.byPair.get(newer);
    if (!row) this.byPair.set(newer, (row = new Map()));
    let answer = row.get(older);
    if (!answer) row.set(older, (answer = this.coverage.check(this.texts[newer]!, this.texts[older]!)));
    return answer;
  }

  /** Whether two contents deny exactly the same (each covers the other). */
  equivalent(a: number, b: number): boolean {
    return a === b || (this.covers(a, b).covers && this.covers(b, a).covers);
  }

  /** The same, for canonical texts. */
  coversText(newer: string, older: string): DenyCoverage {
    return this.coverage.check(newer, older);
  }

  /** The contents reaching a node (view entries, see Views.extend), sorted, as one list per distinct set of them. */
  contentList(contents: Iterable<string>): ContentList {
    const sorted = [...contents].sort();
    const signature = sorted.join('\n');
    let list = this.listsBySignature.get(signature);
    if (!list) this.listsBySignature.set(signature, (list = { contents: sorted, signature }));
    return list;
  }

  /**
   * The list of a node that adds `entries` to what reaches its parent (`above`, a list of this
   * object), kept by the parent's list: most nodes add only FullAWSAccess, and the invariants build
   * the views of every account an operation reaches after each operation, so at 10,000 accounts a
   * plan rebuilt the same lists hundreds of thousands of times, the garbage that filled the heap.
   */
  contentListWith(above: readonly string[], entries: readonly string[]): ContentList {
    let after = this.listsAfter.get(above);
    if (!after) this.listsAfter.set(above, (after = new Map()));
    const key = entries.join('\n');
    let list = after.get(key);
    if (!list) after.set(key, (list = this.contentList(new Set([...above, ...entries]))));
    return list;
  }
}

/** Contents reaching a node, sorted, and their signature (the list joined). */
export interface ContentList {
  contents: readonly string[];
  signature: string;
}

export function viewOf(model: AttachmentModel, account: OrgNode, ids: ContentIds): AccountView {
  return new Views(model, ids).of(account);
}

/**
 * Views of accounts in one state of a model. Accounts share the chain of OUs above them, so the part of
 * a view that comes from an OU is built once and shared (views are read, never changed); an account
 * adds only what is attached to it directly. Valid while the model does not change.
 */
export class Views {
  private readonly memo = new Map<OrgNode, AccountView>();
  /**
   * Accounts under one OU that hold the same policies directly (most hold only FullAWSAccess) see the
   * same: one view object for all of them, so that checks can be made once per distinct view.
   */
  private readonly accountMemo = new Map<OrgNode, Map<string, AccountView>>();

  constructor(
    private readonly model: AttachmentModel,
    private readonly ids: ContentIds,
  ) {}

  of(node: OrgNode): AccountView {
    let view = this.memo.get(node);
    if (view) return view;
    const parent = node.parent;
    let siblings: Map<string, AccountView> | undefined;
    let key = '';
    if (node.kind === 'account' && parent) {
      siblings = this.accountMemo.get(parent);
      if (!siblings) this.accountMemo.set(parent, (siblings = new Map()));
      key = this.model.attachmentKey(node.id!);
      view = siblings.get(key);
      if (view) return view;
    }
    const above = parent ? this.of(parent) : undefined;
    view = {} as AccountView;
    for (const type of POLICY_TYPES) view[type] = this.extend(above?.[type], node, type);
    if (siblings) siblings.set(key, view);
    else this.memo.set(node, view);
    return view;
  }

  private extend(above: TypeView | undefined, node: OrgNode, type: PolicyType): TypeView {
    const attached = this.model.attachedAt(node.id!, type);
    if (!attached.length && above) return above;
    const owned = attached.filter((p) => p.owned);
    // Only foreign policies here (FullAWSAccess, most nodes): the holdings above, the contents above and these.
    if (!owned.length && above) {
      let foreign = above.foreign;
      const entries: string[] = [];
      for (const policy of attached) {
        const id = this.ids.of(policy.canonical);
        if (!foreign.has(id)) {
          if (foreign === above.foreign) foreign = new Set(foreign);
          foreign.add(id);
        }
        entries.push(contentEntry(policy, id, node));
      }
      const list = this.ids.contentListWith(above.contents, entries);
      return { lineages: above.lineages, controls: above.controls, untracked: above.untracked, owned: above.owned, lineageOf: above.lineageOf, foreign, signature: list.signature, contents: list.contents };
    }
    // Foreign contents are shared with the view above until this node adds one.
    const held: ViewHoldings = { lineages: new Set(above?.lineages), controls: new Set(above?.controls), untracked: above?.untracked ?? false, owned: new Map(above?.owned), lineageOf: new Map(above?.lineageOf), foreign: above?.foreign ?? new Set() };
    for (const policy of owned) {
      const lineage = lineageOfPolicy(policy);
      held.lineages.add(lineage);
      if (policy.controls) for (const c of policy.controls) held.controls.add(c);
      else held.untracked = true;
      const id = this.ids.of(policy.canonical);
      if (!held.owned.has(id)) held.owned.set(id, policy.name);
      if (!held.lineageOf.has(id)) held.lineageOf.set(id, lineage);
    }
    const contents = new Set(above?.contents);
    for (const policy of attached) {
      const id = this.ids.of(policy.canonical);
      if (!policy.owned && !held.foreign.has(id)) {
        if (held.foreign === above?.foreign) held.foreign = new Set(held.foreign);
        held.foreign.add(id);
      }
      contents.add(contentEntry(policy, id, node));
    }
    // A version beside one of its lineage that denies everything it does adds nothing: leave it out.
    // Left out once, it stays out below (the version covering it reaches every node below too).
    if (owned.length) for (const id of superseded(held, this.ids)) {
      held.owned.delete(id);
      held.lineageOf.delete(id);
      if (!held.foreign.has(id)) contents.delete(String(id));
    }
    // An explicit literal, not a spread: every view keeps one shape (a spread made planning 3 times slower).
    const list = this.ids.contentList(contents);
    return { lineages: held.lineages, controls: held.controls, untracked: held.untracked, owned: held.owned, lineageOf: held.lineageOf, foreign: held.foreign, signature: list.signature, contents: list.contents };
  }
}

/** How a policy's content reaching a node is written in a view: with the level for an SCP with an Allow statement. */
function contentEntry(policy: { hasAllow: boolean }, id: number, node: OrgNode): string {
  return policy.hasAllow ? `${node.depth}@${id}` : String(id);
}

/**
 * Owned contents another content of the same lineage reaching the account covers. Of contents that
 * cover each other (equivalent, written differently), the one with the smallest id stays, whatever the
 * order they reach the account in.
 */
function superseded(held: ViewHoldings, ids: ContentIds): number[] {
  if (held.owned.size <= held.lineages.size) return [];
  const out: number[] = [];
  const byLineage = new Map<string, number[]>();
  for (const [id, lineage] of held.lineageOf) {
    const list = byLineage.get(lineage) ?? [];
    list.push(id);
    byLineage.set(lineage, list);
  }
  for (const list of byLineage.values()) {
    if (list.length < 2) continue;
    for (const older of list) {
      if (list.some((newer) => newer !== older && ids.covers(newer, older).covers && (newer < older || !ids.covers(older, newer).covers))) out.push(older);
    }
  }
  return out;
}

export class RequiredState {
  private readonly desiredAt = new Map<string, DesiredPolicy[]>();
  private readonly desiredIds = new Map<DesiredPolicy, number>();
  private readonly desiredCache = new Map<OrgNode, RequiredView>();
  private readonly deployedViews: Views;

  /** `deployed` is the model before the first wave; it must not change while this object is used. */
  constructor(
    deployment: Deployment,
    deployed: AttachmentModel,
    readonly ids: ContentIds,
  ) {
    this.deployedViews = new Views(deployed, ids);
    for (const p of deployment.desired) {
      this.desiredIds.set(p, ids.of(canonicalPolicyText(p.content)));
      for (const t of p.targets) {
        const list = this.desiredAt.get(t.id!) ?? [];
        list.push(p);
        this.desiredAt.set(t.id!, list);
      }
    }
  }

  /** What the account must see once the rollout has reached it (`inScope`), or until then. */
  of(account: OrgNode, inScope: boolean): RequiredView {
    return inScope ? this.desired(account) : this.beforeRollout(account);
  }

  /**
   * The desired policies attached to the account or above it. A node with none of its own shares its
   * parent's view (the same object), so that checks can be made once per distinct view.
   */
  desired(node: OrgNode): RequiredView {
    let view = this.desiredCache.get(node);
    if (view) return view;
    const above = node.parent ? this.desired(node.parent) : undefined;
    const own = this.desiredAt.get(node.id!);
    if (above && !own) view = above;
    else {
      view = { scp: copyHoldings(above?.scp), rcp: copyHoldings(above?.rcp) };
      // A content held by several desired policies is named by the one closest to the account.
      const named = new Set<number>();
      for (const p of own ?? []) {
        const held = view[p.type];
        held.lineages.add(lineageKey(p.type, p.name));
        for (const c of p.controls) held.controls.add(c);
        const id = this.desiredIds.get(p)!;
        if (!named.has(id)) {
          named.add(id);
          held.owned.set(id, p.name);
        }
      }
    }
    this.desiredCache.set(node, view);
    return view;
  }

  /** What is deployed before the first wave. */
  beforeRollout(account: OrgNode): RequiredView {
    return this.deployedViews.of(account);
  }
}

function copyHoldings(h: Holdings | undefined): Holdings {
  return { lineages: new Set(h?.lineages), controls: new Set(h?.controls), untracked: false, owned: new Map(h?.owned) };
}
