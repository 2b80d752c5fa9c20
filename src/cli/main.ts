/**
 * The command line. Each command lives in its own file and stays thin: parse flags, call the pipeline,
 * print. This is the only place that reads argv or writes to the terminal. Command modules are loaded
 * when their command runs, so that `guardrails --help` does not pay for the compiler.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { quoteUntrusted } from '../diagnostics/untrusted.js';
import { packageVersion } from '../files/package-version.js';
import { COMMAND_HELP, helpAfter } from './command-help.js';
import { EXIT_BAD_INPUT, UsageError, type CliIO } from './io.js';
import { CACHE_OPTION_HELP, chooseCache, DEFAULT_CACHE, type CacheChoice } from './reference-cache.js';

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = new Command('guardrails')
    .description('Policy-as-code compiler for AWS Organizations guardrails (SCPs and RCPs).')
    .showHelpAfterError('(run guardrails --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the version of guardrails')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  program
    .command('init')
    .description('start an intent in DIR: the organization (from an org snapshot, AWS, or an example tree), a few commented controls with tests, the pinned service reference, editor settings for the schema, and CI workflows; nothing that exists is overwritten')
    .argument('[dir]', 'the directory to scaffold (default: the working directory)')
    .option('--org <file>', 'take the organization from this org snapshot (guardrails org export); copied to guardrails/org-snapshot.json')
    .option('--live', 'read the organization from AWS Organizations into guardrails/org-snapshot.json')
    .option('--concurrency <n>', 'with --live: API calls in flight at once (default 4)', positiveInt)
    .action(async (dir: string | undefined, flags) => {
      exitCode = await (await import('./init.js')).runInit(dir, flags, io);
    });

  program
    .command('sync')
    .description('download the AWS service reference into the cache as a new snapshot')
    .option('--from <url-or-dir>', `mirror URL or directory laid out like the endpoint (default: $GUARDRAILS_REFERENCE_URL, else AWS's endpoint)`)
    .option('--cache <dir>', 'cache directory', DEFAULT_CACHE)
    .option('--concurrency <n>', 'parallel downloads', positiveInt, 16)
    .option('--timeout <ms>', 'per-request timeout in milliseconds', positiveInt, 30000)
    .option('--retries <n>', 'retries per file on 5xx, 429 and timeouts', nonNegativeInt, 3)
    .option('--json', 'print the result as JSON')
    .action(async (flags) => {
      exitCode = await (await import('./sync.js')).runSync(flags, io);
    });

  program
    .command('validate')
    .description('check intent files: schema, targets, waves, tests, and actions against the cached service reference')
    .argument('[files...]', 'intent files (default: guardrails/*.yaml)')
    .option('--cache <dir>', CACHE_OPTION_HELP)
    .option('--json', 'print diagnostics as JSON (same as --format json)')
    .option('--format <format>', 'text, json, or sarif (a SARIF 2.1.0 log for code scanning)')
    .option('--quiet', 'errors only: no warnings on stderr')
    .option('--access-analyzer', 'also validate every policy with IAM Access Analyzer (ValidatePolicy, AWS credentials needed): an ERROR finding fails the run, warnings and suggestions do not')
    .action(async (files: string[], flags) => {
      const started = await withReferenceLoad(flags, io);
      exitCode = await (await import('./validate.js')).runValidate(files, started, io);
    });

  program
    .command('compile')
    .description('compile the intent into SCPs and RCPs in out/, with a manifest; nothing is written unless every check passes')
    .argument('[files...]', 'intent files (default: guardrails/*.yaml)')
    .option('--cache <dir>', CACHE_OPTION_HELP)
    .option('--out <dir>', 'output directory', 'out')
    .option('--json', 'print the manifest as JSON (same as --format json)')
    .option('--format <format>', 'text, json, or sarif (a SARIF 2.1.0 log of the diagnostics, for code scanning)')
    .option('--quiet', 'errors only: no warnings on stderr')
    .option('--repack', 'pack from scratch instead of keeping the policies of the previous out/manifest.json')
    .option('--access-analyzer', 'also validate every policy with IAM Access Analyzer (ValidatePolicy, AWS credentials needed): an ERROR finding fails the run (out/ untouched), warnings and suggestions do not')
    .action(async (files: string[], flags) => {
      const started = await withReferenceLoad(flags, io);
      exitCode = await (await import('./compile.js')).runCompile(files, started, io);
    });

  program
    .command('simulate')
    .description("run the intent's tests and scenarios generated from every control against the compiled policies")
    .argument('[files...]', 'intent files (default: guardrails/*.yaml)')
    .option('--cache <dir>', CACHE_OPTION_HELP)
    .option('--engine <engine>', 'local (our engine) or aws (IAM policy simulator for SCP scenarios; RCPs stay local)', 'local')
    .option('--json', 'print every result as JSON (same as --format json)')
    .option('--format <format>', 'text, json, or sarif (a SARIF 2.1.0 log of the diagnostics and failing scenarios, for code scanning)')
    .option('--quiet', 'errors only: no warnings on stderr')
    .option('--junit <file>', 'write JUnit XML for CI')
    .option('--no-generated', "run only the intent's tests")
    .option('--all', 'show passing generated scenarios too')
    .option('--out <dir>', 'the compiled policies, simulated as they are when compiled from the same inputs (else the intent is compiled in memory)', 'out')
    .action(async (files: string[], flags) => {
      const started = await withReferenceLoad(flags, io);
      exitCode = await (await import('./simulate.js')).runSimulate(files, started, io);
    });

  program
    .command('minimize')
    .description('rewrite an existing policy (IAM JSON or the SCP pre-processor format) as equivalent policies that fit the quota: names as written, shortened only as far as the quota requires')
    .argument('<policy>', 'policy file')
    .requiredOption('--type <type>', 'scp or rcp')
    .option('--quota <profile>', 'quota profile (aws-2026-05, aws-legacy)')
    .option('--out <dir>', 'write the policies as files instead of printing a JSON array')
    .option('--cache <dir>', CACHE_OPTION_HELP)
    .option('--keep-sids', 'keep statement ids (statements are then not merged)')
    .option('--exact', 'write no wildcard the input does not have (no drift as AWS adds actions)')
    .option('--slots <n>', "policies the target can still take, when others are attached there (default: the quota's per-target count)")
    .option('--aggressive', 'the smallest output: substring wildcards and NotAction complements, even where they reach every principal')
    .action(async (file: string, flags) => {
      exitCode = await (await import('./minimize.js')).runMinimize(file, withCache(flags, io), io);
    });

  program
    .command('explain')
    .description('what a compiled policy\'s patterns match in the pinned reference, where each statement comes from, and what each wildcard will also match as AWS adds actions')
    .argument('<policy>', 'a compiled policy, e.g. out/guardrails-scp-<control>.json (inside the repository)')
    .option('--sid <sid>', 'only the statement with this Sid')
    .option('--pattern <pattern>', "only this action pattern, e.g. 'iam:Create*User' (lists every action it matches)")
    .option('--cache <dir>', CACHE_OPTION_HELP)
    .option('--json', 'the explanation as JSON')
    .action(async (file: string, flags) => {
      exitCode = await (await import('./explain.js')).runExplain(file, withCache(flags, io), io);
    });

  const org = program.command('org').description('the deployed state of AWS Organizations');
  org
    .command('export')
    .description('read the OU tree, accounts and every SCP and RCP with its targets, and write them to a snapshot file')
    .option('--out <file>', 'write the snapshot to this file (default: stdout)')
    .option('--concurrency <n>', 'API calls in flight at once', positiveInt, 4)
    .action(async (flags) => {
      exitCode = await (await import('./org.js')).runOrgExport(flags, io);
    });

  withDeployedState(
    program.command('diff').description('compare the compiled policies with the deployed ones: per target, and what every account may newly do or not do'),
  )
    .option('--markdown', 'markdown for a pull-request comment, with a hidden marker <!-- guardrails-diff --> for a workflow to update it')
    .option('--json', 'the whole diff as JSON')
    .option('--max-length <n>', 'most characters of the --markdown comment; the least important detail is left out first, and the comment says what (default 65536, GitHub\'s limit; 0: no limit)')
    .option('--marker <name>', 'the hidden marker\'s name: <!-- NAME --> (default guardrails-diff)')
    .option('--no-marker', 'no hidden marker')
    .option('--step-summary', 'also append the comment (up to 1 MiB, no marker) to the file $GITHUB_STEP_SUMMARY names')
    .option('--max-snapshot-age <duration>', 'warn when the --org snapshot was read longer ago than this (default 7d; 0: never)')
    .option('--detailed-exitcode', 'exit 0 without change, 3 with changes none of which allows anything, 4 when something becomes allowed or is not proven not to (1: tree drift, 2: bad input)')
    .option('--impact <report>', 'a report guardrails impact --json wrote: its line (what real traffic the change would deny) and its table go into the diff; a report of other policies is marked stale (warning stale-impact)')
    .action(async (files: string[], flags) => {
      const started = await withReferenceLoad(flags, io);
      exitCode = await (await import('./diff.js')).runDiff(files, started, io);
    });

  withDeployedState(program.command('impact').description('replay real CloudTrail traffic against the change: which requests it would newly deny, may deny or newly allow, by control, account, principal and action'))
    .option('--cloudtrail <source>', 'the traffic: DIR (laid out as CloudTrail delivers to S3: AWSLogs/[o-id/]account/CloudTrail/region/YYYY/MM/DD), s3://BUCKET[/PREFIX], athena:[CATALOG.]DATABASE.TABLE, or shapes:FILE (request shapes, one JSON object per line, as --save-shapes writes them)')
    .option('--since <when>', 'the first records read: a duration back from --until (default 30d) or an ISO date')
    .option('--until <when>', 'the records read end before this ISO date or time (default: now)')
    .option('--engine <engine>', 'for a DIR: node (worker threads, default) or duckdb (needs the optional package @duckdb/node-api)')
    .option('--accounts <ids>', 'for a DIR or s3://: only these account folders (account ids, separated by commas)')
    .option('--athena-workgroup <name>', 'the Athena workgroup the query runs in')
    .option('--athena-output <s3-url>', 'where Athena writes the query results (s3://bucket/prefix/), unless the workgroup sets it')
    .option('--athena-timeout <duration>', 'stop the Athena query after this long (default 15m)')
    .option('--max-shapes <n>', 'fail when the records make more distinct request shapes than this (default 1000000)')
    .option('--save-shapes <file>', 'also write the request shapes read, one JSON object per line: decide them again with --cloudtrail shapes:FILE')
    .option('--print-sql <engine>', 'print the reduction query for athena or duckdb (its columns follow the policies; its window the --since and --until) and exit')
    .option('--print-athena-ddl <bucket>', "print the Athena table over the organization trail's bucket[/prefix] (partition projection over the organization's accounts and the Regions) and exit")
    .option('--json', 'the whole report as JSON')
    .option('--markdown', 'one line and a folded table, for a pull-request comment')
    .option('--max-length <n>', 'most characters of the --markdown output; table rows are left out first (default 65536; 0: no limit)')
    .option('--detailed-exitcode', 'exit 0 when the change touches no request, 3 when some would be newly denied or may be, 4 when some would be newly allowed (2: bad input)')
    .action(async (files: string[], flags) => {
      const started = await withReferenceLoad(flags, io);
      exitCode = await (await import('./impact.js')).runImpact(files, started, io);
    });

  withDeployedState(program.command('plan').description('the staged rollout, wave by wave: ordered API calls that keep every invariant'))
    .option('--wave <name>', 'show only this wave')
    .option('--json', 'the plan as JSON (what the rollout reads)')
    .option('--save <file>', 'also write the whole plan as JSON to this file, for guardrails rollout --plan (--out names the compiled policies)')
    .action(async (files: string[], flags) => {
      const started = await withReferenceLoad(flags, io);
      exitCode = await (await import('./plan.js')).runPlan(files, started, io);
    });

  withDeployedState(program.command('report').description('a picture of the organization as one self-contained HTML file: the OU tree (collapsible, searchable), the policies and controls at each node before and after the change, what the change does to each account, the waves, and a rollout\'s timeline'))
    .option('--html <file>', 'write the page to this file (required)')
    .option('--journal <file>', 'a rollout journal (rollouts/<run>.jsonl): the timeline of each wave (calls, retries, verification, bake, signals, halts)')
    .action(async (files: string[], flags) => {
      const started = await withReferenceLoad(flags, io);
      exitCode = await (await import('./report.js')).runReport(files, started, io);
    });

  const rollout = program
    .command('rollout')
    .description('apply the plan to AWS Organizations wave by wave: lock, read, plan again, preflight, apply, verify, bake, gate')
    .argument('[files...]', 'intent files (default: guardrails/*.yaml)')
    .option('--live', 'required: the rollout writes to AWS Organizations')
    .option('--plan <file>', 'apply only this saved plan (guardrails plan --save); refused when the organization or out/ changed otherwise')
    .option('--until <wave>', 'stop after this wave (exit 0; --resume goes on)')
    .option('--wave <wave>', 'apply this wave only (refused while an earlier wave has steps left), then stop (exit 0)')
    .option('--bake <duration>', 'time to watch health signals after each wave (default: the intent\'s rollout.bake or the wave\'s bake, else 30m; 0 to skip)')
    .option('--dry-run', 'read, plan and run every preflight check, print the calls per wave; write nothing')
    .option('--approve', 'ask on the terminal before each next wave')
    .option('--journal <file>', 'the run\'s journal (default rollouts/<run>.jsonl)')
    .option('--resume <run>', 'go on with this run (after --until, a halt, an interruption); starts it under that id when it is new')
    .option('--revert [run]', 'take the organization back to its state before that run, or (with --to) to the intent of a git ref; waves in reverse order')
    .option('--to <git-ref>', "with --revert: compile the intent (guardrails/) of this commit, tag or branch and roll out to it")
    .option('--emergency', 'with --revert: one wave, no bake')
    .option('--check <command>', 'a command run after each wave and at the end of its bake; a failure halts (GUARDRAILS_WAVE, GUARDRAILS_ACCOUNTS, GUARDRAILS_PHASE, GUARDRAILS_RUN in its environment)')
    .option('--access-denied <source>', 'CloudTrail logs in their S3 delivery layout (AWSLogs/...), a directory or s3://BUCKET/PREFIX: during each bake, AccessDenied events in the wave\'s accounts that an SCP or RCP gave, since the wave started against the same time before it; past the limits the rollout halts')
    .option('--access-denied-max-owned <n>', 'with --access-denied: halt past max(N, 2 x before) denials whose message names a policy guardrails owns (default 5)')
    .option('--access-denied-max-unnamed <n>', 'with --access-denied: halt past max(N, 3 x before) SCP or RCP denials whose message names no policy (default 20)')
    .option('--enable-policy-types', 'enable the policy types the plan needs (and wait until they are)')
    .option('--allow-lockout-risk', 'go on when the lockout guard finds a principal or action the rollout would deny (loudly)')
    .option('--cache <dir>', CACHE_OPTION_HELP)
    .option('--out <dir>', 'the compiled policies', 'out')
    .option('--json', 'the report as JSON')
    .action(async (files: string[], flags) => {
      // At a git ref (--revert --to), the ref's own cache where --cache (or its default) names one it has.
      exitCode = await (await import('./rollout.js')).runRolloutCommand(files, { ...withCache(flags, io), cacheAtRef: flags.cache ?? DEFAULT_CACHE }, io);
    });
  rollout
    .command('unlock')
    .description("release the rollout lock of the named run (like terraform force-unlock): only that run's")
    .argument('<run>', 'the run id that holds the lock')
    .action(async (run: string) => {
      exitCode = await (await import('./rollout.js')).runUnlock(run, io);
    });

  program
    .command('notify')
    .description('what AWS changed between two service-reference snapshots, and which guardrails it touches (exit 1 when one is)')
    .option('--from <snapshot-or-dir>', 'older snapshot: an id (or prefix) in the cache, or a directory laid out like the endpoint (default: the one out/ was compiled against, else the one before --to)')
    .option('--to <snapshot-or-dir>', 'newer snapshot (default: the current one in the cache)', undefined)
    .option('--cache <dir>', CACHE_OPTION_HELP)
    .option('--out <dir>', 'the compiled policies whose impact is analysed', 'out')
    .option('--format <format>', 'markdown, text, slack or json (default: text)')
    .option('--template <file>', 'a handlebars template of your own (it receives the JSON result plus view groupings)')
    .option('--json', 'the full structured result (same as --format json)')
    .option('--max-length <n>', 'most characters of markdown or text output; lists are shortened to fit (default: 60000 for markdown, none for text; 0: no limit)')
    .option('--reported <file>', 'issues opened already (gh issue list --json number,url,state,body): when one holds this notification\'s key, say so and exit 0')
    .action(async (flags) => {
      exitCode = await (await import('./notify.js')).runNotify(withCache(flags, io), io);
    });

  addCommandHelp(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return EXIT_BAD_INPUT;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`error usage: ${quoteUntrusted(e.message, 1000)}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
  return exitCode;
}

/**
 * Every command's help ends with its examples and exit codes (command-help.ts); a command that runs
 * something and has no entry there is a defect caught at start-up, by every test that runs the CLI.
 */
function addCommandHelp(program: Command): void {
  program.addHelpText('after', '\nExit codes: 0 ok, 1 the run worked and found failures (a failing scenario, a drift, a touched guardrail), 2 bad input or usage; see each command\'s --help.\n');
  const visit = (command: Command, prefix: string) => {
    for (const sub of command.commands) {
      const name = `${prefix}${sub.name()}`;
      const help = COMMAND_HELP[name];
      if (help) sub.addHelpText('after', helpAfter(help));
      else if (sub.commands.length === 0) throw new Error(`command ${name} has no examples and exit codes in command-help.ts`);
      visit(sub, `${name} `);
    }
  };
  visit(program, '');
}

/** diff and plan start from the same inputs: the intent, out/, and the deployed state. */
function withDeployedState(command: Command): Command {
  return command
    .argument('[files...]', 'intent files (default: guardrails/*.yaml)')
    .option('--org <file>', 'the deployed state, from guardrails org export')
    .option('--live', 'read the deployed state from AWS Organizations')
    .option('--concurrency <n>', 'with --live: API calls in flight at once (default 4)', positiveInt)
    .option('--cache <dir>', CACHE_OPTION_HELP)
    .option('--out <dir>', 'the compiled policies', 'out')
    .option('--quiet', 'errors only: no warnings on stderr');
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

/** The flags with --cache chosen (reference-cache.ts): as named, else the repository's, else the one shipped with guardrails. */
function withCache<F extends { cache?: string }>(flags: F, io: CliIO): F & CacheChoice {
  return { ...flags, ...chooseCache(flags.cache, io.cwd) };
}

/**
 * The flags with the cache chosen and the reference's load started, before the command's modules are
 * imported: the load's threads run while this one loads them (reference-load.ts).
 */
async function withReferenceLoad<F extends { cache?: string }>(flags: F, io: CliIO): Promise<F & CacheChoice & { referenceLoad: import('./reference-load.js').ReferenceLoad }> {
  const { startReferenceLoad } = await import('./reference-load.js');
  const chosen = withCache(flags, io);
  return { ...chosen, referenceLoad: startReferenceLoad(chosen.cache, io.cwd) };
}
