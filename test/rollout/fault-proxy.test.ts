/**
 * The fault proxy in front of a real moto_server, through the real @aws-sdk/client-organizations:
 * each injected fault reaches the SDK as the exception AWS would send (and the SDK retries exactly
 * the ones it retries against AWS); a lost answer leaves the write applied; every refusal AWS makes
 * and moto does not is made by the proxy, next to proof that moto alone accepts it (so the test fails
 * when moto changes); hooks run at the k-th write of a real process; and the auditor trips on what
 * breaks a guarantee and stays quiet on an ordinary sequence of writes.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  AttachPolicyCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DetachPolicyCommand,
  DisablePolicyTypeCommand,
  EnablePolicyTypeCommand,
  ListPoliciesCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  UpdatePolicyCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OrgTree } from '../../src/model/org-tree.js';
import { OWNER_TAG } from '../../src/org/index.js';
import { DEFAULT_QUOTA_PROFILE, quotaProfile } from '../../src/policy/quotas.js';
import { startFaultProxy, type FaultKind, type FaultProxy } from '../support/fault-proxy.js';
import { buildOrganization, startMoto, type IdMap, type Moto } from '../support/moto.js';
import { PROJECT_ROOT } from '../support/paths.js';

type AwsType = 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY';
const SCP: AwsType = 'SERVICE_CONTROL_POLICY';
const RCP: AwsType = 'RESOURCE_CONTROL_POLICY';
const quotas = quotaProfile(DEFAULT_QUOTA_PROFILE)!;

let moto: Moto;
let proxy: FaultProxy;
/** moto without the proxy: what moto alone does. */
let direct: OrganizationsClient;
/** Through the proxy, the SDK's own retries off. */
let once1: OrganizationsClient;
let ids: IdMap;
let root: string;
let unique = 0;

function tree(): OrgTree {
  const t = new OrgTree('Root', 'r-intent');
  const prod = t.add({ kind: 'ou', name: 'Prod', id: 'ou-intent-prod', parent: t.root });
  const dev = t.add({ kind: 'ou', name: 'Dev', id: 'ou-intent-dev', parent: t.root });
  t.add({ kind: 'account', name: 'prod-a', id: '111111111111', parent: prod });
  t.add({ kind: 'account', name: 'prod-b', id: '222222222222', parent: prod });
  t.add({ kind: 'account', name: 'dev-a', id: '333333333333', parent: dev });
  return t;
}

function content(type: AwsType, action = 's3:DeleteBucket'): string {
  const statement = type === SCP ? { Effect: 'Deny', Action: action, Resource: '*' } : { Effect: 'Deny', Principal: '*', Action: action, Resource: '*' };
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
}

async function createPolicy(client: OrganizationsClient, type: AwsType, options: { name?: string; owned?: boolean; text?: string } = {}): Promise<string> {
  const name = options.name ?? `guardrails-test-${++unique}`;
  const created = await client.send(
    new CreatePolicyCommand({ Name: name, Type: type, Description: 'test', Content: options.text ?? content(type, `s3:Delete${unique}`), ...(options.owned ? { Tags: [{ Key: OWNER_TAG.key, Value: OWNER_TAG.value }] } : {}) }),
  );
  return created.Policy!.PolicySummary!.Id!;
}

async function freshOu(): Promise<string> {
  return (await direct.send(new CreateOrganizationalUnitCommand({ ParentId: root, Name: `scratch-${++unique}` }))).OrganizationalUnit!.Id!;
}

async function attachedAt(target: string, type: AwsType): Promise<string[]> {
  return ((await direct.send(new ListPoliciesForTargetCommand({ TargetId: target, Filter: type }))).Policies ?? []).map((p) => p.Id!).sort();
}

async function policyNames(type: AwsType): Promise<string[]> {
  return ((await direct.send(new ListPoliciesCommand({ Filter: type }))).Policies ?? []).map((p) => p.Name!);
}

/** The error a call fails with (the test fails when it succeeds). */
async function failure(p: Promise<unknown>): Promise<{ name: string; Reason?: string; $metadata?: { httpStatusCode?: number; attempts?: number }; $retryable?: unknown; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as never;
  }
  throw new Error('the call succeeded where a failure was expected');
}

beforeAll(async () => {
  moto = await startMoto();
  direct = moto.client();
  proxy = await startFaultProxy(moto.endpoint, { quotas });
  once1 = proxy.client({ maxAttempts: 1 });
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

// Every test starts from the same small organization, so no test sees another's leftovers.
beforeEach(async () => {
  await moto.reset();
  ids = await buildOrganization(direct, tree(), { id: 'o-intent', managementAccount: '999999999999' });
  root = ids.get('r-intent')!;
  proxy.reset();
  proxy.auditor.clear();
  proxy.refuse = true;
  proxy.audit = false;
  proxy.enableLag = 0;
});

describe('injected faults', () => {
  const cases: [FaultKind, string, number][] = [
    ['throttle', 'TooManyRequestsException', 400],
    ['server-error', 'ServiceException', 500],
    ['unavailable', 'ServiceUnavailable', 503],
    ['concurrent-modification', 'ConcurrentModificationException', 400],
    ['policy-changes-in-progress', 'PolicyChangesInProgressException', 400],
  ];
  it.each(cases)('%s reaches the SDK as %s (HTTP %i), on the call it names only', async (fault, name, status) => {
    const ou = await freshOu();
    const [p1, p2, p3] = [await createPolicy(direct, SCP), await createPolicy(direct, SCP), await createPolicy(direct, SCP)];
    const injected = proxy.inject({ operation: 'AttachPolicy', call: 2, fault });
    await once1.send(new AttachPolicyCommand({ PolicyId: p1, TargetId: ou }));
    const e = await failure(once1.send(new AttachPolicyCommand({ PolicyId: p2, TargetId: ou })));
    expect(e.name).toBe(name);
    expect(e.$metadata?.httpStatusCode).toBe(status);
    await once1.send(new AttachPolicyCommand({ PolicyId: p3, TargetId: ou }));
    expect(injected.fired).toBe(1);
    // The faulted call never reached moto.
    expect(await attachedAt(ou, SCP)).not.toContain(p2);
    expect(await attachedAt(ou, SCP)).toEqual(expect.arrayContaining([p1, p3]));
    expect(proxy.calls.filter((c) => c.operation === 'AttachPolicy').map((c) => [c.call, c.fault, c.status, c.landed])).toEqual([
      [1, undefined, 200, true],
      [2, fault, status, false],
      [3, undefined, 200, true],
    ]);
  });

  it('the SDK retries throttling and 5xx by itself, and not ConcurrentModification or PolicyChangesInProgress, as against AWS', async () => {
    const twice = proxy.client({ maxAttempts: 2 });
    for (const fault of ['throttle', 'server-error', 'unavailable'] as const) {
      proxy.inject({ operation: 'ListRoots', call: (proxy.counts.byOperation.ListRoots ?? 0) + 1, fault });
      const answer = await twice.send(new ListRootsCommand({}));
      expect(answer.$metadata.attempts, fault).toBe(2);
    }
    for (const fault of ['concurrent-modification', 'policy-changes-in-progress'] as const) {
      proxy.inject({ operation: 'ListRoots', call: (proxy.counts.byOperation.ListRoots ?? 0) + 1, fault });
      const e = await failure(twice.send(new ListRootsCommand({})));
      expect(e.$metadata?.attempts, fault).toBe(1);
    }
  });

  it('a predicate picks every call it matches, up to `times`', async () => {
    const ou = await freshOu();
    const [p1, p2] = [await createPolicy(direct, SCP), await createPolicy(direct, SCP)];
    const injected = proxy.inject({ operation: 'AttachPolicy', when: (b) => b.PolicyId === p2, fault: 'concurrent-modification', times: 2 });
    await once1.send(new AttachPolicyCommand({ PolicyId: p1, TargetId: ou }));
    expect((await failure(once1.send(new AttachPolicyCommand({ PolicyId: p2, TargetId: ou })))).name).toBe('ConcurrentModificationException');
    expect((await failure(once1.send(new AttachPolicyCommand({ PolicyId: p2, TargetId: ou })))).name).toBe('ConcurrentModificationException');
    await once1.send(new AttachPolicyCommand({ PolicyId: p2, TargetId: ou }));
    expect(injected.fired).toBe(2);
    expect(await attachedAt(ou, SCP)).toEqual(expect.arrayContaining([p1, p2]));
  });

  it('a stale read answers what the same read answered before the write', async () => {
    const ou = await freshOu();
    const p = await createPolicy(direct, SCP);
    const read = async () => ((await once1.send(new ListPoliciesForTargetCommand({ TargetId: ou, Filter: SCP }))).Policies ?? []).map((x) => x.Id).sort();
    const before = await read();
    await once1.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou }));
    proxy.inject({ operation: 'ListPoliciesForTarget', call: 2, fault: 'stale-read' });
    expect(await read()).toEqual(before);
    expect(await read()).toEqual([...before, p].sort());
  });

  it('enableLag: a type just enabled is PENDING_ENABLE for that many ListRoots, and attaching it is refused until then', async () => {
    await direct.send(new DisablePolicyTypeCommand({ RootId: root, PolicyType: RCP }));
    const ou = await freshOu();
    const p = await createPolicy(direct, RCP);
    proxy.enableLag = 2;
    const status = (r: { PolicyTypes?: { Type?: string; Status?: string }[] } | undefined) => r?.PolicyTypes?.find((t) => t.Type === RCP)?.Status;
    expect(status((await once1.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: RCP }))).Root)).toBe('PENDING_ENABLE');
    expect((await failure(once1.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou })))).name).toBe('PolicyTypeNotEnabledException');
    const polls: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) polls.push(status((await once1.send(new ListRootsCommand({}))).Roots?.[0]));
    expect(polls).toEqual(['PENDING_ENABLE', 'PENDING_ENABLE', 'ENABLED']);
    await once1.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou }));
    expect(await attachedAt(ou, RCP)).toContain(p);
  });

  it('a delay holds the call, which then goes through', async () => {
    const ou = await freshOu();
    const p = await createPolicy(direct, SCP);
    proxy.inject({ operation: 'AttachPolicy', call: 1, fault: 'delay', delayMs: 50 });
    await once1.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou }));
    expect(proxy.calls.at(-1)).toMatchObject({ operation: 'AttachPolicy', fault: 'delay', status: 200, landed: true });
    expect(await attachedAt(ou, SCP)).toContain(p);
  });
});

describe('an answer lost after the write landed', () => {
  it.each(['lost-answer', 'lost-answer-500'] as const)('%s: the client sees an error, moto holds the write', async (fault) => {
    const name = `guardrails-lost-${++unique}`;
    proxy.inject({ operation: 'CreatePolicy', call: 1, fault });
    const e = await failure(once1.send(new CreatePolicyCommand({ Name: name, Type: SCP, Description: 'lost', Content: content(SCP) })));
    // What an executor meets: a network error with no status, or a 500 whose body names no exception.
    if (fault === 'lost-answer-500') expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['Unknown', 500]);
    else expect([e.name, e.message, e.$metadata?.httpStatusCode]).toEqual(['TimeoutError', 'socket hang up', undefined]);
    expect(await policyNames(SCP)).toContain(name);
    expect(proxy.calls.at(-1)).toMatchObject({ operation: 'CreatePolicy', fault, landed: true });
  });

  it("the SDK's own retry of a landed attach meets DuplicatePolicyAttachmentException, as against AWS", async () => {
    const ou = await freshOu();
    const p = await createPolicy(direct, SCP);
    proxy.inject({ operation: 'AttachPolicy', call: 1, fault: 'lost-answer-500' });
    const e = await failure(proxy.client({ maxAttempts: 3 }).send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou })));
    expect(e.name).toBe('DuplicatePolicyAttachmentException');
    expect(proxy.calls.map((c) => [c.operation, c.landed, c.refused])).toEqual([
      ['AttachPolicy', true, undefined],
      ['AttachPolicy', false, 'DuplicatePolicyAttachmentException'],
    ]);
    expect(await attachedAt(ou, SCP)).toContain(p);
  });
});

describe("AWS's refusals that moto lacks", () => {
  it('a duplicate attachment', async () => {
    const ou = await freshOu();
    const p = await createPolicy(direct, SCP);
    await direct.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou }));
    await direct.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou })); // moto alone accepts
    expect((await failure(once1.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou })))).name).toBe('DuplicatePolicyAttachmentException');
  });

  it('a detach of an absent attachment', async () => {
    const ou = await freshOu();
    const p = await createPolicy(direct, SCP);
    await direct.send(new DetachPolicyCommand({ PolicyId: p, TargetId: ou })); // moto alone accepts
    expect((await failure(once1.send(new DetachPolicyCommand({ PolicyId: p, TargetId: ou })))).name).toBe('PolicyNotAttachedException');
  });

  it('a detach of the last SCP of a root, an OU or an account', async () => {
    const fullAccess = (await attachedAt(root, SCP))[0]!;
    const ou = await freshOu();
    await direct.send(new DetachPolicyCommand({ PolicyId: fullAccess, TargetId: ou })); // moto alone accepts
    expect(await attachedAt(ou, SCP)).toEqual([]);
    await direct.send(new AttachPolicyCommand({ PolicyId: fullAccess, TargetId: ou }));
    for (const target of [root, ou, ids.get('333333333333')!]) {
      expect(await attachedAt(target, SCP), target).toEqual([fullAccess]);
      const e = await failure(once1.send(new DetachPolicyCommand({ PolicyId: fullAccess, TargetId: target })));
      expect([e.name, e.Reason], target).toEqual(['ConstraintViolationException', 'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED']);
      expect(await attachedAt(target, SCP)).toEqual([fullAccess]);
    }
    // With a second SCP there, FullAWSAccess may go.
    const p = await createPolicy(direct, SCP);
    await once1.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou }));
    await once1.send(new DetachPolicyCommand({ PolicyId: fullAccess, TargetId: ou }));
    expect(await attachedAt(ou, SCP)).toEqual([p]);
  });

  it('a detach of RCPFullAWSAccess', async () => {
    const ou = await freshOu();
    const rcpFull = (await attachedAt(ou, RCP))[0]!;
    const p = await createPolicy(direct, RCP);
    await direct.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou }));
    const e = await failure(once1.send(new DetachPolicyCommand({ PolicyId: rcpFull, TargetId: ou })));
    expect([e.name, e.Reason]).toEqual(['ConstraintViolationException', 'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED']);
    await direct.send(new DetachPolicyCommand({ PolicyId: rcpFull, TargetId: ou })); // moto alone accepts
    expect(await attachedAt(ou, RCP)).toEqual([p]);
  });

  it.each([
    [SCP, quotas.scp.maxPerTarget],
    [RCP, quotas.rcp.maxPerTarget],
  ] as const)('an attach over the per-target slots of %s (%i, the AWS-managed policy counting)', async (type, max) => {
    const ou = await freshOu();
    // The AWS-managed full-access policy already holds one slot.
    for (let i = 1; i < max; i++) await once1.send(new AttachPolicyCommand({ PolicyId: await createPolicy(direct, type), TargetId: ou }));
    expect((await attachedAt(ou, type)).length).toBe(max);
    const extra = await createPolicy(direct, type);
    const e = await failure(once1.send(new AttachPolicyCommand({ PolicyId: extra, TargetId: ou })));
    expect([e.name, e.Reason]).toEqual(['ConstraintViolationException', 'MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED']);
    await direct.send(new AttachPolicyCommand({ PolicyId: extra, TargetId: ou })); // moto alone accepts
    expect((await attachedAt(ou, type)).length).toBe(max + 1);
  });

  it('a rename onto a name taken in the same type', async () => {
    const taken = `guardrails-taken-${++unique}`;
    await createPolicy(direct, SCP, { name: taken });
    const p = await createPolicy(direct, SCP);
    const q = await createPolicy(direct, SCP);
    await direct.send(new UpdatePolicyCommand({ PolicyId: q, Name: taken })); // moto alone accepts
    expect((await policyNames(SCP)).filter((n) => n === taken)).toHaveLength(2);
    expect((await failure(once1.send(new UpdatePolicyCommand({ PolicyId: p, Name: taken })))).name).toBe('DuplicatePolicyException');
    // Renaming a policy to its own name, or content alone, is no clash.
    await once1.send(new UpdatePolicyCommand({ PolicyId: p, Content: content(SCP, 's3:PutObject') }));
  });

  it('a create onto a name taken in the same type (moto refuses it as well)', async () => {
    const taken = `guardrails-taken-${++unique}`;
    await createPolicy(direct, SCP, { name: taken });
    expect((await failure(createPolicy(direct, SCP, { name: taken }))).name).toBe('DuplicatePolicyException');
    expect((await failure(createPolicy(once1, SCP, { name: taken }))).name).toBe('DuplicatePolicyException');
    expect(proxy.calls.at(-1)?.refused).toBe('DuplicatePolicyException');
  });

  it('moto refuses a create onto a name an RCP already holds: stricter than per type (AWS does not document which)', async () => {
    const shared = `guardrails-shared-${++unique}`;
    await createPolicy(direct, RCP, { name: shared });
    expect((await failure(createPolicy(direct, SCP, { name: shared }))).name).toBe('DuplicatePolicyException');
  });

  it('a delete of a policy still attached (moto refuses it as well)', async () => {
    const ou = await freshOu();
    const p = await createPolicy(direct, SCP);
    await direct.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou }));
    expect((await failure(direct.send(new DeletePolicyCommand({ PolicyId: p })))).name).toBe('PolicyInUseException');
    expect((await failure(once1.send(new DeletePolicyCommand({ PolicyId: p })))).name).toBe('PolicyInUseException');
    expect(proxy.calls.at(-1)?.refused).toBe('PolicyInUseException');
  });

  it.each([
    [SCP, quotas.scp.maxChars],
    [RCP, quotas.rcp.maxChars],
  ] as const)('a %s over %i characters, on create and on update', async (type, max) => {
    const padded = (n: number) => {
      const base = content(type);
      return base.slice(0, -1) + ' '.repeat(n - base.length) + '}';
    };
    expect(padded(max + 1)).toHaveLength(max + 1);
    await createPolicy(direct, type, { text: padded(max + 1) }); // moto alone accepts
    const e = await failure(createPolicy(once1, type, { text: padded(max + 1) }));
    expect([e.name, e.Reason]).toEqual(['ConstraintViolationException', 'POLICY_CONTENT_LIMIT_EXCEEDED']);
    const p = await createPolicy(once1, type, { text: padded(max) });
    const u = await failure(once1.send(new UpdatePolicyCommand({ PolicyId: p, Content: padded(max + 1) })));
    expect([u.name, u.Reason]).toEqual(['ConstraintViolationException', 'POLICY_CONTENT_LIMIT_EXCEEDED']);
  });

  it('content that is not a JSON policy document', async () => {
    await createPolicy(direct, SCP, { text: 'not json' }); // moto alone accepts
    expect((await failure(createPolicy(once1, SCP, { text: 'not json' }))).name).toBe('MalformedPolicyDocumentException');
  });

  it('an attach of a policy whose type is not enabled at the root', async () => {
    const ou = await freshOu();
    const p = await createPolicy(direct, RCP);
    await direct.send(new DisablePolicyTypeCommand({ RootId: root, PolicyType: RCP }));
    try {
      const e = await failure(once1.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou })));
      expect(e.name).toBe('PolicyTypeNotEnabledException');
      await direct.send(new AttachPolicyCommand({ PolicyId: p, TargetId: ou })); // moto alone accepts
    } finally {
      await direct.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: RCP }));
    }
  });

  it('refusals off: moto answers, and what it accepts lands', async () => {
    proxy.refuse = false;
    const ou = await freshOu();
    const p = await createPolicy(direct, SCP);
    await once1.send(new DetachPolicyCommand({ PolicyId: p, TargetId: ou }));
    const call = proxy.calls.at(-1)!;
    expect([call.operation, call.refused, call.landed, call.status]).toEqual(['DetachPolicy', undefined, true, 200]);
  });
});

describe('hooks at the k-th write of a real process', () => {
  /** A child process that creates the named SCPs one by one through the proxy, SDK retries off. */
  function writer(names: string[]) {
    const script = `
      import { OrganizationsClient, CreatePolicyCommand } from '@aws-sdk/client-organizations';
      const c = new OrganizationsClient({ endpoint: process.env.AWS_ENDPOINT_URL_ORGANIZATIONS, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
      for (const Name of JSON.parse(process.env.NAMES)) await c.send(new CreatePolicyCommand({ Name, Type: 'SERVICE_CONTROL_POLICY', Description: 'w', Content: ${JSON.stringify(content(SCP))} }));
    `;
    return spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, env: { ...process.env, ...proxy.env, NAMES: JSON.stringify(names) }, stdio: 'ignore' });
  }

  it.each(['before', 'after'] as const)('killed %s write 2: write 2 lands only when killed after it, write 3 never comes', async (when) => {
    const names = [1, 2, 3].map(() => `guardrails-killed-${++unique}`);
    const child = writer(names);
    const exited = once(child, 'exit');
    let seen: number | undefined;
    proxy.onWrite(2, when, async (call) => {
      seen = call.write;
      child.kill('SIGKILL');
      await exited;
    });
    const [, signal] = (await exited) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    expect(seen).toBe(2);
    await proxy.idle();
    const present = await policyNames(SCP);
    expect(names.map((n) => present.includes(n))).toEqual([true, when === 'after', false]);
    expect(proxy.counts.writes).toBe(2);
    const last = proxy.calls.at(-1)!;
    expect([last.write, last.landed, last.clientGone, last.status]).toEqual([2, when === 'after', true, undefined]);
  });
});

describe('the auditor', () => {
  it('trips on a detach of the last SCP that the proxy lets through (audit-only)', async () => {
    proxy.refuse = false;
    proxy.audit = true;
    const ou = await freshOu();
    const fullAccess = (await attachedAt(ou, SCP))[0]!;
    await once1.send(new DetachPolicyCommand({ PolicyId: fullAccess, TargetId: ou }));
    expect(proxy.auditor.violations).toEqual([expect.stringMatching(new RegExp(`^after write 1 \\(DetachPolicy ${fullAccess} from ${ou}\\): OU ${ou} \\(scratch-\\d+\\) holds no SCP$`))]);
    await direct.send(new AttachPolicyCommand({ PolicyId: fullAccess, TargetId: ou }));
  });

  it('trips on a target over its slots', async () => {
    proxy.refuse = false;
    const ou = await freshOu();
    for (let i = 1; i < quotas.rcp.maxPerTarget; i++) await once1.send(new AttachPolicyCommand({ PolicyId: await createPolicy(direct, RCP), TargetId: ou }));
    proxy.audit = true;
    await once1.send(new AttachPolicyCommand({ PolicyId: await createPolicy(direct, RCP), TargetId: ou }));
    expect(proxy.auditor.violations).toEqual([expect.stringContaining(`OU ${ou} (scratch-${unique - quotas.rcp.maxPerTarget}) holds ${quotas.rcp.maxPerTarget + 1} RCPs, over its ${quotas.rcp.maxPerTarget} slots`)]);
  });

  it('trips when an owned policy reaching an account outside the wave changes, and on DisablePolicyType', async () => {
    proxy.audit = true;
    const prodA = ids.get('111111111111')!;
    const devA = ids.get('333333333333')!;
    const owned = await createPolicy(once1, SCP, { owned: true });
    await once1.send(new AttachPolicyCommand({ PolicyId: owned, TargetId: ids.get('ou-intent-dev')! }));
    await proxy.auditor.setWave([prodA, ids.get('222222222222')!]);
    await once1.send(new AttachPolicyCommand({ PolicyId: owned, TargetId: prodA }));
    expect(proxy.auditor.violations).toEqual([]);
    await once1.send(new UpdatePolicyCommand({ PolicyId: owned, Content: content(SCP, 'ec2:*') }));
    expect(proxy.auditor.violations).toEqual([expect.stringContaining(`account ${devA} is outside the wave but the owned policies reaching it changed (1 contents gone, 1 new)`)]);
    proxy.auditor.clear();
    await once1.send(new DetachPolicyCommand({ PolicyId: owned, TargetId: prodA }));
    await once1.send(new DetachPolicyCommand({ PolicyId: owned, TargetId: ids.get('ou-intent-dev')! }));
    await once1.send(new DeletePolicyCommand({ PolicyId: owned }));
    proxy.auditor.clear();
    await once1.send(new DisablePolicyTypeCommand({ RootId: root, PolicyType: RCP }));
    await direct.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: RCP }));
    expect(proxy.auditor.violations).toEqual([expect.stringContaining('DisablePolicyType detaches every policy of the type in AWS and must never be called')]);
  });

  it('stays quiet on an ordinary rollout of a wave, audited after every write', async () => {
    proxy.audit = true;
    const prod = ids.get('ou-intent-prod')!;
    const old = await createPolicy(direct, SCP, { owned: true, name: `guardrails-deny-${++unique}` });
    await direct.send(new AttachPolicyCommand({ PolicyId: old, TargetId: root }));
    // Push down from the root to the OUs, then a new version staged at Prod (the wave) beside the old one.
    await proxy.auditor.setWave(['111111111111', '222222222222'].map((a) => ids.get(a)!));
    const ous = [prod, ids.get('ou-intent-dev')!];
    for (const ou of ous) await once1.send(new AttachPolicyCommand({ PolicyId: old, TargetId: ou }));
    await once1.send(new DetachPolicyCommand({ PolicyId: old, TargetId: root }));
    const next = await createPolicy(once1, SCP, { owned: true, text: content(SCP, 's3:Delete*') });
    await once1.send(new AttachPolicyCommand({ PolicyId: next, TargetId: prod }));
    await once1.send(new DetachPolicyCommand({ PolicyId: old, TargetId: prod }));
    expect(proxy.counts).toMatchObject({ writes: 6, landed: 6 });
    expect(proxy.auditor.audits).toBe(6);
    expect(proxy.auditor.violations).toEqual([]);
  });
});
