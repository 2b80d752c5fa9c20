/**
 * Scenarios generated from each control: what it must deny and what it must let through, on a
 * representative account of its scope and sample actions found in the service reference.
 *
 * Every request names a Region (aws:RequestedRegion), one the intent's region-deny controls allow for
 * the account when there are any. Where the mission says a request is allowed (an organization
 * principal and an AWS service principal inside the perimeter, a partner on a tagged resource, S3 over
 * the minimum TLS version, an approved Bedrock model directly and through a cross-Region inference
 * profile, a control's excepted principal), the scenario expects a real end-to-end allow through
 * every SCP and RCP level, unless another control of the intent denies that request: then, like the
 * other "let through" scenarios, it only claims that this control does not deny.
 */
import type { ControlPlacement } from '../compile/index.js';
import type { RequestSpec } from '../evaluate/index.js';
import { isS3BucketOrObjectArn, resourceArnMatcher } from '../evaluate/index.js';
import type { BedrockModelAllowlistControl, Control, DenyActionsControl, IdentityPerimeterControl, PartnerException, PartnerTagExceptionControl, RegionDenyControl, Tag, TagProtection, TlsMinimumControl } from '../intent/index.js';
import { tlsVersion } from '../intent/index.js';
import { mantleModelIds, mantleModelKey, modelUsageActions, tagScopeServices, taggingActions } from '../controls/index.js';
import geographyData from '../controls/inference-profile-geographies.json' with { type: 'json' };
import type { OrgNode } from '../model/org-tree.js';
import { wildcardTest, type Condition } from '../policy/index.js';
import type { ActionSet, ReferenceIndex } from '../reference/index.js';
import type { AccountScope } from './account-scope.js';
import { carryable, conditionRequests, holdsWithoutBucketTags, unmodelledKey } from './condition-scenarios.js';
import { DEFAULT_REGION, orgIdentity, resourceOrg, withDefaults } from './from-tests.js';
import { controlsOf, evaluateScenario } from './run.js';
import type { Scenario } from './scenario.js';
import type { World } from './world.js';

/** An account outside the organization, and an organization that is not ours. */
export const OUTSIDE_ACCOUNT = '999999999999';
export const OUTSIDE_ORG = 'o-outsider000';

/**
 * The scenarios of every control. Conditions for which no scenario could be built are added to
 * `unsimulated` with the reason ("control: statement: why").
 */
export function generateScenarios(world: World, placements: readonly ControlPlacement[], unsimulated: string[] = []): Scenario[] {
  const out: Scenario[] = [];
  const limits = new RegionLimits(world, placements);
  for (const p of placements) {
    if (p.targets.length === 0) continue;
    const account = world.scopeOf(p.targets, resolve(world, p.control.exclude)).first;
    if (!account) continue;
    const g = new Generator(world, p.control, account, out, limits.allowedRegion(account), limits.inferenceRoutes(account), unsimulated);
    switch (p.control.kind) {
      case 'identity-perimeter':
        g.identityPerimeter(p.control, p);
        break;
      case 'partner-tag-exception':
        g.partnerTagException(p.control, p);
        break;
      case 'tls-minimum':
        g.tlsMinimum(p.control);
        break;
      case 'bedrock-model-allowlist':
        g.bedrock(p.control);
        break;
      case 'deny-actions':
        g.denyActions(p.control, p);
        break;
      case 'region-deny':
        g.regionDeny(p.control, p);
        break;
      case 'custom':
      case 'import':
        g.conditionalDenies(p);
        break;
      default:
        break;
    }
    const excluded = resolve(world, p.control.exclude);
    if (excluded.length && p.control.kind === 'identity-perimeter') {
      const outsideScope = world.scopeOf(excluded).first;
      if (outsideScope) new Generator(world, p.control, outsideScope, out, limits.allowedRegion(outsideScope), limits.inferenceRoutes(outsideScope)).outsiderOnExcludedAccount(p);
    }
  }
  return out;
}

/**
 * A Region every region-deny control over the account allows (us-east-1 when it is one of them, or
 * when no such control applies), so that scenarios about other controls are not denied by those.
 */
export function allowedRegion(world: World, placements: readonly ControlPlacement[], account: string): string {
  return new RegionLimits(world, placements).allowedRegion(account);
}

/**
 * Where the region-deny controls over an account let Bedrock inference go: the Regions they all allow
 * and the cross-Region inference profile geographies (prefixes) each lets out of them, read from what
 * its bedrock-cross-region-inference statement compiled to (none without that statement). Undefined
 * fields: no region-deny control applies, anything goes.
 */
export interface InferenceRoutes {
  regions?: string[];
  geographies?: string[];
}

export function inferenceRoutes(world: World, placements: readonly ControlPlacement[], account: string): InferenceRoutes {
  return new RegionLimits(world, placements).inferenceRoutes(account);
}

/**
 * The region-deny controls of a set of placements, and what they leave each account (allowedRegion,
 * inferenceRoutes), worked out once per account: many controls share their representative account.
 */
class RegionLimits {
  private regionDenies: { control: RegionDenyControl; placement: ControlPlacement; scope: AccountScope }[] | undefined;
  private readonly regions = new Map<string, string>();
  private readonly routes = new Map<string, InferenceRoutes>();

  constructor(
    private readonly world: World,
    private readonly placements: readonly ControlPlacement[],
  ) {}

  /** The region-deny controls over an account, in the order of the placements. */
  private over(account: string): { control: RegionDenyControl; placement: ControlPlacement }[] {
    // Their scopes are all built on the first question, as every question used to build them: the
    // stand-in accounts they create are numbered in that order.
    this.regionDenies ??= this.placements
      .filter((p) => p.control.kind === 'region-deny' && p.targets.length > 0)
      .map((p) => ({ control: p.control as RegionDenyControl, placement: p, scope: this.world.scopeOf(p.targets, resolve(this.world, p.control.exclude)) }));
    return this.regionDenies.filter((r) => r.scope.has(account));
  }

  allowedRegion(account: string): string {
    let region = this.regions.get(account);
    if (region === undefined) {
      let allowed: string[] | undefined;
      for (const { control } of this.over(account)) {
        const regions = control.allowedRegions;
        allowed = allowed ? allowed.filter((r) => regions.includes(r)) : [...regions];
      }
      region = !allowed ? DEFAULT_REGION : allowed.includes(DEFAULT_REGION) ? DEFAULT_REGION : (allowed[0] ?? DEFAULT_REGION);
      this.regions.set(account, region);
    }
    return region;
  }

  inferenceRoutes(account: string): InferenceRoutes {
    let routes = this.routes.get(account);
    if (routes === undefined) {
      routes = {};
      for (const { control, placement } of this.over(account)) {
        const regions = control.allowedRegions;
        routes.regions = routes.regions ? routes.regions.filter((r) => regions.includes(r)) : [...regions];
        const geographies = profileGeographies(placement);
        routes.geographies = routes.geographies ? routes.geographies.filter((g) => geographies.includes(g)) : geographies;
      }
      this.routes.set(account, routes);
    }
    return routes;
  }
}

/** The profile prefixes a region-deny's cross-Region inference statement lets through. */
function profileGeographies(p: ControlPlacement): string[] {
  const cris = p.statements.find((s) => s.draft.role === 'bedrock-cross-region-inference');
  const arns = cris?.draft.condition?.ArnNotLike?.['bedrock:InferenceProfileArn'] ?? [];
  return arns.map((a) => /inference-profile\/([a-z0-9-]+)\.\*$/.exec(a)?.[1]).filter((g): g is string => g !== undefined);
}

type Geography = { name: string; regions: string[]; default: boolean };
const GEOGRAPHIES: Record<string, Geography> = geographyData.geographies;

/**
 * Regions to route to in examples, by geography (the data file gives Region patterns). A request is
 * only generated to one of these or to a Region the intent names.
 */
const SAMPLE_REGIONS = ['us-east-1', 'us-west-2', 'us-east-2', 'eu-central-1', 'eu-west-1', 'eu-west-3', 'ap-northeast-1', 'ap-southeast-2', 'ap-south-1', 'ap-northeast-3', 'ap-southeast-4', 'us-gov-west-1', 'us-gov-east-1'];

function inGeography(geography: string, region: string): boolean {
  return (GEOGRAPHIES[geography]?.regions ?? []).some((p) => wildcardTest(p)(region));
}

/** The default geography of a Region: the prefix of the system-defined profiles sent from there. */
export function geographyOf(region: string): string | undefined {
  return Object.entries(GEOGRAPHIES).find(([g, v]) => v.default && inGeography(g, region))?.[0];
}

function resolve(world: World, refs: readonly string[] | undefined): OrgNode[] {
  return (refs ?? []).flatMap((r) => {
    const x = world.tree.resolve(r);
    return x.ok ? [x.node] : [];
  });
}

/** The actions an identity perimeter covers, as patterns. */
function perimeterScope(c: IdentityPerimeterControl): string[] {
  return [...(c.services ?? []).map((s) => `${s}:*`), ...(c.actions ?? [])];
}

/** A concrete ARN an ARN pattern matches: wildcards in Region and account filled in, the rest sampled. */
function concreteArn(pattern: string, account: string, region = DEFAULT_REGION): string | undefined {
  const parts = pattern.split(':');
  if (parts.length < 6) return undefined;
  if (parts[3] === '*') parts[3] = region;
  if (parts[4] === '*') parts[4] = account;
  return parts.join(':').replace(/\*/g, 'sample').replace(/\?/g, 'a');
}

/** Sample actions per service of a set: its first Read actions (the data decides), else its first actions. */
export function sampleActions(ref: ReferenceIndex, set: ActionSet, perService = 1): string[] {
  const reads = new Map<string, string[]>();
  const any = new Map<string, string[]>();
  for (const id of set) {
    const a = ref.actions[id]!;
    const pick = (m: Map<string, string[]>) => {
      const list = m.get(a.service) ?? [];
      if (list.length < perService) list.push(a.qualified);
      m.set(a.service, list);
    };
    pick(any);
    if (a.accessLevel === 'Read') pick(reads);
  }
  return [...any.keys()].flatMap((service) => reads.get(service) ?? any.get(service)!);
}

/** A resource ARN for a service's action in an account (RCP statements here name "Resource": "*"). */
export function sampleResource(service: string, account: string, region = DEFAULT_REGION): string {
  if (service === 's3') return `arn:aws:s3:::bucket-${account}/object`;
  if (service === 'sts' || service === 'iam') return `arn:aws:iam::${account}:role/sample-role`;
  return `arn:aws:${service}:${region}:${account}:sample`;
}

class Generator {
  constructor(
    private readonly world: World,
    private readonly control: Control,
    private readonly account: string,
    private readonly out: Scenario[],
    /** A Region the region-deny controls over the account allow. */
    private readonly region: string,
    private readonly routes: InferenceRoutes = {},
    private readonly unsimulated: string[] = [],
  ) {}

  /**
   * A Region other than `from` that inference through a `geography.` profile sent from `from` reaches
   * and the region-deny controls let it reach: an allowed Region of the geography, else one of the
   * geography when they let its profiles out. Undefined when no such Region is certain.
   */
  private destination(geography: string, from: string): string | undefined {
    const { regions, geographies } = this.routes;
    const candidates = [...new Set([...(regions ?? []), ...SAMPLE_REGIONS])].filter((r) => r !== from && inGeography(geography, r));
    return candidates.find((r) => !regions || regions.includes(r) || (geographies ?? []).includes(geography));
  }

  private get ref(): ReferenceIndex {
    return this.world.reference;
  }

  private add(name: string, request: RequestSpec, expect: Scenario['expect']): void {
    const withRegion = request.region ? request : { ...request, region: this.region };
    const r = withRegion.resource;
    if (r.tags && r.bucketAbac === undefined && isS3BucketOrObjectArn(r.arn)) {
      // A bucket's tags count only with ABAC enabled on it (resourceTagsApply): both states. The tags
      // generated scenarios carry only ever open an exception of this control, so without ABAC the
      // request is what it is untagged: denied by this control.
      this.push(`${name} (bucket ABAC enabled)`, { ...withRegion, resource: { ...r, bucketAbac: true } }, expect);
      this.push(`${name}, but bucket ABAC is disabled, so its tags do not count`, { ...withRegion, resource: { ...r, bucketAbac: false } }, { kind: 'deny', by: this.control.id });
      return;
    }
    this.push(name, withRegion, expect);
  }

  private push(name: string, request: RequestSpec, expect: Scenario['expect']): void {
    const scenario: Scenario = { name: `${this.control.id}: ${name}`, origin: 'generated', control: this.control.id, request: withDefaults(request, this.world), expect };
    if (expect.kind === 'allow') {
      // A full allow is only claimed when no other control of the intent denies the request: another
      // correct control (IMDSv2 on the sample action, say) must not turn this one's scenario red.
      // When only others deny it, the scenario claims what this control decides: not denied by it.
      const others = [...new Set(evaluateScenario(this.world, scenario).denies.flatMap(controlsOf))];
      if (others.length && !others.includes(this.control.id)) {
        scenario.name += ` as far as ${this.control.id} goes (${others.join(', ')} ${others.length > 1 ? 'deny' : 'denies'} it)`;
        scenario.expect = { kind: 'not-denied-by', control: this.control.id };
      }
    }
    this.out.push(scenario);
  }

  /** The whole question must say allow: no guardrail at any level denies it. */
  private allow(name: string, request: RequestSpec): void {
    this.add(name, request, { kind: 'allow' });
  }

  private deny(name: string, request: RequestSpec): void {
    this.add(name, request, { kind: 'deny', by: this.control.id });
  }

  private letThrough(name: string, request: RequestSpec): void {
    this.add(name, request, { kind: 'not-denied-by', control: this.control.id });
  }

  /** A role of an account; in the organization it carries the org id and path. */
  private principal(account: string, role = 'app', extra: Partial<RequestSpec['principal']> = {}): RequestSpec['principal'] {
    return { id: `arn:aws:iam::${account}:role/${role}`, account, ...orgIdentity(this.world, account), ...extra };
  }

  private outsider(extra: Partial<RequestSpec['principal']> = {}): RequestSpec['principal'] {
    return { id: `arn:aws:iam::${OUTSIDE_ACCOUNT}:role/outsider`, account: OUTSIDE_ACCOUNT, orgId: OUTSIDE_ORG, ...extra };
  }

  private resource(action: string, account = this.account, extra: Partial<RequestSpec['resource']> = {}): RequestSpec['resource'] {
    const service = action.slice(0, action.indexOf(':'));
    return { arn: sampleResource(service, account, this.region), account, ...resourceOrg(this.world, account), ...extra };
  }

  private statementSet(p: ControlPlacement, role: string): ActionSet | undefined {
    const s = p.statements.find((x) => x.draft.role === role);
    return s?.actions?.set;
  }

  identityPerimeter(c: IdentityPerimeterControl, p: ControlPlacement): void {
    const scope = this.ref.emptySet();
    for (const s of p.statements) if (s.draft.role.startsWith('perimeter') && s.actions) scope.addAll(s.actions.set);
    for (const action of sampleActions(this.ref, scope)) {
      this.deny(`a principal outside the organization is denied ${action}`, { principal: this.outsider(), action, resource: this.resource(action) });
      this.allow(`a principal of the organization may ${action}`, { principal: this.principal(this.account), action, resource: this.resource(action) });
      if (c.allowServicePrincipals !== false) {
        const service = `${action.slice(0, action.indexOf(':'))}.amazonaws.com`;
        this.allow(`the AWS service principal ${service} may ${action} on behalf of the organization`, {
          principal: { id: service },
          action,
          resource: this.resource(action),
          context: { 'aws:SourceOrgID': this.world.orgId, 'aws:SourceAccount': this.account, 'aws:SourceArn': `arn:aws:${action.slice(0, action.indexOf(':'))}:${this.region}:${this.account}:source` },
        });
        if (c.confusedDeputy) {
          this.deny(`the AWS service principal ${service} is denied ${action} on behalf of another organization (confused deputy)`, {
            principal: { id: service },
            action,
            resource: this.resource(action),
            context: { 'aws:SourceOrgID': OUTSIDE_ORG, 'aws:SourceAccount': OUTSIDE_ACCOUNT, 'aws:SourceArn': `arn:aws:${action.slice(0, action.indexOf(':'))}:${DEFAULT_REGION}:${OUTSIDE_ACCOUNT}:source` },
          });
        }
      }
      for (const trusted of c.trustedAccounts ?? []) this.letThrough(`trusted account ${trusted} may ${action}`, { principal: this.principal(trusted, 'trusted', { orgId: OUTSIDE_ORG }), action, resource: this.resource(action) });
      if (c.resourceTagException) {
        const t = c.resourceTagException;
        this.letThrough(`an outsider may ${action} on a resource tagged ${t.key}=${t.value}`, { principal: this.outsider(), action, resource: this.resource(action, this.account, { tags: { [t.key]: t.value } }) });
      }
      for (const ex of c.resourceAccountExceptions ?? []) this.letThrough(`an outsider may ${action} on a resource of excepted account ${ex}`, { principal: this.outsider(), action, resource: this.resource(action, this.account, { account: ex }), context: { 'aws:ResourceAccount': ex } });
    }
    if (c.resourceTagException) this.tagProtection(c.resourceTagException, c.resourceTagException, this.ref.expandList(perimeterScope(c)).actions, p);
    (c.partnerExceptions ?? []).forEach((pe, i) => {
      const set = this.statementSet(p, `partner-access${i ? `-${i + 1}` : ''}`);
      if (!set) return;
      const tags = { [pe.tag.key]: pe.tag.value };
      for (const action of sampleActions(this.ref, set)) {
        for (const partner of pe.accounts) {
          const principal = this.principal(partner, 'partner', { orgId: OUTSIDE_ORG });
          this.allow(`partner ${partner} may ${action} on a resource tagged ${pe.tag.key}=${pe.tag.value}`, { principal, action, resource: this.resource(action, this.account, { tags }) });
          this.deny(`partner ${partner} is denied ${action} on an untagged resource`, { principal, action, resource: this.resource(action) });
        }
        this.deny(`an outsider is denied ${action} on a resource tagged ${pe.tag.key}=${pe.tag.value}`, { principal: this.outsider(), action, resource: this.resource(action, this.account, { tags }) });
      }
      this.tagProtection(pe.tag, pe, this.partnerScope(c, pe), p);
    });
  }

  private partnerScope(c: IdentityPerimeterControl, pe: PartnerException): ActionSet {
    const declared = [...(pe.services ?? []).map((s) => `${s}:*`), ...(pe.actions ?? [])];
    return this.ref.expandList(declared.length ? declared : perimeterScope(c)).actions;
  }

  partnerTagException(c: PartnerTagExceptionControl, p: ControlPlacement): void {
    const set = this.statementSet(p, 'partner-access');
    const tags = { [c.tag.key]: c.tag.value };
    for (const action of set ? sampleActions(this.ref, set) : []) {
      for (const partner of c.accounts) {
        const principal = this.principal(partner, 'partner', { orgId: OUTSIDE_ORG });
        this.letThrough(`partner ${partner} may ${action} on a resource tagged ${c.tag.key}=${c.tag.value}`, { principal, action, resource: this.resource(action, this.account, { tags }) });
      }
      this.deny(`an outsider is denied ${action} on a resource tagged ${c.tag.key}=${c.tag.value}`, { principal: this.outsider(), action, resource: this.resource(action, this.account, { tags }) });
    }
    this.tagProtection(c.tag, c, this.ref.expandList([...(c.services ?? []).map((s) => `${s}:*`), ...(c.actions ?? [])]).actions, p);
  }

  /**
   * The companions of an exception tag: requests carrying its key (in any casing) and tagging actions
   * that cannot be constrained by tag key are denied to all but the admin roles, in the accounts the
   * SCP reaches and, through the RCP, from accounts it does not reach. The requests are built as AWS
   * builds them: aws:TagKeys only for actions that support it.
   */
  private tagProtection(tag: Tag, protection: TagProtection, scope: ActionSet, p: ControlPlacement): void {
    const ref = this.ref;
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
    const developer = this.principal(this.account, 'developer');
    const adminRole = (protection.adminRoles ?? []).map((a) => /:role\/(?:.*\/)?([^/*?]+)$/.exec(a)?.[1]).find((r) => r !== undefined);
    // A principal of the organization that the SCP companion does not reach: an excluded account, or
    // one outside the control's targets. Only the RCP companion protects the tag from it.
    let reached: AccountScope | undefined;
    let unreached: string | undefined;
    for (const a of this.world.scopeOf([this.world.tree.root])) {
      reached ??= this.world.scopeOf(p.targets);
      if (!reached.has(a)) {
        unreached = a;
        break;
      }
    }
    // Resources the RCP companions cannot protect: those of the management account (RCPs do not apply
    // to them) and those of services RCPs do not support (IAM roles, for sts:AssumeRole).
    const management = this.world.managementAccount;
    const scpOnlyCandidates = constrained
      .toArray()
      .map((id) => ref.actions[id]!)
      .filter((a) => !ref.supportsRcp(a.service) && a.accessLevel === 'Tagging');
    const scpOnly = scpOnlyCandidates.find((a) => /^Tag(Role|Resource)$/.test(a.name)) ?? scpOnlyCandidates[0];
    if (scpOnly) this.deny(`a principal of the organization cannot set ${tag.key} with ${scpOnly.qualified}, which RCPs do not cover (SCP)`, { principal: developer, action: scpOnly.qualified, resource: this.resource(scpOnly.qualified), context: withKey(tag.key) });
    if (tagAction) {
      this.deny(`a principal of the organization cannot set the exception tag ${tag.key} (${tagAction})`, { principal: developer, action: tagAction, resource: this.resource(tagAction), context: withKey(tag.key) });
      const upper = tag.key.toUpperCase();
      if (upper !== tag.key) this.deny(`nor the tag key ${tag.key} in another casing (${upper})`, { principal: developer, action: tagAction, resource: this.resource(tagAction), context: withKey(upper) });
      this.letThrough(`a principal of the organization may set other tags with ${tagAction} (not ${tag.key})`, { principal: developer, action: tagAction, resource: this.resource(tagAction), context: { 'aws:TagKeys': ['cost-center'], 'aws:RequestTag/cost-center': 'cc-1' } });
      if (adminRole) this.letThrough(`the admin role ${adminRole} may set the exception tag ${tag.key}`, { principal: this.principal(this.account, adminRole), action: tagAction, resource: this.resource(tagAction), context: withKey(tag.key) });
      if (unreached) this.deny(`a principal of account ${unreached}, which the SCP companion does not reach, cannot set ${tag.key} on a resource of ${this.account} (RCP)`, { principal: this.principal(unreached, 'developer'), action: tagAction, resource: this.resource(tagAction), context: withKey(tag.key) });
      this.deny(`a principal of the organization cannot set ${tag.key} on a resource of the management account, which RCPs do not cover (SCP)`, { principal: developer, action: tagAction, resource: this.resource(tagAction, management), context: withKey(tag.key) });
    }
    if (bare) {
      this.deny(`a principal of the organization cannot call ${bare}, whose request does not name tag keys (it could set ${tag.key})`, { principal: developer, action: bare, resource: this.resource(bare) });
      if (adminRole) this.letThrough(`the admin role ${adminRole} may call ${bare} (tag ${tag.key})`, { principal: this.principal(this.account, adminRole), action: bare, resource: this.resource(bare) });
      if (unreached) this.deny(`a principal of account ${unreached}, which the SCP companion does not reach, cannot call ${bare} on a resource of ${this.account} (RCP, tag ${tag.key})`, { principal: this.principal(unreached, 'developer'), action: bare, resource: this.resource(bare) });
      this.deny(`a principal of the organization cannot call ${bare} on a resource of the management account, which RCPs do not cover (SCP, tag ${tag.key})`, { principal: developer, action: bare, resource: this.resource(bare, management) });
    }
    const abac = ref.action('s3:PutBucketAbac');
    if (abac && unconstrained.minus(optedOut).has(abac.id)) {
      const bucket = (account: string) => ({ arn: `arn:aws:s3:::bucket-${account}`, account, ...resourceOrg(this.world, account) });
      this.deny(`a principal of the organization cannot turn bucket ABAC on or off (s3:PutBucketAbac), which decides whether ${tag.key} counts on a bucket`, { principal: developer, action: abac.qualified, resource: bucket(this.account) });
      if (adminRole) this.letThrough(`the admin role ${adminRole} may turn bucket ABAC on or off (s3:PutBucketAbac, tag ${tag.key})`, { principal: this.principal(this.account, adminRole), action: abac.qualified, resource: bucket(this.account) });
      if (unreached) this.deny(`a principal of account ${unreached}, which the SCP companion does not reach, cannot turn ABAC on or off on a bucket of ${this.account} (RCP, tag ${tag.key})`, { principal: this.principal(unreached, 'developer'), action: abac.qualified, resource: bucket(this.account) });
    }
    if (open) this.letThrough(`${open} stays open (allowUnconstrainedTagging of ${tag.key})`, { principal: developer, action: open, resource: this.resource(open) });
    this.deny(`an outsider cannot pass the exception tag ${tag.key} as a session tag`, { principal: this.outsider(), action: 'sts:TagSession', resource: this.resource('sts:TagSession'), context: { 'aws:TagKeys': [tag.key] } });
  }

  outsiderOnExcludedAccount(p: ControlPlacement): void {
    const scope = this.ref.emptySet();
    for (const s of p.statements) if (s.draft.role.startsWith('perimeter') && s.actions) scope.addAll(s.actions.set);
    const [action] = sampleActions(this.ref, scope);
    if (action) this.letThrough(`an outsider may ${action} in excluded account ${this.account}`, { principal: this.outsider(), action, resource: this.resource(action) });
  }

  tlsMinimum(c: TlsMinimumControl): void {
    const type = c.type ?? 'rcp';
    const services = c.services ?? ['s3', 'sqs', 'kms', 'secretsmanager', 'sts'];
    for (const service of services) {
      const svc = this.ref.service(service);
      if (!svc) continue;
      const [action] = sampleActions(this.ref, this.ref.serviceActions(svc));
      if (!action) continue;
      const principal = type === 'rcp' ? this.outsider() : this.principal(this.account);
      const who = type === 'rcp' ? this.principal(this.account) : principal;
      this.deny(`${action} without TLS is denied`, { principal: who, action, resource: this.resource(action), context: { 'aws:SecureTransport': false } });
      this.letThrough(`${action} over TLS is let through`, { principal: who, action, resource: this.resource(action), context: { 'aws:SecureTransport': true } });
    }
    const min = tlsVersion(c.minVersion);
    if (min && min !== '1.0' && services.includes('s3')) {
      const below = (Number(min) - 0.1).toFixed(1);
      const who = this.principal(this.account);
      this.deny(`S3 over TLS ${below} (below ${min}) is denied`, { principal: who, action: 's3:GetObject', resource: this.resource('s3:GetObject'), context: { 's3:TlsVersion': below } });
      this.allow(`S3 over TLS ${min} is allowed`, { principal: who, action: 's3:GetObject', resource: this.resource('s3:GetObject'), context: { 's3:TlsVersion': min } });
    }
  }

  bedrock(c: BedrockModelAllowlistControl): void {
    const usage = modelUsageActions(this.ref);
    const invoke = usage.actions.find((a) => a === 'bedrock:InvokeModel');
    if (!invoke) return;
    const approved = c.models[0]!;
    const unapproved = 'deepseek.r1-v1:0' === approved ? 'meta.llama3-8b-instruct-v1:0' : 'deepseek.r1-v1:0';
    const acct = this.account;
    const model = (id: string, region = this.region) => `arn:aws:bedrock:${region}::foundation-model/${id}`;
    const bedrockArn = (rest: string) => `arn:aws:bedrock:${this.region}:${acct}:${rest}`;
    const who = this.principal(acct, 'data-scientist');
    const on = (arn: string) => ({ arn, account: acct });
    this.deny(`invoking the unapproved model ${unapproved} is denied`, { principal: who, action: invoke, resource: on(model(unapproved)) });
    this.allow(`invoking the approved model ${approved} is allowed`, { principal: who, action: invoke, resource: on(model(approved)) });
    // Cross-Region inference as AWS sees it: a profile of the geography of the Region the request is
    // sent to (its ARN names that Region), routed to a Region of that geography the region-deny
    // controls let it reach. A Region without a known geography gets no such scenario.
    const geography = geographyOf(this.region);
    if (geography) {
      const profile = bedrockArn(`inference-profile/${geography}.${approved}`);
      this.allow(`the approved model through the cross-Region profile ${geography}.${approved} is allowed`, { principal: who, action: invoke, resource: on(profile), context: { 'bedrock:InferenceProfileArn': profile } });
      const elsewhere = this.destination(geography, this.region);
      if (elsewhere) this.allow(`the approved model in ${elsewhere}, reached through the cross-Region profile ${geography}.${approved}, is allowed`, { principal: who, action: invoke, resource: on(model(approved, elsewhere)), region: elsewhere, context: { 'bedrock:InferenceProfileArn': profile } });
      this.deny(`the unapproved model through the cross-Region profile ${geography}.${unapproved} is denied`, { principal: who, action: invoke, resource: on(bedrockArn(`inference-profile/${geography}.${unapproved}`)) });
    }
    // Models that are not foundation models: denied unless approved (approvedModelArns).
    const others: [string, string][] = [
      ['imported-model', 'imported-model/deepseek-r1-distill'],
      ['custom-model', 'custom-model/sample-fine-tune'],
      ['provisioned-model', 'provisioned-model/sample-throughput'],
      ['application-inference-profile', 'application-inference-profile/sample-app'],
    ];
    const approvedArns = c.approvedModelArns ?? [];
    for (const [type, rest] of others) {
      if (!usage.modelResourceTypes.includes(type)) continue;
      const arn = bedrockArn(rest);
      if (approvedArns.some((a) => resourceArnMatcher(a)(arn))) this.letThrough(`invoking the approved ${type} ${rest} is let through (approvedModelArns)`, { principal: who, action: invoke, resource: on(arn) });
      else this.deny(`invoking the ${type} ${rest}, which is not approved, is denied`, { principal: who, action: invoke, resource: on(arn) });
    }
    for (const pattern of approvedArns) {
      const arn = concreteArn(pattern, acct, this.region);
      if (arn) this.letThrough(`invoking the approved ${arn} is let through (approvedModelArns)`, { principal: who, action: invoke, resource: on(arn) });
    }
    // Resources those actions touch that are not models keep working: batch jobs, projects.
    const batch = usage.actions.find((a) => a === 'bedrock:CreateModelInvocationJob');
    if (batch && usage.nonModelResourceTypes.some((t) => t.name === 'model-invocation-job')) {
      this.letThrough(`a batch inference job (its job ARN) is let through`, { principal: who, action: batch, resource: on(bedrockArn('model-invocation-job/sample-job')) });
      this.deny(`a batch inference job on the unapproved model ${unapproved} is denied`, { principal: who, action: batch, resource: on(model(unapproved)) });
    }
    if (usage.nonModelResourceTypes.some((t) => t.name === 'project')) this.letThrough(`inference in a Bedrock project (its project ARN) is let through`, { principal: who, action: invoke, resource: on(bedrockArn('project/sample-project')) });
    for (const intro of ['bedrock:CreateModelImportJob', 'bedrock:CreateCustomModel']) {
      if (usage.actions.includes(intro)) this.deny(`bringing in a model with ${intro} is denied`, { principal: who, action: intro, resource: { arn: '*', account: acct } });
    }
    if (usage.actions.includes('bedrock:PutFoundationModelEntitlement')) {
      this.deny(`enabling the unapproved model ${unapproved} (PutFoundationModelEntitlement) is denied`, { principal: who, action: 'bedrock:PutFoundationModelEntitlement', resource: on(model(unapproved)) });
    }
    const except = (c.exceptPrincipals ?? []).find((e) => /:role\/[^*?]+$/.test(e));
    if (except) this.allow(`the excepted principal may invoke an unapproved model`, { principal: this.principal(acct, except.split('/').pop()!), action: invoke, resource: on(model(unapproved)) });
    const mantleKey = mantleModelKey(this.ref);
    const mantleInference = this.ref.action('bedrock-mantle:CreateInference');
    if (mantleKey && mantleInference) {
      const mantleModels = mantleModelIds(c);
      const project = `arn:aws:bedrock-mantle:${this.region}:${acct}:project/sample`;
      const ok = mantleModels.find((m) => !/[*?]/.test(m));
      if (ok) this.letThrough(`Mantle inference with the approved model ${ok} is let through`, { principal: who, action: mantleInference.qualified, resource: on(project), context: { [mantleKey]: ok } });
      this.deny(`Mantle inference with the unapproved model openai.gpt-oss-120b is denied`, { principal: who, action: mantleInference.qualified, resource: on(project), context: { [mantleKey]: 'openai.gpt-oss-120b' } });
      const read = this.ref.action('bedrock-mantle:GetProject');
      if (read) this.letThrough(`a Mantle request that names no model (${read.qualified}) is let through`, { principal: who, action: read.qualified, resource: on(project) });
    }
    if (c.marketplace?.allowProductIds?.length) {
      const allowed = c.marketplace.allowProductIds[0]!;
      this.letThrough(`subscribing to approved product ${allowed} is let through`, { principal: who, action: 'aws-marketplace:Subscribe', resource: { arn: '*' }, context: { 'aws-marketplace:ProductId': [allowed] } });
      this.deny(`subscribing to another product is denied`, { principal: who, action: 'aws-marketplace:Subscribe', resource: { arn: '*' }, context: { 'aws-marketplace:ProductId': ['prod-notapproved01'] } });
      this.deny(`a subscription that names no product is denied (allowlist)`, { principal: who, action: 'aws-marketplace:Subscribe', resource: { arn: '*' } });
    }
    for (const denied of c.marketplace?.denyProductIds ?? []) this.deny(`subscribing to product ${denied} is denied`, { principal: who, action: 'aws-marketplace:Subscribe', resource: { arn: '*' }, context: { 'aws-marketplace:ProductId': [denied] } });
  }

  /**
   * For every Deny statement with a Condition: a request that meets it (denied by this control) and
   * one that misses it (not denied by this control), built by conditionRequests on a sample action
   * and resource of the statement. Statements written with NotAction, and conditions no request could
   * be built for, are listed in `unsimulated` instead.
   */
  conditionalDenies(p: ControlPlacement, resourceOf?: (action: string) => RequestSpec['resource'] | undefined): void {
    p.statements.forEach((s, i) => {
      const d = s.draft;
      if (d.effect !== 'Deny' || !d.condition || Object.keys(d.condition).length === 0) return;
      const what = `${this.control.id}: statement ${d.sid || i + 1}`;
      const set = s.actions?.set;
      if (!set) return void this.unsimulated.push(`${what}: written with NotAction`);
      const [action] = sampleActions(this.ref, this.carryingAll(set, d.condition));
      const resource = action && (resourceOf ? resourceOf(action) : this.statementResource(d.resources, d.notResources, action));
      if (!action || !resource) return void this.unsimulated.push(`${what}: no sample action and resource`);
      const principal = this.principal(this.account, 'developer');
      const r = conditionRequests(d.condition, { principal, action, resource }, this.ref, this.account, this.acceptedKeys);
      if ('skip' in r) return void this.unsimulated.push(`${what}: ${r.skip}`);
      const note = r.absent.length ? ` (no ${action} request carries ${r.absent.join(', ')})` : '';
      const name = d.sid || `statement ${i + 1}`;
      this.deny(`${action} meeting the condition of ${name} is denied${note}`, r.meets);
      if (r.meets.resource.bucketAbac === true && r.meets.resource.tags) {
        // The same request on a bucket without ABAC: its tags are not in the request (resourceTagsApply).
        const off = { ...r.meets, resource: { ...r.meets.resource, bucketAbac: false } };
        const label = `${action} meeting the condition of ${name}, but on a bucket without ABAC, whose tags do not count,`;
        if (holdsWithoutBucketTags(d.condition)) this.deny(`${label} is denied`, off);
        else this.letThrough(`${label} is let through`, off);
      }
      if (r.misses) this.letThrough(`${action} missing the condition of ${name} is let through`, r.misses);
      else this.unsimulated.push(`${what}: no ${action} request found that misses the whole condition (only the request that meets it is generated)`);
    });
  }

  /** Keys the intent takes on trust (conditionKeys.accept): requests may carry them. */
  private get acceptedKeys(): Set<string> {
    return new Set(this.world.intent.acceptedConditionKeys.map((k) => k.key.toLowerCase()));
  }

  /**
   * The actions of a set whose requests can carry every key of the condition (those generated
   * requests model), so that the request meeting it is one AWS can send; the whole set when none can
   * (validate reports keys no action carries, and the scenario then shows the statement never applies).
   */
  private carryingAll(set: ActionSet, condition: Condition): ActionSet {
    const keys = Object.values(condition)
      .flatMap((k) => Object.keys(k))
      .filter((k) => !unmodelledKey(k));
    const accepted = this.acceptedKeys;
    // Global and accepted keys do not depend on the action: no need to read every action's keys.
    if (keys.every((k) => k.toLowerCase().startsWith('aws:') || accepted.has(k.toLowerCase()))) return set;
    const carrying = this.ref.emptySet();
    for (const id of set.toArray()) {
      const carried = carryable(this.ref.actions[id]!.qualified, this.ref, accepted);
      if (keys.every(carried)) carrying.add(id);
    }
    return carrying.size ? carrying : set;
  }

  /** A resource a statement's Resource / NotResource covers, for an action. */
  private statementResource(resources: string[] | undefined, notResources: string[] | undefined, action: string): RequestSpec['resource'] | undefined {
    if (resources && !resources.includes('*')) {
      const arn = concreteArn(resources[0]!, this.account, this.region);
      return arn ? { arn, account: this.account, ...resourceOrg(this.world, this.account) } : undefined;
    }
    const r = this.resource(action);
    if (notResources?.some((n) => resourceArnMatcher(n)(r.arn))) return undefined;
    return r;
  }

  denyActions(c: DenyActionsControl, p: ControlPlacement): void {
    if (c.conditions && Object.keys(c.conditions).length) return this.conditionalDenies(p, (action) => this.concreteResource(c, action));
    const set = p.statements[0]?.actions?.set;
    if (!set) return;
    const type = c.type ?? 'scp';
    for (const action of sampleActions(this.ref, set).slice(0, 5)) {
      const resource = this.concreteResource(c, action);
      if (!resource) continue;
      const principal = type === 'rcp' ? this.outsider() : this.principal(this.account, 'developer');
      this.deny(`${action} is denied`, { principal, action, resource });
      const except = (c.exceptPrincipals ?? []).find((e) => /:role\/[^*?]+$/.test(e));
      if (except) this.allow(`the excepted principal ${except.split('/').pop()} may ${action}`, { principal: this.principal(this.account, except.split('/').pop()!), action, resource });
    }
  }

  /** A resource the statement covers: a concrete instance of its first Resource pattern, or a sample. */
  private concreteResource(c: DenyActionsControl, action: string): RequestSpec['resource'] | undefined {
    if (c.resources && !c.resources.includes('*')) {
      const parts = c.resources[0]!.split(':');
      if (parts.length < 6) return undefined;
      parts[3] = parts[3] === '*' ? DEFAULT_REGION : parts[3]!;
      parts[4] = parts[4] === '*' ? this.account : parts[4]!;
      const arn = parts.join(':').replace(/\*/g, 'sample').replace(/\?/g, 'a');
      return { arn, account: this.account, ...resourceOrg(this.world, this.account) };
    }
    const r = this.resource(action);
    if (c.notResources?.some((n) => resourceArnMatcher(n)(r.arn))) return undefined;
    return r;
  }

  regionDeny(c: RegionDenyControl, p: ControlPlacement): void {
    const who = this.principal(this.account, 'deployer');
    const outside = ['ap-southeast-2', 'sa-east-1', 'af-south-1'].find((r) => !c.allowedRegions.includes(r))!;
    const inside = c.allowedRegions[0]!;
    const exempt = p.statements.find((s) => s.draft.role === 'region-deny')?.notActions?.set;
    const regional = this.ref.action('ec2:RunInstances');
    if (regional && !exempt?.has(regional.id)) {
      this.deny(`ec2:RunInstances in ${outside} is denied`, { principal: who, action: 'ec2:RunInstances', resource: { arn: `arn:aws:ec2:${outside}:${this.account}:instance/*`, account: this.account }, region: outside });
      this.allow(`ec2:RunInstances in ${inside} is allowed`, { principal: who, action: 'ec2:RunInstances', resource: { arn: `arn:aws:ec2:${inside}:${this.account}:instance/*`, account: this.account }, region: inside });
      const except = (c.exceptPrincipals ?? []).find((e) => /:role\/[^*?]+$/.test(e));
      if (except) this.allow(`the excepted principal ${except.split('/').pop()} may work in ${outside}`, { principal: this.principal(this.account, except.split('/').pop()!), action: 'ec2:RunInstances', resource: { arn: `arn:aws:ec2:${outside}:${this.account}:instance/*`, account: this.account }, region: outside });
    }
    const globalAction = this.ref.action('iam:CreateRole');
    if (globalAction && exempt?.has(globalAction.id)) this.letThrough(`the global service IAM works from ${outside}`, { principal: who, action: 'iam:CreateRole', resource: { arn: `arn:aws:iam::${this.account}:role/new`, account: this.account }, region: outside });
    const cris = p.statements.find((s) => s.draft.role === 'bedrock-cross-region-inference');
    if (cris) {
      const modelIn = (region: string) => `arn:aws:bedrock:${region}::foundation-model/amazon.titan-text-express-v1`;
      // The destination side of cross-Region inference: the model in the Region the request is routed
      // to, with the profile it came through, whose ARN names the Region it was sent to. Only routes a
      // profile of that geography can take are generated.
      const through = (prefix: string, from: string, to: string): RequestSpec => ({
        principal: who,
        action: 'bedrock:InvokeModel',
        resource: { arn: modelIn(to), account: this.account },
        region: to,
        context: { 'bedrock:InferenceProfileArn': `arn:aws:bedrock:${from}:${this.account}:inference-profile/${prefix}.amazon.titan-text-express-v1` },
      });
      const notAllowed = (g: string) => SAMPLE_REGIONS.find((r) => inGeography(g, r) && !c.allowedRegions.includes(r));
      // The geographies the statement lets through, read from what it compiled to.
      const allowed = profileGeographies(p);
      for (const g of allowed.filter((x) => x !== 'global').slice(0, 2)) {
        const from = c.allowedRegions.find((r) => inGeography(g, r));
        const to = notAllowed(g);
        if (from && to) this.letThrough(`Bedrock inference routed to ${to} through a ${g}. cross-Region profile is let through`, through(g, from, to));
      }
      if (!allowed.includes('global')) this.deny(`Bedrock inference routed to ${outside} through a global. profile (any Region) is denied`, through('global', inside, outside));
      const other = ['apac', 'eu', 'us'].find((g) => !allowed.includes(g));
      const otherTo = other && notAllowed(other);
      const otherFrom = other && SAMPLE_REGIONS.find((r) => inGeography(other, r) && r !== otherTo);
      if (other && otherTo && otherFrom) this.deny(`Bedrock inference routed to ${otherTo} through a ${other}. profile (a geography not allowed) is denied`, through(other, otherFrom, otherTo));
      this.deny(`Bedrock inference in ${outside} without an inference profile is denied`, { principal: who, action: 'bedrock:InvokeModel', resource: { arn: modelIn(outside), account: this.account }, region: outside });
    }
  }
}
