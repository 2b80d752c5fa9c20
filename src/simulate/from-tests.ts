/**
 * The intent's tests as scenarios. A test names what matters; the rest comes from the organization:
 * the principal's account from its ARN, its org id and org path when the account is in the tree, the
 * resource's account from its ARN (else the principal's), the Region from the resource ARN (else
 * us-east-1), and a request that uses TLS 1.3 (aws:SecureTransport true, s3:TlsVersion 1.3) unless
 * the test says otherwise. An S3 bucket has ABAC disabled unless the test says `bucketAbac: true`, as
 * in AWS: its resourceTags then do not reach aws:ResourceTag (resourceTagsApply).
 */
import type { RequestSpec } from '../evaluate/index.js';
import { accountOf } from '../evaluate/index.js';
import type { Intent, TestCase } from '../intent/index.js';
import type { Scenario } from './scenario.js';
import type { World } from './world.js';

export const DEFAULT_REGION = 'us-east-1';

export function scenariosFromTests(intent: Intent, world: World): Scenario[] {
  return intent.tests.map((t) => {
    const scenario: Scenario = {
      name: t.name,
      origin: 'test',
      request: requestFromTest(t, world),
      expect: t.expect === 'allow' ? { kind: 'allow' } : t.decidedBy ? { kind: 'deny', by: t.decidedBy } : { kind: 'deny' },
    };
    const location = intent.sources.locate(t as object);
    if (location) scenario.location = location;
    return scenario;
  });
}

export function requestFromTest(t: TestCase, world: World): RequestSpec {
  const r = t.request;
  const principalAccount = r.principalAccount ?? accountOf(r.principal);
  const resource = r.resource ?? '*';
  const resourceAccount = r.resourceAccount ?? (resource === '*' ? undefined : accountOf(resource)) ?? principalAccount;
  return withDefaults(
    {
      principal: {
        id: r.principal,
        ...(principalAccount ? { account: principalAccount } : {}),
        ...orgIdentity(world, principalAccount, r.principalOrgId, r.principalOrgPaths),
        ...(r.principalTags ? { tags: r.principalTags } : {}),
        ...(r.principalIsAwsService !== undefined ? { isAwsService: r.principalIsAwsService } : {}),
        ...(r.serviceLinkedRole !== undefined ? { serviceLinkedRole: r.serviceLinkedRole } : {}),
      },
      action: r.action,
      resource: {
        arn: resource,
        ...(resourceAccount ? { account: resourceAccount } : {}),
        ...(r.resourceTags ? { tags: r.resourceTags } : {}),
        ...(r.awsManagedKmsKey !== undefined ? { awsManagedKmsKey: r.awsManagedKmsKey } : {}),
        ...(r.bucketAbac !== undefined ? { bucketAbac: r.bucketAbac } : {}),
        ...resourceOrg(world, resourceAccount),
      },
      region: r.region ?? regionOf(resource) ?? DEFAULT_REGION,
      ...(r.context ? { context: r.context } : {}),
    },
    world,
  );
}

/** aws:PrincipalOrgID and aws:PrincipalOrgPaths: given, or the organization's when the account is in it. */
export function orgIdentity(world: World, account: string | undefined, orgId?: string, orgPaths?: string[]): { orgId?: string; orgPaths?: string[] } {
  const inOrg = account !== undefined && world.nodeOfAccount(account) !== undefined;
  const id = orgId ?? (inOrg ? world.orgId : undefined);
  const paths = orgPaths ?? (inOrg && id === world.orgId ? world.orgPathsOf(account!) : undefined);
  return { ...(id ? { orgId: id } : {}), ...(paths ? { orgPaths: paths } : {}) };
}

export function resourceOrg(world: World, account: string | undefined): { orgId?: string; orgPaths?: string[] } {
  if (!account || !world.nodeOfAccount(account)) return {};
  const paths = world.orgPathsOf(account);
  return { orgId: world.orgId, ...(paths ? { orgPaths: paths } : {}) };
}

export function regionOf(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts.length >= 6 && /^[a-z]{2,4}(-[a-z]+)+-\d+$/.test(parts[3]!) ? parts[3] : undefined;
}

/** TLS 1.3 over a secure transport unless the request says otherwise. */
export function withDefaults(spec: RequestSpec, _world: World): RequestSpec {
  const context = { ...(spec.context ?? {}) };
  const has = (k: string) => Object.keys(context).some((x) => x.toLowerCase() === k.toLowerCase());
  if (!has('aws:SecureTransport')) context['aws:SecureTransport'] = true;
  if (spec.action.toLowerCase().startsWith('s3:') && !has('s3:TlsVersion')) context['s3:TlsVersion'] = '1.3';
  return { ...spec, context };
}
