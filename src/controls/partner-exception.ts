/**
 * Trusted-partner tag exceptions and the protections that make them safe. A resource tagged e.g.
 * partner-access-exception=trusted-partner may be reached by named partner accounts; an exception tag
 * that anyone could set would be a hole, so two companions come with it: an SCP that lets only the
 * admin roles set or remove the tag, and an RCP that stops the tag being passed as a session tag.
 */
import type { Control, PartnerException } from '../intent/index.js';
import type { Condition } from '../policy/index.js';
import { combine, exceptPrincipalsCondition, generatedPatterns, sidFor } from './common.js';
import type { ActionPatterns, ControlContext, StatementDraft } from './draft.js';

/** The condition that identifies principals of the organization (org id, or org paths when given). */
export function orgMemberCondition(orgId: string, orgPaths: readonly string[]): Condition {
  if (orgPaths.length) return { 'ForAllValues:StringNotLike': { 'aws:PrincipalOrgPaths': [...orgPaths] } };
  return { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': [orgId] } };
}

export function tagKeyCondition(tag: { key: string; value: string }): Condition {
  return { StringNotEqualsIfExists: { [`aws:ResourceTag/${tag.key}`]: [tag.value] } };
}

export interface PartnerStatementOptions {
  control: Control;
  ctx: ControlContext;
  exception: PartnerException;
  index: number;
  scope: ActionPatterns;
  orgId: string;
  orgPaths: readonly string[];
  /** Accounts the perimeter already trusts everywhere. */
  trustedAccounts: readonly string[];
  allowServicePrincipals: boolean;
  /** The role of the perimeter statement the exception belongs to. */
  mainRole: string;
}

/** Tagged resources are reachable by the organization and the partners only. */
export function partnerAccessStatement(o: PartnerStatementOptions): StatementDraft {
  const { control, ctx, exception: p } = o;
  const role = `partner-access${o.index ? `-${o.index + 1}` : ''}`;
  const accounts = [...new Set([...p.accounts, ...o.trustedAccounts])];
  const condition = combine(
    ctx,
    control,
    { StringEquals: { [`aws:ResourceTag/${p.tag.key}`]: [p.tag.value] } },
    { StringNotEqualsIfExists: { 'aws:PrincipalAccount': accounts } },
    orgMemberCondition(o.orgId, o.orgPaths),
    o.allowServicePrincipals ? { BoolIfExists: { 'aws:PrincipalIsAWSService': ['false'] } } : {},
  );
  return {
    control,
    role,
    sid: sidFor(control, role),
    type: 'rcp',
    effect: 'Deny',
    principal: '*',
    actions: o.scope,
    resources: ['*'],
    condition,
    location: ctx.intent.sources.locate(p as object),
    companionOf: o.mainRole,
    summary: `resources tagged ${p.tag.key}=${p.tag.value} are reachable only from the organization and partner accounts ${p.accounts.join(', ')}`,
  };
}

/**
 * The request carries the tag key, in any casing: condition keys (the tag-key part of
 * aws:ResourceTag/... included) are matched case-insensitively, so a differently cased key would
 * still count as the exception tag and must be protected too.
 */
function tagKeyInRequest(key: string): Condition {
  return { 'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [key] } };
}

/** SCP: only the admin roles may set, change or remove the exception tag (any request carrying the key). */
export function protectTagStatement(control: Control, ctx: ControlContext, p: PartnerException, index: number, mainRole: string): StatementDraft {
  const role = `protect-exception-tag${index ? `-${index + 1}` : ''}`;
  return {
    control,
    role,
    sid: sidFor(control, role),
    type: 'scp',
    effect: 'Deny',
    actions: generatedPatterns(['*'], ctx.intent.sources.locate(p as object, 'tag')),
    resources: ['*'],
    condition: combine(ctx, control, tagKeyInRequest(p.tag.key), exceptPrincipalsCondition(p.adminRoles)),
    location: ctx.intent.sources.locate(p as object, 'tag'),
    companionOf: mainRole,
    summary: `only ${p.adminRoles?.length ? p.adminRoles.join(', ') : 'nobody (no adminRoles)'} may set or remove the tag ${p.tag.key}`,
  };
}

/** RCP: nobody but the admin roles passes the exception tag as a session tag into the organization's roles. */
export function protectSessionTagStatement(control: Control, ctx: ControlContext, p: PartnerException, index: number, mainRole: string): StatementDraft {
  const role = `protect-exception-session-tag${index ? `-${index + 1}` : ''}`;
  return {
    control,
    role,
    sid: sidFor(control, role),
    type: 'rcp',
    effect: 'Deny',
    principal: '*',
    actions: generatedPatterns(['sts:TagSession'], ctx.intent.sources.locate(p as object, 'tag')),
    resources: ['*'],
    condition: combine(ctx, control, tagKeyInRequest(p.tag.key), p.adminRoles?.length ? { ArnNotLikeIfExists: { 'aws:PrincipalArn': [...p.adminRoles] } } : {}),
    location: ctx.intent.sources.locate(p as object, 'tag'),
    companionOf: mainRole,
    summary: `the tag ${p.tag.key} cannot be passed as a session tag${p.adminRoles?.length ? ` except by ${p.adminRoles.join(', ')}` : ''}`,
  };
}
