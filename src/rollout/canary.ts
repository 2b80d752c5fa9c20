/**
 * Canary probes: after a wave, ask IAM whether the canary principals the intent names are now denied
 * what the change newly denies, and still allowed what they must keep doing.
 *
 * Why SimulatePrincipalPolicy: it evaluates a real principal's own policies together with the SCPs
 * really attached along its account's chain, so it sees what AWS enforces now, not what we think we
 * wrote. Its answer per action carries `OrganizationsDecisionDetail.AllowedByOrganizations`,
 * "whether the simulated operation is allowed by the Organizations service control policies that
 * impact the simulated user's account" (AWS IAM API Reference, API_OrganizationsDecisionDetail.html),
 * present only when the account is in an organization (EvaluationResult in the same reference, as the
 * @aws-sdk/client-iam model documents it). The simulator does not evaluate RCPs (REFERENCE.md section
 * 4), so RCP probes are decided by a function the caller builds on the project's engine, and each
 * result says which engine decided it.
 *
 * A newly denied action is judged on AllowedByOrganizations alone: the principal's own policies may
 * not allow it either, and an implicit deny from them would make the probe pass without proving that
 * the guardrail is in force. An action that must still work is judged on the whole decision: working
 * means allowed, whoever would deny it.
 */
import { SimulatePrincipalPolicyCommand, type ContextEntry, type ContextKeyTypeEnum, type EvaluationResult, type SimulatePrincipalPolicyCommandOutput } from '@aws-sdk/client-iam';
import { abortableSleep } from './sleep.js';

/** What the probes need of an IAM client: tests pass mocks or a client pointed at a local server. */
export interface IamApi {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/**
 * Gives an IAM client: with a role ARN, one whose credentials come from `sts:AssumeRole` into that
 * role (a canary in another account is simulated from inside its account); without, the rollout's own.
 */
export type IamClientFactory = (roleArn?: string) => Promise<IamApi>;

/** A canary as the intent names it per wave. */
export interface CanaryConfig {
  wave: string;
  /** An IAM role or user ARN (SimulatePrincipalPolicy takes users, groups and roles, not sessions). */
  principal: string;
  assumeRole?: string;
  mustStillWork: string[];
}

export type Want = 'denied' | 'allowed';
export type ProbeEngine = 'iam' | 'local';

/** How the project's engine decides an RCP probe: the caller builds it from the wave's end state. */
export type LocalDecider = (action: string, resource: string) => { allowedByOrganizations: boolean; decision: 'allowed' | 'explicitDeny' | 'implicitDeny'; detail?: string };

export interface CanaryProbe {
  principal: string;
  /** Actions the change newly denies this principal (from the semantic diff). */
  mustBeDenied: string[];
  mustStillWork: string[];
  /** Resource ARNs to simulate on; none means "*". */
  resources?: string[];
  /** Context keys the simulated request carries (a deny conditioned on a key IAM lacks would not match). */
  context?: { key: string; values: string[]; type: ContextKeyTypeEnum }[];
  /** RCP probes: IAM's simulator does not evaluate RCPs. */
  local?: { mustBeDenied: string[]; mustStillWork: string[]; decide: LocalDecider };
}

export interface ProbeResult {
  action: string;
  want: Want;
  engine: ProbeEngine;
  /** IAM's AllowedByOrganizations (undefined when IAM gave none), or the local engine's verdict. */
  allowedByOrganizations: boolean | undefined;
  /** allowed | explicitDeny | implicitDeny (or `missing` when IAM returned no result for the action). */
  decision: string;
  ok: boolean;
  /** Per resource decisions that differ from `decision`, when resources were given. */
  resources?: { resource: string; decision: string }[];
  /** Context keys IAM says the principal's own policies needed and the request lacked. */
  missingContext?: string[];
}

export interface CanaryOutcome {
  ok: boolean;
  results: ProbeResult[];
  problems: string[];
}

export interface ProbeOptions {
  /** Actions per SimulatePrincipalPolicy request (default 100); results are paged within a request. */
  batchSize?: number;
  /** Results per page asked for (MaxItems, default 100: IAM may return fewer). */
  pageSize?: number;
  /** Attempts per request when IAM throttles or fails transiently (default 6), the first backoff (default 500 ms). */
  attempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  signal?: AbortSignal;
}

/** An IAM call that failed for good: a structured value, its message one line saying what to do. */
export class CanaryError extends Error {
  constructor(
    readonly code: string,
    readonly operation: 'SimulatePrincipalPolicy' | 'AssumeRole' | 'input',
    readonly principal: string,
    readonly attempts: number,
    message: string,
    /** AWS's request id of the last attempt, when AWS answered. */
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'CanaryError';
  }
}

const PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user|group)\/.+$/;
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestThrottled', 'RequestThrottledException']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

/** The IAM client a canary is probed with: its account's, through AssumeRole, when it names a role. */
export async function canaryClient(factory: IamClientFactory, canary: Pick<CanaryConfig, 'wave' | 'principal' | 'assumeRole'>): Promise<IamApi> {
  try {
    return await factory(canary.assumeRole);
  } catch (e) {
    if (!canary.assumeRole) throw e;
    const err = e as { name?: string; message?: string };
    throw new CanaryError(
      err.name ?? 'Error',
      'AssumeRole',
      canary.principal,
      1,
      `canary of wave ${canary.wave}: could not assume ${canary.assumeRole} to probe ${canary.principal}: ${err.name ?? 'error'}: ${err.message ?? String(e)}; allow the rollout's principal sts:AssumeRole on it (and the role iam:SimulatePrincipalPolicy)`,
    );
  }
}

/** Actions listed as both newly denied and required to work: the change breaks what the canary says must work. */
export function canaryConflicts(probe: Pick<CanaryProbe, 'mustBeDenied' | 'mustStillWork' | 'local'>): string[] {
  const conflicts = (denied: string[], allowed: string[]) => {
    const wanted = new Set(allowed.map((a) => a.toLowerCase()));
    return denied.filter((a) => wanted.has(a.toLowerCase()));
  };
  return [...conflicts(probe.mustBeDenied, probe.mustStillWork), ...(probe.local ? conflicts(probe.local.mustBeDenied, probe.local.mustStillWork) : [])];
}

/** One probe of one principal: every action asked, every answer judged against what is wanted. */
export async function probeCanary(iam: IamApi, probe: CanaryProbe, options: ProbeOptions = {}): Promise<CanaryOutcome> {
  if (!PRINCIPAL_ARN.test(probe.principal)) {
    throw new CanaryError('InvalidPrincipal', 'input', probe.principal, 0, `canary principal ${probe.principal} is not an IAM role, user or group ARN (arn:aws:iam::<account>:role/<name>); SimulatePrincipalPolicy cannot simulate it: name the role itself, not a session`);
  }
  const problems = canaryConflicts(probe).map((a) => `${a} is both newly denied by this change and in the canary's mustStillWork for ${probe.principal}: the change breaks what must keep working`);
  const wants = new Map<string, { action: string; want: Want }>();
  for (const action of probe.mustStillWork) wants.set(action.toLowerCase(), { action, want: 'allowed' });
  // A conflicting action is asked once and judged as newly denied; the conflict itself is a problem above.
  for (const action of probe.mustBeDenied) wants.set(action.toLowerCase(), { action, want: 'denied' });
  const results: ProbeResult[] = [];
  const asked = [...wants.values()];
  const answers = asked.length ? await simulate(iam, probe, asked.map((w) => w.action), options) : new Map<string, EvaluationResult[]>();
  for (const { action, want } of asked) {
    const found = answers.get(action.toLowerCase());
    const result = found?.length ? fromIam(action, want, found) : { action, want, engine: 'iam' as const, allowedByOrganizations: undefined, decision: 'missing', ok: false };
    results.push(result);
    if (!result.ok) problems.push(describeProblem(probe.principal, result));
  }
  if (probe.local) {
    const localWants: [string, Want][] = [...probe.local.mustStillWork.map((a): [string, Want] => [a, 'allowed']), ...probe.local.mustBeDenied.map((a): [string, Want] => [a, 'denied'])];
    const byAction = new Map(localWants.map(([a, w]) => [a.toLowerCase(), [a, w] as [string, Want]]));
    for (const [action, want] of byAction.values()) {
      const result = fromLocal(action, want, probe.resources?.length ? probe.resources : ['*'], probe.local.decide);
      results.push(result);
      if (!result.ok) problems.push(describeProblem(probe.principal, result));
    }
  }
  return { ok: problems.length === 0, results, problems };
}

export interface WatchOptions extends ProbeOptions {
  /** When the wave's last write was answered (ms, the clock of `now`): propagation is measured from here. */
  since: number;
  timeoutMs: number;
  everyMs: number;
  now?: () => number;
  onPoll?: (poll: { polls: number; elapsedMs: number; outcome: CanaryOutcome }) => void;
}

export interface WatchOutcome {
  ok: boolean;
  /** From the wave's end to the first answer with every probe as wanted; undefined when none came. */
  propagationMs: number | undefined;
  polls: number;
  last: CanaryOutcome;
  /** The watch ended because `signal` was aborted. */
  interrupted: boolean;
}

/**
 * Probes until every result is as wanted, or the timeout: enforcement reaches IAM's view of an account
 * minutes after Organizations accepts a write, and how long it took is worth reporting.
 */
export async function watchCanary(iam: IamApi, probe: CanaryProbe, options: WatchOptions): Promise<WatchOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const deadline = options.since + options.timeoutMs;
  let polls = 0;
  let last: CanaryOutcome = { ok: false, results: [], problems: ['interrupted before IAM answered'] };
  for (;;) {
    let outcome: CanaryOutcome;
    try {
      outcome = await probeCanary(iam, probe, options);
    } catch (e) {
      if (options.signal?.aborted) return { ok: false, propagationMs: undefined, polls, last, interrupted: true };
      throw e;
    }
    last = outcome;
    const answeredAt = now();
    polls++;
    options.onPoll?.({ polls, elapsedMs: answeredAt - options.since, outcome });
    if (outcome.ok) return { ok: true, propagationMs: Math.max(0, answeredAt - options.since), polls, last: outcome, interrupted: false };
    // A conflict never resolves by waiting.
    if (canaryConflicts(probe).length || answeredAt >= deadline) return { ok: false, propagationMs: undefined, polls, last: outcome, interrupted: false };
    try {
      await sleep(Math.min(options.everyMs, deadline - answeredAt), options.signal);
    } catch (e) {
      if (options.signal?.aborted) return { ok: false, propagationMs: undefined, polls, last: outcome, interrupted: true };
      throw e;
    }
    if (options.signal?.aborted) return { ok: false, propagationMs: undefined, polls, last: outcome, interrupted: true };
  }
}

/** Every action's results, by lower-cased action name, batch by batch, page by page. */
async function simulate(iam: IamApi, probe: CanaryProbe, actions: string[], options: ProbeOptions): Promise<Map<string, EvaluationResult[]>> {
  const batchSize = options.batchSize ?? 100;
  const out = new Map<string, EvaluationResult[]>();
  const context: ContextEntry[] | undefined = probe.context?.map((c) => ({ ContextKeyName: c.key, ContextKeyValues: c.values, ContextKeyType: c.type }));
  for (let i = 0; i < actions.length; i += batchSize) {
    const batch = actions.slice(i, i + batchSize);
    let marker: string | undefined;
    do {
      const command = new SimulatePrincipalPolicyCommand({
        PolicySourceArn: probe.principal,
        ActionNames: batch,
        ...(probe.resources?.length ? { ResourceArns: probe.resources } : {}),
        ...(context?.length ? { ContextEntries: context } : {}),
        MaxItems: options.pageSize ?? 100,
        ...(marker ? { Marker: marker } : {}),
      });
      const response = (await withRetries(() => iam.send(command, options.signal ? { abortSignal: options.signal } : undefined), probe.principal, options)) as SimulatePrincipalPolicyCommandOutput;
      for (const r of response.EvaluationResults ?? []) {
        const key = (r.EvalActionName ?? '').toLowerCase();
        out.set(key, [...(out.get(key) ?? []), r]);
      }
      // IAM may return fewer than MaxItems and still have more: IsTruncated decides, not the count.
      marker = response.IsTruncated ? response.Marker : undefined;
    } while (marker);
  }
  return out;
}

/**
 * IAM's answers for one action: one result carrying per-resource results (today's shape), or one
 * result per resource (the older one). Organizations allow it only if every result says so.
 */
function fromIam(action: string, want: Want, found: EvaluationResult[]): ProbeResult {
  const orgs = found.map((r) => r.OrganizationsDecisionDetail?.AllowedByOrganizations).filter((v): v is boolean => v !== undefined);
  const allowedByOrganizations = orgs.length ? orgs.every(Boolean) : undefined;
  const perResource = found.flatMap((r) => (r.ResourceSpecificResults?.length ? r.ResourceSpecificResults.map((s) => ({ resource: s.EvalResourceName ?? '*', decision: s.EvalResourceDecision ?? 'missing' })) : [{ resource: r.EvalResourceName ?? '*', decision: r.EvalDecision ?? 'missing' }]));
  const decisions = [...found.map((r) => r.EvalDecision ?? 'missing'), ...perResource.map((r) => r.decision)];
  const decision = decisions.find((d) => d === 'explicitDeny') ?? decisions.find((d) => d !== 'allowed') ?? 'allowed';
  const missing = [...new Set(found.flatMap((r) => [...(r.MissingContextValues ?? []), ...(r.ResourceSpecificResults ?? []).flatMap((s) => s.MissingContextValues ?? [])]))];
  const ok = want === 'denied' ? allowedByOrganizations === false : allowedByOrganizations !== false && decision === 'allowed';
  const result: ProbeResult = { action, want, engine: 'iam', allowedByOrganizations, decision, ok };
  const differing = perResource.filter((r) => r.decision !== decision);
  if (differing.length) result.resources = differing;
  if (missing.length) result.missingContext = missing;
  return result;
}

function fromLocal(action: string, want: Want, resources: string[], decide: LocalDecider): ProbeResult {
  const answers = resources.map((resource) => ({ resource, ...decide(action, resource) }));
  const allowedByOrganizations = answers.every((a) => a.allowedByOrganizations);
  const decision = answers.find((a) => a.decision === 'explicitDeny')?.decision ?? answers.find((a) => a.decision !== 'allowed')?.decision ?? 'allowed';
  const ok = want === 'denied' ? !allowedByOrganizations : allowedByOrganizations && decision === 'allowed';
  const result: ProbeResult = { action, want, engine: 'local', allowedByOrganizations, decision, ok };
  const differing = answers.filter((a) => a.decision !== decision).map((a) => ({ resource: a.resource, decision: a.decision }));
  if (differing.length) result.resources = differing;
  return result;
}

function describeProblem(principal: string, r: ProbeResult): string {
  const by = r.engine === 'iam' ? 'IAM policy simulator' : 'local engine (RCP)';
  if (r.decision === 'missing') return `${principal}: IAM returned no result for ${r.action}; check the action name`;
  if (r.want === 'denied') {
    if (r.allowedByOrganizations === undefined) return `${principal}: ${r.action} should now be denied by the guardrails, but IAM gave no Organizations decision (is the principal's account in the organization?)`;
    return `${principal}: ${r.action} should now be denied by the guardrails, but the ${by} says Organizations policies still allow it`;
  }
  const missing = r.missingContext?.length ? ` (context IAM lacked: ${r.missingContext.join(', ')})` : '';
  if (r.allowedByOrganizations === false) return `${principal}: ${r.action} must still work, but the ${by} says Organizations policies deny it (${r.decision})${missing}`;
  return `${principal}: ${r.action} must still work, but it is ${r.decision} by the principal's own policies, not by Organizations: the canary names an action this principal is not allowed${missing}`;
}

async function withRetries<T>(call: () => Promise<T>, principal: string, options: ProbeOptions): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 500;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (options.signal?.aborted) throw e;
      const err = e as { name?: string; code?: string; message?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number; requestId?: string } };
      const status = err.$metadata?.httpStatusCode ?? 0;
      const transient = THROTTLING.has(err.name ?? '') || status === 429 || status >= 500 || err.$retryable !== undefined || NETWORK.has(err.code ?? '') || err.name === 'TimeoutError';
      if (!transient || attempt >= attempts) {
        const code = err.name ?? err.code ?? 'Error';
        throw new CanaryError(code, 'SimulatePrincipalPolicy', principal, attempt, `canary probe of ${principal}: IAM SimulatePrincipalPolicy failed: ${code}: ${err.message ?? String(e)}${transient ? ` (still failing after ${attempt} attempts; try again later)` : `; ${advice(code)}`}`, err.$metadata?.requestId);
      }
      // Full jitter: probes of several canaries back off apart instead of together.
      await sleep(Math.floor(random() * Math.min(base * 2 ** (attempt - 1), 20_000)), options.signal);
    }
  }
}

function advice(code: string): string {
  if (/AccessDenied/i.test(code)) return "allow the rollout's principal (or the canary's assumeRole) iam:SimulatePrincipalPolicy on the canary principal";
  if (code === 'NoSuchEntity' || code === 'NoSuchEntityException') return "the principal does not exist in the account IAM was asked in: fix the canary's principal, or give the canary an assumeRole in its account";
  if (code === 'InvalidInput' || code === 'InvalidInputException') return 'check the action names, resource ARNs and context entries of the probe';
  return 'check the canary configuration and the credentials used for IAM';
}
