/**
 * The reference index: every action of a snapshot, numbered, with its access level, resource types and
 * condition keys, and the services' resource ARN formats and condition-key types. Names are matched
 * case-insensitively (as IAM does) and answered in AWS's canonical casing.
 */
import { accessLevelOf, type AccessLevel } from './access-level.js';
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
  perPattern: { text: string; kind: 'include' | 'exclude'; matched: ActionSet }[];
  problems: ExpansionProblem[];
}

const RCP_SERVICES = new Set(rcpData.services);
export const RCP_SUPPORT_SOURCE = { source: rcpData.source, asOf: rcpData.asOf };

export class ReferenceIndex {
  readonly actions: readonly ActionInfo[];
  readonly services: readonly ServiceInfo[];
  private readonly serviceByLower: Map<string, ServiceInfo>;
  private readonly actionByLower: Map<string, number>;
  private readonly globalKeys: Map<string, ConditionKeyInfo>;

  private constructor(
    readonly snapshotId: string,
    actions: ActionInfo[],
    services: ServiceInfo[],
  ) {
    this.actions = actions;
    this.services = services;
    this.serviceByLower = new Map(services.map((s) => [s.prefix.toLowerCase(), s]));
    this.actionByLower = new Map(actions.map((a) => [a.qualified.toLowerCase(), a.id]));
    this.globalKeys = new Map();
    for (const k of globalKeyData.keys) {
      this.globalKeys.set(k.name.toLowerCase(), { name: k.name, types: [k.multivalued ? `ArrayOf${k.type}` : k.type], definedBy: 'global' });
    }
  }

  /** Builds the index from service files; the order of files does not matter (ids follow sorted names). */
  static build(files: Iterable<RawServiceFile>, snapshotId: string): ReferenceIndex {
    const sortedFiles = [...files].sort((a, b) => compareNames(a.Name, b.Name));
    const actions: ActionInfo[] = [];
    const services: ServiceInfo[] = [];
    for (const file of sortedFiles) {
      const prefix = file.Name;
      const firstId = actions.length;
      const sortedActions = [...file.Actions].sort((a, b) => compareNames(a.Name, b.Name));
      let last = '';
      for (const a of sortedActions) {
        // Defensive: a file listing one action twice (in any casing) must not yield two ids.
        const lower = a.Name.toLowerCase();
        if (lower === last) continue;
        last = lower;
        actions.push({
          id: actions.length,
          service: prefix,
          name: a.Name,
          qualified: `${prefix}:${a.Name}`,
          accessLevel: accessLevelOf(a),
          resourceTypes: (a.Resources ?? []).map((r) => r.Name),
          conditionKeys: a.ActionConditionKeys ?? [],
        });
      }
      const resourceTypes = new Map<string, ResourceTypeInfo>();
      for (const r of file.Resources ?? []) {
        resourceTypes.set(r.Name.toLowerCase(), { name: r.Name, arnFormats: r.ARNFormats ?? [], conditionKeys: r.ConditionKeys ?? [] });
      }
      const conditionKeys = new Map<string, ConditionKeyInfo>();
      for (const k of file.ConditionKeys ?? []) conditionKeys.set(k.Name.toLowerCase(), { name: k.Name, types: k.Types ?? [], definedBy: prefix });
      services.push({
        prefix,
        version: file.Version ?? null,
        firstId,
        endId: actions.length,
        resourceTypes,
        conditionKeys,
        supportsRcp: RCP_SERVICES.has(prefix),
      });
    }
    return new ReferenceIndex(snapshotId, actions, services);
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
    const id = this.actionByLower.get(qualified.toLowerCase());
    return id === undefined ? undefined : this.actions[id];
  }

  supportsRcp(prefix: string): boolean {
    return RCP_SERVICES.has(prefix.toLowerCase());
  }

  /** Every action a parsed pattern matches, ignoring its kind. */
  match(pattern: ActionPattern): ActionSet {
    const set = this.emptySet();
    const services = hasWildcard(pattern.service)
      ? this.services.filter((s) => globToRegExp(pattern.service).test(s.prefix))
      : [this.service(pattern.service)].filter((s): s is ServiceInfo => s !== undefined);
    const levels = pattern.levels;
    const literal = !hasWildcard(pattern.name);
    const re = literal ? undefined : globToRegExp(pattern.name);
    for (const svc of services) {
      if (literal) {
        const a = this.action(`${svc.prefix}:${pattern.name}`);
        if (a && (!levels || levels.includes(a.accessLevel as never))) set.add(a.id);
        continue;
      }
      if (pattern.name === '*' && !levels) {
        for (let id = svc.firstId; id < svc.endId; id++) set.add(id);
        continue;
      }
      for (let id = svc.firstId; id < svc.endId; id++) {
        const a = this.actions[id]!;
        if ((!levels || levels.includes(a.accessLevel as never)) && re!.test(a.name)) set.add(id);
      }
    }
    return set;
  }

  /**
   * Expands a statement's action list: the union of its inclusions minus the union of its exclusions.
   * Problems name the pattern by its position so the caller can attach the source location.
   */
  expandList(texts: readonly string[]): Expansion {
    const included = this.emptySet();
    const excluded = this.emptySet();
    const problems: ExpansionProblem[] = [];
    const perPattern: Expansion['perPattern'] = [];
    const exclusions: { index: number; pattern: ActionPattern; matched: ActionSet }[] = [];
    texts.forEach((text, index) => {
      const parsed = parseActionPattern(text);
      if (isPatternError(parsed)) {
        problems.push(withHint({ index, severity: 'error', code: parsed.code, message: parsed.message }, parsed.hint));
        return;
      }
      const matched = this.match(parsed);
      perPattern.push({ text, kind: parsed.kind, matched });
      if (parsed.kind === 'exclude') {
        excluded.addAll(matched);
        exclusions.push({ index, pattern: parsed, matched });
        if (matched.isEmpty()) problems.push(this.noMatch(index, parsed, 'warning', 'unknown-exclusion'));
        return;
      }
      included.addAll(matched);
      if (matched.isEmpty()) problems.push(this.noMatch(index, parsed, 'error', 'unknown-action'));
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
    return { actions: included.minus(excluded), included, excluded, perPattern, problems };
  }

  private noMatch(index: number, p: ActionPattern, severity: 'error' | 'warning', code: string): ExpansionProblem {
    if (!hasWildcard(p.service) && !this.service(p.service)) {
      return withHint(
        { index, severity: 'error', code: 'unknown-service', message: `"${p.text}": there is no service "${p.service}" in the service reference` },
        didYouMean(closestNames(p.service, this.services.map((s) => s.prefix))),
      );
    }
    const svc = this.service(p.service);
    const candidates = svc ? this.actions.slice(svc.firstId, svc.endId).map((a) => a.name) : [];
    const stem = p.name.replace(/[*?]/g, '');
    const near = stem ? closestNames(stem, candidates).map((n) => `${svc!.prefix}:${n}`) : [];
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
        const at = key.indexOf('${');
        if (at > 0 && lower.length > at && lower.startsWith(key.slice(0, at))) return info;
      }
    }
    return undefined;
  }

  /** Close names for an unknown condition key, for hints. */
  suggestConditionKeys(name: string): string[] {
    const lower = name.toLowerCase();
    const prefix = lower.slice(0, Math.max(0, lower.indexOf(':')));
    const names = [...this.globalKeys.values()].map((k) => k.name);
    const svc = this.serviceByLower.get(prefix);
    if (svc) names.push(...[...svc.conditionKeys.values()].map((k) => k.name));
    return closestNames(name, names);
  }
}

function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

function withHint(p: ExpansionProblem, hint: string | undefined): ExpansionProblem {
  if (hint) p.hint = hint;
  return p;
}

function describeMatches(index: ReferenceIndex, set: ActionSet): string {
  const names = set.toArray().slice(0, 3).map((id) => index.actions[id]!.qualified);
  return names.join(', ') + (set.size > 3 ? ', ...' : '');
}
