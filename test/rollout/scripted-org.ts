/**
 * An in-memory Organizations that answers the SDK's policy commands as AWS does (it refuses a duplicate
 * attachment, a detach of an absent one, a duplicate name, a delete of an attached policy), with faults
 * scripted per operation and call number: throttling, 5xx, "try again later", an answer lost after the
 * write landed, or any named refusal. For the executor's unit tests; moto covers the real wire.
 */
import type { OrganizationsApi, OrgState } from '../../src/org/index.js';
import { ORG_STATE_FORMAT } from '../../src/org/index.js';

export interface FakePolicy {
  id: string;
  name: string;
  type: 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY';
  content: string;
  description: string;
  awsManaged: boolean;
  tags: Record<string, string>;
  targets: Set<string>;
}

/** What happens to one call: an error before the call has any effect, or `lost` (it lands, the answer does not). */
export type Fault = { error: string; status?: number; reason?: string } | 'lost' | 'throttle' | '500' | 'reset';

export class ScriptedOrg implements OrganizationsApi {
  policies: FakePolicy[] = [];
  /** Calls made, per operation, in order. */
  calls: { operation: string; input: Record<string, unknown> }[] = [];
  private faults = new Map<string, Fault>();
  private seq = 0;

  constructor(readonly targets: readonly string[] = ['r-root', 'ou-a', 'ou-b', '111111111111']) {}

  /** The `call`-th call (1-based) of `operation` meets `fault`. */
  fault(operation: string, call: number, fault: Fault): this {
    this.faults.set(`${operation}#${call}`, fault);
    return this;
  }

  add(p: Partial<Omit<FakePolicy, 'targets'>> & { name: string; targets?: Iterable<string> }): FakePolicy {
    const policy: FakePolicy = {
      id: p.id ?? `p-${(++this.seq).toString().padStart(8, '0')}`,
      type: 'SERVICE_CONTROL_POLICY',
      content: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}',
      description: '',
      awsManaged: false,
      tags: {},
      ...p,
      targets: new Set(p.targets ?? []),
    };
    this.policies.push(policy);
    return policy;
  }

  byName(name: string): FakePolicy | undefined {
    return this.policies.find((p) => p.name === name);
  }

  count(operation: string): number {
    return this.calls.filter((c) => c.operation === operation).length;
  }

  /** The state the executor is given: ids and ownership as readOrganization would report them. */
  state(): OrgState {
    return {
      format: ORG_STATE_FORMAT,
      source: 'scripted',
      readAt: '2026-12-05T00:00:00.000Z',
      organization: { id: 'o-test', managementAccount: '000000000000' },
      root: { id: 'r-root', name: 'Root', ous: [], accounts: [] },
      policies: this.policies.map((p) => ({
        id: p.id,
        name: p.name,
        type: p.type === 'SERVICE_CONTROL_POLICY' ? 'scp' : 'rcp',
        description: p.description,
        awsManaged: p.awsManaged,
        tags: { ...p.tags },
        content: p.content,
        targets: [...p.targets].sort(),
      })),
    };
  }

  async send(command: unknown): Promise<unknown> {
    const operation = (command as object).constructor.name.replace(/Command$/, '');
    const input = (command as { input: Record<string, unknown> }).input;
    this.calls.push({ operation, input });
    const n = this.count(operation);
    const fault = this.faults.get(`${operation}#${n}`);
    const requestId = `req-${operation}-${n}`;
    if (fault === 'lost') {
      this.apply(operation, input, requestId);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    }
    if (fault === 'reset') throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    if (fault === 'throttle') throw awsError('TooManyRequestsException', 'Rate exceeded', 400, requestId);
    if (fault === '500') throw awsError('ServiceException', 'internal error', 500, requestId);
    if (fault) throw awsError(fault.error, `scripted ${fault.error}`, fault.status ?? 400, requestId, fault.reason);
    return this.apply(operation, input, requestId);
  }

  private find(id: unknown, requestId: string): FakePolicy {
    const p = this.policies.find((x) => x.id === id);
    if (!p) throw awsError('PolicyNotFoundException', `policy ${String(id)} not found`, 400, requestId);
    return p;
  }

  private apply(operation: string, input: Record<string, unknown>, requestId: string): unknown {
    const $metadata = { httpStatusCode: 200, requestId };
    const summary = (p: FakePolicy) => ({ Id: p.id, Name: p.name, Type: p.type, Description: p.description, AwsManaged: p.awsManaged });
    switch (operation) {
      case 'CreatePolicy': {
        if (this.policies.some((p) => p.name === input.Name && p.type === input.Type)) throw awsError('DuplicatePolicyException', 'a policy with that name exists', 400, requestId);
        const tags = Object.fromEntries(((input.Tags as { Key: string; Value: string }[] | undefined) ?? []).map((t) => [t.Key, t.Value]));
        const p = this.add({ name: input.Name as string, type: input.Type as FakePolicy['type'], content: input.Content as string, description: (input.Description as string) ?? '', tags });
        return { Policy: { PolicySummary: summary(p), Content: p.content }, $metadata };
      }
      case 'UpdatePolicy': {
        const p = this.find(input.PolicyId, requestId);
        if (input.Name !== undefined && this.policies.some((x) => x !== p && x.name === input.Name && x.type === p.type)) throw awsError('DuplicatePolicyException', 'a policy with that name exists', 400, requestId);
        if (input.Name !== undefined) p.name = input.Name as string;
        if (input.Content !== undefined) p.content = input.Content as string;
        if (input.Description !== undefined) p.description = input.Description as string;
        return { Policy: { PolicySummary: summary(p), Content: p.content }, $metadata };
      }
      case 'AttachPolicy': {
        const p = this.find(input.PolicyId, requestId);
        if (!this.targets.includes(input.TargetId as string)) throw awsError('TargetNotFoundException', 'no such target', 400, requestId);
        if (p.targets.has(input.TargetId as string)) throw awsError('DuplicatePolicyAttachmentException', 'already attached', 400, requestId);
        p.targets.add(input.TargetId as string);
        return { $metadata };
      }
      case 'DetachPolicy': {
        const p = this.find(input.PolicyId, requestId);
        if (!p.targets.has(input.TargetId as string)) throw awsError('PolicyNotAttachedException', 'not attached', 400, requestId);
        p.targets.delete(input.TargetId as string);
        return { $metadata };
      }
      case 'DeletePolicy': {
        const p = this.find(input.PolicyId, requestId);
        if (p.targets.size) throw awsError('PolicyInUseException', 'attached', 400, requestId);
        this.policies = this.policies.filter((x) => x !== p);
        return { $metadata };
      }
      case 'TagResource': {
        const p = this.find(input.ResourceId, requestId);
        for (const t of input.Tags as { Key: string; Value: string }[]) p.tags[t.Key] = t.Value;
        return { $metadata };
      }
      case 'ListPolicies':
        return { Policies: this.policies.filter((p) => p.type === input.Filter).map(summary), $metadata };
      case 'ListPoliciesForTarget':
        if (!this.targets.includes(input.TargetId as string)) throw awsError('TargetNotFoundException', 'no such target', 400, requestId);
        return { Policies: this.policies.filter((p) => p.type === input.Filter && p.targets.has(input.TargetId as string)).map(summary), $metadata };
      case 'ListTagsForResource':
        return { Tags: Object.entries(this.find(input.ResourceId, requestId).tags).map(([Key, Value]) => ({ Key, Value })), $metadata };
      case 'DescribePolicy': {
        const p = this.find(input.PolicyId, requestId);
        return { Policy: { PolicySummary: summary(p), Content: p.content }, $metadata };
      }
    }
    throw new Error(`ScriptedOrg does not answer ${operation}`);
  }
}

export function awsError(name: string, message: string, status: number, requestId?: string, reason?: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, ...(requestId ? { requestId } : {}) }, ...(reason ? { Reason: reason } : {}) });
}
