/**
 * The notification as templates see it: the whole result, plus groupings that are awkward to write in
 * handlebars (new actions by service, impact by control, titles). A user template (`--template`)
 * receives the same object; README.md documents its fields.
 */
import type { ImpactItem, ImpactKind, NotifyResult } from '../notify/index.js';

export const IMPACT_TITLES: Record<ImpactKind, string> = {
  'deny-grew': 'a Deny now covers new actions (the guardrail grew)',
  'exemption-grew': 'an exemption now covers new actions (the guardrail shrank)',
  'allow-grew': 'an Allow now permits new actions',
  'covered-after-compile': 'covered once compiled again (run guardrails compile)',
  uncovered: 'new actions at access levels the control denies in their service, not covered',
  'removed-in-policy': 'a compiled policy names a removed action',
  'compile-fails': 'the next compile will fail',
};

export interface NotifyView extends NotifyResult {
  view: {
    title: string;
    addedByService: { service: string; count: number; actions: { action: string; accessLevel: string }[] }[];
    removedByService: { service: string; count: number; actions: string[] }[];
    byControl: { control: string; items: (ImpactItem & { title: string; shown: ImpactItem['actions']; more: number })[] }[];
    general: (ImpactItem & { title: string; shown: ImpactItem['actions']; more: number })[];
    sensitiveShown: NotifyResult['sensitiveAdditions'];
    sensitiveMore: number;
  };
}

export function notifyView(r: NotifyResult, maxActions = 10): NotifyView {
  const added = new Map<string, { action: string; accessLevel: string }[]>();
  for (const a of r.changes.actionsAdded) added.set(a.service, [...(added.get(a.service) ?? []), { action: a.action, accessLevel: a.accessLevel }]);
  const removed = new Map<string, string[]>();
  for (const a of r.changes.actionsRemoved) removed.set(a.service, [...(removed.get(a.service) ?? []), a.action]);
  const decorate = (i: ImpactItem) => ({ ...i, title: IMPACT_TITLES[i.kind], shown: i.actions.slice(0, maxActions), more: Math.max(0, i.actions.length - maxActions) });
  const byControl = new Map<string, ReturnType<typeof decorate>[]>();
  for (const i of r.impact) for (const c of i.controls) byControl.set(c, [...(byControl.get(c) ?? []), decorate(i)]);
  return {
    ...r,
    view: {
      title: `AWS service reference: ${r.summary.actionsAdded} actions added, ${r.summary.actionsRemoved} removed, ${r.summary.accessLevelChanges} access-level changes; ${r.summary.touchedControls.length ? `guardrails touched: ${r.summary.touchedControls.join(', ')}` : 'no guardrail touched'}`,
      addedByService: [...added].map(([service, actions]) => ({ service, count: actions.length, actions })).sort((a, b) => b.count - a.count || (a.service < b.service ? -1 : 1)),
      removedByService: [...removed].map(([service, actions]) => ({ service, count: actions.length, actions })).sort((a, b) => b.count - a.count || (a.service < b.service ? -1 : 1)),
      byControl: [...byControl].sort(([a], [b]) => (a < b ? -1 : 1)).map(([control, items]) => ({ control, items })),
      general: r.impact.filter((i) => i.controls.length === 0).map(decorate),
      sensitiveShown: r.sensitiveAdditions.slice(0, 25),
      sensitiveMore: Math.max(0, r.sensitiveAdditions.length - 25),
    },
  };
}
