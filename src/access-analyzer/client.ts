/**
 * The IAM Access Analyzer client, configured as the Organizations client is (org/client.ts): keys in
 * `env` are used as given and `env`'s AWS_PROFILE names the profile; otherwise the SDK's default
 * provider chain decides (the process environment and ~/.aws: SSO, a profile's role or process, a web
 * identity token, the container's credentials endpoint, the instance profile). The Region is `env`'s
 * AWS_REGION (or AWS_DEFAULT_REGION), else the SDK's (the profile's `region`). AWS_ENDPOINT_URL_ACCESSANALYZER
 * or AWS_ENDPOINT_URL points it elsewhere (a proxy, a test's local server).
 *
 * Retries are the SDK standard mode's, through the strategy the Organizations client uses
 * (aws/retries.ts): throttling and transient errors retried with jittered exponential backoff and
 * Retry-After, up to AWS_MAX_ATTEMPTS (default 3) attempts, and every wait ended at once when `stop`
 * fires, so a run that gives up leaves no timer behind.
 */
import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import { stoppableRetries } from '../aws/retries.js';
import { AccessAnalyzerError } from './errors.js';
import { credentialsFromEnv, maxAttemptsFromEnv } from '../aws/client-config.js';

export const DEFAULT_MAX_ATTEMPTS = 3;

export interface ClientOptions {
  stop?: AbortSignal;
  maxAttempts?: number;
  /** Per HTTP request: the TCP connection, and the whole request (ms). */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export function accessAnalyzerClientFromEnv(env: NodeJS.ProcessEnv, options: ClientOptions = {}): AccessAnalyzerClient {
  const endpoint = env.AWS_ENDPOINT_URL_ACCESSANALYZER ?? env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const fromEnv = maxAttemptsFromEnv(env);
  const maxAttempts = options.maxAttempts ?? fromEnv ?? DEFAULT_MAX_ATTEMPTS;
  return new AccessAnalyzerClient({
    ...(region ? { region } : {}),
    maxAttempts,
    retryStrategy: stoppableRetries(maxAttempts, options.stop),
    requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 5_000, requestTimeout: options.requestTimeoutMs ?? 30_000 },
    ...(endpoint ? { endpoint } : {}),
    ...credentialsFromEnv(env),
  });
}

/**
 * The Region and credentials the client will use, resolved before any call: without them the run
 * stops here with one clear error, instead of once per policy.
 */
export async function resolveAccess(client: AccessAnalyzerClient): Promise<{ region: string }> {
  let region: string;
  try {
    region = await client.config.region();
  } catch (e) {
    throw new AccessAnalyzerError(`--access-analyzer needs an AWS Region (AWS_REGION, or region in the profile's config); none is set: ${(e as Error).message}`);
  }
  try {
    await client.config.credentials();
  } catch (e) {
    const err = e as { name?: string; message?: string };
    throw new AccessAnalyzerError(
      `--access-analyzer needs AWS credentials allowed access-analyzer:ValidatePolicy (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a profile in ~/.aws, SSO, a web identity token, a container or instance role); none could be loaded: ${err.message ?? String(e)}`,
    );
  }
  return { region };
}
