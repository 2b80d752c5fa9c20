/**
 * Applies one wave's steps to the organization: serially, in plan order (attach before detach is what
 * keeps every target with an SCP), paced at Organizations' rate limits, each write announced in the
 * journal before it is made and recorded after.
 *
 * It reconciles instead of stopping blindly (errors.ts): "try again later" answers are retried with a
 * capped, jittered backoff within budgets; a refusal that says the step is already done is accepted
 * only once a read confirms it (a write whose answer was lost is retried, and the retry meets exactly
 * such a refusal); anything that says the organization is not what the plan was computed from halts
 * the wave with the reason, so that the rollout reads again and plans again. AWS errors never throw.
 *
 * The client must not retry by itself (maxAttempts 1): the executor owns the retries, so that each
 * one is counted, journaled and bounded, and a retried write is reconciled rather than failed.
 */
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UpdatePolicyCommand,
  type CreatePolicyResponse,
  type DescribePolicyResponse,
  type ListPoliciesForTargetResponse,
  type ListPoliciesResponse,
  type ListTagsForResourceResponse,
  type PolicySummary,
} from '@aws-sdk/client-organizations';
import { AWS_POLICY_TYPE, describeOperation, isOwned, mayBeOwned, nameProblem, OWNER_TAG, type OrganizationsApi, type OrgOperation, type OrgState } from '../org/index.js';
import { canonicalPolicyText, type PolicyType } from '../policy/index.js';
import { classifyOrgError, type ClassifiedError } from './errors.js';
import type { Sleep, WritePacer } from './pacing.js';
import { abortableSleep } from './sleep.js';
import type { ErrorClass, JournalRecord } from './types.js';

export interface ExecutorProgress {
  /** 0-based index of the step in the wave. */
  index: number;
  total: number;
  text: string;
  /** 1 for the first call of the step. */
  attempt: number;
  /** Set while the step waits before its next attempt (backoff). */
  waitMs?: number;
}

export interface ExecutorOptions {
  /** Built with maxAttempts 1: the executor owns retries. */
  client: OrganizationsApi;
  /** Read just before the wave: the ids of the policies and which are ours. */
  state: OrgState;
  wave: string;
  run: string;
  journal?: { append(r: JournalRecord): Promise<void> };
  pacer?: WritePacer;
  /** Retries allowed per step and per wave, all error codes together. */
  budgets?: { perStep: number; perWave: number };
  sleep?: Sleep;
  random?: () => number;
  /** Milliseconds; Date.now by default. */
  now?: () => number;
  signal?: AbortSignal;
  onProgress?: (e: ExecutorProgress) => void;
}

export interface WaveHalt {
  index: number;
  text: string;
  errorClass: ErrorClass;
  code: string;
  message: string;
}

export interface WaveExecution {
  result: 'done' | 'halted' | 'interrupted';
  /** Steps completed (done or confirmed already done). */
  done: number;
  /** Write calls made, retries included. */
  calls: number;
  /** Reads made to confirm a step was already done. */
  reads: number;
  /** Retries by error code. */
  retries: Record<string, number>;
  halt?: WaveHalt;
  ms: number;
}

export const DEFAULT_BUDGETS = { perStep: 8, perWave: 40 } as const;
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 20_000;
const PAGE = 20;

/** The API operation a step calls: what the pacer and rate-limits.json know it by. */
export function apiOperationOf(o: OrgOperation): string {
  switch (o.op) {
    case 'create':
      return 'CreatePolicy';
    case 'update':
      return 'UpdatePolicy';
    case 'attach':
      return 'AttachPolicy';
    case 'detach':
      return 'DetachPolicy';
    case 'delete':
      return 'DeletePolicy';
    case 'tag':
      return 'TagResource';
  }
}

/** Why a step stops the wave: unwinds from wherever it is found to the step loop. */
class Stop {
  constructor(
    readonly kind: 'halted' | 'interrupted',
    readonly errorClass: ErrorClass,
    readonly code: string,
    readonly message: string,
  ) {}
}

const interrupted = () => new Stop('interrupted', 'halt', 'interrupted', 'interrupted before the step completed');

export async function executeWave(steps: readonly OrgOperation[], options: ExecutorOptions): Promise<WaveExecution> {
  const { client, pacer, signal, journal } = options;
  const budgets = options.budgets ?? DEFAULT_BUDGETS;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const at = () => new Date(now()).toISOString();
  const started = now();

  const ids = new Map<string, string>();
  const foreign = new Set<string>();
  for (const p of options.state.policies) {
    if (isOwned(p)) ids.set(key(p.type, p.name), p.id);
    else foreign.add(key(p.type, p.name));
  }

  let calls = 0;
  let reads = 0;
  let waveRetries = 0;
  const retries: Record<string, number> = {};
  let done = 0;
  const finish = (result: WaveExecution['result'], halt?: WaveHalt): WaveExecution => ({ result, done, calls, reads, retries, ...(halt ? { halt } : {}), ms: now() - started });

  for (const [index, op] of steps.entries()) {
    if (signal?.aborted) return finish('interrupted');
    const text = describeOperation(op);
    const stepStarted = now();
    const stepRetries: Record<string, number> = {};
    let attempts = 0;
    let requestId: string | undefined;
    let announced = false;

    /** Waits before the next attempt, or stops when a budget is spent. */
    const backoff = async (c: ClassifiedError, attempt: number): Promise<void> => {
      const stepCount = Object.values(stepRetries).reduce((a, b) => a + b, 0);
      if (stepCount >= budgets.perStep) throw new Stop('halted', 'retry', c.code, `${c.message}; gave up after ${stepCount} retries of this step (budget ${budgets.perStep} per step)`);
      if (waveRetries >= budgets.perWave) throw new Stop('halted', 'retry', c.code, `${c.message}; gave up: the wave's ${budgets.perWave} retries are spent`);
      stepRetries[c.code] = (stepRetries[c.code] ?? 0) + 1;
      retries[c.code] = (retries[c.code] ?? 0) + 1;
      waveRetries++;
      // Full jitter: retries of many writers spread out instead of meeting again.
      const waitMs = Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** stepCount));
      options.onProgress?.({ index, total: steps.length, text, attempt, waitMs });
      await pause(waitMs);
    };
    const pause = async (ms: number) => {
      try {
        await sleep(ms, signal);
      } catch (e) {
        if (signal?.aborted) throw interrupted();
        throw e;
      }
    };
    const pace = async (operation: string) => {
      if (signal?.aborted) throw interrupted();
      if (!pacer) return;
      try {
        await pacer.take(operation, signal);
      } catch (e) {
        if (signal?.aborted) throw interrupted();
        throw e;
      }
    };
    /** A read confirming a step: "try again" answers are retried like a write, within the same budgets; any other error halts. */
    const read = async <T>(operation: string, command: unknown): Promise<T> => {
      for (;;) {
        await pace(operation);
        reads++;
        try {
          return (await client.send(command)) as T;
        } catch (e) {
          const c = classifyOrgError(e, op);
          if (c.errorClass !== 'retry') throw new Stop('halted', 'halt', c.code, `could not confirm the step: ${operation} failed: ${c.message}`);
          await backoff({ ...c, message: `${operation}: ${c.message}` }, attempts);
        }
      }
    };
    const confirm = confirmations(op, { ids, read });

    const endStep = async (result: 'done' | 'already-done' | 'halted' | 'failed', error?: { errorClass: ErrorClass; message: string }) => {
      await journal?.append({
        kind: 'step-end',
        run: options.run,
        at: at(),
        wave: options.wave,
        index,
        result,
        attempts,
        ...(requestId ? { requestId } : {}),
        ...(error ? { errorClass: error.errorClass, error: error.message } : {}),
        retries: stepRetries,
        ms: now() - stepStarted,
      });
    };

    try {
      refuse(op, ids, foreign);
      let outcome: 'done' | 'already-done' | undefined;
      // A create of a policy that the state shows as ours already: what a retried create would meet.
      if (op.op === 'create' && ids.has(key(op.type, op.policy))) {
        const why = await confirm.alreadyDone();
        if (why) throw new Stop('halted', 'halt', 'DuplicatePolicyException', `a ${op.type.toUpperCase()} named ${op.policy} is already deployed: ${why}`);
        outcome = 'already-done';
      }
      while (!outcome) {
        await pace(apiOperationOf(op));
        if (!announced) {
          await journal?.append({ kind: 'step-start', run: options.run, at: at(), wave: options.wave, index, op, text });
          announced = true;
        }
        attempts++;
        calls++;
        options.onProgress?.({ index, total: steps.length, text, attempt: attempts });
        try {
          const response = (await client.send(commandOf(op, ids))) as { $metadata?: { requestId?: string } };
          requestId = response.$metadata?.requestId ?? requestId;
          await afterWrite(op, response, ids, confirm);
          outcome = 'done';
        } catch (e) {
          if (e instanceof Stop) throw e;
          const c = classifyOrgError(e, op);
          requestId = c.requestId ?? requestId;
          if (c.errorClass === 'retry') {
            await backoff(c, attempts);
            continue;
          }
          const renameMet = op.op === 'update' && op.rename !== undefined && c.code === 'DuplicatePolicyException';
          if (c.errorClass === 'already-done' || renameMet) {
            const why = await confirm.alreadyDone();
            if (why) throw new Stop('halted', 'halt', c.code, `${c.message}; not accepted as already done: ${why}`);
            outcome = 'already-done';
            continue;
          }
          throw new Stop('halted', 'halt', c.code, c.message);
        }
      }
      await endStep(outcome);
      done++;
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      const stop = e;
      if (stop.kind === 'interrupted') {
        // A step interrupted before its first call announced nothing and leaves nothing to record.
        if (announced) await endStep('failed', { errorClass: stop.errorClass, message: stop.message });
        return finish('interrupted');
      }
      await endStep('halted', { errorClass: stop.errorClass, message: stop.message });
      return finish('halted', { index, text, errorClass: stop.errorClass, code: stop.code, message: stop.message });
    }
  }
  return finish('done');
}

function key(type: PolicyType, name: string): string {
  return `${type}:${name}`;
}

/**
 * What no plan may make the executor do, whatever it says: write a policy guardrails does not own,
 * create one without the ownership tag (the next plan would not own it), or use a name AWS refuses.
 */
function refuse(op: OrgOperation, ids: Map<string, string>, foreign: Set<string>): void {
  const kind = op.type.toUpperCase();
  const stop = (code: string, message: string) => new Stop('halted', 'halt', code, `refusing to ${describeOperation(op)}: ${message}`);
  const badName = nameProblem(op);
  if (badName) throw stop('invalid-name', badName);
  if (foreign.has(key(op.type, op.policy))) {
    throw stop(op.op === 'create' ? 'name-taken' : 'not-owned', `a ${kind} named ${op.policy} exists that guardrails does not manage (no ${OWNER_TAG.key}=${OWNER_TAG.value} tag, or a name outside guardrails-), and guardrails never writes it`);
  }
  if (op.op === 'create') {
    if (op.tags[OWNER_TAG.key] !== OWNER_TAG.value) throw stop('owner-tag-missing', `the step does not carry the tag ${OWNER_TAG.key}=${OWNER_TAG.value}, so the next plan would not own the policy; plan again with this version of guardrails`);
    if (!mayBeOwned(op.policy, false)) throw stop('not-owned', `the name does not start with guardrails-, so the next plan would not own the policy`);
    return;
  }
  if (!ids.has(key(op.type, op.policy))) throw stop('no-such-policy', `no ${kind} named ${op.policy} managed by guardrails is deployed; the organization changed since it was read: plan again`);
  if (op.op === 'update' && op.rename !== undefined) {
    if (!mayBeOwned(op.rename, false)) throw stop('not-owned', `the new name ${op.rename} does not start with guardrails-, so the next plan would not own the policy`);
    if (foreign.has(key(op.type, op.rename)) || ids.has(key(op.type, op.rename))) throw stop('name-taken', `a ${kind} named ${op.rename} exists already; plan again`);
  }
}

function tagList(tags: Record<string, string>) {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function commandOf(o: OrgOperation, ids: Map<string, string>): unknown {
  const id = () => ids.get(key(o.type, o.policy))!;
  switch (o.op) {
    case 'create':
      return new CreatePolicyCommand({ Name: o.policy, Type: AWS_POLICY_TYPE[o.type], Content: o.content, Description: o.description, Tags: tagList(o.tags) });
    case 'update':
      return new UpdatePolicyCommand({ PolicyId: id(), ...(o.content !== undefined ? { Content: o.content } : {}), ...(o.rename !== undefined ? { Name: o.rename } : {}), ...(o.description !== undefined ? { Description: o.description } : {}) });
    case 'attach':
      return new AttachPolicyCommand({ PolicyId: id(), TargetId: o.target.id });
    case 'detach':
      return new DetachPolicyCommand({ PolicyId: id(), TargetId: o.target.id });
    case 'delete':
      return new DeletePolicyCommand({ PolicyId: id() });
    case 'tag':
      return new TagResourceCommand({ ResourceId: id(), Tags: tagList(o.tags) });
  }
}

interface Reader {
  ids: Map<string, string>;
  read<T>(operation: string, command: unknown): Promise<T>;
}

interface Confirmation {
  /** undefined when a read confirms the step's end state is there already; else why not. */
  alreadyDone(): Promise<string | undefined>;
  /** The id of the policy of the step's name (ListPolicies), if one exists. */
  findByName(): Promise<PolicySummary | undefined>;
}

/** The ids (and names) that the organization holds after a write, for the steps that follow. */
async function afterWrite(o: OrgOperation, response: unknown, ids: Map<string, string>, confirm: Confirmation): Promise<void> {
  if (o.op === 'create') {
    let id = (response as CreatePolicyResponse).Policy?.PolicySummary?.Id;
    id ??= (await confirm.findByName())?.Id;
    if (!id) throw new Stop('halted', 'halt', 'no-policy-id', `CreatePolicy ${o.policy} answered without a policy id, and ListPolicies does not show it`);
    ids.set(key(o.type, o.policy), id);
  } else if (o.op === 'update' && o.rename !== undefined) {
    renamed(o, ids);
  } else if (o.op === 'delete') {
    ids.delete(key(o.type, o.policy));
  }
}

function renamed(o: Extract<OrgOperation, { op: 'update' }>, ids: Map<string, string>): void {
  const id = ids.get(key(o.type, o.policy))!;
  ids.delete(key(o.type, o.policy));
  ids.set(key(o.type, o.rename!), id);
}

/**
 * The reads that confirm a step is done already: its end state is in the organization. Each answers
 * undefined when it is, and otherwise says what was found instead.
 */
function confirmations(o: OrgOperation, { ids, read }: Reader): Confirmation {
  const type = AWS_POLICY_TYPE[o.type];
  const kind = o.type.toUpperCase();
  const listPolicies = async (): Promise<PolicySummary[]> => {
    const out: PolicySummary[] = [];
    let NextToken: string | undefined;
    do {
      const page = await read<ListPoliciesResponse>('ListPolicies', new ListPoliciesCommand({ Filter: type, MaxResults: PAGE, NextToken }));
      out.push(...(page.Policies ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  };
  const attachedTo = async (targetId: string): Promise<string[]> => {
    const out: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await read<ListPoliciesForTargetResponse>('ListPoliciesForTarget', new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: type, MaxResults: PAGE, NextToken }));
      out.push(...(page.Policies ?? []).map((p) => p.Id!).filter(Boolean));
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  };
  const tagsOf = async (id: string): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    let NextToken: string | undefined;
    do {
      const page = await read<ListTagsForResourceResponse>('ListTagsForResource', new ListTagsForResourceCommand({ ResourceId: id, NextToken }));
      for (const t of page.Tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
      NextToken = page.NextToken;
    } while (NextToken);
    return out;
  };
  const describe = async (id: string) => (await read<DescribePolicyResponse>('DescribePolicy', new DescribePolicyCommand({ PolicyId: id }))).Policy;
  const findByName = async () => (await listPolicies()).find((p) => p.Name === o.policy);

  const alreadyDone = async (): Promise<string | undefined> => {
    const id = ids.get(key(o.type, o.policy));
    switch (o.op) {
      case 'attach':
        return (await attachedTo(o.target.id)).includes(id!) ? undefined : `ListPoliciesForTarget shows ${o.policy} is not attached to ${o.target.label}`;
      case 'detach':
        return (await attachedTo(o.target.id)).includes(id!) ? `ListPoliciesForTarget shows ${o.policy} still attached to ${o.target.label}` : undefined;
      case 'delete': {
        const found = (await listPolicies()).find((p) => p.Id === id);
        if (found) return `ListPolicies still shows ${o.policy} (${id})`;
        ids.delete(key(o.type, o.policy));
        return undefined;
      }
      case 'create': {
        const found = await findByName();
        if (!found?.Id) return `ListPolicies shows no ${kind} named ${o.policy}`;
        const tags = await tagsOf(found.Id);
        if (!isOwned({ name: found.Name ?? '', awsManaged: found.AwsManaged === true, tags })) return `the ${kind} named ${o.policy} (${found.Id}) is not managed by guardrails`;
        const content = (await describe(found.Id))?.Content ?? '';
        if (canonicalPolicyText(content) !== canonicalPolicyText(o.content)) return `the ${kind} named ${o.policy} (${found.Id}) is ours but its content differs from the plan's`;
        // Ours, with the planned content: adopted as the policy the step creates.
        ids.set(key(o.type, o.policy), found.Id);
        return undefined;
      }
      case 'update': {
        if (o.rename === undefined) return `UpdatePolicy is not refused as already done`;
        const policy = await describe(id!);
        const name = policy?.PolicySummary?.Name;
        if (name !== o.rename) return `the policy ${id} is named ${name ?? '(unknown)'}, not ${o.rename}: another policy holds that name`;
        if (o.content !== undefined && canonicalPolicyText(policy?.Content ?? '') !== canonicalPolicyText(o.content)) return `the policy ${id} has the new name but not the planned content`;
        renamed(o, ids);
        return undefined;
      }
      case 'tag':
        return `TagResource is not refused as already done`;
    }
  };
  return { alreadyDone, findByName };
}
