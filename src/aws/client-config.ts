/**
 * What every AWS client guardrails makes reads from the environment, read one way: keys as given (with a
 * session token when there is one), else AWS_PROFILE's profile, else nothing (the SDK's default chain:
 * SSO, web identity, container or instance roles); and AWS_MAX_ATTEMPTS as the AWS CLI reads it.
 */

export type ClientCredentials = { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } | { profile: string } | Record<string, never>;

/** The client options that choose its credentials (spread into the client's configuration). */
export function credentialsFromEnv(env: NodeJS.ProcessEnv): ClientCredentials {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } };
  }
  return env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {};
}

/** AWS_MAX_ATTEMPTS when it is a positive whole number; undefined otherwise (the caller's default). */
export function maxAttemptsFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  return /^\d+$/.test(env.AWS_MAX_ATTEMPTS ?? '') && Number(env.AWS_MAX_ATTEMPTS) > 0 ? Number(env.AWS_MAX_ATTEMPTS) : undefined;
}
