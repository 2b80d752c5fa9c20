/**
 * The notification as templates see it: the whole result, plus groupings that are awkward to write in
 * handlebars (new actions by service, impact by control, titles) and the lists as shown, shortened to
 * the limits of the rendering (a GitHub issue body holds 65,536 characters). A user template
 * (`--template`) receives the same object; README.md documents its fields.
 */
import { daysBetween, describeSnapshotDate } from '../reference/index.js';
import { describeNearness, type AccessLevelChange, type ImpactAction, type ImpactItem, type ImpactKind, type ListChange, type NotifyResult } from '../notify/index.js';

export const IMPACT_TITLES: Record<ImpactKind, string> = {
  'deny-grew': 'a Deny now covers new actions (the guardrail grew)',
  'exemption-grew': 'an exemption now covers new actions (the guardrail shrank)',
  'allow-grew': 'an Allow now permits new actions',
  'covered-after-compile': 'covered once compiled again (run guardrails compile)',
  uncovered: 'new actions near what the control denies, not covered',
  'removed-in-policy': 'a compiled policy names a removed action',
  'compile-fails': 'the next compile will fail',
};

/** How much of each list is shown; Infinity shows everything. */
export interface ViewLimits {
  /** Actions shown per impact item. */
  perItem: number;
  /** New sensitive actions shown. */
  sensitive: number;
  /** Action names per service in the lists of all changes. */
  perService: number;
  /** Entries of each list of all changes (services, access-level changes, condition keys...). */
  perList: number;
}

export const DEFAULT_VIEW_LIMITS: ViewLimits = { perItem: 10, sensitive: 25, perService: Infinity, perList: Infinity };

/** A list as shown: the first entries, how many there are, how many are not shown. */
export interface Shown<T> {
  items: T[];
  total: number;
  more: number;
}

/** An action as listed: with why it is listed, in words, when the finding says (uncovered). */
export type ViewAction = ImpactAction & { why?: string };

/** `explained`: every action shown says why it is listed, so each goes on a line of its own. */
type ViewItem = ImpactItem & { title: string; shown: ViewAction[]; more: number; explained: boolean };

export interface NotifyView extends NotifyResult {
  view: {
    title: string;
    /** Services with new actions, most first; `actions` as shown, `more` not shown. */
    addedByService: { service: string; count: number; actions: { action: string; accessLevel: string }[]; more: number }[];
    removedByService: { service: string; count: number; actions: string[]; more: number }[];
    byControl: { control: string; items: ViewItem[] }[];
    general: ViewItem[];
    sensitiveShown: NotifyResult['sensitiveAdditions'];
    sensitiveMore: number;
    /** The lists of all changes as shown. */
    all: {
      servicesAdded: Shown<{ service: string; actions: number }>;
      servicesRemoved: Shown<{ service: string; actions: number }>;
      addedByService: Shown<NotifyView['view']['addedByService'][number]>;
      removedByService: Shown<NotifyView['view']['removedByService'][number]>;
      accessLevelChanges: Shown<AccessLevelChange>;
      actionConditionKeyChanges: Shown<ListChange>;
      actionResourceTypeChanges: Shown<ListChange>;
      serviceConditionKeyChanges: Shown<ListChange>;
      serviceResourceTypeChanges: Shown<ListChange>;
    };
    /** Set when lists were shortened to fit a length: the last line says where the full lists are. */
    shortened: string | undefined;
    /** Each snapshot's date in words: "of 2026-08-22 (the date in its source's path)". */
    fromDate: string;
    toDate: string;
    /** Days between the two snapshots' dates, when both are dates of their contents. */
    daysApart: number | undefined;
    /** The services of the actions listed in findings and new sensitive actions (as shown), which link to their documentation. */
    linkedServices: string[];
  };
}

function shown<T>(list: readonly T[], max: number): Shown<T> {
  const items = list.slice(0, max);
  return { items, total: list.length, more: list.length - items.length };
}

export function notifyView(r: NotifyResult, limits: ViewLimits = DEFAULT_VIEW_LIMITS, shortened?: string): NotifyView {
  const added = new Map<string, { action: string; accessLevel: string }[]>();
  for (const a of r.changes.actionsAdded) added.set(a.service, [...(added.get(a.service) ?? []), { action: a.action, accessLevel: a.accessLevel }]);
  const removed = new Map<string, string[]>();
  for (const a of r.changes.actionsRemoved) removed.set(a.service, [...(removed.get(a.service) ?? []), a.action]);
  const decorate = (i: ImpactItem): ViewItem => {
    const shown = i.actions.slice(0, limits.perItem).map((a): ViewAction => (a.near?.length ? { ...a, why: a.near.map(describeNearness).join('; ') } : a));
    return { ...i, title: IMPACT_TITLES[i.kind], shown, more: Math.max(0, i.actions.length - limits.perItem), explained: shown.length > 0 && shown.every((a) => a.why !== undefined) };
  };
  const byControl = new Map<string, ViewItem[]>();
  const items = r.impact.map(decorate);
  r.impact.forEach((i, n) => {
    for (const c of i.controls) byControl.set(c, [...(byControl.get(c) ?? []), items[n]!]);
  });
  const perService = <T>(service: string, list: T[]) => ({ service, count: list.length, actions: list.slice(0, limits.perService), more: Math.max(0, list.length - limits.perService) });
  const addedByService = [...added].map(([service, actions]) => perService(service, actions)).sort((a, b) => b.count - a.count || (a.service < b.service ? -1 : 1));
  const removedByService = [...removed].map(([service, actions]) => perService(service, actions)).sort((a, b) => b.count - a.count || (a.service < b.service ? -1 : 1));
  const all = {
    servicesAdded: shown(r.changes.servicesAdded, limits.perList),
    servicesRemoved: shown(r.changes.servicesRemoved, limits.perList),
    addedByService: shown(addedByService, limits.perList),
    removedByService: shown(removedByService, limits.perList),
    accessLevelChanges: shown(r.changes.accessLevelChanges, limits.perList),
    actionConditionKeyChanges: shown(r.changes.actionConditionKeyChanges, limits.perList),
    actionResourceTypeChanges: shown(r.changes.actionResourceTypeChanges, limits.perList),
    serviceConditionKeyChanges: shown(r.changes.serviceConditionKeyChanges, limits.perList),
    serviceResourceTypeChanges: shown(r.changes.serviceResourceTypeChanges, limits.perList),
  };
  return {
    ...r,
    view: {
      title: `AWS service reference: ${r.summary.actionsAdded} actions added, ${r.summary.actionsRemoved} removed, ${r.summary.accessLevelChanges} access-level changes; ${r.summary.touchedControls.length ? `guardrails touched: ${r.summary.touchedControls.join(', ')}` : 'no guardrail touched'}`,
      addedByService: all.addedByService.items,
      removedByService: all.removedByService.items,
      byControl: [...byControl].sort(([a], [b]) => (a < b ? -1 : 1)).map(([control, items]) => ({ control, items })),
      general: items.filter((i) => i.controls.length === 0),
      sensitiveShown: r.sensitiveAdditions.slice(0, limits.sensitive),
      sensitiveMore: Math.max(0, r.sensitiveAdditions.length - limits.sensitive),
      all,
      shortened,
      fromDate: describeSnapshotDate(r.from.date),
      toDate: describeSnapshotDate(r.to.date),
      daysApart: daysBetween(r.from.date, r.to.date),
      linkedServices: linkedServices(items, r.sensitiveAdditions.slice(0, limits.sensitive)),
    },
  };
}

function linkedServices(items: readonly ViewItem[], sensitive: readonly ImpactAction[]): string[] {
  const services = new Set<string>();
  const serviceOf = (action: string) => action.slice(0, Math.max(0, action.indexOf(':')));
  for (const i of items) for (const a of i.shown) services.add(serviceOf(a.action));
  for (const a of sensitive) services.add(serviceOf(a.action));
  services.delete('');
  return [...services].sort();
}
