/** Runs the CLI in-process with captured output, as a user would from the project root. */
import { main } from '../../src/cli/main.js';
import { PROJECT_ROOT } from './paths.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The clock every run sees unless a test gives another: a day after the example organization's snapshot
 * was read (guardrails/org-snapshot.json, readAt 2026-11-20), so that diff's stale-snapshot warning
 * does not come and go with the date the tests run on.
 */
export const TEST_NOW = Date.parse('2026-11-21T09:00:00Z');

export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; now?: number } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: options.env ?? { CI: 'true' },
    cwd: options.cwd ?? PROJECT_ROOT,
    now: () => options.now ?? TEST_NOW,
  });
  return { code, stdout, stderr };
}

/** `severity code` of every diagnostic printed to stderr, sorted and without repeats. */
export function diagnosticCodes(stderr: string): string[] {
  return [...new Set([...stderr.matchAll(/^\S+:\d+:\d+: (error|warning) ([a-z-]+):/gm)].map((m) => `${m[1]} ${m[2]}`))].sort();
}

/** The example organization's deliberate warnings: the tagging actions its exceptions leave open, PublicData's exclusion, and its S3 tag exceptions counting only on buckets with ABAC. */
export const EXAMPLE_WARNINGS = ['warning bucket-tags-need-abac', 'warning exclusion-pushes-down', 'warning unprotected-exception-tag'];
