/** The scenarios of an exception tag's companions (identity-perimeter and partner-tag-exception). */
import type { ControlPlacement } from '../../compile/index.js';
import { tagScopeServices, taggingActions } from '../../controls/index.js';
import type { Tag, TagProtection } from '../../intent/index.js';
import type { ActionSet } from '../../reference/index.js';
import type { AccountScope } from '../account-scope.js';
import { resourceOrg } from '../from-tests.js';
import type { Generator } from './generator.js';

/**
 * The companions of an exception tag: requests carrying its key (in any casing) and tagging actions
 * that cannot be constrained by tag key are denied to all but the admin roles, in the accounts the
 * SCP reaches and, through the RCP, from accounts it does not reach. The requests are built as AWS
 * builds them: aws:TagKeys only for actions that support it.
 */
export function tagProtectionScenarios(gen: Generator, tag: Tag, protection: TagProtection, scope: ActionSet, p: ControlPlacement): void {
  const ref = gen.ref;
  const services = tagScopeServices(ref, scope);
  const { constrained, unconstrained } = taggingActions(ref, services);
  const pick = (set: ActionSet, prefer: RegExp): string | undefined => {
    const names = set
      .toArray()
      .map((id) => ref.actions[id]!)
      .filter((a) => ref.supportsRcp(a.service) && a.service !== 'sts')
      .map((a) => a.qualified);
    return names.find((n) => prefer.test(n)) ?? names[0];
  };
  const opt = protection.allowUnconstrainedTagging;
  const optedOut = opt === true ? unconstrained.clone() : Array.isArray(opt) ? ref.expandList(opt).actions.intersect(unconstrained) : ref.emptySet();
  const tagAction = pick(constrained, /:TagResource$/);
  const bare = pick(unconstrained.minus(optedOut), /:Put\w*Tagging$/);
  const open = pick(optedOut, /:Put\w*Tagging$/);
  const withKey = (key: string) => ({ 'aws:TagKeys': [key], [`aws:RequestTag/${key}`]: tag.value });
  const developer = gen.principal(gen.account, 'developer');
  const adminRole = (protection.adminRoles ?? []).map((a) => /:role\/(?:.*\/)?([^/*?]+)$/.exec(a)?.[1]).find((r) => r !== undefined);
  // A principal of the organization that the SCP companion does not reach: an excluded account, or
  // one outside the control's targets. Only the RCP companion protects the tag from it.
  let reached: AccountScope | undefined;
  let unreached: string | undefined;
  for (const a of gen.world.scopeOf([gen.world.tree.root])) {
    reached ??= gen.world.scopeOf(p.targets);
    if (!reached.has(a)) {
      unreached = a;
      break;
    }
  }
  // Resources the RCP companions cannot protect: those of the management account (RCPs do not apply
  // to them) and those of services RCPs do not support (IAM roles, for sts:AssumeRole).
  const management = gen.world.managementAccount;
  const scpOnlyCandidates = constrained
    .toArray()
    .map((id) => ref.actions[id]!)
    .filter((a) => !ref.supportsRcp(a.service) && a.accessLevel === 'Tagging');
  const scpOnly = scpOnlyCandidates.find((a) => /^Tag(Role|Resource)$/.test(a.name)) ?? scpOnlyCandidates[0];
  if (scpOnly) gen.deny(`a principal of the organization cannot set ${tag.key} with ${scpOnly.qualified}, which RCPs do not cover (SCP)`, { principal: developer, action: scpOnly.qualified, resource: gen.resource(scpOnly.qualified), context: withKey(tag.key) });
  if (tagAction) {
    gen.deny(`a principal of the organization cannot set the exception tag ${tag.key} (${tagAction})`, { principal: developer, action: tagAction, resource: gen.resource(tagAction), context: withKey(tag.key) });
    const upper = tag.key.toUpperCase();
    if (upper !== tag.key) gen.deny(`nor the tag key ${tag.key} in another casing (${upper})`, { principal: developer, action: tagAction, resource: gen.resource(tagAction), context: withKey(upper) });
    gen.letThrough(`a principal of the organization may set other tags with ${tagAction} (not ${tag.key})`, { principal: developer, action: tagAction, resource: gen.resource(tagAction), context: { 'aws:TagKeys': ['cost-center'], 'aws:RequestTag/cost-center': 'cc-1' } });
    if (adminRole) gen.letThrough(`the admin role ${adminRole} may set the exception tag ${tag.key}`, { principal: gen.principal(gen.account, adminRole), action: tagAction, resource: gen.resource(tagAction), context: withKey(tag.key) });
    if (unreached) gen.deny(`a principal of account ${unreached}, which the SCP companion does not reach, cannot set ${tag.key} on a resource of ${gen.account} (RCP)`, { principal: gen.principal(unreached, 'developer'), action: tagAction, resource: gen.resource(tagAction), context: withKey(tag.key) });
    gen.deny(`a principal of the organization cannot set ${tag.key} on a resource of the management account, which RCPs do not cover (SCP)`, { principal: developer, action: tagAction, resource: gen.resource(tagAction, management), context: withKey(tag.key) });
  }
  if (bare) {
    gen.deny(`a principal of the organization cannot call ${bare}, whose request does not name tag keys (it could set ${tag.key})`, { principal: developer, action: bare, resource: gen.resource(bare) });
    if (adminRole) gen.letThrough(`the admin role ${adminRole} may call ${bare} (tag ${tag.key})`, { principal: gen.principal(gen.account, adminRole), action: bare, resource: gen.resource(bare) });
    if (unreached) gen.deny(`a principal of account ${unreached}, which the SCP companion does not reach, cannot call ${bare} on a resource of ${gen.account} (RCP, tag ${tag.key})`, { principal: gen.principal(unreached, 'developer'), action: bare, resource: gen.resource(bare) });
    gen.deny(`a principal of the organization cannot call ${bare} on a resource of the management account, which RCPs do not cover (SCP, tag ${tag.key})`, { principal: developer, action: bare, resource: gen.resource(bare, management) });
  }
  const abac = ref.action('s3:PutBucketAbac');
  if (abac && unconstrained.minus(optedOut).has(abac.id)) {
    const bucket = (account: string) => ({ arn: `arn:aws:s3:::bucket-${account}`, account, ...resourceOrg(gen.world, account) });
    gen.deny(`a principal of the organization cannot turn bucket ABAC on or off (s3:PutBucketAbac), which decides whether ${tag.key} counts on a bucket`, { principal: developer, action: abac.qualified, resource: bucket(gen.account) });
    if (adminRole) gen.letThrough(`the admin role ${adminRole} may turn bucket ABAC on or off (s3:PutBucketAbac, tag ${tag.key})`, { principal: gen.principal(gen.account, adminRole), action: abac.qualified, resource: bucket(gen.account) });
    if (unreached) gen.deny(`a principal of account ${unreached}, which the SCP companion does not reach, cannot turn ABAC on or off on a bucket of ${gen.account} (RCP, tag ${tag.key})`, { principal: gen.principal(unreached, 'developer'), action: abac.qualified, resource: bucket(gen.account) });
  }
  if (open) gen.letThrough(`${open} stays open (allowUnconstrainedTagging of ${tag.key})`, { principal: developer, action: open, resource: gen.resource(open) });
  gen.deny(`an outsider cannot pass the exception tag ${tag.key} as a session tag`, { principal: gen.outsider(), action: 'sts:TagSession', resource: gen.resource('sts:TagSession'), context: { 'aws:TagKeys': [tag.key] } });
}
