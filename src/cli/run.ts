/**
 * Process entry point: wires the real process to main() through the output boundary (inertWriter:
 * nothing reaches the terminal or the CI log with a raw control character or a workflow command it did
 * not mean, and colour only where it shows); unexpected failures become exit 2 with a message.
 */
import { inertText, quoteUntrusted } from '../diagnostics/index.js';
import { main } from './main.js';
import { envFlag, inGithubActions, inertWriter, showsColour, type CliIO } from './io.js';

export async function run(): Promise<number> {
  ignoreClosedPipe(process.stdout);
  const env = process.env;
  disableSdkNodeVersionNotice(env);
  // Under GitHub Actions the output is the job's log, where a workflow command in a name would act.
  const workflowCommands = inGithubActions(env);
  const io: CliIO = {
    stdout: inertWriter(process.stdout, { colour: showsColour(env, process.stdout.isTTY), workflowCommands }),
    stderr: inertWriter(process.stderr, { clipLines: true, colour: showsColour(env, process.stderr.isTTY), workflowCommands }),
    env,
    cwd: process.cwd(),
    interrupt: interruptSignal,
  };
  try {
    return await main(process.argv.slice(2), io);
  } catch (e) {
    io.stderr.write(describeInternalError(e, process.env));
    return 2;
  }
}

/**
 * The AWS SDK warns on Node 20, when a client is made, that its releases after the first week of
 * January 2027 will require Node 22. It speaks to whoever picks the SDK's version: guardrails does (the
 * published package pins its dependency tree with npm-shrinkwrap.json, and package.json's engines says
 * which Node that tree runs on), not its user, who could do nothing about it. The SDK's own switch turns
 * it off, unless the environment already sets it either way.
 */
function disableSdkNodeVersionNotice(env: NodeJS.ProcessEnv): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/**
 * The first SIGINT or SIGTERM asks the running command to stop at a safe point (a rollout finishes the
 * call in flight, journals it and exits 3 with the command that resumes); a second one ends the process
 * at once, as a user pressing Ctrl-C twice expects.
 */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(name === 'SIGINT' ? 130 : 143);
    process.stderr.write(`\n${name}: stopping at the next safe point (again to stop at once)\n`);
    controller.abort(new Error(name));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

/** Characters of an unexpected error's message shown: it may quote what a server or a file said. */
const INTERNAL_MESSAGE_MAX = 500;

/** A stack trace means nothing to a user; it is shown only to whoever asks for it with GUARDRAILS_DEBUG. */
export function describeInternalError(e: unknown, env: NodeJS.ProcessEnv): string {
  if (envFlag(env.GUARDRAILS_DEBUG)) return `error internal: ${inertText(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`;
  return `error internal: ${quoteUntrusted(e instanceof Error ? e.message : String(e), INTERNAL_MESSAGE_MAX)}\n  (set GUARDRAILS_DEBUG=1 to see where it happened)\n`;
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
