/**
 * The Organizations client: the endpoint and credentials come from the environment, as for the AWS
 * CLI (AWS_ENDPOINT_URL_ORGANIZATIONS or AWS_ENDPOINT_URL point it at moto or a proxy). Retries
 * (aws/retries.ts) slow the whole read down on throttling instead of hammering Organizations' per-account
 * rate limits (REFERENCE.md section 1), and end at once when `stop` fires.
 *
 * Credentials: keys in `env` are used as given, and `env`'s AWS_PROFILE names the profile; otherwise
 * the SDK's default provider chain decides (it reads the process environment and ~/.aws: SSO, a
 * profile's role or process, a web identity token, the container's credentials endpoint, the EC2
 * instance profile). Nothing is checked up front: a chain that finds nothing fails at the first call,
 * and the reader turns that into one clear OrgAccessError (credentialsError below).
 */
import { createRequire } from 'node:module';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { stoppableRetries } from '../aws/retries.js';
import { credentialsFromEnv, maxAttemptsFromEnv } from '../aws/client-config.js';

type OrganizationsSdk = typeof import('@aws-sdk/client-organizations');
let sdk: OrganizationsSdk | undefined;

/**
 * The Organizations SDK, loaded on first use: loading it costs about a tenth of a second of CPU, and
 * diff and plan on a snapshot file, which import the rest of this folder, never call AWS.
 */
export function organizationsSdk(): OrganizationsSdk {
  return (sdk ??= createRequire(import.meta.url)('@aws-sdk/client-organizations') as OrganizationsSdk);
}

/** What the reader and writer need of a client: tests and benchmarks pass their own. */
export interface OrganizationsApi {
  /** `abortSignal` stops the call, its retries included (the SDK v3 client's own option). */
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

export class OrgAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrgAccessError';
  }
}

export function organizationsClientFromEnv(env: NodeJS.ProcessEnv, options: { maxAttempts?: number; stop?: AbortSignal } = {}): OrganizationsClient {
  const endpoint = env.AWS_ENDPOINT_URL_ORGANIZATIONS ?? env.AWS_ENDPOINT_URL;
  const fromEnv = maxAttemptsFromEnv(env);
  const maxAttempts = options.maxAttempts ?? fromEnv ?? 10;
  const { OrganizationsClient } = organizationsSdk();
  return new OrganizationsClient({
    // Organizations is a global service served from us-east-1.
    region: 'us-east-1',
    maxAttempts,
    retryStrategy: stoppableRetries(maxAttempts, options.stop),
    ...(endpoint ? { endpoint } : {}),
    ...credentialsFromEnv(env),
  });
}

/** The SDK found no credentials (its provider chain is exhausted, or a profile cannot give any): one clear line. */
export function credentialsError(e: unknown): OrgAccessError | undefined {
  const err = e as { name?: string; message?: string };
  if (err?.name !== 'CredentialsProviderError' && err?.name !== 'TokenProviderError' && !/Could not load credentials/i.test(err?.message ?? '')) return undefined;
  return new OrgAccessError(
    `reading AWS Organizations needs credentials of the management account or a delegated administrator (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or a profile in ~/.aws, SSO, a web identity token, a container or instance role); none could be loaded: ${err.message ?? String(e)}`,
  );
}

/**
 * A semaphore: at most `limit` of the functions given to it run at once, the others wait their turn in
 * order. The reader passes every API call through one, so --concurrency bounds the calls in flight,
 * however many reads run side by side. Once `signal` is aborted, nothing more starts: whatever waits
 * is dropped, and whatever comes later is refused, each with the signal's reason.
 */
export function limiter(limit: number, signal?: AbortSignal): <T>(work: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: { go: () => void; drop: (reason: unknown) => void }[] = [];
  signal?.addEventListener('abort', () => {
    for (const w of waiting.splice(0)) w.drop(signal.reason);
  });
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (signal?.aborted) throw signal.reason;
    if (running >= limit) await new Promise<void>((go, drop) => waiting.push({ go, drop }));
    else running++;
    try {
      if (signal?.aborted) throw signal.reason;
      return await work();
    } finally {
      // The slot passes to the next in line, or frees up.
      const next = waiting.shift();
      if (next) next.go();
      else running--;
    }
  };
}
