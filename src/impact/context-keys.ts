/**
 * What a request shape tells the policies: each condition key is known from the record, known from the
 * organization's tree, or unknown, and an unknown key is never guessed (design, section 3). A known key
 * missing from the context is absent: a principal outside the organization has no aws:PrincipalOrgID,
 * a plain model id names no inference profile. A Deny that reads an unknown key can only "may deny".
 */
import { accountOf, RequestContext, type PartialRequest } from '../evaluate/index.js';
import type { OrgNode, OrgTree } from '../model/org-tree.js';
import type { ShapeRow } from './types.js';

/** What the tree says about accounts: the organization they belong to and where they sit in it. */
export interface OrgFacts {
  organizationId: string;
  managementAccount: string;
  tree: OrgTree;
}

/** A shape as the engine asks about it: the partial request, and the resources it acts on. */
export interface ShapeRequest {
  request: PartialRequest;
  /** Equal for two shapes whose requests are equal (the decisions' cache key). */
  key: string;
  /** The resource ARNs the request acts on, as far as the record says. */
  resources: string[];
  /** False when the request may act on resources beyond `resources` (none listed, a model's Region not logged). */
  resourcesComplete: boolean;
  /** The account whose resource it is: resources[].accountId, else an ARN's account, else the copy's account. */
  resourceAccount: string;
  /** The principal's account when the record names it. */
  principalAccount: string | undefined;
  /** A role under aws-service-role/: neither SCPs nor RCPs apply to its calls. */
  serviceLinkedRole: boolean;
  /** An AWS service principal (userIdentity.type AWSService). */
  awsService: boolean;
}

/** AWS's userIdentity.type -> aws:PrincipalType; other types leave it unknown. */
const PRINCIPAL_TYPE: Readonly<Record<string, string>> = { Root: 'Account', IAMUser: 'User', AssumedRole: 'AssumedRole', FederatedUser: 'FederatedUser' };

/** Cross-Region inference profiles are named by their geography: us.anthropic.claude-..., apac.amazon.nova-... */
const PROFILE_ID = /^(us|eu|apac|global|au|jp|ca|us-gov|in)\.(.+)$/;

/** The org path AWS gives an account: `o-id/r-id/ou-.../` down to its parent. */
export function orgPathOf(orgId: string, account: OrgNode): string {
  const ids: string[] = [];
  for (let n = account.parent; n; n = n.parent) ids.unshift(n.id ?? '');
  return `${orgId}/${ids.join('/')}/`;
}

export function shapeRequest(row: ShapeRow, org: OrgFacts): ShapeRequest {
  const ctx = new RequestContext();
  const known = new Set<string>();
  const know = (key: string, value?: string | boolean | readonly string[]) => {
    known.add(key.toLowerCase());
    if (value !== undefined) ctx.set(key, value);
  };
  const inOrg = (account: string | undefined, orgKey: string, pathsKey: string) => {
    const node = account ? org.tree.account(account) : undefined;
    know(orgKey, node ? org.organizationId : undefined);
    know(pathsKey, node ? [orgPathOf(org.organizationId, node)] : undefined);
  };

  // Who asks.
  const awsService = row.principalType === 'AWSService';
  know('aws:PrincipalIsAWSService', awsService);
  know('aws:PrincipalServiceName', awsService && row.invokedBy ? row.invokedBy : undefined);
  const principalAccount = awsService ? undefined : (row.principalAccount ?? undefined);
  if (awsService) {
    // A service principal has no ARN, account or organization of its own.
    for (const k of ['aws:PrincipalArn', 'aws:PrincipalAccount', 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths', 'aws:PrincipalType', 'aws:userid', 'aws:username']) know(k);
  } else {
    if (row.principalArn) know('aws:PrincipalArn', row.principalArn);
    if (principalAccount) {
      know('aws:PrincipalAccount', principalAccount);
      inOrg(principalAccount, 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths');
    }
    const type = PRINCIPAL_TYPE[row.principalType];
    if (type) know('aws:PrincipalType', type);
    if (row.principalId) know('aws:userid', row.principalId);
    // A service acting for the principal (forward access sessions); the console's sign-in is not one.
    if (row.invokedBy && row.invokedBy.endsWith('.amazonaws.com') && row.invokedBy !== 'signin.amazonaws.com') know('aws:ViaAWSService', true);
  }

  // How and from where.
  know('aws:RequestedRegion', row.awsRegion);
  if (row.vpcEndpointId) {
    know('aws:SourceVpce', row.vpcEndpointId);
    know('aws:SourceIp');
    if (row.sourceIp) know('aws:VpcSourceIp', row.sourceIp);
    if (row.vpcEndpointAccountId) {
      know('aws:VpceAccount', row.vpcEndpointAccountId);
      inOrg(row.vpcEndpointAccountId, 'aws:VpceOrgID', 'aws:VpceOrgPaths');
    }
  } else {
    // No endpoint: aws:SourceIp is the caller's address, absent when the record gives a service's name.
    know('aws:SourceIp', row.sourceIp ?? undefined);
    for (const k of ['aws:SourceVpce', 'aws:VpceAccount', 'aws:VpceOrgID', 'aws:VpceOrgPaths', 'aws:VpcSourceIp']) know(k);
  }
  if (row.tlsVersion) {
    know('aws:SecureTransport', true);
    know('s3:TlsVersion', row.tlsVersion);
  }
  if (row.mfaAuthenticated === 'true') know('aws:MultiFactorAuthPresent', true);
  if (row.userAgent) know('aws:UserAgent', row.userAgent);

  // On what.
  let resources = row.resourceArns.filter((a) => a.startsWith('arn:'));
  let resourcesComplete = resources.length > 0;
  if (row.modelId !== null) {
    const model = bedrockResources(row, principalAccount ?? row.recipientAccountId);
    know('bedrock:InferenceProfileArn', model.profile);
    if (!resources.length) ({ arns: resources, complete: resourcesComplete } = model);
  }
  const resourceAccount = row.resourceAccount ?? resources.map(accountOf).find((a) => a !== undefined) ?? row.recipientAccountId;
  know('aws:ResourceAccount', resourceAccount);
  inOrg(resourceAccount, 'aws:ResourceOrgID', 'aws:ResourceOrgPaths');

  const entries = ctx
    .keys()
    .sort()
    .map((k) => [k, ctx.get(k)!.values]);
  return {
    request: { context: ctx, known },
    key: JSON.stringify([entries, [...known].sort(), resources, resourcesComplete]),
    resources,
    resourcesComplete,
    resourceAccount,
    principalAccount,
    serviceLinkedRole: !awsService && (row.principalArn ?? '').includes(':role/aws-service-role/'),
    awsService,
  };
}

/**
 * The resources of a Bedrock invocation from its model id: a foundation model in the Region called, or
 * an inference profile in the caller's account and the model it routes to in the Region that served it
 * (additionalEventData.inferenceRegion; unknown when not logged), or an ARN as given.
 */
function bedrockResources(row: ShapeRow, account: string): { profile: string | undefined; arns: string[]; complete: boolean } {
  const id = row.modelId!;
  if (id.startsWith('arn:')) return { profile: /:(application-)?inference-profile\//.test(id) ? id : undefined, arns: [id], complete: !/:(application-)?inference-profile\//.test(id) };
  const profile = PROFILE_ID.exec(id);
  if (!profile) return { profile: undefined, arns: [`arn:aws:bedrock:${row.awsRegion}::foundation-model/${id}`], complete: true };
  const profileArn = `arn:aws:bedrock:${row.awsRegion}:${account}:inference-profile/${id}`;
  const served = row.inferenceRegion;
  return { profile: profileArn, arns: served ? [profileArn, `arn:aws:bedrock:${served}::foundation-model/${profile[2]}`] : [profileArn], complete: served !== null };
}
