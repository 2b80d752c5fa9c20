/**
 * Outcomes of shapes gathered into findings, one per (change, controls, account, principal, action),
 * each with its events, shapes, first and last time seen and the smallest example event id; what was
 * denied already; per control, what it newly denies and may deny.
 */
import type { OrgTree } from '../model/org-tree.js';
import type { ActionOutcome } from './compare.js';
import type { ControlImpact, ImpactControl, ImpactFinding, ImpactReport, ImpactStatement } from './report-types.js';
import type { ShapeRow, UnmappedEvents } from './types.js';

/** Most eventNames listed per unmapped eventSource (the rest are counted in its events). */
const MAX_UNMAPPED_NAMES = 50;

export class Findings {
  private readonly byKey = new Map<string, ImpactFinding & { principals: Set<string> }>();
  private readonly already = { events: 0, shapes: 0, byControl: new Map<string, number>() };
  private readonly unmapped = new Map<string, UnmappedEvents>();

  constructor(private readonly tree: OrgTree) {}

  add(row: ShapeRow, outcomes: readonly ActionOutcome[]): void {
    let alreadyCounted = false;
    for (const o of outcomes) {
      const controls = controlsOf(o);
      if (o.outcome === 'already-denied') {
        if (alreadyCounted) continue;
        alreadyCounted = true;
        this.already.events += row.events;
        this.already.shapes++;
        for (const c of controls) this.already.byControl.set(c.control, (this.already.byControl.get(c.control) ?? 0) + row.events);
        continue;
      }
      const account = row.recipientAccountId;
      const key = JSON.stringify([o.outcome, controls.map((c) => c.control), account, row.principalArn ?? `${row.principalType}|${row.principalAccount ?? ''}|${row.invokedBy ?? ''}`, o.action]);
      let f = this.byKey.get(key);
      if (!f) {
        const node = this.tree.account(account);
        f = {
          change: o.outcome,
          controls,
          statements: statementsOf(o),
          action: o.action,
          operation: { eventSource: row.eventSource, eventName: row.eventName },
          principal: { arn: row.principalArn, type: row.principalType, account: row.principalAccount },
          account: { id: account, ...(node ? { name: node.name, path: node.path } : {}) },
          resource: { arns: [], account: row.resourceAccount },
          regions: [],
          unknownKeys: [],
          events: 0,
          shapes: 0,
          firstSeen: row.firstSeen,
          lastSeen: row.lastSeen,
          exampleEventId: row.exampleEventId,
          alreadyFailing: 0,
          principals: new Set(),
        };
        this.byKey.set(key, f);
      }
      f.events += row.events;
      f.shapes++;
      if (row.errorCode !== null) f.alreadyFailing += row.events;
      if (row.firstSeen < f.firstSeen) f.firstSeen = row.firstSeen;
      if (row.lastSeen > f.lastSeen) f.lastSeen = row.lastSeen;
      if (row.exampleEventId < f.exampleEventId) f.exampleEventId = row.exampleEventId;
      addSorted(f.regions, row.awsRegion);
      for (const arn of row.resourceArns) if (f.resource.arns.length < 20) addSorted(f.resource.arns, arn);
      for (const k of o.unknownKeys) addSorted(f.unknownKeys, k);
    }
  }

  addUnmapped(row: ShapeRow): void {
    let u = this.unmapped.get(row.eventSource);
    if (!u) this.unmapped.set(row.eventSource, (u = { eventSource: row.eventSource, events: 0, eventNames: [] }));
    u.events += row.events;
    const name = u.eventNames.find((n) => n.name === row.eventName);
    if (name) name.events += row.events;
    else if (u.eventNames.length < MAX_UNMAPPED_NAMES) u.eventNames.push({ name: row.eventName, events: row.events });
  }

  /** The findings, most events first; then by change, control, account, principal and action, so the order never depends on the input's. */
  report(): Pick<ImpactReport, 'findings' | 'alreadyDenied' | 'byControl' | 'unmapped'> {
    const findings = [...this.byKey.values()]
      .map(({ principals: _, ...f }) => f)
      .sort((a, b) => CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change] || b.events - a.events || cmp(a.controls.map((c) => c.control).join(','), b.controls.map((c) => c.control).join(',')) || cmp(a.account.id, b.account.id) || cmp(a.principal.arn ?? '', b.principal.arn ?? '') || cmp(a.action, b.action));
    const byControl = new Map<string, ControlImpact & { principalSet: Set<string> }>();
    for (const f of findings) {
      for (const c of f.controls) {
        let e = byControl.get(c.control);
        if (!e) byControl.set(c.control, (e = { control: c.control, newlyDenied: { events: 0, accounts: [], principals: 0 }, mayDeny: { events: 0, keys: [] }, newlyAllowed: { events: 0 }, principalSet: new Set() }));
        if (f.change === 'newly-denied') {
          e.newlyDenied.events += f.events;
          addSorted(e.newlyDenied.accounts, f.account.id);
          e.principalSet.add(f.principal.arn ?? `${f.principal.type}|${f.principal.account}`);
          e.newlyDenied.principals = e.principalSet.size;
        } else if (f.change === 'may-deny') {
          e.mayDeny.events += f.events;
          for (const k of f.unknownKeys) addSorted(e.mayDeny.keys, k);
        } else e.newlyAllowed.events += f.events;
      }
    }
    return {
      findings,
      alreadyDenied: { events: this.already.events, shapes: this.already.shapes, byControl: [...this.already.byControl].map(([control, events]) => ({ control, events })).sort((a, b) => b.events - a.events || cmp(a.control, b.control)) },
      byControl: [...byControl.values()].map(({ principalSet: _, ...c }) => c).sort((a, b) => b.newlyDenied.events - a.newlyDenied.events || b.mayDeny.events - a.mayDeny.events || cmp(a.control, b.control)),
      unmapped: [...this.unmapped.values()].map((u) => ({ ...u, eventNames: [...u.eventNames].sort((a, b) => b.events - a.events || cmp(a.name, b.name)) })).sort((a, b) => b.events - a.events || cmp(a.eventSource, b.eventSource)),
    };
  }
}

const CHANGE_ORDER = { 'newly-denied': 0, 'may-deny': 1, 'newly-allowed': 2 } as const;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function addSorted(list: string[], value: string): void {
  if (list.includes(value)) return;
  list.push(value);
  list.sort();
}

/** The controls the deciding statements come from, each once, by id. */
function controlsOf(o: ActionOutcome): ImpactControl[] {
  const seen = new Map<string, ImpactControl>();
  for (const s of o.decision.statements) {
    for (const origin of s.origins) {
      if (seen.has(origin.control)) continue;
      seen.set(origin.control, { control: origin.control, ...(origin.controlLocation ? { location: origin.controlLocation } : {}) });
    }
  }
  return [...seen.values()].sort((a, b) => cmp(a.control, b.control));
}

function statementsOf(o: ActionOutcome): ImpactStatement[] {
  const seen = new Set<string>();
  const out: ImpactStatement[] = [];
  for (const s of o.decision.statements) {
    const key = `${s.type}|${s.policy}|${s.sid ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ type: s.type, policy: s.policy, ...(s.sid ? { sid: s.sid } : {}), ...(s.implicit ? { implicit: true } : {}) });
  }
  return out;
}
