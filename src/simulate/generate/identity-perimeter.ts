/**
 * identity-perimeter: outsiders are denied what the organization's principals and AWS services on its
 * behalf may do; trusted accounts, tagged resources, excepted resource accounts and partners on
 * tagged resources are let through; the exception tags are protected (tag-protection.ts).
 */
import type { ControlPlacement } from '../../compile/index.js';
import type { IdentityPerimeterControl, PartnerException } from '../../intent/index.js';
import type { ActionSet } from '../../reference/index.js';
import { DEFAULT_REGION } from '../from-tests.js';
import type { Generator } from './generator.js';
import { OUTSIDE_ACCOUNT, OUTSIDE_ORG, sampleActions } from './samples.js';
import { tagProtectionScenarios } from './tag-protection.js';

export function identityPerimeterScenarios(gen: Generator, c: IdentityPerimeterControl, p: ControlPlacement): void {
  const scope = gen.ref.emptySet();
  for (const s of p.statements) if (s.draft.role.startsWith('perimeter') && s.actions) scope.addAll(s.actions.set);
  for (const action of sampleActions(gen.ref, scope)) {
    gen.deny(`a principal outside the organization is denied ${action}`, { principal: gen.outsider(), action, resource: gen.resource(action) });
    gen.allow(`a principal of the organization may ${action}`, { principal: gen.principal(gen.account), action, resource: gen.resource(action) });
    if (c.allowServicePrincipals !== false) {
      const service = `${action.slice(0, action.indexOf(':'))}.amazonaws.com`;
      gen.allow(`the AWS service principal ${service} may ${action} on behalf of the organization`, {
        principal: { id: service },
        action,
        resource: gen.resource(action),
        context: { 'aws:SourceOrgID': gen.world.orgId, 'aws:SourceAccount': gen.account, 'aws:SourceArn': `arn:aws:${action.slice(0, action.indexOf(':'))}:${gen.region}:${gen.account}:source` },
      });
      if (c.confusedDeputy) {
        gen.deny(`the AWS service principal ${service} is denied ${action} on behalf of another organization (confused deputy)`, {
          principal: { id: service },
          action,
          resource: gen.resource(action),
          context: { 'aws:SourceOrgID': OUTSIDE_ORG, 'aws:SourceAccount': OUTSIDE_ACCOUNT, 'aws:SourceArn': `arn:aws:${action.slice(0, action.indexOf(':'))}:${DEFAULT_REGION}:${OUTSIDE_ACCOUNT}:source` },
        });
      }
    }
    for (const trusted of c.trustedAccounts ?? []) gen.letThrough(`trusted account ${trusted} may ${action}`, { principal: gen.principal(trusted, 'trusted', { orgId: OUTSIDE_ORG }), action, resource: gen.resource(action) });
    if (c.resourceTagException) {
      const t = c.resourceTagException;
      gen.letThrough(`an outsider may ${action} on a resource tagged ${t.key}=${t.value}`, { principal: gen.outsider(), action, resource: gen.resource(action, gen.account, { tags: { [t.key]: t.value } }) });
    }
    for (const ex of c.resourceAccountExceptions ?? []) gen.letThrough(`an outsider may ${action} on a resource of excepted account ${ex}`, { principal: gen.outsider(), action, resource: gen.resource(action, gen.account, { account: ex }), context: { 'aws:ResourceAccount': ex } });
  }
  if (c.resourceTagException) tagProtectionScenarios(gen, c.resourceTagException, c.resourceTagException, gen.ref.expandList(perimeterScope(c)).actions, p);
  (c.partnerExceptions ?? []).forEach((pe, i) => {
    const set = gen.statementSet(p, `partner-access${i ? `-${i + 1}` : ''}`);
    if (!set) return;
    const tags = { [pe.tag.key]: pe.tag.value };
    for (const action of sampleActions(gen.ref, set)) {
      for (const partner of pe.accounts) {
        const principal = gen.principal(partner, 'partner', { orgId: OUTSIDE_ORG });
        gen.allow(`partner ${partner} may ${action} on a resource tagged ${pe.tag.key}=${pe.tag.value}`, { principal, action, resource: gen.resource(action, gen.account, { tags }) });
        gen.deny(`partner ${partner} is denied ${action} on an untagged resource`, { principal, action, resource: gen.resource(action) });
      }
      gen.deny(`an outsider is denied ${action} on a resource tagged ${pe.tag.key}=${pe.tag.value}`, { principal: gen.outsider(), action, resource: gen.resource(action, gen.account, { tags }) });
    }
    tagProtectionScenarios(gen, pe.tag, pe, partnerScope(gen, c, pe), p);
  });
}

function partnerScope(gen: Generator, c: IdentityPerimeterControl, pe: PartnerException): ActionSet {
  const declared = [...(pe.services ?? []).map((s) => `${s}:*`), ...(pe.actions ?? [])];
  return gen.ref.expandList(declared.length ? declared : perimeterScope(c)).actions;
}

/** The actions an identity perimeter covers, as patterns. */
function perimeterScope(c: IdentityPerimeterControl): string[] {
  return [...(c.services ?? []).map((s) => `${s}:*`), ...(c.actions ?? [])];
}

export function outsiderOnExcludedAccountScenarios(gen: Generator, p: ControlPlacement): void {
  const scope = gen.ref.emptySet();
  for (const s of p.statements) if (s.draft.role.startsWith('perimeter') && s.actions) scope.addAll(s.actions.set);
  const [action] = sampleActions(gen.ref, scope);
  if (action) gen.letThrough(`an outsider may ${action} in excluded account ${gen.account}`, { principal: gen.outsider(), action, resource: gen.resource(action) });
}
