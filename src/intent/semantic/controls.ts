/** What each control kind's parameters must satisfy beyond the schema: against the tree, the reference, the file system. */
import type { Control } from '../types.js';
import { locateNamedFile, namedFile } from '../named-files.js';
import { checkActionPatterns, checkConditionBlock, checkServices, checkStatements } from './actions.js';
import { isObject, type CheckContext } from './context.js';
import { checkModelIds } from './models.js';
import { checkControlPlaceholders } from './placeholders.js';

export function checkControl(ctx: CheckContext, c: Control): void {
  const what = `control ${c.id}`;
  const rcp = (c.type ?? defaultType(c)) === 'rcp';
  const skipUnsupported = c.skipUnsupportedServices === true;
  if (skipUnsupported && !rcp && c.kind !== 'partner-tag-exception') {
    ctx.warn('unused-option', `${what}: skipUnsupportedServices applies to RCPs only; this control is an ${String(c.type ?? defaultType(c)).toUpperCase()}`, ctx.atKey(c as object, 'skipUnsupportedServices'));
  }
  checkControlPlaceholders(ctx, c);
  switch (c.kind) {
    case 'identity-perimeter': {
      if (c.services === undefined && c.actions === undefined) {
        ctx.error('missing-property', `${what} needs "services" or "actions": the perimeter must cover something`, ctx.at(c));
      }
      checkServices(ctx, c.services, `${what}: services`, { rcp: true, skipUnsupported });
      checkActionPatterns(ctx, c, 'actions', `${what}: actions`, { rcp: true, skipUnsupported });
      checkOrgPaths(ctx, c.orgPaths, what);
      (Array.isArray(c.partnerExceptions) ? c.partnerExceptions : []).forEach((p, i) => {
        if (!isObject(p)) return;
        checkServices(ctx, p.services, `${what}: partnerExceptions[${i}].services`, { rcp: true, skipUnsupported });
        checkActionPatterns(ctx, p, 'actions', `${what}: partnerExceptions[${i}].actions`, { rcp: true, skipUnsupported });
        checkTagProtection(ctx, p, `${what}: partner exception tag "${isObject(p.tag) ? String(p.tag.key) : '?'}"`, ctx.at(c.partnerExceptions, i));
      });
      if (isObject(c.resourceTagException)) {
        checkTagProtection(ctx, c.resourceTagException, `${what}: resource tag exception "${String(c.resourceTagException.key)}"`, ctx.atKey(c as object, 'resourceTagException'));
      }
      break;
    }
    case 'partner-tag-exception':
      checkServices(ctx, c.services, `${what}: services`, { rcp: true, skipUnsupported });
      checkActionPatterns(ctx, c, 'actions', `${what}: actions`, { rcp: true, skipUnsupported });
      if (c.services === undefined && c.actions === undefined) ctx.error('missing-property', `${what} needs "services" or "actions": which resources may partners reach?`, ctx.at(c));
      checkTagProtection(ctx, c as unknown as Record<string, unknown>, `${what}: tag "${isObject(c.tag) ? String(c.tag.key) : '?'}"`, ctx.at(c));
      break;
    case 'tls-minimum':
      if (c.minVersion !== undefined && tlsVersion(c.minVersion) === undefined) {
        ctx.error('bad-value', `${what}: minVersion ${JSON.stringify(c.minVersion)} is not a TLS version`, ctx.at(c, 'minVersion'), `use one of ${TLS_VERSIONS.join(', ')}`);
      }
      checkServices(ctx, c.services, `${what}: services`, { rcp, skipUnsupported });
      break;
    case 'bedrock-model-allowlist':
      if (ctx.reference && !ctx.reference.service('bedrock')) ctx.error('unknown-service', `${what}: the service reference has no bedrock service`, ctx.at(c));
      checkModelIds(ctx, c);
      (Array.isArray(c.approvedModelArns) ? c.approvedModelArns : []).forEach((arn, i) => {
        // A wildcard over foundation models approves models nobody reviewed; `models` names them.
        const m = /:(foundation-model|inference-profile)\/(.*)$/.exec(String(arn));
        if (m && /[*?]/.test(m[2]!)) {
          ctx.warn('broad-model-approval', `${what}: approvedModelArns "${arn}" approves every ${m[1]} it matches, approved or not`, ctx.at(c.approvedModelArns, i), 'name approved foundation models in "models" (their cross-Region profiles follow)');
        }
      });
      break;
    case 'deny-actions':
      checkActionPatterns(ctx, c, 'actions', `${what}: actions`, { rcp, skipUnsupported });
      if (c.resources !== undefined && c.notResources !== undefined) {
        ctx.error('conflicting-properties', `${what} has both "resources" and "notResources"; a statement takes one of them`, ctx.atKey(c as object, 'notResources'));
      }
      checkConditionBlock(ctx, c.conditions, what, 'Deny', true, Array.isArray(c.actions) ? c.actions.filter((a): a is string => typeof a === 'string') : undefined, Array.isArray(c.exceptPrincipals) && c.exceptPrincipals.length ? { ArnNotLike: { 'aws:PrincipalArn': c.exceptPrincipals.map(String) } } : undefined);
      break;
    case 'region-deny':
      checkActionPatterns(ctx, c, 'exemptActions', `${what}: exemptActions`);
      checkActionPatterns(ctx, c, 'additionalExemptActions', `${what}: additionalExemptActions`);
      break;
    case 'custom': {
      const hasStatements = c.statements !== undefined;
      const hasTemplate = c.template !== undefined;
      if (hasStatements === hasTemplate) {
        ctx.error('custom-needs-one', `${what} needs exactly one of "statements" and "template"`, ctx.at(c));
      }
      if (c.type === undefined) ctx.error('missing-property', `${what} needs "type" (scp or rcp): a custom control does not imply one`, ctx.atKey(c as object, 'kind'));
      checkStatements(ctx, c.statements, what, rcp, skipUnsupported);
      if (typeof c.template === 'string') checkRelativeFile(ctx, c, 'template', what);
      if (c.parameters !== undefined && !hasTemplate) ctx.warn('unused-parameters', `${what}: "parameters" is only used with "template"`, ctx.atKey(c as object, 'parameters'));
      break;
    }
    case 'import':
      if (typeof c.file === 'string') checkRelativeFile(ctx, c, 'file', what);
      if (c.type === undefined) ctx.error('missing-property', `${what} needs "type" (scp or rcp): the imported file is one or the other`, ctx.atKey(c as object, 'kind'));
      break;
  }
}

/** The admin roles of an exception tag, and the actions it leaves unprotected. */
function checkTagProtection(ctx: CheckContext, holder: Record<string, unknown>, what: string, at: ReturnType<CheckContext['at']>): void {
  if (holder.adminRoles === undefined) {
    ctx.warn(
      'unprotected-exception-tag',
      `${what} has no adminRoles, so the companion policies deny setting it, and every tagging action that cannot be constrained by tag key, to every principal`,
      at,
      'name the role that may set the tag (adminRoles) so that exceptions can be granted at all',
    );
  }
  if (Array.isArray(holder.allowUnconstrainedTagging)) checkActionPatterns(ctx, holder, 'allowUnconstrainedTagging', `${what}: allowUnconstrainedTagging`);
}

export const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const;

/**
 * YAML reads `1.2` as a number and `1.0` as 1; both spellings mean the version. Anything else (`null`
 * when the value is commented out) is no version: the schema reports it, and checks after it must not throw.
 */
export function tlsVersion(v: unknown): (typeof TLS_VERSIONS)[number] | undefined {
  const s = typeof v === 'number' ? v.toFixed(1) : typeof v === 'string' ? v.trim() : undefined;
  return TLS_VERSIONS.find((t) => t === s);
}

/** The policy type a kind produces when the intent does not say. */
export function defaultType(c: Control): 'scp' | 'rcp' | undefined {
  switch (c.kind) {
    case 'identity-perimeter':
    case 'partner-tag-exception':
    case 'tls-minimum':
      return 'rcp';
    case 'bedrock-model-allowlist':
    case 'deny-actions':
    case 'region-deny':
      return 'scp';
    default:
      return undefined;
  }
}

/** The file must be there and inside the repository; nothing outside it is looked at, not even whether it exists. */
function checkRelativeFile(ctx: CheckContext, c: Control, key: string, what: string): void {
  const rel = (c as unknown as Record<string, string>)[key]!;
  const found = locateNamedFile(ctx.intent, c, rel);
  if (found.ok) return;
  if (found.code === 'file-not-found') ctx.error('missing-file', `${what}: ${key} "${rel}" does not exist (looked for ${namedFile(ctx.intent, c, rel).path})`, ctx.at(c, key));
  else ctx.error(found.code, `${what}: ${key === 'file' ? 'import file' : key}: ${found.message}`, ctx.at(c, key));
}

/**
 * Org paths are written as aws:PrincipalOrgPaths values (o-.../r-.../ou-.../) or as OU references,
 * which compile turns into paths; that needs the ids of the OU and its ancestors.
 */
function checkOrgPaths(ctx: CheckContext, list: unknown, what: string): void {
  if (!Array.isArray(list)) return;
  list.forEach((ref: unknown, i) => {
    if (typeof ref !== 'string') return;
    if (ref.startsWith('o-')) {
      if (!/^o-[a-z0-9]{10,32}\/r-[0-9a-z]{4,32}(\/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})*\/(\*)?$/.test(ref)) {
        ctx.error('bad-org-path', `${what}: orgPaths "${ref}" is not an organization path`, ctx.at(list, i), 'for example o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*');
      } else if (ctx.intent.organization && !ref.startsWith(`${ctx.intent.organization.id}/`)) {
        ctx.error('bad-org-path', `${what}: orgPaths "${ref}" is in another organization than ${ctx.intent.organization.id}`, ctx.at(list, i));
      }
      return;
    }
    const resolved = ctx.resolveOne(list, i, `${what}: orgPaths`);
    if (!resolved) return;
    for (let n: typeof resolved.node | undefined = resolved.node; n; n = n.parent) {
      if (!n.id && !(n.kind === 'root' && ctx.intent.organization?.rootId)) {
        ctx.error('org-path-needs-ids', `${what}: orgPaths "${ref}" needs the AWS id of ${n.kind === 'root' ? 'the root (organization.rootId)' : `OU ${n.path} (id: ou-...)`}`, ctx.at(list, i));
        break;
      }
    }
  });
}
