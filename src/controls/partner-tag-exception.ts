/**
 * A trusted-partner tag exception on its own, for organizations whose perimeter is written elsewhere
 * (imported or custom) and already carves the tag out: tagged resources are then restricted to the
 * organization and the partner accounts, and the tag is protected by the companions.
 */
import type { PartnerTagExceptionControl } from '../intent/index.js';
import { concatPatterns, intentPatterns, orgPathValues } from './common.js';
import type { ControlBuilder } from './draft.js';
import { partnerAccessStatement, tagProtectionStatements } from './partner-exception.js';

export const partnerTagException: ControlBuilder<PartnerTagExceptionControl> = (c, ctx) => {
  const sources = ctx.intent.sources;
  const scope = concatPatterns(
    c.services ? { patterns: c.services.map((s) => `${s}:*`), locations: c.services.map((_, i) => sources.locate(c.services as object, i)) } : undefined,
    c.actions ? intentPatterns(ctx, c, 'actions') : undefined,
  );
  const mainRole = 'partner-access';
  const main = partnerAccessStatement({ control: c, ctx, exception: c, index: 0, scope, orgId: ctx.intent.organization.id, orgPaths: orgPathValues(ctx, []), trustedAccounts: [], allowServicePrincipals: true, mainRole });
  delete main.companionOf;
  const drafts = [main, ...tagProtectionStatements(c, ctx, { tag: c.tag, protection: c, holder: c, scope: ctx.reference.expandList(scope.patterns).actions, word: 'exception', index: 0, mainRole })];
  return c.skipUnsupportedServices === true ? drafts.map((d) => ({ ...d, skipUnsupportedServices: true })) : drafts;
};
