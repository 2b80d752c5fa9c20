/**
 * Each command's examples and exit codes, in one place: `guardrails COMMAND --help` prints them, the
 * README's table of commands states the same exit codes (a test holds the two together), and a command
 * without an entry here is an error at start-up, not a help page without its exit codes.
 */

export interface CommandHelp {
  examples: readonly string[];
  /** Each exit code the command returns, and what it means. */
  exits: readonly (readonly [code: number, meaning: string])[];
}

/** By command path as typed (`org export`). Commands that only group others (`org`) need none. */
export const COMMAND_HELP: Readonly<Record<string, CommandHelp>> = {
  init: {
    examples: ['guardrails init', 'guardrails init my-guardrails --org org-snapshot.json', 'guardrails init --live'],
    exits: [
      [0, 'written'],
      [2, 'a file exists, or bad input (nothing written)'],
    ],
  },
  sync: {
    examples: ['guardrails sync', 'guardrails sync --from ./aws-service-reference-2026-08-22'],
    exits: [
      [0, 'ok'],
      [2, 'failed (cache untouched)'],
    ],
  },
  validate: {
    examples: ['guardrails validate', 'guardrails validate --format sarif > guardrails.sarif', 'guardrails validate --access-analyzer'],
    exits: [
      [0, 'valid'],
      [2, 'invalid (with --access-analyzer: also an ERROR finding, or no check made)'],
    ],
  },
  compile: {
    examples: ['guardrails compile', 'guardrails compile --quiet && git diff --exit-code out/', 'guardrails compile --access-analyzer'],
    exits: [
      [0, 'written'],
      [2, 'invalid (with --access-analyzer: also an ERROR finding, or no check made; out/ untouched)'],
    ],
  },
  minimize: {
    examples: ['guardrails minimize legacy-scp.json --type scp', 'guardrails minimize legacy-scp.json --type scp --exact --out minimized/'],
    exits: [
      [0, 'done'],
      [2, 'unresolvable or bad usage (nothing written)'],
    ],
  },
  explain: {
    examples: ['guardrails explain out/guardrails-rcp-tls-minimum.json', "guardrails explain out/guardrails-scp-changes.json --pattern 'iam:Create*User'"],
    exits: [
      [0, 'explained'],
      [2, 'unknown file, Sid or pattern'],
    ],
  },
  simulate: {
    examples: ['guardrails simulate', 'guardrails simulate --junit simulate.xml --format sarif > simulate.sarif'],
    exits: [
      [0, 'all pass'],
      [1, 'a scenario failed'],
      [2, 'bad input'],
    ],
  },
  'org export': {
    examples: ['guardrails org export --out guardrails/org-snapshot.json'],
    exits: [
      [0, 'written'],
      [2, 'no access'],
    ],
  },
  diff: {
    examples: ['guardrails diff --org guardrails/org-snapshot.json', 'guardrails diff --org guardrails/org-snapshot.json --markdown --step-summary --detailed-exitcode > diff.md'],
    exits: [
      [0, 'diff shown (with --detailed-exitcode: no change)'],
      [1, 'tree drift'],
      [2, 'bad input'],
      [3, 'with --detailed-exitcode: changes, nothing becomes allowed'],
      [4, 'with --detailed-exitcode: something becomes allowed or is not proven not to'],
    ],
  },
  impact: {
    examples: [
      'guardrails impact --org guardrails/org-snapshot.json --cloudtrail logs/ --since 30d',
      'guardrails impact --live --cloudtrail s3://org-trail-logs --since 14d --markdown --detailed-exitcode > impact.md',
      'guardrails impact --live --cloudtrail athena:security.guardrails_cloudtrail --athena-workgroup guardrails --save-shapes shapes.jsonl',
      'guardrails impact --org guardrails/org-snapshot.json --cloudtrail shapes:shapes.jsonl --json',
      'guardrails impact --org guardrails/org-snapshot.json --print-athena-ddl org-trail-logs',
    ],
    exits: [
      [0, 'replayed (with --detailed-exitcode: no request touched)'],
      [2, 'bad input'],
      [3, 'with --detailed-exitcode: requests would be newly denied or may be'],
      [4, 'with --detailed-exitcode: requests would be newly allowed'],
    ],
  },
  plan: {
    examples: ['guardrails plan --org guardrails/org-snapshot.json', 'guardrails plan --live --save plan.json'],
    exits: [
      [0, 'planned'],
      [1, 'tree drift (not saved)'],
      [2, 'refused or bad input'],
    ],
  },
  report: {
    examples: ['guardrails report --org guardrails/org-snapshot.json --html report.html', 'guardrails report --live --html report.html --journal rollouts/gh-12345678.jsonl'],
    exits: [
      [0, 'written'],
      [1, 'tree drift (written)'],
      [2, 'bad input (nothing written)'],
    ],
  },
  rollout: {
    examples: ['guardrails rollout --live --dry-run', 'guardrails rollout --live --plan plan.json --until canary', 'guardrails rollout --live --revert --to v1.4.0'],
    exits: [
      [0, 'done or stopped as asked'],
      [1, 'halted'],
      [2, 'refused'],
      [3, 'interrupted'],
    ],
  },
  'rollout unlock': {
    examples: ['guardrails rollout unlock gh-12345678'],
    exits: [
      [0, 'released'],
      [2, 'not held by that run'],
    ],
  },
  notify: {
    examples: ['guardrails notify', 'guardrails notify --format markdown > notify.md'],
    exits: [
      [0, 'nothing touched (or reported already)'],
      [1, 'a guardrail touched'],
      [2, 'bad input'],
    ],
  },
};

/** The exit codes in one line, as the README's table of commands gives them: `0 valid, 2 invalid`. */
export function exitSummary(help: CommandHelp): string {
  return help.exits.map(([code, meaning]) => `${code} ${meaning}`).join(', ');
}

/** What `--help` prints after commander's own text. */
export function helpAfter(help: CommandHelp): string {
  const width = Math.max(...help.exits.map(([code]) => String(code).length));
  return [
    '',
    `Example${help.examples.length > 1 ? 's' : ''}:`,
    ...help.examples.map((e) => `  $ ${e}`),
    '',
    'Exit codes:',
    ...help.exits.map(([code, meaning]) => `  ${String(code).padStart(width)}  ${meaning}`),
    '',
  ].join('\n');
}
