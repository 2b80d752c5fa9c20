import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CanaryError, canaryClient, probeCanary } from '../../src/rollout/canary.js';
import { iamClientFactory, type AssumeRole } from '../../src/rollout/iam-clients.js';
import { startIamPrincipalServer, type IamPrincipalServer } from '../support/iam-principal-server.js';

const ROLE = 'arn:aws:iam::333333333333:role/AppDeployer';
const PROBE_ROLE = 'arn:aws:iam::333333333333:role/GuardrailsProbe';
let server: IamPrincipalServer;
beforeAll(async () => {
  server = await startIamPrincipalServer();
  server.principal(ROLE, { identity: () => 'allowed', organizations: (a) => a !== 'iam:CreateUser' });
});
afterAll(() => server.close());

const env = () => ({ AWS_ACCESS_KEY_ID: 'AKIDROLLOUT', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_IAM: server.url });
const probe = { principal: ROLE, mustBeDenied: ['iam:CreateUser'], mustStillWork: ['s3:PutObject'] };

describe('iamClientFactory', () => {
  it('probes a canary in another account with the credentials of the role it assumed there, renewed when they are about to expire', async () => {
    const assumed: { role: string; session: string }[] = [];
    let lifetime = 60 * 60_000;
    const assumeRole: AssumeRole = async (role, session) => {
      assumed.push({ role, session });
      return { accessKeyId: `ASIA${assumed.length}`, secretAccessKey: 's', sessionToken: 't', expiration: new Date(Date.now() + lifetime) };
    };
    const factory = iamClientFactory(env(), assumeRole, { sessionName: 'guardrails-canary-run1' });
    const iam = await canaryClient(factory, { wave: 'canary', principal: ROLE, assumeRole: PROBE_ROLE });
    // Assumed when asked for, before any probe.
    expect(assumed).toEqual([{ role: PROBE_ROLE, session: 'guardrails-canary-run1' }]);
    server.calls.length = 0;
    expect((await probeCanary(iam, probe)).ok).toBe(true);
    expect((await probeCanary(iam, probe)).ok).toBe(true);
    expect(assumed).toHaveLength(1);
    expect(server.calls.map((c) => c.accessKeyId)).toEqual(['ASIA1', 'ASIA1']);
    expect(await factory(PROBE_ROLE)).toBe(iam);
    // A session with 2 minutes left is renewed at the next call.
    const short = iamClientFactory(env(), async (role, session) => {
      lifetime = 2 * 60_000;
      return assumeRole(role, session);
    });
    const shortLived = await short(PROBE_ROLE);
    const before = assumed.length;
    expect((await probeCanary(shortLived, probe)).ok).toBe(true);
    expect(assumed.length).toBeGreaterThan(before);
  });

  it("without a role, one client with the rollout's own credentials", async () => {
    let asked = 0;
    const factory = iamClientFactory(env(), async () => (asked++, { accessKeyId: 'x', secretAccessKey: 'y', sessionToken: 'z' }));
    const iam = await factory();
    expect(await factory()).toBe(iam);
    server.calls.length = 0;
    expect((await probeCanary(iam, probe)).ok).toBe(true);
    expect(server.calls.map((c) => c.accessKeyId)).toEqual(['AKIDROLLOUT']);
    expect(asked).toBe(0);
  });

  it('a role that cannot be assumed is reported as such, and asked again next time', async () => {
    let fail = true;
    const factory = iamClientFactory(env(), async () => {
      if (fail) throw Object.assign(new Error('User: arn:aws:sts::111111111111:assumed-role/rollout/x is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' });
      return { accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't' };
    });
    const error = await canaryClient(factory, { wave: 'canary', principal: ROLE, assumeRole: PROBE_ROLE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CanaryError);
    expect(error).toMatchObject({ code: 'AccessDenied', operation: 'AssumeRole' });
    fail = false;
    const iam = await canaryClient(factory, { wave: 'canary', principal: ROLE, assumeRole: PROBE_ROLE });
    expect((await probeCanary(iam, probe)).ok).toBe(true);
  });
});
