/**
 * The verdict per control: the semantic diff's changes, attributed to the statements that make them
 * (attribution.ts), regrouped by control. Persona groups that show the same change of a control are
 * merged into one entry (its personas and accounts together), so a change the reviewer must judge
 * appears once however many personas and OUs it reaches. A control is stricter when each of its changes
 * denies more and none less, looser when each denies less, mixed otherwise.
 *
 * Beside them, every change that makes something allowed, merged likewise: the report leads with it.
 */
import type { SourceLocation } from '../diagnostics/index.js';
import type { OrgTree } from '../model/org-tree.js';
import { Accounts, type AccountSet } from './accounts.js';
import { meaningOf } from './change-meaning.js';
import type { ActionSet, ReferenceIndex } from '../reference/index.js';
import { sourceActions } from './attribution.js';
import { actionsOf, byService } from './classification.js';
import type { AllowedChange, ControlChange, ControlVerdict, Direction, SemanticChange, SemanticGroup, SemanticReview } from './types.js';

interface Merged<T> {
  value: T;
  personas: Set<string>;
  accounts: AccountSet;
  /** The union of the merged changes' actions (a control's share of each). */
  actions?: ActionSet;
}

export function semanticReview(groups: readonly SemanticGroup[], tree: OrgTree, managementAccount: string, reference: ReferenceIndex): SemanticReview {
  const accounts = new Accounts(tree, managementAccount);
  const accountsOfGroup = new Map<SemanticGroup, AccountSet>();
  const byControl = new Map<string, { location?: SourceLocation; changes: Map<string, Merged<ControlChange>> }>();
  const allowed = new Map<string, Merged<AllowedChange>>();
  let unattributed = 0;
  const merge = <T>(into: Map<string, Merged<T>>, key: string, make: () => T, g: SemanticGroup, actions: ActionSet | undefined) => {
    let m = into.get(key);
    if (!m) into.set(key, (m = { value: make(), personas: new Set(), accounts: accounts.emptySet() }));
    for (const p of g.personas) m.personas.add(p);
    let reached = accountsOfGroup.get(g);
    if (!reached) accountsOfGroup.set(g, (reached = accounts.setOfIds(g.accounts)));
    m.accounts.addAll(reached);
    if (actions) {
      if (m.actions) m.actions.addAll(actions);
      else m.actions = actions.clone();
    }
  };
  for (const g of groups) {
    for (const ch of g.changes) {
      const changeActions = actionsOf(ch);
      const controls = ch.byControl ?? [];
      if (!controls.length) unattributed++;
      if (ch.direction === 'looser' || ch.direction === 'mixed') {
        merge(allowed, `${g.type}|${ch.kind}|${JSON.stringify([ch.before, ch.after])}|${actionsKey(ch)}`, () => ({ type: g.type, kind: ch.kind, count: ch.count, services: ch.services, ...(ch.before ? { before: ch.before } : {}), ...(ch.after ? { after: ch.after } : {}), ...(ch.allowedExample ? { allowedExample: ch.allowedExample } : {}), controls: controls.map((c) => c.control), personas: [], accounts: [], targets: [] }), g, changeActions);
      }
      for (const c of controls) {
        const mine = (ch.sources ?? []).filter((s) => s.origins.some((o) => o.control === c.control));
        const removed = [...new Set(mine.filter((s) => s.side === 'removed' && s.signature).map((s) => s.signature!))];
        const added = [...new Set(mine.filter((s) => s.side === 'added' && s.signature).map((s) => s.signature!))];
        let entry = byControl.get(c.control);
        if (!entry) byControl.set(c.control, (entry = { changes: new Map() }));
        for (const s of mine) for (const o of s.origins) if (o.control === c.control && o.controlLocation) entry.location ??= o.controlLocation;
        // Merged by meaning, not by actions: the TLS floor raised is one entry, whatever actions each OU's chain gives it.
        const key = `${g.type}|${ch.kind}|${c.direction}|${JSON.stringify([removed, added])}`;
        let share: ActionSet | undefined;
        for (const s of mine) {
          const a = sourceActions(s);
          if (!a) continue;
          if (share) share.addAll(a);
          else share = a.clone();
        }
        merge(entry.changes, key, () => {
          const meaning = meaningOf(ch.kind, removed, added);
          const statements = mine.map((s) => {
            const location = s.origins.find((o) => o.control === c.control)?.location;
            return { policy: s.policy, ...(s.sid ? { sid: s.sid } : {}), ...(location ? { location } : {}) };
          });
          return { type: g.type, kind: ch.kind, direction: c.direction, ...(meaning ? { meaning } : {}), count: ch.count, services: ch.services, removed, added, statements: distinctStatements(statements), personas: [], accounts: [], targets: [], ...(c.allowedExample ? { allowedExample: c.allowedExample } : {}) };
        }, g, share ?? changeActions);
      }
    }
  }
  const finish = <T extends { personas: string[]; accounts: string[]; targets: string[]; count: number; services: SemanticChange['services'] }>(m: Merged<T>): T => {
    const counted = m.actions ? { count: m.actions.size, services: byService(m.actions, reference) } : {};
    return { ...m.value, ...counted, personas: [...m.personas], accounts: accounts.sortedIds(m.accounts), targets: accounts.nameSet(m.accounts) };
  };
  const verdicts: ControlVerdict[] = [...byControl.entries()].map(([control, entry]) => {
    const merged = [...entry.changes.values()];
    const changes = merged.map(finish);
    const reached = accounts.emptySet();
    for (const m of merged) reached.addAll(m.accounts);
    return { control, ...(entry.location ? { location: entry.location } : {}), verdict: overall(changes.map((c) => c.direction)), accounts: accounts.sortedIds(reached), targets: accounts.nameSet(reached), changes };
  });
  // Looser first, then mixed, then stricter: what a reviewer must read comes first.
  const rank: Record<Direction, number> = { looser: 0, mixed: 1, stricter: 2, same: 3 };
  verdicts.sort((a, b) => rank[a.verdict] - rank[b.verdict] || (a.control < b.control ? -1 : 1));
  return { verdicts, allowed: [...allowed.values()].map(finish), unattributed };
}

function overall(directions: readonly Direction[]): Direction {
  const ds = new Set(directions.filter((d) => d !== 'same'));
  if (!ds.size) return 'same';
  if (ds.size === 1) return [...ds][0]!;
  return 'mixed';
}

function distinctStatements<T extends { policy: string; sid?: string }>(statements: T[]): T[] {
  const seen = new Set<string>();
  return statements.filter((s) => {
    const key = `${s.policy}|${s.sid ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The change's actions as a key: equal changes of different groups merge only when they hold the same actions. */
function actionsKey(ch: SemanticChange): string {
  const set = actionsOf(ch);
  return set ? set.toArray().join(',') : JSON.stringify(ch.services);
}
