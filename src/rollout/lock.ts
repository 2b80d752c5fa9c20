/**
 * One rollout per organization at a time, with no infrastructure beyond the organization itself: the
 * lock is an SCP of a fixed name that is never attached. Organizations refuses a second policy of the
 * same name and type (DuplicatePolicyException), so creating it is atomic: whoever creates it holds
 * the lock. Its description records the run, the holder (the caller's ARN) and when it expires, so a
 * lock left by a killed run can be taken over once it expires, and `guardrails rollout unlock RUN`
 * removes a named run's lock (like `terraform force-unlock`).
 *
 * The name lies outside the `guardrails-` prefix on purpose: the planner owns only policies whose name
 * starts with it (ownership.ts), so even a lock someone tagged managed-by=guardrails is never planned,
 * counted or deleted as one of ours; an unattached foreign SCP takes no slot. Its content is a valid
 * SCP whose one statement can never match (a key required both absent and present), harmless even if
 * someone attached it.
 */
import {
  CreatePolicyCommand,
  DeletePolicyCommand,
  ListPoliciesCommand,
  UpdatePolicyCommand,
  type CreatePolicyResponse,
  type ListPoliciesResponse,
  type PolicySummary,
} from '@aws-sdk/client-organizations';
import { quoteUntrusted } from '../diagnostics/index.js';
import { AWS_POLICY_TYPE, type OrganizationsApi } from '../org/index.js';

export const ROLLOUT_LOCK_NAME = 'guardrails.rollout-lock';

export const ROLLOUT_LOCK_CONTENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'GuardrailsRolloutLockNeverMatches',
      Effect: 'Deny',
      Action: 'organizations:DescribeOrganization',
      Resource: '*',
      Condition: { Null: { 'aws:PrincipalArn': 'true' }, StringLike: { 'aws:PrincipalArn': '*' } },
    },
  ],
});

const DESCRIPTION_PREFIX = 'guardrails rollout lock ';
/** AWS's limit on a policy description. */
const MAX_DESCRIPTION = 512;

export interface LockInfo {
  run: string;
  /** The ARN of the caller that holds it. */
  holder: string;
  acquiredAt: string;
  expiresAt: string;
  policyId: string;
}

export type LockResult = { ok: true; lock: LockInfo } | { ok: false; heldBy: LockInfo };

export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
  }
}

/** Whether a deployed policy is the rollout lock (for anything that lists the organization's policies). */
export function isRolloutLock(p: { name: string; type: string }): boolean {
  return p.name === ROLLOUT_LOCK_NAME && (p.type === 'scp' || p.type === AWS_POLICY_TYPE.scp);
}

export interface AcquireOptions {
  run: string;
  holder: string;
  ttlMs: number;
  now?: () => Date;
}

/**
 * Takes the lock for `run`. A lock of the same run is the run's own (a resumed run): it is renewed. An
 * expired lock of another run is taken over: deleted by its id (so a newer lock is never deleted), then
 * created; when that create meets DuplicatePolicy, someone else won the race, and the lock is theirs.
 */
export async function acquireLock(client: OrganizationsApi, options: AcquireOptions): Promise<LockResult> {
  const now = options.now ?? (() => new Date());
  const description = describeLock(options.run, options.holder, now(), options.ttlMs);
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await readLock(client);
    if (current) {
      if (current.run === options.run) {
        const renewed = await renewLock(client, current, { ttlMs: options.ttlMs, now });
        if (renewed.ok) return renewed;
        continue;
      }
      if (!isExpired(current, now())) return { ok: false, heldBy: current };
      await deleteLockPolicy(client, current.policyId, true);
    }
    try {
      const created = (await client.send(new CreatePolicyCommand({ Name: ROLLOUT_LOCK_NAME, Type: AWS_POLICY_TYPE.scp, Content: ROLLOUT_LOCK_CONTENT, Description: description }))) as CreatePolicyResponse;
      const policyId = created.Policy?.PolicySummary?.Id;
      if (!policyId) throw new LockError(`CreatePolicy ${ROLLOUT_LOCK_NAME} answered without a policy id`);
      return { ok: true, lock: { ...parseDescription(description)!, policyId } };
    } catch (e) {
      // Someone else created it between our read and our create: read again to say who.
      if (codeOf(e) !== 'DuplicatePolicyException') throw lockError('take the rollout lock', e);
    }
  }
  const current = await readLock(client);
  if (current && current.run === options.run) return { ok: true, lock: current };
  if (current) return { ok: false, heldBy: current };
  throw new LockError(`could not take the rollout lock ${ROLLOUT_LOCK_NAME}: other rollouts kept taking and releasing it; try again`);
}

/** Extends the run's lock. Not ok when the lock is gone or another run holds it: the run must stop writing. */
export async function renewLock(client: OrganizationsApi, lock: Pick<LockInfo, 'run' | 'holder'>, options: { ttlMs: number; now?: () => Date }): Promise<{ ok: true; lock: LockInfo } | { ok: false; heldBy?: LockInfo }> {
  const now = options.now ?? (() => new Date());
  const current = await readLock(client);
  if (!current || current.run !== lock.run) return { ok: false, ...(current ? { heldBy: current } : {}) };
  const description = describeLock(lock.run, current.holder, new Date(current.acquiredAt), options.ttlMs, now());
  try {
    await client.send(new UpdatePolicyCommand({ PolicyId: current.policyId, Description: description }));
  } catch (e) {
    // Taken over (deleted as expired) between the read and the update.
    if (codeOf(e) === 'PolicyNotFoundException') return { ok: false };
    throw lockError('renew the rollout lock', e);
  }
  return { ok: true, lock: { ...parseDescription(description)!, policyId: current.policyId } };
}

/** Releases the run's lock; false when it is gone or another run holds it (nothing is deleted then). */
export async function releaseLock(client: OrganizationsApi, lock: Pick<LockInfo, 'run'>): Promise<boolean> {
  const current = await readLock(client);
  if (!current || current.run !== lock.run) return false;
  return deleteLockPolicy(client, current.policyId, true);
}

/**
 * `guardrails rollout unlock RUN`: removes the lock only when `run` holds it, expired or not (a lock
 * whose run is known to be dead). Says who holds it otherwise.
 */
export async function forceUnlock(client: OrganizationsApi, run: string): Promise<{ released: true; lock: LockInfo } | { released: false; heldBy?: LockInfo }> {
  const current = await readLock(client);
  if (!current || current.run !== run) return { released: false, ...(current ? { heldBy: current } : {}) };
  await deleteLockPolicy(client, current.policyId, true);
  return { released: true, lock: current };
}

/**
 * The lock as the organization holds it now, if any. A policy of the lock's name whose description is
 * not a lock's (made by hand) is reported as held by an unknown run that never expires: it is not ours
 * to delete.
 */
export async function readLock(client: OrganizationsApi): Promise<LockInfo | undefined> {
  let found: PolicySummary | undefined;
  let NextToken: string | undefined;
  try {
    do {
      const page = (await client.send(new ListPoliciesCommand({ Filter: AWS_POLICY_TYPE.scp, MaxResults: 20, NextToken }))) as ListPoliciesResponse;
      found = (page.Policies ?? []).find((p) => p.Name === ROLLOUT_LOCK_NAME);
      NextToken = found ? undefined : page.NextToken;
    } while (NextToken);
  } catch (e) {
    throw lockError('read the rollout lock', e);
  }
  if (!found?.Id) return undefined;
  const parsed = parseDescription(found.Description ?? '');
  if (!parsed) return { run: '(unknown)', holder: `(an SCP named ${ROLLOUT_LOCK_NAME} that guardrails did not create: delete it by hand if no rollout is running)`, acquiredAt: '', expiresAt: '', policyId: found.Id };
  return { ...parsed, policyId: found.Id };
}

export function isExpired(lock: LockInfo, now: Date): boolean {
  const expires = Date.parse(lock.expiresAt);
  return Number.isFinite(expires) && expires <= now.getTime();
}

/** One line for a refusal: who holds the lock, since when, until when, and how to remove it. */
export function describeHeldLock(lock: LockInfo): string {
  if (lock.run === '(unknown)') return `the rollout lock is held: ${lock.holder}`;
  return `another rollout holds the lock: run ${quoteUntrusted(lock.run, 80)} by ${quoteUntrusted(lock.holder, 200)} since ${lock.acquiredAt}, until ${lock.expiresAt}; wait for it, or if that run is dead, run \`guardrails rollout unlock ${quoteUntrusted(lock.run, 80)}\``;
}

function describeLock(run: string, holder: string, acquiredAt: Date, ttlMs: number, renewedAt: Date = acquiredAt): string {
  const text = `${DESCRIPTION_PREFIX}${JSON.stringify({ run, holder, acquiredAt: acquiredAt.toISOString(), expiresAt: new Date(renewedAt.getTime() + ttlMs).toISOString() })}`;
  if (text.length > MAX_DESCRIPTION) throw new LockError(`the rollout lock's description would have ${text.length} characters, over AWS's ${MAX_DESCRIPTION}: use a shorter run id (the holder is ${holder.length} characters)`);
  return text;
}

function parseDescription(description: string): Omit<LockInfo, 'policyId'> | undefined {
  if (!description.startsWith(DESCRIPTION_PREFIX)) return undefined;
  try {
    const v = JSON.parse(description.slice(DESCRIPTION_PREFIX.length)) as Record<string, unknown>;
    if (typeof v.run !== 'string' || typeof v.holder !== 'string' || typeof v.acquiredAt !== 'string' || typeof v.expiresAt !== 'string') return undefined;
    return { run: v.run, holder: v.holder, acquiredAt: v.acquiredAt, expiresAt: v.expiresAt };
  } catch {
    return undefined;
  }
}

/** Deletes the lock policy by id; with `goneIsFine`, a lock already deleted (by its run, or taken over) is not an error. */
async function deleteLockPolicy(client: OrganizationsApi, policyId: string, goneIsFine: boolean): Promise<boolean> {
  try {
    await client.send(new DeletePolicyCommand({ PolicyId: policyId }));
    return true;
  } catch (e) {
    if (goneIsFine && codeOf(e) === 'PolicyNotFoundException') return false;
    throw lockError('delete the rollout lock', e);
  }
}

function codeOf(e: unknown): string | undefined {
  return (e as { name?: string })?.name;
}

function lockError(what: string, e: unknown): LockError {
  if (e instanceof LockError) return e;
  const err = e as { name?: string; message?: string };
  return new LockError(`could not ${what} (SCP ${ROLLOUT_LOCK_NAME}): ${quoteUntrusted(err?.name ?? 'Error', 80)}: ${quoteUntrusted(err?.message ?? String(e), 300)}`);
}
