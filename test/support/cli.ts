/** Runs the CLI in-process with captured output, as a user would from the project root. */
import { main } from '../../src/cli/main.js';
import { PROJECT_ROOT } from './paths.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: options.env ?? { CI: 'true' },
    cwd: options.cwd ?? PROJECT_ROOT,
  });
  return { code, stdout, stderr };
}
