import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { CanaryError, canaryClient, probeCanary, watchCanary, type CanaryProbe, type IamApi } from '../../src/rollout/canary.js';
import { startIamPrincipalServer, type IamPrincipalServer } from '../support/iam-principal-server.js';

const ROLE = 'arn:aws:iam::333333333333:role/AppDeployer';
let server: IamPrincipalServer;
beforeAll(async () => {
  server = await startIamPrincipalServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.calls.length = 0;
  server.pageSize(undefined);
  server.perResourceResults(false);
});

/** The real SDK client, one attempt per call, so that the retries under test are ours. */
function client(): IAMClient {
  return new IAMClient({ region: 'us-east-1', endpoint: server.url, maxAttempts: 1, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
}

/** Sleeps that return at once and say how long they were asked to wait. */
function recordedSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

/** A principal whose own policies allow everything, and whose account's SCPs deny `denied`. */
function denies(denied: string[], identityDenied: string[] = []) {
  const d = new Set(denied.map((a) => a.toLowerCase()));
  const i = new Set(identityDenied.map((a) => a.toLowerCase()));
  return { identity: (a: string) => (i.has(a.toLowerCase()) ? ('implicitDeny' as const) : ('allowed' as const)), organizations: (a: string) => !d.has(a.toLowerCase()) };
}

const probe = (over: Partial<CanaryProbe> = {}): CanaryProbe => ({ principal: ROLE, mustBeDenied: ['iam:CreateUser', 'iam:CreateAccessKey'], mustStillWork: ['s3:PutObject', 'lambda:UpdateFunctionCode'], ...over });

describe('probeCanary over the wire (SimulatePrincipalPolicy)', () => {
  it('passes when the newly denied actions are denied by Organizations and the others still work, in one batched call', async () => {
    server.principal(ROLE, denies(['iam:CreateUser', 'iam:CreateAccessKey']));
    const outcome = await probeCanary(client(), probe());
    expect(outcome.problems).toEqual([]);
    expect(outcome.ok).toBe(true);
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]!.principal).toBe(ROLE);
    expect(new Set(server.calls[0]!.actions)).toEqual(new Set(['iam:CreateUser', 'iam:CreateAccessKey', 's3:PutObject', 'lambda:UpdateFunctionCode']));
    const byAction = Object.fromEntries(outcome.results.map((r) => [r.action, r]));
    expect(byAction['iam:CreateUser']).toMatchObject({ want: 'denied', engine: 'iam', allowedByOrganizations: false, decision: 'explicitDeny', ok: true });
    expect(byAction['s3:PutObject']).toMatchObject({ want: 'allowed', engine: 'iam', allowedByOrganizations: true, decision: 'allowed', ok: true });
  });

  it('fails when Organizations still allow a newly denied action, even if the principal itself may not do it', async () => {
    // The principal's own policies do not allow iam:CreateUser: an implicit deny that proves nothing about the guardrail.
    server.principal(ROLE, denies(['iam:CreateAccessKey'], ['iam:CreateUser']));
    const outcome = await probeCanary(client(), probe());
    expect(outcome.ok).toBe(false);
    expect(outcome.problems).toEqual([`${ROLE}: iam:CreateUser should now be denied by the guardrails, but the IAM policy simulator says Organizations policies still allow it`]);
    expect(outcome.results.find((r) => r.action === 'iam:CreateUser')).toMatchObject({ decision: 'implicitDeny', allowedByOrganizations: true, ok: false });
  });

  it('says who denies an action that must still work: Organizations, or the principal\'s own policies', async () => {
    server.principal(ROLE, { ...denies(['iam:CreateUser', 'iam:CreateAccessKey', 's3:PutObject'], ['lambda:UpdateFunctionCode']), missingContext: (a) => (a === 'lambda:UpdateFunctionCode' ? ['aws:RequestTag/team'] : []) });
    const outcome = await probeCanary(client(), probe());
    expect(outcome.ok).toBe(false);
    expect(outcome.problems).toEqual([
      `${ROLE}: s3:PutObject must still work, but the IAM policy simulator says Organizations policies deny it (explicitDeny)`,
      `${ROLE}: lambda:UpdateFunctionCode must still work, but it is implicitDeny by the principal's own policies, not by Organizations: the canary names an action this principal is not allowed (context IAM lacked: aws:RequestTag/team)`,
    ]);
    expect(outcome.results.find((r) => r.action === 'lambda:UpdateFunctionCode')!.missingContext).toEqual(['aws:RequestTag/team']);
  });

  it('does not count a missing Organizations decision as a denial', async () => {
    server.principal(ROLE, { identity: () => 'allowed', organizations: () => undefined });
    const outcome = await probeCanary(client(), probe({ mustStillWork: [] }));
    expect(outcome.ok).toBe(false);
    expect(outcome.results.every((r) => r.allowedByOrganizations === undefined && !r.ok)).toBe(true);
    expect(outcome.problems[0]).toContain("IAM gave no Organizations decision (is the principal's account in the organization?)");
  });

  it('follows pages (IAM may return fewer than MaxItems) and splits long action lists into batches', async () => {
    const many = Array.from({ length: 7 }, (_, i) => `ec2:Action${i}`);
    server.principal(ROLE, denies(many));
    server.pageSize(2);
    const outcome = await probeCanary(client(), probe({ mustBeDenied: many, mustStillWork: ['s3:GetObject'] }), { batchSize: 5 });
    expect(outcome.ok).toBe(true);
    expect(outcome.results).toHaveLength(8);
    const batches = server.calls.filter((c) => !c.marker);
    expect(batches.map((c) => c.actions.length)).toEqual([5, 3]);
    // 5 results in pages of 2, then 3: three calls and two.
    expect(server.calls.length).toBe(5);
    expect(server.calls.filter((c) => c.marker).map((c) => c.marker)).toEqual(['2', '4', '2']);
  });

  it('judges every resource: one result per action with per-resource results, or one result per resource', async () => {
    const bucket = 'arn:aws:s3:::data/key';
    const other = 'arn:aws:s3:::public/key';
    server.principal(ROLE, { identity: (_a, r) => (r === other ? 'implicitDeny' : 'allowed'), organizations: () => true });
    for (const legacy of [false, true]) {
      server.perResourceResults(legacy);
      const outcome = await probeCanary(client(), probe({ mustBeDenied: [], mustStillWork: ['s3:GetObject'], resources: [bucket, other] }));
      expect(outcome.ok).toBe(false);
      expect(outcome.results).toHaveLength(1);
      expect(outcome.results[0]).toMatchObject({ action: 's3:GetObject', decision: 'implicitDeny', resources: [{ resource: bucket, decision: 'allowed' }] });
      expect(server.calls.at(-1)!.resources).toEqual([bucket, other]);
    }
  });

  it('retries throttling and server errors with growing, jittered waits', async () => {
    server.principal(ROLE, denies(['iam:CreateUser', 'iam:CreateAccessKey']));
    server.failNext(2);
    server.failNext(1, 'ServiceFailure', 500);
    const { sleep, waits } = recordedSleep();
    const outcome = await probeCanary(client(), probe(), { sleep, random: () => 0.999, baseDelayMs: 100 });
    expect(outcome.ok).toBe(true);
    expect(waits).toEqual([99, 199, 399]);
  });

  it('gives up on throttling after the attempts it was given, with a structured error', async () => {
    server.principal(ROLE, denies([]));
    server.failNext(4);
    const before = server.requests;
    const { sleep } = recordedSleep();
    const error = await probeCanary(client(), probe(), { sleep, attempts: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanaryError);
    expect(error).toMatchObject({ code: 'Throttling', operation: 'SimulatePrincipalPolicy', principal: ROLE, attempts: 3 });
    expect(server.requests - before).toBe(3);
    // The fourth injected failure is still queued: drain it.
    await probeCanary(client(), probe({ mustBeDenied: [], mustStillWork: ['s3:GetObject'] }), { sleep });
  });

  it('does not retry a refusal: an unknown principal is one clear line', async () => {
    const before = server.requests;
    const ghost = 'arn:aws:iam::333333333333:role/Ghost';
    const error = (await probeCanary(client(), probe({ principal: ghost })).catch((e: unknown) => e)) as CanaryError;
    expect(error).toBeInstanceOf(CanaryError);
    expect(error.code).toBe('NoSuchEntityException');
    expect(error.attempts).toBe(1);
    expect(error.requestId).toBe('local-error');
    expect(error.message).toContain("give the canary an assumeRole in its account");
    expect(error.message).not.toContain('\n');
    expect(server.requests - before).toBe(1);
  });

  it('refuses a session ARN before asking IAM', async () => {
    const before = server.requests;
    await expect(probeCanary(client(), probe({ principal: 'arn:aws:sts::333333333333:assumed-role/AppDeployer/session' }))).rejects.toMatchObject({ code: 'InvalidPrincipal', operation: 'input' });
    expect(server.requests).toBe(before);
  });

  it('reports an action both newly denied and required to work', async () => {
    server.principal(ROLE, denies(['iam:CreateUser', 'iam:CreateAccessKey']));
    const outcome = await probeCanary(client(), probe({ mustStillWork: ['IAM:CreateUser', 's3:PutObject'] }));
    expect(outcome.ok).toBe(false);
    expect(outcome.problems).toEqual([`iam:CreateUser is both newly denied by this change and in the canary's mustStillWork for ${ROLE}: the change breaks what must keep working`]);
  });

  it('labels RCP probes decided by the local engine', async () => {
    server.principal(ROLE, denies(['iam:CreateUser', 'iam:CreateAccessKey']));
    const asked: string[] = [];
    const outcome = await probeCanary(client(), {
      ...probe(),
      resources: ['arn:aws:s3:::data/key'],
      local: {
        mustBeDenied: ['s3:GetObject'],
        mustStillWork: ['sqs:SendMessage'],
        decide: (action, resource) => {
          asked.push(`${action} ${resource}`);
          return action === 's3:GetObject' ? { allowedByOrganizations: false, decision: 'explicitDeny' } : { allowedByOrganizations: true, decision: 'allowed' };
        },
      },
    });
    expect(outcome.ok).toBe(true);
    expect(outcome.results.filter((r) => r.engine === 'local').map((r) => [r.action, r.want, r.ok])).toEqual([
      ['sqs:SendMessage', 'allowed', true],
      ['s3:GetObject', 'denied', true],
    ]);
    expect(asked).toEqual(['sqs:SendMessage arn:aws:s3:::data/key', 's3:GetObject arn:aws:s3:::data/key']);
    // The local probes are never sent to IAM.
    expect(server.calls.flatMap((c) => c.actions)).not.toContain('sqs:SendMessage');
  });
});

describe('watchCanary', () => {
  it('polls until enforcement arrives and measures the propagation time from the wave\'s end', async () => {
    let clock = 1_000_000;
    let answered = 0;
    // Organizations deny the new actions from the third answer on.
    server.principal(ROLE, { identity: () => 'allowed', organizations: (a) => !(answered >= 2 && a.startsWith('iam:')) });
    const polls: number[] = [];
    const watch = await watchCanary(client(), probe(), {
      since: clock,
      timeoutMs: 600_000,
      everyMs: 30_000,
      now: () => clock,
      sleep: async (ms) => {
        answered++;
        clock += ms;
      },
      onPoll: (p) => polls.push(p.elapsedMs),
    });
    expect(watch).toMatchObject({ ok: true, polls: 3, propagationMs: 60_000, interrupted: false });
    expect(polls).toEqual([0, 30_000, 60_000]);
  });

  it('ends at the timeout with the last problems when enforcement never arrives', async () => {
    let clock = 0;
    server.principal(ROLE, denies([]));
    const watch = await watchCanary(client(), probe(), { since: 0, timeoutMs: 100_000, everyMs: 30_000, now: () => clock, sleep: async (ms) => void (clock += ms) });
    expect(watch.ok).toBe(false);
    expect(watch.propagationMs).toBeUndefined();
    // 0, 30, 60, 90 and the last one at 100 s.
    expect(watch.polls).toBe(5);
    expect(watch.last.problems).toHaveLength(2);
  });

  it('stops when interrupted', async () => {
    server.principal(ROLE, denies([]));
    const stop = new AbortController();
    const watch = await watchCanary(client(), probe(), {
      since: Date.now(),
      timeoutMs: 600_000,
      everyMs: 60_000,
      signal: stop.signal,
      onPoll: () => stop.abort(new Error('interrupted')),
    });
    expect(watch).toMatchObject({ ok: false, interrupted: true, polls: 1 });
  });

  it('stops when interrupted while IAM has not answered yet', async () => {
    const stop = new AbortController();
    const hanging: IamApi = {
      send: (_command, options) =>
        new Promise((_resolve, reject) => {
          options?.abortSignal?.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
          setTimeout(() => stop.abort(), 20);
        }),
    };
    const watch = await watchCanary(hanging, probe(), { since: Date.now(), timeoutMs: 600_000, everyMs: 60_000, signal: stop.signal });
    expect(watch).toMatchObject({ ok: false, interrupted: true, polls: 0 });
  });
});

describe('the canary\'s IAM client', () => {
  it('assumes the canary\'s role when it names one, and says so when that fails', async () => {
    const asked: (string | undefined)[] = [];
    const fake: IamApi = { send: async () => ({}) };
    const factory = async (role?: string) => {
      asked.push(role);
      if (role?.endsWith('/Denied')) throw Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' });
      return fake;
    };
    expect(await canaryClient(factory, { wave: 'canary', principal: ROLE, assumeRole: 'arn:aws:iam::333333333333:role/Probe' })).toBe(fake);
    expect(await canaryClient(factory, { wave: 'canary', principal: ROLE })).toBe(fake);
    const error = await canaryClient(factory, { wave: 'canary', principal: ROLE, assumeRole: 'arn:aws:iam::333333333333:role/Denied' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AccessDenied', operation: 'AssumeRole' });
    expect((error as Error).message).toMatch(/^canary of wave canary: could not assume arn:aws:iam::333333333333:role\/Denied/);
    expect(asked).toEqual(['arn:aws:iam::333333333333:role/Probe', undefined, 'arn:aws:iam::333333333333:role/Denied']);
  });

  it('sends the probe\'s context and resources as SimulatePrincipalPolicy input (aws-sdk-client-mock)', async () => {
    const mock = mockClient(IAMClient);
    mock.on(SimulatePrincipalPolicyCommand).resolves({
      IsTruncated: false,
      EvaluationResults: [{ EvalActionName: 'iam:CreateUser', EvalDecision: 'explicitDeny', OrganizationsDecisionDetail: { AllowedByOrganizations: false } }],
    });
    const iam = new IAMClient({ region: 'us-east-1' });
    const outcome = await probeCanary(iam, { principal: ROLE, mustBeDenied: ['iam:CreateUser'], mustStillWork: [], context: [{ key: 'aws:SecureTransport', values: ['true'], type: 'boolean' }] });
    expect(outcome.ok).toBe(true);
    const input = mock.commandCalls(SimulatePrincipalPolicyCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ PolicySourceArn: ROLE, ActionNames: ['iam:CreateUser'], ContextEntries: [{ ContextKeyName: 'aws:SecureTransport', ContextKeyValues: ['true'], ContextKeyType: 'boolean' }] });
    expect(input.ResourceArns).toBeUndefined();
    mock.restore();
  });
});
