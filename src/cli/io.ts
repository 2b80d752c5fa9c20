import { clip } from '../diagnostics/index.js';

/** What a command may touch of the outside world; tests pass their own. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  /**
   * Writes `text` (escaped like any other) in a style of the CLI's own, when this output shows colour;
   * without the method, or without colour, it is written plain. Never a way to pass a raw escape.
   */
  styled?(text: string, style: Style): unknown;
  /**
   * Writes one CI workflow command line of the CLI's own (`::error file=...::message`), which the
   * writer otherwise neutralizes in what it prints (see inertWriter). The line is escaped like any other.
   */
  command?(line: string): unknown;
}

/** The few styles the CLI uses: errors red, warnings yellow. */
export type Style = 'error' | 'warning';

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

/** Writes `text` in `style` where `out` shows colour, else plain. */
export function writeStyled(out: Output, text: string, style: Style): void {
  if (out.styled) out.styled(text, style);
  else out.write(text);
}

/** Writes a workflow command line of the CLI's own (annotations), through the writer's own channel. */
export function writeCommand(out: Output, line: string): void {
  if (out.command) out.command(line);
  else out.write(line);
}

/** Whether GitHub Actions reads this process's output: its workflow commands act there. */
export function inGithubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/**
 * Whether a stream shows colour. NO_COLOR, set to anything but the empty string, turns it off
 * (no-color.org); else FORCE_COLOR turns it on (off when 0 or false), even where the output is not a
 * terminal (a CI log that renders colour); else it is on for an interactive terminal outside CI only,
 * and never on a dumb one.
 */
export function showsColour(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return !/^(0|false)$/i.test(env.FORCE_COLOR.trim());
  if (envFlag(env.CI) || inGithubActions(env) || env.TERM === 'dumb') return false;
  return Boolean(isTTY);
}

/** The columns of stdout when it is an interactive terminal: tables fit them (nothing is cut elsewhere). */
export function terminalWidth(io: CliIO): number | undefined {
  return io.stdout.isTTY && io.stdout.columns ? io.stdout.columns : undefined;
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

/** How progress lines go back to the start of the line: a control sequence the CLI itself writes. */
const ERASE_LINE = '\r\x1b[2K';

/** The colours of the styles (SGR), and the reset after them: the only other sequences the CLI writes. */
const SGR: Readonly<Record<Style, string>> = { error: '\x1b[31m', warning: '\x1b[33m' };
const SGR_RESET = '\x1b[39m';

/**
 * What a CI runner reads as a command in a line of output: GitHub Actions takes `::name ...::` at the
 * start of a line (after blanks) and `##[name ...]` anywhere in it, Azure Pipelines `##vso[...]`. A
 * command in a name (`::stop-commands::x` would silence every annotation after it, `##[add-mask]` hide
 * text of the log, `##[error]` fake a finding) is shown with its second `:` or its `[` as the `\uXXXX`
 * escape: visible, inert, and in JSON the same string. The character escaped is the last of the
 * pattern, so that a pattern split across two writes is still caught in the second.
 */
const WORKFLOW_COMMAND = /(?:^|(?<=\n))[ \t]*::|##(?:vso)?\[/gi;

/** A neutralizer for one stream: it remembers the end of the line written so far. */
export function workflowCommandNeutralizer(): (text: string) => string {
  // The current line so far when it may still begin a `::` (blanks, maybe one `:`), else its last characters.
  let context = '';
  let contextIsLineStart = true;
  return (text) => {
    const lead = contextIsLineStart ? '' : '\u0000';
    const joined = lead + context + text;
    const from = lead.length + context.length;
    let out = '';
    let last = from;
    for (const m of joined.matchAll(WORKFLOW_COMMAND)) {
      const at = m.index + m[0].length - 1;
      if (at < from) continue;
      out += joined.slice(last, at) + (joined[at] === '[' ? '\\u005b' : '\\u003a');
      last = at + 1;
    }
    out += joined.slice(last);
    const line = joined.slice(joined.lastIndexOf('\n') + 1);
    const lineStarted = joined.includes('\n') || contextIsLineStart;
    contextIsLineStart = lineStarted && /^[ \t]*:?$/.test(line);
    context = contextIsLineStart ? line : line.slice(-5);
    return out;
  };
}

/** Characters of one line of stderr at most: messages quote what servers and files say. */
export const STDERR_LINE_MAX = 4000;

export interface WriterOptions {
  /** Cut each line at STDERR_LINE_MAX characters (stderr, where only messages go). */
  clipLines?: boolean;
  /** Show `styled` text in colour (showsColour). */
  colour?: boolean;
  /** Neutralize CI workflow commands in what is written (workflowCommandNeutralizer); `command` writes the CLI's own. */
  workflowCommands?: boolean;
}

/**
 * The output boundary: every write of the process goes through here, so no code path can print a
 * control character it forgot to escape. On an interactive terminal a write may start with the
 * erase-line of a progress line; that prefix is the CLI's own, anything after it is escaped. With
 * `clipLines` (stderr, where only messages go) a line longer than STDERR_LINE_MAX is cut.
 */
export function inertWriter(stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, options: WriterOptions = {}): Output {
  const neutralize = options.workflowCommands ? workflowCommandNeutralizer() : (text: string) => text;
  const safe = (text: string) => {
    let out = inertOutput(text);
    if (options.clipLines) out = out.replace(/[^\n]+/g, (line) => clip(line, STDERR_LINE_MAX));
    return neutralize(out);
  };
  return {
    write(text: string) {
      const own = stream.isTTY && text.startsWith(ERASE_LINE) ? ERASE_LINE : '';
      return stream.write(own + safe(text.slice(own.length)));
    },
    styled(text: string, style: Style) {
      return stream.write(options.colour ? `${SGR[style]}${safe(text)}${SGR_RESET}` : safe(text));
    },
    command(line: string) {
      // One line, whatever it was given: a newline inside would start a line of its own.
      let out = inertOutput(line.replace(/\r?\n(?!$)/g, ' '));
      if (options.clipLines) out = out.replace(/[^\n]+/g, (l) => clip(l, STDERR_LINE_MAX));
      out = out.endsWith('\n') ? out : `${out}\n`;
      neutralize('\n');
      return stream.write(out);
    },
    get isTTY() {
      return stream.isTTY;
    },
    get columns() {
      return stream.columns;
    },
  };
}
