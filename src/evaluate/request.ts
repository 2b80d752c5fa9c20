/**
 * A request to authorize: who (principal), what (action), on what (resource, its owner and tags), and
 * the context. The context keys AWS derives from the principal and the resource (aws:PrincipalArn,
 * aws:PrincipalOrgID, aws:ResourceTag/..., ...) are filled in from those descriptions; explicit context
 * entries win.
 */
import type { ReferenceIndex } from '../reference/index.js';
import { RequestContext } from './context.js';

/**
 * What kind of principal makes the request, as the Principal element names them: an IAM or STS
 * principal (`AWS`), an AWS service (`Service`), a web identity or SAML provider (`Federated`), or an
 * S3 canonical user (`CanonicalUser`).
 */
export type PrincipalKind = 'aws' | 'service' | 'federated' | 'canonical-user';

export interface PrincipalSpec {
  /**
   * An IAM or STS principal ARN (a role session as arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), an
   * AWS service principal such as s3.amazonaws.com, an identity provider (accounts.google.com, or a
   * saml-provider / oidc-provider ARN) or a canonical user id.
   */
  id: string;
  /** Inferred from `id` when not given (see principalKindOf). */
  kind?: PrincipalKind;
  account?: string;
  orgId?: string;
  orgPaths?: string[];
  tags?: Record<string, string>;
  isAwsService?: boolean;
  serviceLinkedRole?: boolean;
}

export interface ResourceSpec {
  arn: string;
  account?: string;
  orgId?: string;
  orgPaths?: string[];
  tags?: Record<string, string>;
  /** An AWS managed KMS key (alias/aws/...): RCPs do not apply to it. */
  awsManagedKmsKey?: boolean;
  /**
   * For an S3 general purpose bucket or an object in one: ABAC is enabled on the bucket
   * (s3:PutBucketAbac). Off by default, as in AWS; while it is off, `tags` (the bucket's tags) do not
   * reach aws:ResourceTag. See s3BucketTagsApply.
   */
  bucketAbac?: boolean;
}

export interface RequestSpec {
  principal: PrincipalSpec;
  action: string;
  resource: ResourceSpec;
  region?: string;
  context?: Record<string, string | number | boolean | (string | number | boolean)[]>;
}

export interface EvalRequest {
  action: string;
  /** The principal as the request names it (a role session keeps its session ARN here). */
  principalId: string;
  principalKind: PrincipalKind;
  /** The action's id in the reference, when it knows the action. */
  actionId: number | undefined;
  service: string;
  resource: string;
  principalArn: string | undefined;
  principalAccount: string | undefined;
  principalService: string | undefined;
  isAwsService: boolean;
  serviceLinkedRole: boolean;
  resourceAccount: string | undefined;
  awsManagedKmsKey: boolean;
  context: RequestContext;
}

const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/;
const CANONICAL_USER = /^[0-9a-f]{64}$/i;
const PROVIDER_ARN = /^arn:[^:]+:iam::\d{12}:(saml|oidc)-provider\/.+$/;

/** The kind of a principal id: service principal, canonical user, identity provider, else IAM/STS. */
export function principalKindOf(id: string): PrincipalKind {
  if (id.startsWith('arn:')) return id.includes('-provider/') && PROVIDER_ARN.test(id) ? 'federated' : 'aws';
  if (SERVICE_PRINCIPAL.test(id)) return 'service';
  if (id.length === 64 && CANONICAL_USER.test(id)) return 'canonical-user';
  return 'federated';
}

/** The account of an IAM/STS ARN, or of a resource ARN that carries one (its fifth component). */
export function accountOf(arn: string): string | undefined {
  let at = -1;
  for (let i = 0; i < 4; i++) {
    at = arn.indexOf(':', at + 1);
    if (at < 0) return undefined;
  }
  const end = arn.indexOf(':', at + 1);
  if (end !== at + 13) return undefined;
  for (let i = at + 1; i < end; i++) {
    const c = arn.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return arn.slice(at + 1, end);
}

/** For an assumed-role session, the role ARN that aws:PrincipalArn reports. */
export function principalArnOf(id: string): string {
  if (!id.includes(':assumed-role/')) return id;
  const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(id);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : id;
}

/**
 * An S3 general purpose bucket or an object in one: `arn:<partition>:s3:::bucket[/key]`, with no Region
 * and no account (access points, directory buckets and S3 Express have ARNs of their own).
 */
export function isS3BucketOrObjectArn(arn: string): boolean {
  return /^arn:[^:]+:s3:::[^/:]+(\/.*)?$/.test(arn);
}

/**
 * Whether a resource's tags reach aws:ResourceTag. For S3 general purpose buckets they do only when
 * ABAC is enabled on the bucket: "By default, ABAC is disabled for all Amazon S3 general purpose
 * buckets" and, disabled, "you can only use tags for cost tracking purposes" (Amazon S3 User Guide,
 * "Enabling ABAC in general purpose buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging-enable-abac.html, and API
 * reference, AbacStatus, https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbacStatus.html).
 * Object-level actions (the service reference gives the `object` resource type aws:ResourceTag and
 * s3:BucketTag) see the bucket's tags under the same switch; an object's own tags are
 * s3:ExistingObjectTag, never aws:ResourceTag. Access points and directory buckets have ABAC on by
 * default (User Guide, "Using tags with S3 general purpose buckets"): their tags always apply.
 */
export function resourceTagsApply(resource: ResourceSpec): boolean {
  return resource.bucketAbac === true || !isS3BucketOrObjectArn(resource.arn);
}

type ContextValue = string | number | boolean | readonly (string | number | boolean)[];

/**
 * A context value in the shape the reference gives its key: a list for a key typed ArrayOf*, one
 * value for a single-valued key written as a one-element list (as AWS's request context holds them,
 * and as the oracle normalizes them). Keys the reference does not know keep the shape written.
 */
function shapeByType(key: string, value: ContextValue, reference: ReferenceIndex): ContextValue {
  const types = reference.conditionKey(key)?.types;
  if (!types || types.length === 0) return value;
  const multi = types.every((t) => t.startsWith('ArrayOf'));
  const single = types.every((t) => !t.startsWith('ArrayOf'));
  if (multi && !Array.isArray(value)) return [value as string | number | boolean];
  if (single && Array.isArray(value) && value.length === 1) return value[0]!;
  return value;
}

export function buildRequest(spec: RequestSpec, reference?: ReferenceIndex): EvalRequest {
  const p = spec.principal;
  const kind: PrincipalKind = p.kind ?? (p.isAwsService ? 'service' : p.isAwsService === false && principalKindOf(p.id) === 'service' ? 'aws' : principalKindOf(p.id));
  const isService = kind === 'service';
  const arn = kind === 'aws' ? principalArnOf(p.id) : undefined;
  const account = p.account ?? (arn ? accountOf(arn) : undefined);
  const slr = p.serviceLinkedRole ?? (arn !== undefined && arn.includes(':role/aws-service-role/'));
  const ctx = new RequestContext();
  if (arn) ctx.set('aws:PrincipalArn', arn);
  if (account) ctx.set('aws:PrincipalAccount', account);
  if (p.orgId) ctx.set('aws:PrincipalOrgID', p.orgId);
  if (p.orgPaths) ctx.set('aws:PrincipalOrgPaths', p.orgPaths);
  if (p.tags) for (const k in p.tags) ctx.set(`aws:PrincipalTag/${k}`, p.tags[k]!);
  ctx.set('aws:PrincipalIsAWSService', isService);
  if (isService) ctx.set('aws:PrincipalServiceName', p.id);
  if (kind === 'aws') ctx.set('aws:PrincipalType', p.id.includes(':assumed-role/') ? 'AssumedRole' : arn?.endsWith(':root') ? 'Account' : arn?.includes(':user/') ? 'User' : arn?.includes(':federated-user/') ? 'FederatedUser' : 'AssumedRole');
  const r = spec.resource;
  const resourceAccount = r.account ?? (r.arn === '*' ? undefined : accountOf(r.arn));
  if (resourceAccount) ctx.set('aws:ResourceAccount', resourceAccount);
  if (r.orgId) ctx.set('aws:ResourceOrgID', r.orgId);
  if (r.orgPaths) ctx.set('aws:ResourceOrgPaths', r.orgPaths);
  if (r.tags && resourceTagsApply(r)) for (const k in r.tags) ctx.set(`aws:ResourceTag/${k}`, r.tags[k]!);
  if (spec.region) ctx.set('aws:RequestedRegion', spec.region);
  const context = spec.context;
  if (context) for (const k in context) ctx.set(k, reference ? shapeByType(k, context[k]!, reference) : context[k]!);
  const canonical = reference?.action(spec.action);
  const action = canonical?.qualified ?? spec.action;
  return {
    action,
    principalId: p.id,
    principalKind: kind,
    actionId: canonical?.id,
    service: canonical?.service ?? action.slice(0, action.indexOf(':')).toLowerCase(),
    resource: r.arn,
    principalArn: arn,
    principalAccount: account,
    principalService: isService ? p.id : undefined,
    isAwsService: isService,
    serviceLinkedRole: slr,
    resourceAccount,
    awsManagedKmsKey: r.awsManagedKmsKey === true,
    context: ctx,
  };
}
