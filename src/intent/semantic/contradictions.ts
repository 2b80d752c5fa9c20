/**
 * Controls that contradict each other where both apply. Organization policies compose by intersection:
 * two region-deny controls on one node leave only the Regions both allow, so disjoint allowedRegions
 * deny every regional action there, however right each looks alone; lists that only overlap allow
 * less than either says.
 */
import * as path from 'node:path';
import type { SourceLocation } from '../../diagnostics/index.js';
import { OrgTree } from '../../model/org-tree.js';
import type { RegionDenyControl } from '../types.js';
import { describeNodes, strings, type CheckContext } from './context.js';
import { scopeNodes, type ControlScope } from './targets.js';

export function checkRegionDenyContradictions(ctx: CheckContext, scopes: ControlScope[]): void {
  const regionDenies = scopes.filter((s): s is ControlScope & { control: RegionDenyControl } => s.control.kind === 'region-deny' && s.control.enabled !== false && Array.isArray(s.control.allowedRegions));
  const reach = new Map(regionDenies.map((s) => [s, new Set(scopeNodes(s))]));
  for (let j = 1; j < regionDenies.length; j++) {
    for (let i = 0; i < j; i++) {
      const [a, b] = [regionDenies[i]!, regionDenies[j]!];
      const common = [...reach.get(a)!].filter((n) => reach.get(b)!.has(n));
      if (common.length === 0) continue;
      // Name the highest nodes both reach; their subtrees follow.
      const top = common.filter((n) => !common.some((m) => m !== n && OrgTree.contains(m, n)));
      const ra = strings(a.control.allowedRegions);
      const rb = strings(b.control.allowedRegions);
      const both = ra.filter((r) => rb.includes(r));
      const where = `control ${b.control.id} and control ${a.control.id} (${at(ctx.at(a.control as object, 'allowedRegions'))}) both apply to ${describeNodes(top)}`;
      if (both.length === 0) {
        ctx.error(
          'contradicting-controls',
          `${where}: their allowedRegions [${rb.join(', ')}] and [${ra.join(', ')}] have no Region in common, so every regional action is denied there`,
          ctx.at(b.control as object, 'allowedRegions'),
          'give both the Regions the accounts there use, or attach each to the OUs it is meant for',
        );
      } else if (both.length < ra.length && both.length < rb.length) {
        // One list inside the other is a deliberate narrowing (the whole organization, then one OU); lists
        // that only overlap allow less than either says.
        ctx.warn(
          'narrowed-regions',
          `${where}: a request there must pass both, so only ${both.join(', ')} ${both.length === 1 ? 'is' : 'are'} allowed there, not ${[...new Set([...ra, ...rb])].filter((r) => !both.includes(r)).join(', ')}`,
          ctx.at(b.control as object, 'allowedRegions'),
          'if that is meant, allow only those Regions in the narrower control; otherwise attach each control to the OUs it is meant for',
        );
      }
    }
  }
}

function at(l: SourceLocation | undefined): string {
  return l ? `${path.basename(l.file)}:${l.line}:${l.col}` : 'location unknown';
}

