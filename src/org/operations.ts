/**
 * The write side of Organizations, as operations the planner emits and the rollout executes: create,
 * update (content or name), attach, detach, delete. Policies are named, not numbered: the id of a policy
 * created earlier in the same run is only known once it exists.
 *
 * Only policies guardrails owns are ever changed (ownership.ts); the executor refuses anything else,
 * whatever the plan says.
 */
import type { CreatePolicyResponse } from '@aws-sdk/client-organizations';
import type { PolicyType } from '../policy/index.js';
import { organizationsSdk, OrgAccessError, type OrganizationsApi } from './client.js';
import { isOwned, MAX_POLICY_NAME, MAX_TAG_VALUE, OWNER_TAG } from './ownership.js';
import { AWS_POLICY_TYPE } from './read.js';
import type { OrgState } from './state.js';

export interface TargetRef {
  id: string;
  /** How a human names it: `OU Workloads/Prod`, `account 333333333333 (payments-dev)`. */
  label: string;
}

export type OrgOperation =
  | { op: 'create'; policy: string; type: PolicyType; content: string; description: string; tags: Record<string, string> }
  | { op: 'update'; policy: string; type: PolicyType; content?: string; rename?: string; description?: string }
  | { op: 'attach'; policy: string; type: PolicyType; target: TargetRef }
  | { op: 'detach'; policy: string; type: PolicyType; target: TargetRef }
  | { op: 'delete'; policy: string; type: PolicyType }
  | { op: 'tag'; policy: string; type: PolicyType; tags: Record<string, string> };

/** Every operation is one write call; Organizations limits them per account (rate-limits.json). */
export function describeOperation(o: OrgOperation): string {
  switch (o.op) {
    case 'create':
      return `create ${o.type.toUpperCase()} ${o.policy} (${o.content.length.toLocaleString('en-US')} characters)`;
    case 'update':
      return `update ${o.type.toUpperCase()} ${o.policy}${o.content !== undefined ? ` (new content, ${o.content.length.toLocaleString('en-US')} characters)` : ''}${o.rename ? ` renaming it ${o.rename}` : ''}`;
    case 'attach':
      return `attach ${o.policy} to ${o.target.label}`;
    case 'detach':
      return `detach ${o.policy} from ${o.target.label}`;
    case 'delete':
      return `delete ${o.type.toUpperCase()} ${o.policy}`;
    case 'tag':
      return `tag ${o.policy} ${Object.entries(o.tags).map(([k, v]) => `${k}=${v}`).join(' ')}`;
  }
}

/**
 * Why AWS would refuse the names and tag values an operation writes, if it would: the planner's
 * `names` invariant keeps them out of plans, and the executor checks again before any call.
 */
export function nameProblem(o: OrgOperation): string | undefined {
  const name = o.op === 'create' ? o.policy : o.op === 'update' ? o.rename : undefined;
  if (name !== undefined && name.length > MAX_POLICY_NAME) return `the name ${name} has ${name.length} characters, over AWS's limit of ${MAX_POLICY_NAME}`;
  const tags = o.op === 'create' || o.op === 'tag' ? o.tags : {};
  for (const [key, value] of Object.entries(tags)) {
    if (value.length > MAX_TAG_VALUE) return `the value of tag ${key} has ${value.length} characters, over AWS's limit of ${MAX_TAG_VALUE}`;
  }
  return undefined;
}

/**
 * Applies operations in order against the organization whose state was read as `state`. Stops at the
 * first failure, with the operations done so far, so a caller can record progress and resume.
 */
export async function applyOperations(client: OrganizationsApi, state: OrgState, operations: readonly OrgOperation[], onDone?: (o: OrgOperation, index: number) => void): Promise<void> {
  const { AttachPolicyCommand, CreatePolicyCommand, DeletePolicyCommand, DetachPolicyCommand, TagResourceCommand, UpdatePolicyCommand } = organizationsSdk();
  const ids = new Map<string, string>();
  const foreign = new Set<string>();
  for (const p of state.policies) {
    const key = `${p.type}:${p.name}`;
    if (isOwned(p)) ids.set(key, p.id);
    else foreign.add(key);
  }
  const idOf = (o: OrgOperation) => {
    const key = `${o.type}:${o.policy}`;
    if (foreign.has(key)) throw new OrgAccessError(`refusing to ${o.op} ${o.policy}: it is not managed by guardrails (no ${OWNER_TAG.key}=${OWNER_TAG.value} tag)`);
    const id = ids.get(key);
    if (!id) throw new OrgAccessError(`cannot ${o.op} ${o.policy}: no such ${o.type.toUpperCase()} managed by guardrails`);
    return id;
  };
  for (const [i, o] of operations.entries()) {
    const badName = nameProblem(o);
    if (badName) throw new OrgAccessError(`refusing to ${describeOperation(o)}: ${badName}`);
    try {
      switch (o.op) {
        case 'create': {
          const key = `${o.type}:${o.policy}`;
          if (foreign.has(key) || ids.has(key)) throw new OrgAccessError(`cannot create ${o.policy}: a ${o.type.toUpperCase()} with that name exists`);
          const tags = { ...o.tags, [OWNER_TAG.key]: OWNER_TAG.value };
          const created = (await client.send(
            new CreatePolicyCommand({ Name: o.policy, Type: AWS_POLICY_TYPE[o.type], Content: o.content, Description: o.description, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
          )) as CreatePolicyResponse;
          const id = created.Policy?.PolicySummary?.Id;
          if (!id) throw new OrgAccessError(`CreatePolicy ${o.policy} returned no policy id`);
          ids.set(key, id);
          break;
        }
        case 'update': {
          const id = idOf(o);
          await client.send(new UpdatePolicyCommand({ PolicyId: id, ...(o.content !== undefined ? { Content: o.content } : {}), ...(o.rename ? { Name: o.rename } : {}), ...(o.description !== undefined ? { Description: o.description } : {}) }));
          if (o.rename) {
            ids.delete(`${o.type}:${o.policy}`);
            ids.set(`${o.type}:${o.rename}`, id);
          }
          break;
        }
        case 'attach':
          await client.send(new AttachPolicyCommand({ PolicyId: idOf(o), TargetId: o.target.id }));
          break;
        case 'detach':
          await client.send(new DetachPolicyCommand({ PolicyId: idOf(o), TargetId: o.target.id }));
          break;
        case 'delete':
          await client.send(new DeletePolicyCommand({ PolicyId: idOf(o) }));
          ids.delete(`${o.type}:${o.policy}`);
          break;
        case 'tag':
          await client.send(new TagResourceCommand({ ResourceId: idOf(o), Tags: Object.entries(o.tags).map(([Key, Value]) => ({ Key, Value })) }));
          break;
      }
    } catch (e) {
      if (e instanceof OrgAccessError) throw e;
      const err = e as { name?: string; message?: string };
      throw new OrgAccessError(`${describeOperation(o)} failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}`);
    }
    onDone?.(o, i);
  }
}
