/**
 * Whether a new action a control does not cover lies near what it does cover, and why: the "uncovered"
 * finding is worth a reader's time only for those. A control that denies iam:CreateUser and
 * iam:CreateAccessKey is about users and their keys: a new iam:CreateUserV2 or iam:RotateAccessKey is
 * near it, a new iam:CreateDelegationRequest is not, though both are new IAM Write actions.
 *
 * Near means, within the action's service:
 *  resource-type   it acts on a resource type a covered action acts on (iam `user`)
 *  name            its name, verb aside and version suffix dropped, is a covered action's (CreateUserV2 and
 *                  CreateUser: `User`), or holds a covered action's noun of two words or more
 *                  (UpdateAccessKeyRotation and CreateAccessKey: `AccessKey`)
 *  condition-key   it takes a condition key of the service a covered action takes, one that at most half
 *                  of the service's actions take (s3:TlsVersion is on every S3 action and says nothing)
 */
import type { ActionInfo, ReferenceIndex } from '../reference/index.js';

export type NearBy = 'resource-type' | 'name' | 'condition-key';

export interface Nearness {
  by: NearBy;
  /** The resource type, the shared part of the names, or the condition key. */
  shared: string;
  /** A covered action that has it, `service:Name`. */
  like: string;
}

/** Why an action is listed, in words: "same resource type user as iam:CreateUser". */
export function describeNearness(n: Nearness): string {
  switch (n.by) {
    case 'resource-type':
      return `same resource type ${n.shared} as ${n.like}`;
    case 'name':
      return `name like ${n.like} (${n.shared})`;
    case 'condition-key':
      return `condition key ${n.shared}, as ${n.like}`;
  }
}

/**
 * What a control covers in the services of the actions asked about, indexed once per control: `near`
 * is then asked for each new action the control does not cover.
 */
export class CoveredNeighbourhood {
  private readonly byService = new Map<string, ServiceCover>();

  constructor(
    private readonly reference: ReferenceIndex,
    private readonly covered: (id: number) => boolean,
  ) {}

  /** Every way `action` is near a covered action of its service, at most one per kind; empty when it is not. */
  near(action: ActionInfo): Nearness[] {
    const cover = this.serviceCover(action.service);
    if (!cover.actions.length) return [];
    const found: Nearness[] = [];
    const byType = firstShared(action.resourceTypes, cover.byResourceType);
    if (byType) found.push({ by: 'resource-type', shared: byType.key, like: byType.action.qualified });
    const byName = nameNeighbour(action, cover.actions);
    if (byName) found.push(byName);
    const byKey = firstShared(action.conditionKeys.filter((k) => cover.distinctiveKeys.has(k.toLowerCase())), cover.byConditionKey);
    if (byKey) found.push({ by: 'condition-key', shared: byKey.key, like: byKey.action.qualified });
    return found;
  }

  private serviceCover(service: string): ServiceCover {
    let cover = this.byService.get(service);
    if (cover) return cover;
    const info = this.reference.service(service);
    const actions: ActionInfo[] = [];
    const keyUse = new Map<string, number>();
    if (info) {
      for (let id = info.firstId; id < info.endId; id++) {
        const a = this.reference.actions[id]!;
        if (this.covered(id)) actions.push(a);
        for (const k of new Set(a.conditionKeys.map((x) => x.toLowerCase()))) keyUse.set(k, (keyUse.get(k) ?? 0) + 1);
      }
    }
    const total = info ? info.endId - info.firstId : 0;
    const prefix = `${service.toLowerCase()}:`;
    // Keys of the service itself (not aws:*), and only those that set some of its actions apart.
    const distinctiveKeys = new Set([...keyUse].filter(([k, n]) => k.startsWith(prefix) && n * 2 <= total).map(([k]) => k));
    actions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    cover = { actions, byResourceType: firstActionBy(actions, (a) => a.resourceTypes), byConditionKey: firstActionBy(actions, (a) => a.conditionKeys), distinctiveKeys };
    this.byService.set(service, cover);
    return cover;
  }
}

interface ServiceCover {
  /** The covered actions of the service, by name. */
  actions: ActionInfo[];
  /** Lower-cased resource type -> the first covered action acting on it. */
  byResourceType: Map<string, ActionInfo>;
  byConditionKey: Map<string, ActionInfo>;
  /** Lower-cased condition keys of the service taken by at most half of its actions. */
  distinctiveKeys: Set<string>;
}

function firstActionBy(actions: readonly ActionInfo[], values: (a: ActionInfo) => readonly string[]): Map<string, ActionInfo> {
  const map = new Map<string, ActionInfo>();
  for (const a of actions) for (const v of values(a)) if (!map.has(v.toLowerCase())) map.set(v.toLowerCase(), a);
  return map;
}

/** The first of `values` (in their order, as the action names them) that a covered action has too. */
function firstShared(values: readonly string[], index: Map<string, ActionInfo>): { key: string; action: ActionInfo } | undefined {
  for (const key of values) {
    const action = index.get(key.toLowerCase());
    if (action) return { key, action };
  }
  return undefined;
}

/**
 * The covered action whose name `action`'s is like: the same noun before a noun held inside, then the
 * same verb (EnableSecurityHubFeatureV2 is like DisableSecurityHubFeatureV2 before DisableSecurityHub).
 */
function nameNeighbour(action: ActionInfo, covered: readonly ActionInfo[]): Nearness | undefined {
  const mine = nameParts(action.name);
  if (!mine.noun.length) return undefined;
  let best: { like: ActionInfo; shared: Word[]; rank: number } | undefined;
  for (const c of covered) {
    const theirs = nameParts(c.name);
    if (!theirs.noun.length) continue;
    const equal = sameWords(mine.noun, theirs.noun);
    if (!equal && !(theirs.noun.length >= 2 && containsRun(mine.noun, theirs.noun))) continue;
    const rank = (equal ? 2 : 0) + (mine.verb === theirs.verb ? 1 : 0);
    if (!best || rank > best.rank) best = { like: c, shared: theirs.noun, rank };
  }
  return best ? { by: 'name', shared: best.shared.map((w) => w.text).join(''), like: best.like.qualified } : undefined;
}

interface Word {
  /** As written. */
  text: string;
  /** Lower case, a plural `s` dropped: what is compared. */
  key: string;
}

/**
 * A name's verb (its first word, two for Batch...) and the noun after it, in CamelCase words, without a
 * version suffix: `CreateUserV2` is `Create` and `User`; `BatchGetItems` is `BatchGet` and `Item`.
 */
export function nameParts(name: string): { verb: string; noun: Word[] } {
  const words = name.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/).filter(Boolean);
  while (words.length > 1 && /^V\d+$/.test(words[words.length - 1]!)) words.pop();
  const verbLength = words[0] === 'Batch' && words.length > 2 ? 2 : 1;
  return {
    verb: words.slice(0, verbLength).join(''),
    noun: words.slice(verbLength).map((text) => ({ text, key: singular(text.toLowerCase()) })),
  };
}

function singular(word: string): string {
  return word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

function sameWords(a: readonly Word[], b: readonly Word[]): boolean {
  return a.length === b.length && a.every((w, i) => w.key === b[i]!.key);
}

/** Whether `run` occurs in `words` as consecutive words. */
function containsRun(words: readonly Word[], run: readonly Word[]): boolean {
  for (let i = 0; i + run.length <= words.length; i++) if (run.every((w, j) => words[i + j]!.key === w.key)) return true;
  return false;
}
