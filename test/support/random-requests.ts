/**
 * Random requests over an organization, deterministic from a seed: principals inside and outside the
 * organization (and the special cases AWS exempts), actions the guardrails cover and others, resource
 * ARNs built from the service reference's ARN formats (so that validators accept them), and context
 * values that the guardrails' conditions look at.
 */
import type { RequestSpec } from '../../src/evaluate/index.js';
import type { ActionSet, ReferenceIndex } from '../../src/reference/index.js';

export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export interface Population {
  orgId: string;
  managementAccount: string;
  accounts: string[];
  outsideAccounts: string[];
  regions: string[];
  /** Actions the policies name: most requests use one of them. */
  covered: ActionSet;
  tags: { key: string; value: string }[];
}

export interface GeneratedRequest {
  spec: RequestSpec;
  /** Why a decision may legitimately differ from a tool that does not model this (see the differential test). */
  special: 'management-account' | 'service-linked-role' | 'service-principal' | undefined;
}

/** An ARN of one of the action's resource types, from the reference's ARN format. */
export function resourceArnFor(ref: ReferenceIndex, action: string, account: string, region: string, r: Random): string {
  const a = ref.action(action)!;
  if (a.resourceTypes.length === 0) return '*';
  const svc = ref.service(a.service)!;
  const type = svc.resourceTypes.get(r.pick(a.resourceTypes).toLowerCase());
  const format = type?.arnFormats[0];
  if (!format) return '*';
  return format.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (name === 'Partition') return 'aws';
    if (name === 'Region') return region;
    if (name === 'Account') return account;
    return `${name.toLowerCase()}-${r.int(3)}`;
  });
}

const coveredIds = new WeakMap<ActionSet, number[]>();

export function randomRequest(ref: ReferenceIndex, pop: Population, r: Random): GeneratedRequest {
  if (!coveredIds.has(pop.covered)) coveredIds.set(pop.covered, pop.covered.toArray());
  const roll = r.next();
  let special: GeneratedRequest['special'];
  let principalAccount: string;
  let principalId: string;
  if (roll < 0.03) {
    special = 'management-account';
    principalAccount = pop.managementAccount;
    principalId = `arn:aws:iam::${principalAccount}:role/admin`;
  } else if (roll < 0.06) {
    special = 'service-linked-role';
    principalAccount = r.pick(pop.accounts);
    principalId = `arn:aws:iam::${principalAccount}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`;
  } else if (roll < 0.12) {
    special = 'service-principal';
    principalAccount = '';
    principalId = r.pick(['s3.amazonaws.com', 'cloudtrail.amazonaws.com', 'logs.amazonaws.com', 'sqs.amazonaws.com']);
  } else {
    principalAccount = r.chance(0.7) ? r.pick(pop.accounts) : r.pick(pop.outsideAccounts);
    principalId = `arn:aws:iam::${principalAccount}:role/${r.pick(['app', 'developer', 'BreakGlass', 'SecurityAdmin', 'GenAIPlatformAdmin', 'data-scientist'])}`;
  }
  const action = r.chance(0.75) ? ref.actions[r.pick(coveredIds.get(pop.covered)!)]!.qualified : ref.actions[r.int(ref.size)]!.qualified;
  const region = r.pick(pop.regions);
  const resourceAccount = r.chance(0.8) ? r.pick(pop.accounts) : r.chance(0.5) ? pop.managementAccount : r.pick(pop.outsideAccounts);
  const resource = resourceArnFor(ref, action, resourceAccount, region, r);
  const inOrg = pop.accounts.includes(principalAccount) || principalAccount === pop.managementAccount;
  const context: Record<string, string | boolean | string[]> = {};
  const maybe = (p: number, key: string, value: string | boolean | string[]) => {
    if (r.chance(p)) context[key] = value;
  };
  const service = action.slice(0, action.indexOf(':'));
  maybe(0.85, 'aws:SecureTransport', r.chance(0.8));
  // Service-specific keys exist only in requests to their own service, as in AWS's request context.
  if (service === 's3') maybe(0.8, 's3:TlsVersion', r.pick(['1.0', '1.1', '1.2', '1.3']));
  if (special === 'service-principal') {
    maybe(0.8, 'aws:SourceOrgID', r.chance(0.6) ? pop.orgId : 'o-outsider000');
    maybe(0.8, 'aws:SourceAccount', r.chance(0.6) ? r.pick(pop.accounts) : r.pick(pop.outsideAccounts));
    maybe(0.8, 'aws:SourceArn', `arn:aws:s3:::source-${r.int(3)}`);
  }
  if (service === 'bedrock') maybe(0.5, 'bedrock:InferenceProfileArn', `arn:aws:bedrock:${region}:${resourceAccount}:inference-profile/us.amazon.titan-text-express-v1`);
  if (service === 'aws-marketplace') maybe(0.8, 'aws-marketplace:ProductId', [r.pick(['prod-m5ilt4siql27k', 'prod-other0001'])]);
  // aws:TagKeys in every shape a multivalued key takes: one value, several, none, and the null
  // dataset [""] (IAM User Guide, condition operators: ForAllValues is true for it).
  maybe(0.3, 'aws:TagKeys', r.pick([[r.pick(pop.tags).key], ['owner', 'Partner-Access-Exception'], [r.pick(pop.tags).key, 'owner'], [], ['']]));
  // Values for the Date and IpAddress operators (ISO 8601 only: the oracle reads epoch seconds as milliseconds).
  maybe(0.6, 'aws:CurrentTime', r.pick(['2025-12-31T23:59:59Z', '2026-01-01T00:00:00Z', '2026-06-15T12:30:00Z', '2027-03-01T08:00:00Z']));
  maybe(0.6, 'aws:SourceIp', r.pick(['10.1.2.3', '203.0.113.9', '198.51.100.7', '192.0.2.44', '2001:db8::1', '2001:db9::5']));
  const tag = r.chance(0.3) ? r.pick(pop.tags) : undefined;
  const spec: RequestSpec = {
    principal: {
      id: principalId,
      ...(principalAccount ? { account: principalAccount } : {}),
      ...(inOrg ? { orgId: pop.orgId } : r.chance(0.5) ? { orgId: 'o-outsider000' } : {}),
    },
    action,
    resource: { arn: resource, account: resourceAccount, ...(tag ? { tags: { [tag.key]: tag.value } } : {}) },
    region,
    context,
  };
  return { spec, special };
}
