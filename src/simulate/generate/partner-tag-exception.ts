/** partner-tag-exception: partners may act on resources carrying the tag, outsiders may not; the tag is protected. */
import type { ControlPlacement } from '../../compile/index.js';
import type { PartnerTagExceptionControl } from '../../intent/index.js';
import type { Generator } from './generator.js';
import { OUTSIDE_ORG, sampleActions } from './samples.js';
import { tagProtectionScenarios } from './tag-protection.js';

export function partnerTagExceptionScenarios(gen: Generator, c: PartnerTagExceptionControl, p: ControlPlacement): void {
  const set = gen.statementSet(p, 'partner-access');
  const tags = { [c.tag.key]: c.tag.value };
  // The perimeter is written elsewhere: on a bucket whose tags do not count (no ABAC), this control decides nothing.
  const withoutTags = gen.notDecided;
  for (const action of set ? sampleActions(gen.ref, set) : []) {
    for (const partner of c.accounts) {
      const principal = gen.principal(partner, 'partner', { orgId: OUTSIDE_ORG });
      gen.letThrough(`partner ${partner} may ${action} on a resource tagged ${c.tag.key}=${c.tag.value}`, { principal, action, resource: gen.resource(action, gen.account, { tags }) }, { withoutTags });
    }
    gen.deny(`an outsider is denied ${action} on a resource tagged ${c.tag.key}=${c.tag.value}`, { principal: gen.outsider(), action, resource: gen.resource(action, gen.account, { tags }) }, { withoutTags });
  }
  tagProtectionScenarios(gen, c.tag, c, gen.ref.expandList([...(c.services ?? []).map((s) => `${s}:*`), ...(c.actions ?? [])]).actions, p);
}
