/**
 * Who runs the rollout (sts:GetCallerIdentity, with aws-sdk-client-mock: moto's STS answers one fixed
 * identity) and the policy types it needs, against a real moto_server: refused without
 * --enable-policy-types, enabled and waited for with it, never disabled.
 */
import { CreateOrganizationCommand, ListRootsCommand, type ListRootsResponse } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OrganizationsApi } from '../../src/org/index.js';
import { callerIdentity, ensurePolicyTypes } from '../../src/rollout/preflight.js';
import { startMoto, type Moto } from '../support/moto.js';

describe('callerIdentity', () => {
  const sts = mockClient(STSClient);
  afterAll(() => sts.restore());

  it('names the role of a role session as policies name it (aws:PrincipalArn)', async () => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: '222222222201', Arn: 'arn:aws:sts::222222222201:assumed-role/GuardrailsRollout/gha-1234', UserId: 'AROAEXAMPLE:gha-1234' });
    expect(await callerIdentity(new STSClient({ region: 'us-east-1' }))).toEqual({
      account: '222222222201',
      arn: 'arn:aws:sts::222222222201:assumed-role/GuardrailsRollout/gha-1234',
      userId: 'AROAEXAMPLE:gha-1234',
      roleArn: 'arn:aws:iam::222222222201:role/GuardrailsRollout',
    });
  });

  it('gives no role for an IAM user, and keeps the partition of the session', async () => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolvesOnce({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/admin', UserId: 'AIDAEXAMPLE' }).resolvesOnce({ Account: '111111111111', Arn: 'arn:aws-us-gov:sts::111111111111:assumed-role/Ops/s', UserId: 'AROA:s' });
    const client = new STSClient({ region: 'us-east-1' });
    const user = await callerIdentity(client);
    expect(user).toEqual({ account: '111111111111', arn: 'arn:aws:iam::111111111111:user/admin', userId: 'AIDAEXAMPLE' });
    expect((await callerIdentity(client)).roleArn).toBe('arn:aws-us-gov:iam::111111111111:role/Ops');
  });

  it('fails with what is missing when STS answers without an account', async () => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::111111111111:user/admin', UserId: 'AIDA' });
    await expect(callerIdentity(new STSClient({ region: 'us-east-1' }))).rejects.toThrow('sts:GetCallerIdentity answered without Account');
  });
});

describe('ensurePolicyTypes (moto_server)', () => {
  let moto: Moto;
  let rootId: string;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    await moto.client().send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    rootId = (await moto.client().send(new ListRootsCommand({}))).Roots![0]!.Id!;
  });

  /** The client, recording every command it sends; `pending` ListRoots answers show the type still enabling. */
  function recording(pending = 0): { client: OrganizationsApi; sent: string[] } {
    const real = moto.client();
    const sent: string[] = [];
    let listed = 0;
    return {
      sent,
      client: {
        send: async (command: unknown) => {
          sent.push((command as object).constructor.name.replace(/Command$/, ''));
          const answer = await real.send(command as ListRootsCommand);
          if (command instanceof ListRootsCommand && listed++ < pending) {
            for (const r of (answer as ListRootsResponse).Roots ?? []) for (const t of r.PolicyTypes ?? []) t.Status = 'PENDING_ENABLE';
          }
          return answer;
        },
      },
    };
  }

  const enabledInMoto = async () => ((await moto.client().send(new ListRootsCommand({}))).Roots![0]!.PolicyTypes ?? []).filter((t) => t.Status === 'ENABLED').map((t) => t.Type);
  const poll = { timeoutMs: 10_000, intervalMs: 1_000, sleep: async () => {} };

  it('without --enable-policy-types refuses, naming the flag, and writes nothing', async () => {
    const { client, sent } = recording();
    const r = await ensurePolicyTypes(client, { rootId, needed: ['scp', 'rcp'], enabled: [], enable: false, poll });
    expect(r).toEqual({
      ok: false,
      reason: `the plan attaches SCPs and RCPs, but the SCP (SERVICE_CONTROL_POLICY) and RCP (RESOURCE_CONTROL_POLICY) policy types are not enabled at root ${rootId}: run again with --enable-policy-types to enable them (guardrails never disables a policy type)`,
    });
    expect(sent).toEqual([]);
    expect(await enabledInMoto()).toEqual([]);
  });

  it('with it, enables what is missing, waits until the root lists it ENABLED, and reports the types in force', async () => {
    const { client, sent } = recording(2);
    const r = await ensurePolicyTypes(client, { rootId, needed: ['rcp'], enabled: [], enable: true, poll });
    expect(r).toEqual({ ok: true, enabled: ['rcp'] });
    expect(sent).toEqual(['EnablePolicyType', 'ListRoots', 'ListRoots', 'ListRoots']);
    expect(await enabledInMoto()).toEqual(['RESOURCE_CONTROL_POLICY']);
  });

  it('takes a type enabled meanwhile by someone else as done', async () => {
    const { client } = recording();
    expect(await ensurePolicyTypes(client, { rootId, needed: ['scp'], enabled: [], enable: true, poll })).toEqual({ ok: true, enabled: ['scp'] });
    // The caller's view is stale: SCPs are enabled now, AWS answers PolicyTypeAlreadyEnabledException.
    const again = recording();
    expect(await ensurePolicyTypes(again.client, { rootId, needed: ['scp'], enabled: [], enable: true, poll })).toEqual({ ok: true, enabled: ['scp'] });
    expect(again.sent).toEqual(['EnablePolicyType', 'ListRoots']);
  });

  it('gives up after the timeout when the type stays PENDING_ENABLE, saying so', async () => {
    const { client, sent } = recording(Number.POSITIVE_INFINITY);
    const r = await ensurePolicyTypes(client, { rootId, needed: ['rcp'], enabled: [], enable: true, poll: { timeoutMs: 3_000, intervalMs: 1_000, sleep: async () => {} } });
    expect(r).toEqual({ ok: false, reason: `enabling policy types at root ${rootId}: after 3 s RCP (RESOURCE_CONTROL_POLICY) is PENDING_ENABLE; run again later (the enabling goes on in AWS)` });
    expect(sent.filter((s) => s === 'ListRoots')).toHaveLength(4);
  });

  it('does nothing when every needed type is enabled, and leaves a type it does not need enabled', async () => {
    await ensurePolicyTypes(moto.client(), { rootId, needed: ['scp', 'rcp'], enabled: [], enable: true, poll });
    const { client, sent } = recording();
    expect(await ensurePolicyTypes(client, { rootId, needed: ['scp'], enabled: ['scp', 'rcp'], enable: true, poll })).toEqual({ ok: true, enabled: ['scp', 'rcp'] });
    expect(sent).toEqual([]);
    expect((await enabledInMoto()).sort()).toEqual(['RESOURCE_CONTROL_POLICY', 'SERVICE_CONTROL_POLICY']);
  });

  it('reports a refused EnablePolicyType with its error name', async () => {
    const r = await ensurePolicyTypes(moto.client(), { rootId: 'r-none', needed: ['rcp'], enabled: [], enable: true, poll });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^EnablePolicyType RCP \(RESOURCE_CONTROL_POLICY\) at root r-none failed: \w+/);
  });
});
