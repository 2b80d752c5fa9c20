/**
 * What changed between two service-reference snapshots: services, actions, and per action its access
 * level, condition keys and resource types; per service its condition keys and resource types. Names
 * are compared case-insensitively (the data mixes cases for the same key) and reported in the casing
 * of the snapshot they are found in (the newer one when both have them).
 */
import type { AccessLevel, ActionInfo, ReferenceIndex, ServiceInfo } from '../reference/index.js';

export interface AddedAction {
  action: string;
  service: string;
  accessLevel: AccessLevel;
  resourceTypes: string[];
  conditionKeys: string[];
}

export interface AccessLevelChange {
  action: string;
  from: AccessLevel;
  to: AccessLevel;
}

export interface ListChange {
  /** An action (`svc:Name`) or a service prefix. */
  name: string;
  added: string[];
  removed: string[];
}

export interface ReferenceChanges {
  from: { snapshotId: string; services: number; actions: number };
  to: { snapshotId: string; services: number; actions: number };
  servicesAdded: { service: string; actions: number }[];
  servicesRemoved: { service: string; actions: number }[];
  actionsAdded: AddedAction[];
  actionsRemoved: { action: string; service: string; accessLevel: AccessLevel }[];
  accessLevelChanges: AccessLevelChange[];
  actionConditionKeyChanges: ListChange[];
  actionResourceTypeChanges: ListChange[];
  serviceConditionKeyChanges: ListChange[];
  serviceResourceTypeChanges: ListChange[];
}

export function compareReferences(from: ReferenceIndex, to: ReferenceIndex): ReferenceChanges {
  const out: ReferenceChanges = {
    from: { snapshotId: from.snapshotId, services: from.services.length, actions: from.size },
    to: { snapshotId: to.snapshotId, services: to.services.length, actions: to.size },
    servicesAdded: [],
    servicesRemoved: [],
    actionsAdded: [],
    actionsRemoved: [],
    accessLevelChanges: [],
    actionConditionKeyChanges: [],
    actionResourceTypeChanges: [],
    serviceConditionKeyChanges: [],
    serviceResourceTypeChanges: [],
  };
  for (const svc of to.services) {
    const before = from.service(svc.prefix);
    if (!before) out.servicesAdded.push({ service: svc.prefix, actions: svc.endId - svc.firstId });
    else compareService(before, svc, out);
    for (let id = svc.firstId; id < svc.endId; id++) {
      const a = to.actions[id]!;
      const old = before ? from.action(a.qualified) : undefined;
      if (!old) out.actionsAdded.push(added(a));
      else compareAction(old, a, out);
    }
  }
  for (const svc of from.services) {
    const now = to.service(svc.prefix);
    if (!now) out.servicesRemoved.push({ service: svc.prefix, actions: svc.endId - svc.firstId });
    for (let id = svc.firstId; id < svc.endId; id++) {
      const a = from.actions[id]!;
      if (!now || !to.action(a.qualified)) out.actionsRemoved.push({ action: a.qualified, service: a.service, accessLevel: a.accessLevel });
    }
  }
  return out;
}

function added(a: ActionInfo): AddedAction {
  return { action: a.qualified, service: a.service, accessLevel: a.accessLevel, resourceTypes: [...a.resourceTypes], conditionKeys: [...a.conditionKeys] };
}

function compareAction(old: ActionInfo, now: ActionInfo, out: ReferenceChanges): void {
  if (old.accessLevel !== now.accessLevel) out.accessLevelChanges.push({ action: now.qualified, from: old.accessLevel, to: now.accessLevel });
  const keys = listChange(now.qualified, old.conditionKeys, now.conditionKeys);
  if (keys) out.actionConditionKeyChanges.push(keys);
  const resources = listChange(now.qualified, old.resourceTypes, now.resourceTypes);
  if (resources) out.actionResourceTypeChanges.push(resources);
}

function compareService(old: ServiceInfo, now: ServiceInfo, out: ReferenceChanges): void {
  const keys = listChange(now.prefix, [...old.conditionKeys.values()].map((k) => k.name), [...now.conditionKeys.values()].map((k) => k.name));
  if (keys) out.serviceConditionKeyChanges.push(keys);
  const types = listChange(now.prefix, [...old.resourceTypes.values()].map((r) => r.name), [...now.resourceTypes.values()].map((r) => r.name));
  if (types) out.serviceResourceTypeChanges.push(types);
}

/** Case-insensitive set difference; undefined when nothing changed. */
function listChange(name: string, before: readonly string[], after: readonly string[]): ListChange | undefined {
  const b = new Map(before.map((x) => [x.toLowerCase(), x]));
  const a = new Map(after.map((x) => [x.toLowerCase(), x]));
  const added = [...a].filter(([k]) => !b.has(k)).map(([, v]) => v).sort();
  const removed = [...b].filter(([k]) => !a.has(k)).map(([, v]) => v).sort();
  return added.length || removed.length ? { name, added, removed } : undefined;
}
