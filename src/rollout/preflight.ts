/**
 * What a rollout checks before its first write: who runs it (a delegated administrator is subject to
 * the very SCPs and RCPs it deploys, the management account is not), whether the policy types its
 * policies need are enabled, and that no wave locks out the rollout's own role or a protected principal
 * (lockout.ts).
 */
import { EnablePolicyTypeCommand, ListRootsCommand, type ListRootsResponse } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient, type GetCallerIdentityResponse } from '@aws-sdk/client-sts';
import { AWS_POLICY_TYPE, type OrganizationsApi } from '../org/index.js';
import type { PolicyType } from '../policy/index.js';
import { credentialsFromEnv } from '../aws/client-config.js';

export { lockoutGuard, lockoutRefuses, ROLLOUT_ORGANIZATIONS_ACTIONS, type Caller, type ControlOrigin, type DenyingStatement, type LockoutDenial, type LockoutFinding, type LockoutInput, type LockoutNote } from './lockout.js';

/** What the preflight needs of an STS client: tests pass a mocked one. */
export interface StsApi {
  send(command: GetCallerIdentityCommand): Promise<GetCallerIdentityResponse>;
}

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
  /**
   * For a role session, the role's ARN as IAM policies name it (aws:PrincipalArn). A session ARN does
   * not carry the role's path, so a role under a path (role/ops/Rollout) is named without it.
   */
  roleArn?: string;
}

/** STS for the caller's credentials, configured like the Organizations client (AWS_ENDPOINT_URL_STS points it elsewhere). */
export function stsClientFromEnv(env: NodeJS.ProcessEnv): STSClient {
  const endpoint = env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL;
  return new STSClient({
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(endpoint ? { endpoint } : {}),
    ...credentialsFromEnv(env),
  });
}

const ASSUMED_ROLE = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;

/** Who the credentials belong to (sts:GetCallerIdentity needs no permission and no SCP can deny it). */
export async function callerIdentity(sts: StsApi): Promise<CallerIdentity> {
  const r = await sts.send(new GetCallerIdentityCommand({}));
  if (!r.Account || !r.Arn || !r.UserId) throw new Error(`sts:GetCallerIdentity answered without ${!r.Account ? 'Account' : !r.Arn ? 'Arn' : 'UserId'}`);
  const identity: CallerIdentity = { account: r.Account, arn: r.Arn, userId: r.UserId };
  const m = ASSUMED_ROLE.exec(r.Arn);
  if (m) identity.roleArn = `arn:${m[1]}:iam::${m[2]}:role/${m[3]}`;
  return identity;
}

export interface PolicyTypePolling {
  timeoutMs: number;
  intervalMs: number;
  /** Waits between reads; tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
}

export interface PolicyTypesInput {
  rootId: string;
  /** The types of the policies the plan writes. */
  needed: PolicyType[];
  /** The types enabled as last read (ListRoots). */
  enabled: PolicyType[];
  /** --enable-policy-types was given. */
  enable: boolean;
  poll: PolicyTypePolling;
}

export type PolicyTypesResult = { ok: true; enabled: PolicyType[] } | { ok: false; reason: string };

const TYPE_NAMES: Record<PolicyType, string> = { scp: 'SCP (SERVICE_CONTROL_POLICY)', rcp: 'RCP (RESOURCE_CONTROL_POLICY)' };

/**
 * Makes sure the policy types the plan needs are enabled at the root, enabling them only when asked.
 * EnablePolicyType is asynchronous (the root lists the type as PENDING_ENABLE for a while), so the root
 * is read again until every needed type shows ENABLED. DisablePolicyType is never called: AWS detaches
 * every policy of the type and cannot put them back.
 */
export async function ensurePolicyTypes(client: OrganizationsApi, input: PolicyTypesInput): Promise<PolicyTypesResult> {
  const missing = input.needed.filter((t) => !input.enabled.includes(t));
  if (missing.length === 0) return { ok: true, enabled: [...input.enabled] };
  const names = missing.map((t) => TYPE_NAMES[t]).join(' and ');
  if (!input.enable) {
    return {
      ok: false,
      reason: `the plan attaches ${missing.map((t) => `${t.toUpperCase()}s`).join(' and ')}, but the ${names} policy type${missing.length > 1 ? 's are' : ' is'} not enabled at root ${input.rootId}: run again with --enable-policy-types to enable ${missing.length > 1 ? 'them' : 'it'} (guardrails never disables a policy type)`,
    };
  }
  for (const type of missing) {
    try {
      await client.send(new EnablePolicyTypeCommand({ RootId: input.rootId, PolicyType: AWS_POLICY_TYPE[type] }));
    } catch (e) {
      // Enabled meanwhile (by someone else, or by this call whose answer was lost and retried): what we wanted.
      if ((e as { name?: string }).name === 'PolicyTypeAlreadyEnabledException') continue;
      const err = e as { name?: string; message?: string };
      return { ok: false, reason: `EnablePolicyType ${TYPE_NAMES[type]} at root ${input.rootId} failed: ${err.name ?? 'Error'}: ${err.message ?? String(e)}` };
    }
  }
  const sleep = input.poll.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // Time is counted in the waits themselves, so a test's instant sleep still ends the polling.
  for (let waited = 0; ; waited += input.poll.intervalMs) {
    const status = await rootPolicyTypes(client, input.rootId);
    if (!status.ok) return status;
    const pending = input.needed.filter((t) => status.types.get(t) !== 'ENABLED');
    if (pending.length === 0) return { ok: true, enabled: [...status.types].filter(([, s]) => s === 'ENABLED').map(([t]) => t) };
    if (waited + input.poll.intervalMs > input.poll.timeoutMs) {
      const shown = pending.map((t) => `${TYPE_NAMES[t]} is ${status.types.get(t) ?? 'not listed'}`).join(', ');
      return { ok: false, reason: `enabling policy types at root ${input.rootId}: after ${Math.round(waited / 1000)} s ${shown}; run again later (the enabling goes on in AWS)` };
    }
    await sleep(input.poll.intervalMs);
  }
}

async function rootPolicyTypes(client: OrganizationsApi, rootId: string): Promise<{ ok: true; types: Map<PolicyType, string> } | { ok: false; reason: string }> {
  const roots = ((await client.send(new ListRootsCommand({}))) as ListRootsResponse).Roots ?? [];
  const root = roots.find((r) => r.Id === rootId);
  if (!root) return { ok: false, reason: `ListRoots does not list root ${rootId}` };
  const types = new Map<PolicyType, string>();
  for (const t of root.PolicyTypes ?? []) {
    const type = (Object.keys(AWS_POLICY_TYPE) as PolicyType[]).find((k) => AWS_POLICY_TYPE[k] === t.Type);
    if (type && t.Status) types.set(type, t.Status);
  }
  return { ok: true, types };
}
