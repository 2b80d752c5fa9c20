/**
 * Region restrictions written by hand (imported files, templates, custom statements) contradict each
 * other, or a region-deny control, as region-deny controls do among themselves (validate): SCPs compose
 * by intersection, so two statements that each deny everything outside their Regions deny every
 * regional action where both apply when their Regions have none in common. Pairs of region-deny
 * controls are validate's (src/intent/semantic/contradictions.ts).
 */
import * as path from 'node:path';
import { error, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import type { StatementDraft } from '../controls/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { wildcardTest } from '../policy/index.js';
import { regionCodes } from '../reference/regions.js';
import type { ControlPlacement } from './types.js';

/** Conditions that only except principals: the restriction still holds for everyone else. */
const PRINCIPAL_EXCEPTION_KEY = /^aws:(principalarn|principalaccount|principalorgid|principalorgpaths|principaltag\/.+)$/i;

interface Restriction {
  placement: ControlPlacement;
  allowed: Set<string>;
  location: SourceLocation | undefined;
}

export function checkRegionRestrictions(placements: readonly ControlPlacement[], managementAccount: string, diagnostics: Diagnostic[]): void {
  const restrictions: Restriction[] = [];
  for (const placement of placements) {
    for (const { draft } of placement.statements) {
      const allowed = allowedRegions(draft);
      if (allowed) restrictions.push({ placement, allowed, location: draft.location });
    }
  }
  if (restrictions.every((r) => r.placement.control.kind === 'region-deny')) return;
  const reaches = new Map<ControlPlacement, Set<OrgNode>>();
  const reachOf = (p: ControlPlacement): Set<OrgNode> => {
    let reach = reaches.get(p);
    if (!reach) {
      reach = new Set(p.targets.flatMap((t) => [...OrgTree.descendants(t)]).filter((n) => !(n.kind === 'account' && n.id === managementAccount)));
      reaches.set(p, reach);
    }
    return reach;
  };
  for (let j = 1; j < restrictions.length; j++) {
    for (let i = 0; i < j; i++) {
      const [a, b] = [restrictions[i]!, restrictions[j]!];
      if (a.placement === b.placement || (a.placement.control.kind === 'region-deny' && b.placement.control.kind === 'region-deny')) continue;
      if ([...a.allowed].some((r) => b.allowed.has(r))) continue;
      const common = [...reachOf(a.placement)].filter((n) => reachOf(b.placement).has(n));
      if (common.length === 0) continue;
      const top = common.filter((n) => !common.some((m) => m !== n && OrgTree.contains(m, n)));
      diagnostics.push(
        error(
          'contradicting-controls',
          `control ${b.placement.control.id} and control ${a.placement.control.id} (${at(a.location)}) both deny every request outside their Regions at ${top.slice(0, 3).map((n) => OrgTree.describe(n)).join(', ')}${top.length > 3 ? ` and ${top.length - 3} more` : ''}: [${describe(b.allowed)}] and [${describe(a.allowed)}] have no Region in common, so every regional action is denied there`,
          b.location,
          'give both the Regions the accounts there use, or attach each to the OUs it is meant for',
        ),
      );
    }
  }
}

/**
 * The Regions a statement leaves open when it denies every action (NotAction, or Action "*") on every
 * resource outside them, under no condition other than the Regions and principal exceptions.
 */
export function allowedRegions(d: StatementDraft): Set<string> | undefined {
  if (d.type !== 'scp' || d.effect !== 'Deny') return undefined;
  const everything = d.notActions !== undefined || (d.actions?.patterns.length === 1 && d.actions.patterns[0] === '*');
  if (!everything || d.notResources || (d.resources && !(d.resources.length === 1 && d.resources[0] === '*'))) return undefined;
  let allowed: Set<string> | undefined;
  for (const [op, keys] of Object.entries(d.condition ?? {})) {
    const parsed = /^string(not)?(equals|like)(ignorecase)?(ifexists)?$/i.exec(op);
    for (const [key, values] of Object.entries(keys)) {
      if (key.toLowerCase() === 'aws:requestedregion') {
        if (!parsed?.[1]) return undefined;
        const like = parsed[2]!.toLowerCase() === 'like';
        const tests = values.map((v) => (like ? wildcardTest(v) : (r: string) => r === v));
        const set = new Set(regionCodes().filter((r) => tests.some((t) => t(r))));
        allowed = allowed ? new Set([...allowed].filter((r) => set.has(r))) : set;
      } else if (!PRINCIPAL_EXCEPTION_KEY.test(key) || !/not/i.test(op)) return undefined;
    }
  }
  return allowed;
}

function describe(regions: Set<string>): string {
  const list = [...regions];
  return list.length > 6 ? `${list.slice(0, 6).join(', ')} and ${list.length - 6} more` : list.join(', ');
}

function at(l: SourceLocation | undefined): string {
  return l ? `${path.basename(l.file)}:${l.line}:${l.col}` : 'location unknown';
}
