/**
 * Exception tags and the protections that make them safe. A resource tagged e.g.
 * partner-access-exception=trusted-partner may be reached by named partner accounts (a partner
 * exception), or dp:exclude:identity=true takes it out of the perimeter (a resource tag exception). A
 * tag that anyone could set would be a hole, so every exception tag comes with companions:
 *
 *   SCP  protect-…-tag                 no request carrying the key in aws:TagKeys, except by adminRoles
 *   SCP  protect-…-tag-unconstrained   no tagging action that cannot be constrained by tag key
 *                                      (no aws:TagKeys in the service reference, e.g. s3:PutBucketTagging,
 *                                      which replaces all of a bucket's tags), except by adminRoles
 *   RCP  protect-…-session-tag         the key cannot be passed as a session tag (sts:TagSession)
 *   RCP  protect-…-tag-rcp             the same key protection on the resource side, for principals the
 *   RCP  protect-…-tag-unconstrained-rcp  SCP does not reach (excluded OUs, other organizations)
 *
 * The unconstrained actions are found in the service reference for every service whose resources the
 * exception's scope acts on: the services of the scope's actions and of the ARNs of their resource
 * types (sts:AssumeRole acts on IAM roles, tagged with iam:TagRole).
 */
import { warning } from '../diagnostics/index.js';
import type { Control, PartnerException, Tag, TagProtection } from '../intent/index.js';
import type { Condition } from '../policy/index.js';
import type { ActionSet, ReferenceIndex } from '../reference/index.js';
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

/** AWS's RCP examples let AWS service principals through (they act for a request already authorized). */
const NOT_A_SERVICE_PRINCIPAL: Condition = { BoolIfExists: { 'aws:PrincipalIsAWSService': ['false'] } };

const TAG_KEYS = 'aws:tagkeys';
const REQUEST_TAG = 'aws:requesttag/${tagkey}';

export interface TaggingActions {
  /** Actions that can set or remove tags and support aws:TagKeys: a request carrying the key says so. */
  constrained: ActionSet;
  /** Actions that can set or remove tags but do not support aws:TagKeys: nothing in the request names the key. */
  unconstrained: ActionSet;
}

/**
 * Actions that change what a resource's tags mean rather than the tags. s3:PutBucketAbac turns ABAC on
 * or off on a general purpose bucket, and with it whether the bucket's tags reach aws:ResourceTag at
 * all ("By default, ABAC is disabled for all Amazon S3 general purpose buckets", Amazon S3 User Guide,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging-enable-abac.html): whoever can
 * call it opens or closes every tag exception on the bucket, and its request names no tag key. They
 * are protected as unconstrained tagging actions; one the reference does not know is left out.
 */
const TAG_MEANING_ACTIONS = ['s3:PutBucketAbac'];

/**
 * The actions of `services` that can set or remove tags: access level Tagging, or any action whose
 * condition keys include aws:TagKeys or aws:RequestTag/${TagKey} (tags on create); and those that
 * switch what tags mean (TAG_MEANING_ACTIONS), unconstrained.
 */
export function taggingActions(ref: ReferenceIndex, services: readonly string[]): TaggingActions {
  const constrained = ref.emptySet();
  const unconstrained = ref.emptySet();
  for (const prefix of services) {
    const svc = ref.service(prefix);
    if (!svc) continue;
    for (let id = svc.firstId; id < svc.endId; id++) {
      const a = ref.actions[id]!;
      const keys = a.conditionKeys.map((k) => k.toLowerCase());
      const tagging = a.accessLevel === 'Tagging' || keys.includes(TAG_KEYS) || keys.includes(REQUEST_TAG);
      if (!tagging) continue;
      (keys.includes(TAG_KEYS) ? constrained : unconstrained).add(id);
    }
  }
  for (const name of TAG_MEANING_ACTIONS) {
    const a = ref.action(name);
    if (a && services.includes(a.service)) unconstrained.add(a.id);
  }
  return { constrained, unconstrained };
}

/**
 * The services whose resources the scope acts on: the services of its actions, and the services named
 * by the ARN formats of the resource types those actions accept.
 */
export function tagScopeServices(ref: ReferenceIndex, scope: ActionSet): string[] {
  const out = new Set<string>();
  const seen = new Set<string>();
  for (const id of scope) {
    const a = ref.actions[id]!;
    out.add(a.service);
    for (const rt of a.resourceTypes) {
      const key = `${a.service}|${rt}`;
      if (seen.has(key)) continue;
      seen.add(key);
      for (const format of ref.service(a.service)?.resourceTypes.get(rt.toLowerCase())?.arnFormats ?? []) {
        const service = /^arn:[^:]*:([^:]+):/.exec(format)?.[1];
        if (service && ref.service(service)) out.add(ref.service(service)!.prefix);
      }
    }
  }
  return [...out].sort();
}

export interface ExceptionTag {
  tag: Tag;
  protection: TagProtection;
  /** The intent object that declares the exception, for locations. */
  holder: object;
  /** The actions whose resources the tag carves out of the perimeter. */
  scope: ActionSet;
  /** `exception` (partner exceptions) or `resource-exception` (resourceTagException): names the roles. */
  word: string;
  /** Which exception of the control (0-based), for unique roles. */
  index: number;
  /** The role of the statement the companions protect. */
  mainRole: string;
}

/** The companions of an exception tag (see the module comment). */
export function tagProtectionStatements(control: Control, ctx: ControlContext, ex: ExceptionTag): StatementDraft[] {
  const ref = ctx.reference;
  const sources = ctx.intent.sources;
  const { tag, protection } = ex;
  const admins = protection.adminRoles ?? [];
  const sfx = ex.index ? `-${ex.index + 1}` : '';
  const at = sources.locate(ex.holder, 'tag') ?? sources.locate(ex.holder);
  const who = admins.length ? admins.join(', ') : 'nobody (no adminRoles)';
  const exceptAdmins = exceptPrincipalsCondition(admins);
  const base = (role: string, type: 'scp' | 'rcp', actions: ActionPatterns, condition: Condition, summary: string): StatementDraft => ({
    control,
    role,
    sid: sidFor(control, role),
    type,
    effect: 'Deny',
    ...(type === 'rcp' ? { principal: '*' as const } : {}),
    actions,
    resources: ['*'],
    condition,
    location: at,
    companionOf: ex.mainRole,
    summary,
  });

  const services = tagScopeServices(ref, ex.scope);
  const { unconstrained } = taggingActions(ref, services);
  const unprotected = unprotectedActions(ctx, control, ex, unconstrained);
  const protectedSet = unconstrained.minus(unprotected);
  const names = (set: ActionSet, rcpOnly: boolean) =>
    set
      .toArray()
      .map((id) => ref.actions[id]!)
      .filter((a) => !rcpOnly || ref.supportsRcp(a.service))
      .map((a) => a.qualified);

  const drafts: StatementDraft[] = [
    base(`protect-${ex.word}-tag${sfx}`, 'scp', generatedPatterns(['*'], at), combine(ctx, control, tagKeyInRequest(tag.key), exceptAdmins), `only ${who} may set or remove the tag ${tag.key}`),
  ];
  const scpUnconstrained = names(protectedSet, false);
  if (scpUnconstrained.length) {
    drafts.push(
      base(
        `protect-${ex.word}-tag-unconstrained${sfx}`,
        'scp',
        generatedPatterns(scpUnconstrained, at),
        exceptAdmins,
        `tagging actions that cannot be constrained by tag key (${scpUnconstrained.length}, e.g. ${scpUnconstrained[0]}) only by ${who}: nobody else can set ${tag.key} with them`,
      ),
    );
  }
  drafts.push(
    base(
      `protect-${ex.word}-session-tag${sfx}`,
      'rcp',
      generatedPatterns(['sts:TagSession'], at),
      combine(ctx, control, tagKeyInRequest(tag.key), admins.length ? { ArnNotLikeIfExists: { 'aws:PrincipalArn': [...admins] } } : {}, NOT_A_SERVICE_PRINCIPAL),
      `the tag ${tag.key} cannot be passed as a session tag${admins.length ? ` except by ${admins.join(', ')}` : ''}`,
    ),
  );
  // sts is the session-tag statement's: its only tagging is session tags.
  const rcpServices = services.filter((s) => s !== 'sts' && ref.supportsRcp(s));
  if (rcpServices.length) {
    drafts.push(
      base(
        `protect-${ex.word}-tag-rcp${sfx}`,
        'rcp',
        generatedPatterns(
          rcpServices.map((s) => `${s}:*`),
          at,
        ),
        combine(ctx, control, tagKeyInRequest(tag.key), exceptAdmins, NOT_A_SERVICE_PRINCIPAL),
        `resources of ${rcpServices.join(', ')}: only ${who} may set or remove the tag ${tag.key}, whoever the caller (excluded accounts, other organizations)`,
      ),
    );
  }
  const rcpUnconstrained = names(protectedSet, true);
  if (rcpUnconstrained.length) {
    drafts.push(
      base(
        `protect-${ex.word}-tag-unconstrained-rcp${sfx}`,
        'rcp',
        generatedPatterns(rcpUnconstrained, at),
        combine(ctx, control, exceptAdmins, NOT_A_SERVICE_PRINCIPAL),
        `tagging actions that cannot be constrained by tag key (${rcpUnconstrained.length}, e.g. ${rcpUnconstrained[0]}) only by ${who}, whoever the caller: nobody else can set ${tag.key} with them`,
      ),
    );
  }
  return drafts;
}

/**
 * Two exceptions of one control with the same admin roles yield the same unconstrained-tagging
 * statements (they do not depend on the tag): the first one stands for both.
 */
export function mergeUnconstrainedCompanions(drafts: StatementDraft[], tags: string[]): StatementDraft[] {
  const seen = new Map<string, StatementDraft>();
  const out: StatementDraft[] = [];
  for (const d of drafts) {
    if (!/-tag-unconstrained(-rcp)?(-\d+)?$/.test(d.role)) {
      out.push(d);
      continue;
    }
    const key = `${d.type}|${[...(d.actions?.patterns ?? [])].sort().join(',')}|${JSON.stringify(d.condition)}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, d);
      out.push(d);
      continue;
    }
    first.summary = first.summary.replace(/can set .* with them$/, `can set ${tags.join(' or ')} with them`);
  }
  return out;
}

/** The unconstrained tagging actions the exception opts out of protecting, with a warning naming them. */
function unprotectedActions(ctx: ControlContext, control: Control, ex: ExceptionTag, unconstrained: ActionSet): ActionSet {
  const ref = ctx.reference;
  const opt = ex.protection.allowUnconstrainedTagging;
  if (opt === undefined || opt === false) return ref.emptySet();
  const where = ctx.intent.sources.locateKey(ex.holder, 'allowUnconstrainedTagging');
  const chosen = opt === true ? unconstrained.clone() : ref.expandList(opt).actions.intersect(unconstrained);
  if (chosen.isEmpty()) {
    ctx.diagnostics.push(
      warning(
        'unconstrained-tagging-nothing',
        `control ${control.id}: tag ${ex.tag.key}: allowUnconstrainedTagging names none of the tagging actions that cannot be constrained by tag key in the exception's scope${unconstrained.isEmpty() ? ' (there are none)' : ` (${describe(ref, unconstrained)})`}`,
        where,
      ),
    );
    return chosen;
  }
  ctx.diagnostics.push(
    warning(
      'unprotected-exception-tag',
      `control ${control.id}: tag ${ex.tag.key}: allowUnconstrainedTagging leaves ${chosen.size} tagging action${chosen.size === 1 ? '' : 's'} unprotected (${describe(ref, chosen, 12)}): nothing in their requests names the tag key, so any principal allowed to call them can set or remove ${ex.tag.key} on resources of the exception's scope`,
      where,
      'leave out only actions that cannot write the tag the exception reads (e.g. S3 object tags: aws:ResourceTag on S3 reads bucket tags)',
    ),
  );
  return chosen;
}

function describe(ref: ReferenceIndex, set: ActionSet, max = 5): string {
  const names = set.toArray().map((id) => ref.actions[id]!.qualified);
  return names.slice(0, max).join(', ') + (names.length > max ? `, and ${names.length - max} more` : '');
}
