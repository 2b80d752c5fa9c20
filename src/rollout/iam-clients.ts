/**
 * IAM clients for canary probes. SimulatePrincipalPolicy reads the principal's policies in the
 * account it is called in, so a canary in another account is probed with credentials of a role there,
 * obtained with sts:AssumeRole. The STS call itself is injected (`assumeRole`): the rollout already
 * holds an STS client for its caller identity, and tests pass a fake.
 *
 * The role is assumed when the client is asked for, not at its first call, so that a role that cannot
 * be assumed is reported as such (canaryClient) rather than as a failed probe. Its credentials are kept
 * until shortly before they expire: a 30-minute bake outlives the default one-hour session only
 * rarely, but a rollout of several waves in one process does not.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import type { IamApi, IamClientFactory } from './canary.js';
import { credentialsFromEnv } from '../aws/client-config.js';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

export type AssumeRole = (roleArn: string, sessionName: string) => Promise<TemporaryCredentials>;

export interface IamClientFactoryOptions {
  /** The session name the canary's role is assumed with (CloudTrail shows it): default guardrails-canary. */
  sessionName?: string;
}

/** Credentials are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60_000;

/**
 * Clients from the environment (AWS_ENDPOINT_URL_IAM or AWS_ENDPOINT_URL, keys or AWS_PROFILE, else
 * the SDK's default chain), one per role, each made once. The SDK makes one attempt per call: the
 * probes retry throttling themselves, and two layers of retries would multiply the waits.
 */
export function iamClientFactory(env: NodeJS.ProcessEnv, assumeRole: AssumeRole, options: IamClientFactoryOptions = {}): IamClientFactory {
  const sessionName = options.sessionName ?? 'guardrails-canary';
  const endpoint = env.AWS_ENDPOINT_URL_IAM ?? env.AWS_ENDPOINT_URL;
  const common = { region: 'us-east-1', maxAttempts: 1, ...(endpoint ? { endpoint } : {}) };
  let own: IAMClient | undefined;
  const byRole = new Map<string, Promise<IamApi>>();
  return (roleArn) => {
    if (!roleArn) {
      own ??= new IAMClient({
        ...common,
        ...credentialsFromEnv(env),
      });
      return Promise.resolve(own);
    }
    let client = byRole.get(roleArn);
    if (!client) {
      client = (async () => {
        const credentials = renewing(() => assumeRole(roleArn, sessionName));
        await credentials();
        return new IAMClient({ ...common, credentials });
      })();
      // A failed assumption is not kept: the next wave may ask again once the role is fixed.
      client.catch(() => byRole.delete(roleArn));
      byRole.set(roleArn, client);
    }
    return client;
  };
}

/**
 * The credentials, fetched again when they are about to expire; one fetch at a time. The SDK keeps
 * credentials a provider gives until they near their expiration too: this holds them whatever it does.
 */
function renewing(fetch: () => Promise<TemporaryCredentials>): () => Promise<TemporaryCredentials> {
  let held: TemporaryCredentials | undefined;
  let pending: Promise<TemporaryCredentials> | undefined;
  return () => {
    if (held && (!held.expiration || held.expiration.getTime() - RENEW_BEFORE_MS > Date.now())) return Promise.resolve(held);
    pending ??= fetch()
      .then((c) => (held = c))
      .finally(() => (pending = undefined));
    return pending;
  };
}
