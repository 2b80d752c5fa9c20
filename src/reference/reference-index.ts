/**
 * The reference index: every action of a snapshot, numbered, with its access level, resource types and
 * condition keys, and the services' resource ARN formats and condition-key types. Names are matched
 * case-insensitively (as IAM does) and answered in AWS's canonical casing.
 */
import type { AccessLevel } from './access-level.js';
import { COMPACT_INDEX_FORMAT, compactService, compareNames, LEVEL_CODES, type CompactIndex, type CompactService } from './compact-index.js';
import { ActionSet } from './action-set.js';
import { globToRegExp, hasWildcard, isPatternError, parseActionPattern, type ActionPattern } from './action-pattern.js';
import { closestNames, didYouMean } from '../diagnostics/suggest.js';
import rcpData from './rcp-supported-services.json' with { type: 'json' };
import globalKeyData from './global-condition-keys.json' with { type: 'json' };
import type { RawServiceFile } from './service-file.js';

export interface ActionInfo {
  readonly id: number;
  readonly service: string;
  readonly name: string;
  /** `service:Name` in canonical casing. */
  readonly qualified: string;
  readonly accessLevel: AccessLevel;
  readonly resourceTypes: readonly string[];
  readonly conditionKeys: readonly string[];
}

export interface ResourceTypeInfo {
  readonly name: string;
  readonly arnFormats: readonly string[];
  readonly conditionKeys: readonly string[];
}

export interface ConditionKeyInfo {
  /** Canonical name, with `${TagKey}`-style placeholders for templated keys. */
  readonly name: string;
  readonly types: readonly string[];
  /** `global` for AWS global keys, else the service prefix that defines it. */
  readonly definedBy: string;
}

export interface ServiceInfo {
  readonly prefix: string;
  readonly version: string | null;
  /** Actions of the service have ids firstId .. endId-1. */
  readonly firstId: number;
  readonly endId: number;
  readonly resourceTypes: ReadonlyMap<string, ResourceTypeInfo>;
  readonly conditionKeys: ReadonlyMap<string, ConditionKeyInfo>;
  readonly supportsRcp: boolean;
}

export interface ExpansionProblem {
  /** Position of the offending pattern in the list given to expandList. */
  index: number;
  severity: 'error' | 'warning';
  code: string;
  message: string;
  hint?: string;
}

export interface Expansion {
  /** included \ excluded */
  actions: ActionSet;
  included: ActionSet;
  excluded: ActionSet;
  /** What each pattern matched, in list order (exclusions included), for provenance and drift reports. */
  perPattern: { text: string; kind: 'include' | 'exclude'; matched: ActionSet; /** Position in the list. */ index: number }[];
  problems: ExpansionProblem[];
}

/** See ReferenceIndex.suggestionsLeft. */
export const SUGGESTIONS_PER_INDEX = 100;

const RCP_SERVICES = new Set(rcpData.services);
export const RCP_SUPPORT_SOURCE = { source: rcpData.source, asOf: rcpData.asOf };

export class ReferenceIndex {
  readonly actions: readonly ActionInfo[];
  readonly services: readonly ServiceInfo[];
  private readonly serviceByLower: Map<string, ServiceInfo>;
  private readonly actionByLower: Map<string, number>;
  /** As written in the reference: most lookups name actions that way and skip lower-casing. */
  private readonly actionByName: Map<string, number>;
  private readonly globalKeys: Map<string, ConditionKeyInfo>;
  /** Per service prefix, the actions without an access level (a few dozen in all). */
  private readonly unknownLevelIds = new Map<string, number[]>();
  /**
   * Did-you-mean hints this index may still compute. A hint compares an unknown name with every action
   * (or condition key) of its service: 3,000 unknown actions in one hostile list took 11 s of CPU, and
   * each stage that expands the list (validate, compile, the evaluator) paid it again. Past the first
   * ones an unknown name is still reported, without a hint; the CLI prints 20 of a code anyway.
   */
  private suggestionsLeft = SUGGESTIONS_PER_INDEX;

  private constructor(
    readonly snapshotId: string,
    actions: ActionInfo[],
    services: ServiceInfo[],
    private readonly compactServices: CompactService[],
  ) {
    this.actions = actions;
    this.services = services;
    this.serviceByLower = new Map(services.map((s) => [s.prefix.toLowerCase(), s]));
    this.actionByLower = new Map(actions.map((a) => [a.qualified.toLowerCase(), a.id]));
    this.actionByName = new Map(actions.map((a) => [a.qualified, a.id]));
    for (const a of actions) if (a.accessLevel === 'Unknown') this.unknownLevelIds.set(a.service, [...(this.unknownLevelIds.get(a.service) ?? []), a.id]);
    this.globalKeys = new Map();
    for (const k of globalKeyData.keys as { name: string; type: string; alsoTypes?: string[]; multivalued: boolean }[]) {
      const types = [k.type, ...(k.alsoTypes ?? [])].map((t) => (k.multivalued ? `ArrayOf${t}` : t));
      this.globalKeys.set(k.name.toLowerCase(), { name: k.name, types, definedBy: 'global' });
    }
  }

  /** Builds the index from service files; the order of files does not matter (ids follow sorted names). */
  static build(files: Iterable<RawServiceFile>, snapshotId: string): ReferenceIndex {
    return ReferenceIndex.fromCompact({ format: COMPACT_INDEX_FORMAT, snapshotId, services: [...files].map(compactService) });
  }

  static fromCompact(compact: CompactIndex): ReferenceIndex {
    const sorted = [...compact.services].sort((a, b) => compareNames(a[0], b[0]));
    const actions: ActionInfo[] = [];
    const services: ServiceInfo[] = [];
    for (const [prefix, version, compactActions, compactResources, compactKeys] of sorted) {
      const firstId = actions.length;
      for (const [name, level, resourceTypes, conditionKeys] of compactActions) {
        actions.push({ id: actions.length, service: prefix, name, qualified: `${prefix}:${name}`, accessLevel: LEVEL_CODES[level] ?? 'Unknown', resourceTypes, conditionKeys });
      }
      const resourceTypes = new Map<string, ResourceTypeInfo>();
      for (const [name, arnFormats, conditionKeys] of compactResources) resourceTypes.set(name.toLowerCase(), { name, arnFormats, conditionKeys });
      const conditionKeys = new Map<string, ConditionKeyInfo>();
      for (const [name, types] of compactKeys) conditionKeys.set(name.toLowerCase(), { name, types, definedBy: prefix });
      services.push({ prefix, version, firstId, endId: actions.length, resourceTypes, conditionKeys, supportsRcp: RCP_SERVICES.has(prefix) });
    }
    return new ReferenceIndex(compact.snapshotId, actions, services, sorted);
  }

  /** The compact form this index was built from, for storing beside its snapshot. */
  toCompact(): CompactIndex {
    return { format: COMPACT_INDEX_FORMAT, snapshotId: this.snapshotId, services: this.compactServices };
  }

  get size(): number {
    return this.actions.length;
  }

  emptySet(): ActionSet {
    return new ActionSet(this.actions.length);
  }

  allActions(): ActionSet {
    return ActionSet.range(this.actions.length, 0, this.actions.length);
  }

  service(prefix: string): ServiceInfo | undefined {
    return this.serviceByLower.get(prefix.toLowerCase());
  }

  serviceActions(service: ServiceInfo): ActionSet {
    return ActionSet.range(this.actions.length, service.firstId, service.endId);
  }

  /** The action named `service:Name` in any casing. */
  action(qualified: string): ActionInfo | undefined {
    const id = this.actionByName.get(qualified) ?? this.actionByLower.get(qualified.toLowerCase());
    return id === undefined ? undefined : this.actions[id];
  }

  supportsRcp(prefix: string): boolean {
    return RCP_SERVICES.has(prefix) || RCP_SERVICES.has(prefix.toLowerCase());
  }

  /** Every action a parsed pattern matches, ignoring its kind. */
  match(pattern: ActionPattern): ActionSet {
    const set = this.emptySet();
    this.matchInto(pattern, set);
    return set;
  }

  /** Adds what `pattern` matches to `set`; returns how many actions it matched. */
  matchInto(pattern: ActionPattern, set: ActionSet): number {
    let count = 0;
    const services = hasWildcard(pattern.service)
      ? this.services.filter((s) => globToRegExp(pattern.service).test(s.prefix))
      : [this.service(pattern.service)].filter((s): s is ServiceInfo => s !== undefined);
    const levels = pattern.levels;
    const literal = !hasWildcard(pattern.name);
    const re = literal ? undefined : globToRegExp(pattern.name);
    for (const svc of services) {
      if (literal) {
        const a = this.action(`${svc.prefix}:${pattern.name}`);
        if (a && (!levels || levels.includes(a.accessLevel as never))) {
          set.add(a.id);
          count++;
        }
        continue;
      }
      if (pattern.name === '*' && !levels) {
        for (let id = svc.firstId; id < svc.endId; id++) set.add(id);
        count += svc.endId - svc.firstId;
        continue;
      }
      for (let id = svc.firstId; id < svc.endId; id++) {
        const a = this.actions[id]!;
        if ((!levels || levels.includes(a.accessLevel as never)) && re!.test(a.name)) {
          set.add(id);
          count++;
        }
      }
    }
    return count;
  }

  /**
   * Expands a statement's action list: the union of its inclusions minus the union of its exclusions.
   * Problems name the pattern by its position so the caller can attach the source location.
   */
  expandList(texts: readonly string[]): Expansion {
    const included = this.emptySet();
    let excluded: ActionSet | undefined;
    const problems: ExpansionProblem[] = [];
    const perPattern: Expansion['perPattern'] = [];
    const exclusions: { index: number; pattern: ActionPattern; matched: ActionSet }[] = [];
    const warnedLevels = new Set<string>();
    texts.forEach((text, index) => {
      const parsed = parseActionPattern(text);
      if (isPatternError(parsed)) {
        problems.push(withHint({ index, severity: 'error', code: parsed.code, message: parsed.message }, parsed.hint));
        return;
      }
      if (parsed.kind === 'exclude') {
        const matched = this.emptySet();
        const count = this.matchInto(parsed, matched);
        perPattern.push({ text, kind: parsed.kind, matched, index });
        (excluded ??= this.emptySet()).addAll(matched);
        exclusions.push({ index, pattern: parsed, matched });
        if (count === 0) problems.push(this.noMatch(index, parsed, 'error', 'unknown-exclusion'));
        return;
      }
      // Matched straight into the union: most lists are exact names, and a set of its own per pattern
      // (2.7 KB each, zeroed) was most of what expanding them cost. The few callers that look at one
      // pattern's matches get them on first access.
      const count = this.matchInto(parsed, included);
      perPattern.push(this.lazilyMatched(text, parsed, index));
      if (count === 0) problems.push(this.noMatch(index, parsed, 'error', 'unknown-action'));
      if (parsed.levels) this.leftOutByLevels(index, parsed, warnedLevels, problems);
    });
    for (const x of exclusions) {
      if (!x.matched.isEmpty() && !x.matched.intersects(included)) {
        problems.push({
          index: x.index,
          severity: 'warning',
          code: 'exclusion-excludes-nothing',
          message: `"${x.pattern.text}" removes nothing: no pattern of this list includes ${describeMatches(this, x.matched)}`,
        });
      }
    }
    const actions = excluded ? included.minus(excluded) : included.clone();
    return { actions, included, excluded: excluded ?? this.emptySet(), perPattern, problems };
  }

  /** A perPattern entry whose `matched` is computed when first read, then kept. */
  private lazilyMatched(text: string, pattern: ActionPattern, index: number): Expansion['perPattern'][number] {
    let matched: ActionSet | undefined;
    const reference = this;
    return {
      text,
      kind: pattern.kind,
      index,
      get matched(): ActionSet {
        return (matched ??= reference.match(pattern));
      },
    };
  }

  /**
   * Actions without annotations have no access level, so no selector covers them, which the selector
   * alone does not tell. Each service is named once per list, with how many actions are left out; one
   * warning per pattern, since diagnostics at one place with one code count as one.
   */
  private leftOutByLevels(index: number, p: ActionPattern, warned: Set<string>, problems: ExpansionProblem[]): void {
    const re = globToRegExp(p.name);
    const serviceRe = globToRegExp(p.service);
    const left: { prefix: string; names: string[] }[] = [];
    for (const [prefix, ids] of this.unknownLevelIds) {
      if (warned.has(prefix) || !serviceRe.test(prefix)) continue;
      const names = ids.map((id) => this.actions[id]!.name).filter((name) => re.test(name));
      if (names.length === 0) continue;
      warned.add(prefix);
      left.push({ prefix, names });
    }
    if (left.length === 0) return;
    const first = left[0]!;
    const total = left.reduce((n, l) => n + l.names.length, 0);
    const plural = (n: number) => `${n} action${n === 1 ? '' : 's'}`;
    const message =
      left.length === 1
        ? `"${p.text}" leaves out ${plural(total)} of service ${first.prefix} that ${total === 1 ? 'has' : 'have'} no access level in the service reference (${first.names.slice(0, 3).join(', ')}${first.names.length > 3 ? ', ...' : ''})`
        : `"${p.text}" leaves out ${plural(total)} that have no access level in the service reference: ${left.map((l) => `${l.names.length} of ${l.prefix}`).join(', ')}`;
    problems.push({ index, severity: 'warning', code: 'unknown-access-level-actions', message, hint: `name them (e.g. ${first.prefix}:${first.names[0]}) if the statement should cover them` });
  }

  private noMatch(index: number, p: ActionPattern, severity: 'error' | 'warning', code: string): ExpansionProblem {
    const suggest = this.maySuggest();
    if (!hasWildcard(p.service) && !this.service(p.service)) {
      return withHint(
        { index, severity: 'error', code: 'unknown-service', message: `"${p.text}": there is no service "${p.service}" in the service reference` },
        suggest ? didYouMean(closestNames(p.service, this.services.map((s) => s.prefix))) : undefined,
      );
    }
    const svc = this.service(p.service);
    const candidates = svc && suggest ? this.actions.slice(svc.firstId, svc.endId).map((a) => a.name) : [];
    const stem = p.name.replace(/[*?]/g, '');
    const near = stem && candidates.length ? closestNames(stem, candidates).map((n) => `${svc!.prefix}:${n}`) : [];
    const what = p.levels ? `${p.levels.map((l) => `{${l}}`).join('')} action${hasWildcard(p.name) ? ` matching ${p.name}` : ` ${p.name}`}` : hasWildcard(p.name) ? `action matching ${p.name}` : `action ${p.name}`;
    const where = svc ? `service ${svc.prefix}` : `services matching ${p.service}`;
    const verb = code === 'unknown-exclusion' ? 'excludes nothing: there is no' : 'matches nothing: there is no';
    return withHint({ index, severity, code, message: `"${p.text}" ${verb} ${what} in ${where}` }, didYouMean(near));
  }

  /**
   * The definition of a condition key. Templated keys (`aws:ResourceTag/${TagKey}`) match any suffix.
   * Service keys are looked up in the service named by the key's prefix.
   */
  conditionKey(name: string): ConditionKeyInfo | undefined {
    const known = this.keyCache.get(name);
    if (known !== undefined) return known ?? undefined;
    const found = this.findConditionKey(name);
    if (this.keyCache.size < 10_000) this.keyCache.set(name, found ?? null);
    return found;
  }

  private readonly keyCache = new Map<string, ConditionKeyInfo | null>();

  private findConditionKey(name: string): ConditionKeyInfo | undefined {
    const lower = name.toLowerCase();
    const colon = lower.indexOf(':');
    const prefix = colon > 0 ? lower.slice(0, colon) : '';
    const pools: ReadonlyMap<string, ConditionKeyInfo>[] = [];
    if (prefix === 'aws') pools.push(this.globalKeys);
    const svc = this.serviceByLower.get(prefix);
    if (svc) pools.push(svc.conditionKeys);
    if (prefix !== 'aws') pools.push(this.globalKeys);
    for (const pool of pools) {
      const exact = pool.get(lower);
      if (exact) return exact;
    }
    for (const pool of pools) {
      for (const [key, info] of pool) {
        const template = keyTemplate(key);
        if (template?.test(lower)) return info;
      }
    }
    return undefined;
  }

  /** Spends one did-you-mean hint: false once this index has computed SUGGESTIONS_PER_INDEX of them. */
  private maySuggest(): boolean {
    return this.suggestionsLeft-- > 0;
  }

  /** Close names for an unknown condition key, for hints (none once this index has given its share). */
  suggestConditionKeys(name: string): string[] {
    if (!this.maySuggest()) return [];
    const lower = name.toLowerCase();
    const prefix = lower.slice(0, Math.max(0, lower.indexOf(':')));
    const pools: ReadonlyMap<string, ConditionKeyInfo>[] = [this.globalKeys];
    // A misspelled prefix (ec22:) is looked up in the services whose prefix is closest.
    const services = this.serviceByLower.has(prefix) ? [prefix] : prefix ? closestNames(prefix, this.serviceByLower.keys(), 2) : [];
    for (const s of services) pools.push(this.serviceByLower.get(s)!.conditionKeys);
    // A templated key is compared with the tag key written in place of its slot, so that
    // aws:PrincipleTag/team is close to aws:PrincipalTag/team, not far from aws:PrincipalTag/${TagKey}.
    const slash = name.indexOf('/');
    const written = slash >= 0 ? name.slice(slash + 1) : undefined;
    const candidates = new Map<string, string>();
    for (const pool of pools) {
      for (const k of pool.values()) {
        const slot = written === undefined ? -1 : k.name.search(/\/(\$\{[^}]*\}|<[^>]*>|tag-key)?$/);
        candidates.set(slot >= 0 ? `${k.name.slice(0, slot)}/${written}` : k.name, k.name);
      }
    }
    return closestNames(name, candidates.keys());
  }
}

const templates = new Map<string, RegExp | null>();

/**
 * A templated key as a pattern over lower-cased names: each placeholder, written `${TagKey}` or
 * `<key>` (s3:ExistingObjectTag/<key>), stands for one or more characters.
 */
function keyTemplate(lowerKey: string): RegExp | undefined {
  let re = templates.get(lowerKey);
  if (re === undefined) {
    // Most services write the tag key's slot as ${TagKey}; a few spell it out (secretsmanager's
    // ResourceTag/tag-key) or leave it empty (glacier's ResourceTag/): the same slot.
    const slotted = lowerKey.replace(/\/(tag-key)?$/, '/${tagkey}');
    const parts = slotted.split(/\$\{[^}]*\}|<[^>]*>/);
    re = parts.length > 1 ? new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('.+')}$`) : null;
    templates.set(lowerKey, re);
  }
  return re ?? undefined;
}

function withHint(p: ExpansionProblem, hint: string | undefined): ExpansionProblem {
  if (hint) p.hint = hint;
  return p;
}

function describeMatches(index: ReferenceIndex, set: ActionSet): string {
  const names = set.toArray().slice(0, 3).map((id) => index.actions[id]!.qualified);
  return names.join(', ') + (set.size > 3 ? ', ...' : '');
}
