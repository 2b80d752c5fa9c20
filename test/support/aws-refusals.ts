/**
 * The refusals AWS Organizations makes and moto 5.2.1 does not (REFERENCE.md 5, and
 * moto/organizations/models.py read for each): the fault proxy asks `refusalOf` before it forwards a
 * write, and answers with the refusal instead of forwarding when there is one. The facts are read from
 * moto itself just before, so the answer is what AWS would say of the organization as it is.
 */
import {
  DescribePolicyCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  type OrganizationsClient,
  type PolicySummary,
} from '@aws-sdk/client-organizations';
import type { Quotas } from '../../src/policy/quotas.js';

/** An error exactly as AWS Organizations sends it (awsJson1_1): the body's `__type` names the exception. */
export interface AwsError {
  status: number;
  type: string;
  message: string;
  /** Extra members of the exception's shape (ConstraintViolationException's Reason, TooManyRequestsException's Type). */
  fields?: Record<string, string>;
}

export type PolicyTypeName = 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY';
const TYPE_KEY: Record<PolicyTypeName, 'scp' | 'rcp'> = { SERVICE_CONTROL_POLICY: 'scp', RESOURCE_CONTROL_POLICY: 'rcp' };

function constraint(reason: string, message: string): AwsError {
  return { status: 400, type: 'ConstraintViolationException', message, fields: { Reason: reason } };
}

function refusal(type: string, message: string): AwsError {
  return { status: 400, type, message };
}

type Body = Record<string, unknown>;

/**
 * What AWS would answer instead of moto's success, or undefined when AWS would accept the call too (or
 * when moto's own answer is already AWS's, such as a policy or target that does not exist: the proxy then
 * forwards and moto answers).
 */
export async function refusalOf(moto: OrganizationsClient, operation: string, body: Body, quotas: Quotas, pendingTypes: ReadonlySet<string> = new Set()): Promise<AwsError | undefined> {
  switch (operation) {
    case 'AttachPolicy':
      return attachRefusal(moto, body, quotas, pendingTypes);
    case 'DetachPolicy':
      return detachRefusal(moto, body);
    case 'CreatePolicy':
      return contentRefusal(body.Type, body.Content, quotas) ?? (await nameRefusal(moto, body.Type, body.Name, undefined)) ?? (await countRefusal(moto, body.Type, quotas));
    case 'UpdatePolicy':
      return updateRefusal(moto, body, quotas);
    case 'DeletePolicy':
      return deleteRefusal(moto, body);
    default:
      return undefined;
  }
}

async function describe(moto: OrganizationsClient, id: unknown): Promise<PolicySummary | undefined> {
  if (typeof id !== 'string') return undefined;
  try {
    return (await moto.send(new DescribePolicyCommand({ PolicyId: id }))).Policy?.PolicySummary;
  } catch {
    return undefined;
  }
}

async function attachedAt(moto: OrganizationsClient, target: unknown, type: PolicyTypeName): Promise<PolicySummary[] | undefined> {
  if (typeof target !== 'string') return undefined;
  try {
    const out: PolicySummary[] = [];
    let NextToken: string | undefined;
    do {
      const page = await moto.send(new ListPoliciesForTargetCommand({ TargetId: target, Filter: type, NextToken }));
      out.push(...(page.Policies ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  } catch {
    return undefined;
  }
}

async function policiesOf(moto: OrganizationsClient, type: PolicyTypeName): Promise<PolicySummary[]> {
  const out: PolicySummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await moto.send(new ListPoliciesCommand({ Filter: type, NextToken }));
    out.push(...(page.Policies ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

function policyType(value: unknown): PolicyTypeName | undefined {
  return value === 'SERVICE_CONTROL_POLICY' || value === 'RESOURCE_CONTROL_POLICY' ? value : undefined;
}

/** `pendingTypes`: types enabled but not yet in force (AWS enables asynchronously; see FaultProxy.enableLag). */
async function attachRefusal(moto: OrganizationsClient, body: Body, quotas: Quotas, pendingTypes: ReadonlySet<string>): Promise<AwsError | undefined> {
  const policy = await describe(moto, body.PolicyId);
  const type = policyType(policy?.Type);
  if (!policy || !type) return undefined;
  const root = (await moto.send(new ListRootsCommand({}))).Roots?.[0];
  if (pendingTypes.has(type) || (root && !(root.PolicyTypes ?? []).some((t) => t.Type === type && t.Status === 'ENABLED'))) {
    return refusal('PolicyTypeNotEnabledException', 'The specified policy type isn\'t currently enabled in this root. You can\'t attach policies of the specified type to entities in a root until you enable that type in the root.');
  }
  const attached = await attachedAt(moto, body.TargetId, type);
  if (!attached) return undefined;
  if (attached.some((p) => p.Id === policy.Id)) return refusal('DuplicatePolicyAttachmentException', 'The selected policy is already attached to the specified target.');
  const max = quotas[TYPE_KEY[type]].maxPerTarget;
  if (attached.length >= max) {
    return constraint('MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED', `You attempted to exceed the number of policies of type ${type} (${max}) that you can have attached to the target ${String(body.TargetId)}.`);
  }
  return undefined;
}

async function detachRefusal(moto: OrganizationsClient, body: Body): Promise<AwsError | undefined> {
  const policy = await describe(moto, body.PolicyId);
  const type = policyType(policy?.Type);
  if (!policy || !type) return undefined;
  const attached = await attachedAt(moto, body.TargetId, type);
  if (!attached) return undefined;
  if (!attached.some((p) => p.Id === policy.Id)) return refusal('PolicyNotAttachedException', 'The policy isn\'t attached to the specified target in the specified root.');
  // Every target keeps at least one SCP; RCPFullAWSAccess cannot be detached at all (REFERENCE.md 1).
  // AWS's exact answer for the latter is not documented; the same reason is the closest it names.
  if ((type === 'SERVICE_CONTROL_POLICY' && attached.length === 1) || (type === 'RESOURCE_CONTROL_POLICY' && policy.AwsManaged)) {
    return constraint('MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED', `You attempted to detach the last policy of type ${type} from the target ${String(body.TargetId)}; every target must keep one.`);
  }
  return undefined;
}

function contentRefusal(typeValue: unknown, content: unknown, quotas: Quotas): AwsError | undefined {
  const type = policyType(typeValue);
  if (!type || typeof content !== 'string') return undefined;
  // AWS counts every character of the string sent (REFERENCE.md 1: whitespace is not stripped by the API).
  const max = quotas[TYPE_KEY[type]].maxChars;
  if (content.length > max) return constraint('POLICY_CONTENT_LIMIT_EXCEEDED', `The policy content has ${content.length} characters, over the limit of ${max} for ${type}.`);
  try {
    const doc: unknown = JSON.parse(content);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object');
  } catch {
    return refusal('MalformedPolicyDocumentException', 'The provided policy document doesn\'t meet the requirements of the specified policy type.');
  }
  return undefined;
}

/** Policy names are unique per policy type in AWS (moto refuses a taken name on create across types, and never on rename). */
async function nameRefusal(moto: OrganizationsClient, typeValue: unknown, name: unknown, self: string | undefined): Promise<AwsError | undefined> {
  const type = policyType(typeValue);
  if (!type || typeof name !== 'string') return undefined;
  const taken = (await policiesOf(moto, type)).some((p) => p.Name === name && p.Id !== self);
  return taken ? refusal('DuplicatePolicyException', 'A policy with the same name already exists.') : undefined;
}

async function countRefusal(moto: OrganizationsClient, typeValue: unknown, quotas: Quotas): Promise<AwsError | undefined> {
  const type = policyType(typeValue);
  const max = type ? quotas[TYPE_KEY[type]].maxPerOrganization : undefined;
  if (!type || max === undefined) return undefined;
  const held = (await policiesOf(moto, type)).length;
  return held >= max ? constraint('POLICY_NUMBER_LIMIT_EXCEEDED', `You attempted to exceed the number of policies of type ${type} (${max}) that one organization can hold.`) : undefined;
}

async function updateRefusal(moto: OrganizationsClient, body: Body, quotas: Quotas): Promise<AwsError | undefined> {
  const policy = await describe(moto, body.PolicyId);
  if (!policy) return undefined;
  if (body.Content !== undefined) {
    const refused = contentRefusal(policy.Type, body.Content, quotas);
    if (refused) return refused;
  }
  return body.Name !== undefined ? nameRefusal(moto, policy.Type, body.Name, policy.Id) : undefined;
}

async function deleteRefusal(moto: OrganizationsClient, body: Body): Promise<AwsError | undefined> {
  if (typeof body.PolicyId !== 'string') return undefined;
  let targets: number;
  try {
    targets = (await moto.send(new ListTargetsForPolicyCommand({ PolicyId: body.PolicyId }))).Targets?.length ?? 0;
  } catch {
    return undefined;
  }
  return targets > 0 ? refusal('PolicyInUseException', 'The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.') : undefined;
}
