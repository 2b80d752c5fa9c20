import { clip } from '../diagnostics/index.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIO {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /**
   * A command that writes to AWS calls this to take over SIGINT and SIGTERM: the signal fires on the
   * first, so it can stop at a safe point. Other commands leave the default (Ctrl-C ends them at once).
   */
  interrupt?: () => AbortSignal;
  /** The time now, in ms since the epoch (tests fix it; default Date.now). */
  now?: () => number;
}

export const EXIT_OK = 0;
/** The run worked and found failures (a failing scenario, a drift, a touched guardrail). */
export const EXIT_FINDINGS = 1;
/** Bad input or usage. */
export const EXIT_BAD_INPUT = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** An environment switch is on unless it is unset, empty, 0 or false (`CI=false` says "not CI"). */
export function envFlag(value: string | undefined): boolean {
  return value !== undefined && !/^(|0|false)$/i.test(value.trim());
}

/** Progress lines belong on an interactive terminal, never in CI logs. */
export function showsProgress(io: CliIO): boolean {
  return Boolean(io.stderr.isTTY) && !envFlag(io.env.CI);
}

/**
 * Characters never written raw: C0 controls but tab and newline (an ESC starts ANSI and OSC sequences
 * that recolour, clear the screen, retitle the window or hide a link; a CR rewrites the line), DEL,
 * C1 controls (U+009B is a CSI to some terminals), line and paragraph separators, and bidirectional
 * embeddings, overrides and isolates (they make a reviewer read something other than what is there).
 */
const UNSAFE_OUTPUT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as it may reach a terminal or a CI log: every unsafe character shown as its `\uXXXX` escape.
 * That form is also a JSON string escape of the same character, so JSON output stays valid JSON with
 * the same values (JSON.stringify escapes C0 controls itself, but not DEL, C1 or bidi controls).
 */
export function inertOutput(text: string): string {
  return text.replace(UNSAFE_OUTPUT, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** How progress lines go back to the start of the line: the only control sequence the CLI itself writes. */
const ERASE_LINE = '\r\x1b[2K';

/** Characters of one line of stderr at most: messages quote what servers and files say. */
export const STDERR_LINE_MAX = 4000;

/**
 * The output boundary: every write of the process goes through here, so no code path can print a
 * control character it forgot to escape. On an interactive terminal a write may start with the
 * erase-line of a progress line; that prefix is the CLI's own, anything after it is escaped. With
 * `clipLines` (stderr, where only messages go) a line longer than STDERR_LINE_MAX is cut.
 */
export function inertWriter(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, options: { clipLines?: boolean } = {}): Output {
  return {
    write(text: string) {
      const own = stream.isTTY && text.startsWith(ERASE_LINE) ? ERASE_LINE : '';
      let safe = inertOutput(text.slice(own.length));
      if (options.clipLines) safe = safe.replace(/[^\n]+/g, (line) => clip(line, STDERR_LINE_MAX));
      return stream.write(own + safe);
    },
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
  };
}
