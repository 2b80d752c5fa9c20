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
