/**
 * Only-org principals, as an RCP (modeled on aws-samples/data-perimeter-policy-examples): deny access to
 * the listed services unless the principal belongs to the organization (aws:PrincipalOrgID, or
 * aws:PrincipalOrgPaths), is a trusted account, or is an AWS service principal; optional
 * confused-deputy protection for service principals, resource-account and resource-tag exceptions,
 * and trusted-partner tag exceptions with their companion protections.
 */
import { warning } from '../diagnostics/index.js';
import type { IdentityPerimeterControl } from '../intent/index.js';
import type { Condition } from '../policy/index.js';
import { combine, concatPatterns, generatedPatterns, intentPatterns, isEmptyPatterns, orgPathValues, partitionPatterns, sidFor } from './common.js';
import type { ActionPatterns, ControlBuilder, StatementDraft } from './draft.js';
import { mergeUnconstrainedCompanions, orgMemberCondition, partnerAccessStatement, tagKeyCondition, tagProtectionStatements } from './partner-exception.js';

export const MAIN_ROLE = 'perimeter';

export const identityPerimeter: ControlBuilder<IdentityPerimeterControl> = (c, ctx) => {
  const sources = ctx.intent.sources;
  const orgId = ctx.intent.organization.id;
  const orgPaths = orgPathValues(ctx, c.orgPaths ?? []);
  const allowServicePrincipals = c.allowServicePrincipals !== false;
  const trusted = c.trustedAccounts ?? [];
  const services = Array.isArray(c.services) ? c.services : [];
  const scope = concatPatterns(
    { patterns: services.map((s) => `${s}:*`), locations: services.map((_, i) => sources.locate(c.services as object, i)) },
    c.actions ? intentPatterns(ctx, c, 'actions') : undefined,
  );
  const exceptions: Condition[] = [];
  if (trusted.length) exceptions.push({ StringNotEqualsIfExists: { 'aws:PrincipalAccount': [...trusted] } });
  if (c.resourceAccountExceptions?.length) exceptions.push({ StringNotEqualsIfExists: { 'aws:ResourceAccount': [...c.resourceAccountExceptions] } });
  if (c.resourceTagException) exceptions.push(tagKeyCondition(c.resourceTagException));
  const servicePrincipals: Condition = allowServicePrincipals ? { BoolIfExists: { 'aws:PrincipalIsAWSService': ['false'] } } : {};

  const drafts: StatementDraft[] = [];
  const perimeter = (role: string, actions: ActionPatterns, extra: Condition[], summary: string): StatementDraft => ({
    control: c,
    role,
    sid: sidFor(c, role === MAIN_ROLE ? undefined : role),
    type: 'rcp',
    effect: 'Deny',
    principal: '*',
    actions,
    resources: ['*'],
    condition: combine(ctx, c, orgMemberCondition(orgId, orgPaths), ...exceptions, ...extra, servicePrincipals),
    location: sources.locate(c as object),
    summary,
    skipUnsupportedServices: c.skipUnsupportedServices === true,
  });
  const who = `principals outside ${orgPaths.length ? `org paths ${orgPaths.join(', ')}` : `organization ${orgId}`}${trusted.length ? ` and accounts ${trusted.join(', ')}` : ''}`;

  // Actions in the scope of partner exceptions get those exceptions' tags carved out of the perimeter;
  // each partner statement then restricts resources tagged for it to the organization and that partner.
  // Scopes may overlap (alpha: s3:*, beta: s3:Get*): the scope is cut into cells by the set of partners
  // whose scope holds the action, and a cell's statement carves out the tags of all of them, so that
  // each partner keeps its whole scope on its own tagged resources. Carving out only the first
  // partner's tag took the overlapping actions away from the others.
  let cells: { patterns: ActionPatterns; partners: number[] }[] = [{ patterns: scope, partners: [] }];
  const partnerDrafts: StatementDraft[] = [];
  const partners = c.partnerExceptions ?? [];
  partners.forEach((p, i) => {
    const declared = concatPatterns(
      p.services ? { patterns: p.services.map((s) => `${s}:*`), locations: p.services.map((_, j) => sources.locate(p.services as object, j)) } : undefined,
      p.actions ? intentPatterns(ctx, p, 'actions') : undefined,
    );
    const partnerSet = ctx.reference.expandList(isEmptyPatterns(declared) ? scope.patterns : declared.patterns).actions;
    const outsidePerimeter = partnerSet.minus(ctx.reference.expandList(scope.patterns).actions);
    if (!outsidePerimeter.isEmpty()) {
      const names = outsidePerimeter.toArray().slice(0, 3).map((id) => ctx.reference.actions[id]!.qualified);
      ctx.diagnostics.push(
        warning('partner-scope-outside-perimeter', `control ${c.id}: partner exception ${p.tag.key} names ${outsidePerimeter.size} actions the perimeter does not cover (${names.join(', ')}${outsidePerimeter.size > 3 ? ', ...' : ''}); the exception changes nothing there`, sources.locate(p as object)),
      );
    }
    cells = cells.flatMap((cell) => {
      const { inside, outside } = partitionPatterns(ctx, cell.patterns, partnerSet);
      return [
        ...(isEmptyPatterns(inside) ? [] : [{ patterns: inside, partners: [...cell.partners, i] }]),
        ...(isEmptyPatterns(outside) ? [] : [{ patterns: outside, partners: cell.partners }]),
      ];
    });
    const whole = partitionPatterns(ctx, scope, partnerSet).inside;
    if (!isEmptyPatterns(whole)) {
      partnerDrafts.push(partnerAccessStatement({ control: c, ctx, exception: p, index: i, scope: whole, orgId, orgPaths, trustedAccounts: trusted, allowServicePrincipals, mainRole: MAIN_ROLE }));
    }
    partnerDrafts.push(...tagProtectionStatements(c, ctx, { tag: p.tag, protection: p, holder: p, scope: partnerSet, word: 'exception', index: i, mainRole: MAIN_ROLE }));
  });
  for (const cell of cells) {
    if (cell.partners.length === 0) continue;
    const tagged = cell.partners.map((i) => partners[i]!.tag);
    const [only] = cell.partners;
    const role = cell.partners.length === 1 ? `perimeter-partner-scope${only ? `-${only + 1}` : ''}` : `perimeter-partner-scope-${cell.partners.map((i) => i + 1).join('-')}`;
    drafts.push(perimeter(role, cell.patterns, tagged.map(tagKeyCondition), `deny ${who}, except on resources tagged ${tagged.map((t) => `${t.key}=${t.value}`).join(' or ')}`));
  }
  const remaining = cells.find((cell) => cell.partners.length === 0)?.patterns ?? { patterns: [], locations: [] };
  // A resource tag exception takes tagged resources out of the whole perimeter: its tag is protected
  // like a partner's, over the whole scope.
  const rte = c.resourceTagException;
  if (rte) {
    partnerDrafts.push(
      ...tagProtectionStatements(c, ctx, { tag: { key: rte.key, value: rte.value }, protection: rte, holder: rte, scope: ctx.reference.expandList(scope.patterns).actions, word: 'resource-exception', index: 0, mainRole: MAIN_ROLE }),
    );
  }
  if (!isEmptyPatterns(remaining)) drafts.unshift(perimeter(MAIN_ROLE, remaining, [], `deny ${who}${allowServicePrincipals ? ' (AWS service principals excepted)' : ''}`));
  const tags = [...(c.partnerExceptions ?? []).map((p) => p.tag.key), ...(rte ? [rte.key] : [])];
  // The partner scope is part of the perimeter's: services the perimeter skips are skipped there too.
  const skip = c.skipUnsupportedServices === true;
  drafts.push(...mergeUnconstrainedCompanions(partnerDrafts, tags).map((d) => (skip ? { ...d, skipUnsupportedServices: true } : d)));

  if (c.confusedDeputy) {
    const trustedSources = typeof c.confusedDeputy === 'object' ? (c.confusedDeputy.trustedSourceAccounts ?? []) : [];
    const deputyExceptions: Condition[] = [{ StringNotEqualsIfExists: { 'aws:SourceOrgID': [orgId] } }];
    if (trustedSources.length) deputyExceptions.push({ StringNotEqualsIfExists: { 'aws:SourceAccount': [...trustedSources] } });
    if (c.resourceAccountExceptions?.length) deputyExceptions.push({ StringNotEqualsIfExists: { 'aws:ResourceAccount': [...c.resourceAccountExceptions] } });
    if (c.resourceTagException) deputyExceptions.push(tagKeyCondition(c.resourceTagException));
    const role = 'confused-deputy';
    // A perimeter names only some sts actions: the web-identity, SAML and session-tag actions are
    // called by identities outside the organization by design. A service principal acting for a
    // source account is another matter, so, as in AWS's data-perimeter example
    // (EnforceConfusedDeputyProtection), the protection covers sts:* once the perimeter covers sts.
    const scopeSet = ctx.reference.expandList(scope.patterns).actions;
    const stsSet = ctx.reference.expandList(['sts:*']).actions;
    const deputyScope = scopeSet.intersects(stsSet)
      ? concatPatterns(partitionPatterns(ctx, scope, stsSet).outside, generatedPatterns(['sts:*'], sources.locateKey(c as object, 'confusedDeputy')))
      : scope;
    drafts.push({
      control: c,
      role,
      sid: sidFor(c, role),
      type: 'rcp',
      effect: 'Deny',
      principal: '*',
      actions: deputyScope,
      resources: ['*'],
      condition: combine(ctx, c, ...deputyExceptions, { Null: { 'aws:SourceAccount': ['false'] } }, { Bool: { 'aws:PrincipalIsAWSService': ['true'] } }),
      location: sources.locateKey(c as object, 'confusedDeputy'),
      summary: `AWS services may act on these resources only on behalf of organization ${orgId}${trustedSources.length ? ` or accounts ${trustedSources.join(', ')}` : ''}`,
      skipUnsupportedServices: c.skipUnsupportedServices === true,
    });
  }
  return drafts;
};
