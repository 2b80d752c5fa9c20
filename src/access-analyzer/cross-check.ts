/**
 * The cross-check as a whole: the client from the environment, its Region and credentials resolved
 * first, every compiled policy validated within the deadline, and each finding a diagnostic in the
 * intent. It throws AccessAnalyzerError when the check cannot be made; it never skips a policy.
 */
import type { Diagnostic } from '../diagnostics/index.js';
import type { CompiledPolicy } from '../compile/index.js';
import type { Intent } from '../intent/index.js';
import { accessAnalyzerClientFromEnv, resolveAccess } from './client.js';
import { findingDiagnostics } from './findings.js';
import { validatePolicies } from './validate-policies.js';

/** The whole check gives up after this long: CI never waits on a network that does not answer. */
export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_CONCURRENCY = 4;

export interface CrossCheckInput {
  policies: readonly CompiledPolicy[];
  intent: Intent;
  /** Credentials, Region, endpoint and AWS_MAX_ATTEMPTS, read as client.ts says. */
  env: NodeJS.ProcessEnv;
  /** The file a policy is written to, as shown; absent when nothing is written. */
  file?: (policy: CompiledPolicy) => string;
  timeoutMs?: number;
  concurrency?: number;
}

export interface CrossCheckResult {
  region: string;
  /** Policies validated, per type. */
  scp: number;
  rcp: number;
  findings: number;
  diagnostics: Diagnostic[];
}

export async function crossCheck(input: CrossCheckInput): Promise<CrossCheckResult> {
  const stop = new AbortController();
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  const client = accessAnalyzerClientFromEnv(input.env, { stop: stop.signal });
  try {
    const { region } = await resolveAccess(client);
    const validated = await validatePolicies(input.policies, { client, stop, timeoutMs, concurrency: input.concurrency ?? DEFAULT_CONCURRENCY });
    const diagnostics: Diagnostic[] = [];
    let findings = 0;
    validated.forEach(({ findings: found }, i) => {
      const policy = input.policies[i]!;
      findings += found.length;
      diagnostics.push(...findingDiagnostics(policy, found, { intent: input.intent, ...(input.file ? { file: input.file(policy) } : {}) }));
    });
    return { region, scp: input.policies.filter((p) => p.type === 'scp').length, rcp: input.policies.filter((p) => p.type === 'rcp').length, findings, diagnostics };
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}
