/**
 * Controls that contradict each other where both apply. Organization policies compose by intersection:
 * two region-deny controls on one node leave only the Regions both allow, so disjoint allowedRegions
 * deny every regional action there, however right each looks alone; lists that only overlap allow
 * less than either says. Two partner exceptions with one tag each restrict the tagged resources to
 * their own partner, so together they lock both partners out.
 */
import * as path from 'node:path';
import type { SourceLocation } from '../../diagnostics/index.js';
import type { OrgNode } from '../../model/org-tree.js';
import type { RegionDenyControl } from '../types.js';
import { describeNodes, isObject, strings, type CheckContext } from './context.js';
import { scopeNodes, type ControlScope } from './targets.js';

export function checkRegionDenyContradictions(ctx: CheckContext, scopes: ControlScope[]): void {
  const regionDenies = scopes.filter((s): s is ControlScope & { control: RegionDenyControl } => s.control.kind === 'region-deny' && s.control.enabled !== false && Array.isArray(s.control.allowedRegions));
  const reach = new Map(regionDenies.map((s) => [s, new Set(scopeNodes(s))]));
  for (let j = 1; j < regionDenies.length; j++) {
    for (let i = 0; i < j; i++) {
      const [a, b] = [regionDenies[i]!, regionDenies[j]!];
      const common = [...reach.get(a)!].filter((n) => reach.get(b)!.has(n));
      if (common.length === 0) continue;
      // Name the highest nodes both reach; their subtrees follow. What a control reaches holds every
      // node between two it reaches (an exclusion takes a whole subtree), so a node is highest exactly
      // when its parent is not reached by both: one look per node, where comparing each with every
      // other would cost seconds for two controls on the root of a 10,000-account tree.
      const inCommon = new Set(common);
      const top = common.filter((n) => !n.parent || !inCommon.has(n.parent));
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

interface PartnerGrant {
  control: string;
  holder: Record<string, unknown>;
  key: string;
  value: string;
  accounts: string[];
  patterns: string[];
  /** The nodes the control reaches: two grants contradict only where both apply. */
  reach: Set<OrgNode>;
}

/**
 * Two partner exceptions with the same tag (key in any casing, same value) and overlapping scopes:
 * each one's statement restricts the tagged resources to its own accounts, so together they deny both
 * partners what each was granted. Wherever they are written: in one perimeter, in two perimeters, in
 * partner-tag-exception controls, or a perimeter's exception and such a control, when both reach a
 * common node.
 */
export function checkSharedPartnerTags(ctx: CheckContext, scopes: ControlScope[]): void {
  const grants: PartnerGrant[] = [];
  for (const s of scopes) {
    const c = s.control;
    if (c.enabled === false) continue;
    if (c.kind === 'identity-perimeter' && Array.isArray(c.partnerExceptions)) {
      const perimeter = [...strings(c.services).map((x) => `${x}:*`), ...strings(c.actions)];
      const reach = new Set(scopeNodes(s));
      grants.push(...c.partnerExceptions.flatMap((p) => grant(c.id, p, perimeter, reach)));
    } else if (c.kind === 'partner-tag-exception') {
      grants.push(...grant(c.id, c, [], new Set(scopeNodes(s))));
    }
  }
  comparePairs(ctx, grants);
}

function grant(control: string, p: unknown, defaultPatterns: string[], reach: Set<OrgNode>): PartnerGrant[] {
  if (!isObject(p) || !isObject(p.tag) || typeof p.tag.key !== 'string' || typeof p.tag.value !== 'string') return [];
  const declared = [...strings(p.services).map((x) => `${x}:*`), ...strings(p.actions)];
  return [{ control, holder: p, key: p.tag.key, value: p.tag.value, accounts: strings(p.accounts), patterns: declared.length ? declared : defaultPatterns, reach }];
}

function comparePairs(ctx: CheckContext, grants: PartnerGrant[]): void {
  const ref = ctx.reference;
  if (!ref) return;
  for (let j = 1; j < grants.length; j++) {
    for (let i = 0; i < j; i++) {
      const [a, b] = [grants[i]!, grants[j]!];
      if (a.key.toLowerCase() !== b.key.toLowerCase() || a.value !== b.value) continue;
      if (![...a.reach].some((n) => b.reach.has(n))) continue;
      // The same partners twice restrict the tagged resources to the same accounts: no one is locked out.
      if (sameSet(a.accounts, b.accounts)) continue;
      const shared = ref.expandList(a.patterns).actions.intersect(ref.expandList(b.patterns).actions);
      if (shared.isEmpty()) continue;
      const example = ref.actions[shared.toArray()[0]!]!.qualified;
      ctx.error(
        'contradicting-partner-exceptions',
        `control ${b.control}: the partner exception for ${b.accounts.join(', ')} uses the tag ${b.key}=${b.value} of the partner exception for ${a.accounts.join(', ')}${a.control === b.control ? '' : ` in control ${a.control}`} (${at(ctx.at(a.holder, 'tag'))}) on ${shared.size} common action${shared.size === 1 ? '' : 's'} (${example}${shared.size > 1 ? ', ...' : ''}): each restricts resources tagged so to its own accounts, so neither partner reaches them`,
        ctx.at(b.holder, 'tag'),
        'give each partner its own tag value, or list all the accounts in one exception',
      );
    }
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
}
