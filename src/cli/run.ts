/** Process entry point: wires the real process to main(); unexpected failures become exit 2 with a message. */
import { main } from './main.js';
import { envFlag } from './io.js';

export async function run(): Promise<number> {
  ignoreClosedPipe(process.stdout);
  const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
  try {
    return await main(process.argv.slice(2), io);
  } catch (e) {
    process.stderr.write(describeInternalError(e, process.env));
    return 2;
  }
}

/** A stack trace means nothing to a user; it is shown only to whoever asks for it with GUARDRAILS_DEBUG. */
export function describeInternalError(e: unknown, env: NodeJS.ProcessEnv): string {
  if (envFlag(env.GUARDRAILS_DEBUG)) return `error internal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`;
  return `error internal: ${e instanceof Error ? e.message : String(e)}\n  (set GUARDRAILS_DEBUG=1 to see where it happened)\n`;
}

/**
 * `guardrails notify | head`: the reader may close the pipe before everything is written. That is the
 * reader's choice, not a failure: the rest of the output is dropped, quietly, and the exit code is the
 * one the command computed. Any other write error stays an error.
 */
export function ignoreClosedPipe(stream: NodeJS.WritableStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}
