/**
 * `guardrails rollout`: applies the plan to AWS Organizations wave by wave (src/rollout does the work;
 * this file reads flags, builds the clients from the environment, prints progress and the report).
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { hasErrors, type Diagnostic } from '../diagnostics/index.js';
import { compile, locateOut, readOutManifest, readOutPolicies, type OutManifest } from '../compile/index.js';
import type { Intent } from '../intent/index.js';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { organizationsClientFromEnv, readOrganization, treeOfState, type OrganizationsApi, type OrgState } from '../org/index.js';
import { deploymentSemanticDiff, intentDigest, planFile, planRollout, readPlanFile, wavesOf, type Deployment, type PlanFile, type WaveSpec } from '../plan/index.js';
import { resolveQuotas } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import {
  callerIdentity,
  canaryClient,
  CLOUDTRAIL_DELIVERY_LAG_MS,
  SHORTEST_USEFUL_BAKE_MS,
  deployedRcpDecider,
  watchCanary,
  iamClientFactory,
  type IamApi,
  forceUnlock,
  JournalError,
  openJournal,
  type Journal,
  type JournalRecord,
  readJournal,
  runCheck,
  runRollout,
  scaledRateLimits,
  snapshotOf,
  stsClientFromEnv,
  type PlanSource,
  type RolloutEvent,
  type RolloutReport,
} from '../rollout/index.js';
import { renderPlanText, renderRolloutReport } from '../report/index.js';
import { deploymentOf, driftOf, loadCompiled, treeDriftError, type LoadedCompile } from './deployment.js';
import { summarizeCounts } from './format.js';
import { GitRefError, materializeRef, type MaterializedRef } from './git-ref.js';
import { planDigestsOf } from './plan.js';
import { accessDeniedSettings, accessDeniedSource, type AccessDeniedFlags, type AccessDeniedSettings } from './rollout-access-denied.js';
import { EXIT_BAD_INPUT, showsProgress, UsageError, type CliIO } from './io.js';
import { openWorkspace, printDiagnostics } from './workspace.js';
import { writeJson } from './json-output.js';

export interface RolloutFlags extends AccessDeniedFlags {
  /** The cache chosen for the working tree (reference-cache.ts). */
  cache: string;
  /** Set when that is the copy shipped with guardrails: its version. */
  shippedWith?: string;
  /** The cache as --cache (or its default) names it, read from the commit with --revert --to when the commit has it. */
  cacheAtRef?: string;
  out: string;
  live?: boolean;
  plan?: string;
  until?: string;
  wave?: string;
  bake?: string;
  dryRun?: boolean;
  approve?: boolean;
  journal?: string;
  resume?: string;
  /** A run id, or true (the flag alone) with --to. */
  revert?: string | boolean;
  /** With --revert: the git ref whose intent the organization goes back to. */
  to?: string;
  emergency?: boolean;
  check?: string;
  allowLockoutRisk?: boolean;
  enablePolicyTypes?: boolean;
  json?: boolean;
}

const DEFAULT_BAKE_SECONDS = 30 * 60;

export async function runRolloutCommand(files: string[], flags: RolloutFlags, io: CliIO): Promise<number> {
  if (!flags.live) throw new UsageError('rollout writes to AWS Organizations: give --live to say so (use guardrails plan to see the calls without credentials)');
  const revertRun = typeof flags.revert === 'string' ? flags.revert : undefined;
  if (flags.to !== undefined && !flags.revert) throw new UsageError('--to GIT_REF applies to --revert: guardrails rollout --live --revert --to GIT_REF');
  if (flags.revert && revertRun === undefined && flags.to === undefined) throw new UsageError('--revert needs what to go back to: a run (--revert RUN) or a git ref whose intent is compiled (--revert --to GIT_REF)');
  if (revertRun !== undefined && flags.to !== undefined) throw new UsageError('give either --revert RUN or --revert --to GIT_REF, not both');
  if (flags.resume && flags.revert) throw new UsageError('give either --resume RUN or --revert, not both');
  if (flags.wave && flags.until) throw new UsageError('give either --wave NAME (that wave only) or --until NAME (every wave up to it), not both');
  if (flags.emergency && !flags.revert) throw new UsageError('--emergency applies to --revert');
  if (flags.plan && flags.revert) throw new UsageError('--plan applies to a forward rollout, not to --revert');
  if (flags.to !== undefined && files.length) throw new UsageError('--revert --to compiles the guardrails/ of that ref: give no intent files with it');
  if (flags.approve && !process.stdin.isTTY) throw new UsageError('--approve asks on a terminal, and stdin is not one: gate waves with --until and a CI environment instead');
  const bakeOverride = flags.bake !== undefined ? parseDuration(flags.bake) : undefined;
  if (flags.bake !== undefined && bakeOverride === undefined) throw new UsageError(`--bake ${flags.bake}: expected a duration such as 30m, 2h, 90s or 0`);

  const accessDenied = accessDeniedSettings(flags, io.cwd);

  const run = flags.resume ?? `r-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;
  const journalFile = path.resolve(io.cwd, flags.journal ?? path.join('rollouts', `${run}.jsonl`));

  // What the rollout takes the organization to: the compiled intent, the state before a run, or the
  // intent of a git ref (compiled from a temporary copy of that commit's files, removed at the end).
  let target: RolloutTarget | number;
  let materialized: MaterializedRef | undefined;
  if (flags.to !== undefined) {
    const at = await materializeForRollout(flags, io);
    if (typeof at === 'number') return at;
    materialized = at;
  }
  try {
    if (materialized) target = await revertToRefTarget(materialized, flags, io);
    else if (revertRun !== undefined) target = await revertToRunTarget(revertRun, files, flags, io);
    else target = await forwardTarget(files, flags, io);
    if (typeof target === 'number') return target;
    return await rolloutTo(target, { run, journalFile, bakeOverride, ...(accessDenied ? { accessDenied } : {}) }, flags, io);
  } finally {
    await materialized?.cleanup();
  }
}

/** Where a rollout goes, and what it needs of the intent it goes by (waves, bake, canaries, protect). */
interface RolloutTarget {
  source: PlanSource;
  reference: ReferenceIndex;
  intentWaves: { name: string; bake?: { seconds: number } }[];
  rolloutSettings: Intent['rollout'];
  saved?: PlanFile;
}

/** The intent in the working tree, compiled and checked against out/. */
async function forwardTarget(files: string[], flags: RolloutFlags, io: CliIO): Promise<RolloutTarget | number> {
  const loaded = await loadCompiled(files, flags, io, 'rollout');
  if (typeof loaded === 'number') return loaded;
  const target: RolloutTarget = {
    reference: loaded.ws.reference!.index,
    intentWaves: loaded.intent.waves,
    rolloutSettings: loaded.intent.rollout,
    source: compiledSource(loaded, 'the compiled policies in out/', 'forward', io.cwd),
  };
  if (flags.plan) {
    const read = await readPlanFile(path.resolve(io.cwd, flags.plan));
    if (!read.plan) {
      io.stderr.write(`error plan-file: ${read.problem}\n`);
      return EXIT_BAD_INPUT;
    }
    target.saved = read.plan;
  }
  return target;
}

/**
 * A compiled intent as a PlanSource: its waves in order (a forward rollout), in reverse order (going
 * back to it), or none (emergency: the planner's one wave).
 */
function compiledSource(loaded: LoadedCompile, describe: string, order: 'forward' | 'reverse' | 'one-wave', cwd: string, intentAt?: { ref: string; commit: string }): PlanSource {
  let driftChecked = false;
  return {
    describe,
    neededTypes: [...new Set(loaded.compiled.policies.map((p) => p.type))],
    compiled: loaded.compiled.policies,
    ...(intentAt ? { intentAt } : {}),
    planAgainst(state: OrgState) {
      const built = deploymentOf(loaded, state);
      if (!built.deployment) return { ok: false, diagnostics: built.diagnostics };
      // Going forward places the policies for the compiled tree: on a drifted organization that leaves
      // accounts outside guardrails the intent gives them, so a run refuses before its first write. Drift
      // that appears mid-run is another actor's, which the waves already go around; halting there would
      // leave the rollout half done. Going back (a revert, an emergency) must not wait for it.
      if (order === 'forward' && !driftChecked) {
        driftChecked = true;
        const drift = driftOf(loaded.intent, built.deployment, cwd);
        if (drift.entries.length) return { ok: false, diagnostics: [treeDriftError(drift)] };
      }
      let waves: WaveSpec[] = [];
      if (order !== 'one-wave') {
        const made = wavesOf(loaded.intent, built.deployment.tree);
        if (hasErrors(made.diagnostics)) return { ok: false, diagnostics: made.diagnostics };
        waves = order === 'reverse' ? [...made.waves].reverse() : [...made.waves];
      }
      const plan = planRollout(built.deployment, waves);
      if (!plan.ok) return { ok: false, diagnostics: plan.diagnostics };
      return { ok: true, deployment: built.deployment, plan, file: planFile(plan, built.deployment, planDigestsOf(loaded, built.deployment, cwd)) };
    },
  };
}

/** The owned policies journaled at the start of a run. */
async function revertToRunTarget(revertRun: string, files: string[], flags: RolloutFlags, io: CliIO): Promise<RolloutTarget | number> {
  const ws = await openWorkspace(files, flags, io);
  if (!ws.intent || !ws.reference || hasErrors(ws.diagnostics)) {
    printDiagnostics(ws.diagnostics, ws, io);
    return EXIT_BAD_INPUT;
  }
  const revertJournal = path.resolve(io.cwd, flags.journal ?? path.join('rollouts', `${revertRun}.jsonl`));
  const snapshot = snapshotOf(readJournal(revertJournal).records, revertRun);
  if (!snapshot) {
    io.stderr.write(`error revert-unknown-run: ${revertJournal} records no start of run ${revertRun} (its snapshot of the policies before the run is what --revert restores)\n`);
    return EXIT_BAD_INPUT;
  }
  const intent = ws.intent;
  const quotas = resolveQuotas(intent.quotas) ?? resolveQuotas(undefined)!;
  return {
    reference: ws.reference.index,
    intentWaves: intent.waves,
    rolloutSettings: intent.rollout,
    source: {
      describe: `the state before run ${revertRun}`,
      neededTypes: [...new Set(snapshot.map((p) => p.type))],
      planAgainst(state: OrgState) {
        const tree = treeOfState(state);
        const deployment: Deployment = {
          state,
          tree,
          managementAccount: state.organization.managementAccount,
          quotas,
          deployed: state.policies,
          reference: ws.reference!.index,
          desired: snapshot.map((p) => ({ name: p.name, type: p.type, content: p.content, controls: (p.tags['guardrails:controls'] ?? '').split(' ').filter(Boolean), targets: p.targets.map((t) => tree.node(t)).filter((n) => n !== undefined) })),
        };
        const waves: WaveSpec[] = flags.emergency ? [] : [...wavesOf(intent, tree).waves].reverse();
        const plan = planRollout(deployment, waves);
        if (!plan.ok) return { ok: false, diagnostics: plan.diagnostics };
        return { ok: true, deployment, plan, file: planFile(plan, deployment, { intentDigest: intentDigest(ws.read.map((f) => ws.sources.text(f) ?? '')), outDigest: `revert:${revertRun}` }) };
      },
    },
  };
}

/** The commit's guardrails/ (with its reference cache and out/, when it has them) in a temporary directory. */
async function materializeForRollout(flags: RolloutFlags, io: CliIO): Promise<MaterializedRef | number> {
  // The cache and out/ are read from the ref where the flags name a path inside the repository.
  const paths = ['guardrails', belowCwd(flags.cacheAtRef ?? flags.cache, io.cwd), belowCwd(flags.out, io.cwd)].filter((p): p is string => p !== undefined);
  try {
    return await materializeRef(io.cwd, flags.to!, { paths: [...new Set(paths)], required: ['guardrails'] });
  } catch (e) {
    if (!(e instanceof GitRefError)) throw e;
    io.stderr.write(`error ${e.code}: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
}

/**
 * The intent at a git ref, compiled as compile would (the ref's committed out/, when it has one,
 * keeps the packing it was deployed with). Its waves run in reverse order unless --emergency.
 */
async function revertToRefTarget(at: MaterializedRef, flags: RolloutFlags, io: CliIO): Promise<RolloutTarget | number> {
  const describe = `the intent at ${at.ref} (${at.shortCommit})`;
  // Diagnostics name the ref's files as the repository does (guardrails/x.yaml), not the temporary copy.
  const atRef: CliIO = { ...io, cwd: at.dir };
  const cacheRel = belowCwd(flags.cacheAtRef ?? flags.cache, io.cwd);
  const cacheAtRef = cacheRel !== undefined && at.present.includes(cacheRel);
  // A repository without a cache of its own compiles against the reference shipped with guardrails, at every commit alike.
  if (cacheRel !== undefined && !cacheAtRef && flags.shippedWith === undefined) io.stderr.write(`warning: ${at.ref} (${at.shortCommit}) has no ${cacheRel}/: its intent is compiled against the working tree's reference cache\n`);
  const ws = await openWorkspace([], cacheRel !== undefined && cacheAtRef ? cacheRel : { ...flags, cache: path.resolve(io.cwd, flags.cache) }, atRef);
  const fail = (diagnostics: Diagnostic[]) => {
    const sorted = printDiagnostics(diagnostics, ws, atRef);
    io.stderr.write(`rollout failed: ${describe} does not compile: ${summarizeCounts(sorted)}\n`);
    return EXIT_BAD_INPUT;
  };
  if (!ws.intent || !ws.reference || hasErrors(ws.diagnostics)) return fail(ws.diagnostics);
  const diagnostics = [...ws.diagnostics];
  let previous: OutManifest | undefined;
  let previousTexts: Map<string, string> | undefined;
  const outRel = belowCwd(flags.out, io.cwd);
  if (outRel !== undefined && at.present.includes(outRel)) {
    const located = locateOut(flags.out, at.dir);
    if (located.ok) previous = await readOutManifest(located.dir, { cwd: at.dir, sources: ws.sources, diagnostics });
    if (located.ok && previous) previousTexts = await readOutPolicies(located.dir, previous, { cwd: at.dir, diagnostics });
  }
  const compiled = compile({ intent: ws.intent, reference: ws.reference.index, referenceManifest: ws.reference.manifest, root: at.dir, ...(previous ? { previous } : {}), ...(previousTexts ? { previousTexts } : {}) });
  diagnostics.push(...compiled.diagnostics);
  if (!compiled.ok || hasErrors(diagnostics)) return fail(diagnostics);
  const loaded: LoadedCompile = { ws, intent: ws.intent, compiled, diagnostics, shownByCompile: new Set() };
  io.stderr.write(`reverting to ${describe}: ${compiled.policies.length} policies compiled\n`);
  return {
    reference: ws.reference.index,
    intentWaves: ws.intent.waves,
    rolloutSettings: ws.intent.rollout,
    source: compiledSource(loaded, describe, flags.emergency ? 'one-wave' : 'reverse', at.dir, { ref: at.ref, commit: at.commit }),
  };
}

/** A path the command line names, relative to cwd with '/' separators, when it lies below cwd. */
function belowCwd(given: string, cwd: string): string | undefined {
  const rel = path.relative(cwd, path.resolve(cwd, given));
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep).join('/');
}

async function rolloutTo(target: RolloutTarget, o: { run: string; journalFile: string; bakeOverride: number | undefined; accessDenied?: AccessDeniedSettings }, flags: RolloutFlags, io: CliIO): Promise<number> {
  const { source, reference, intentWaves, rolloutSettings, saved } = target;
  const { run, journalFile, bakeOverride, accessDenied } = o;
  const bakeSeconds = (wave: string) => bakeOverride ?? intentWaves.find((w) => w.name === wave)?.bake?.seconds ?? rolloutSettings?.bake?.seconds ?? DEFAULT_BAKE_SECONDS;
  if (accessDenied && !flags.emergency) {
    const short = intentWaves.map((w) => w.name).filter((w) => bakeSeconds(w) * 1000 < SHORTEST_USEFUL_BAKE_MS);
    if (short.length) io.stderr.write(`warning access-denied-short-bake: wave${short.length === 1 ? '' : 's'} ${short.join(', ')} bake${short.length === 1 ? 's' : ''} less than ${SHORTEST_USEFUL_BAKE_MS / 60_000}m: CloudTrail delivers a record about ${CLOUDTRAIL_DELIVERY_LAG_MS / 60_000} min after the call, so --access-denied sees little of the bake\n`);
  }
  const writer = organizationsClientFromEnv(io.env, { maxAttempts: 1 });
  const reader = organizationsClientFromEnv(io.env);
  const signal = io.interrupt?.() ?? new AbortController().signal;
  const caller = await callerIdentity(stsClientFromEnv(io.env));
  let journal: Pick<Journal, 'append' | 'close'> = { append: async () => {}, close: async () => {} };
  if (!flags.dryRun) {
    try {
      if (!flags.journal) await mkdir(path.dirname(journalFile), { recursive: true });
      journal = await openJournal(journalFile);
    } catch (e) {
      if (!(e instanceof JournalError)) throw e;
      io.stderr.write(`error journal: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
  }
  // The journal's file handle is closed on every path, a thrown error included (no descriptor is left to GC).
  try {
    // A resumed run's own records: a wave whose bake it did not finish is baked again, though nothing is left to write.
  let history: JournalRecord[];
  try {
    history = readJournal(journalFile).records.filter((r) => r.run === run);
  } catch (e) {
    if (!(e instanceof JournalError)) throw e;
    io.stderr.write(`error journal: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const progress = showsProgress(io);

    // Canary probes: what the change newly denies a role of the canary's account (the semantic diff of the
    // first plan), and what the intent says must keep working; IAM is asked in the canary's account.
    const canaries = rolloutSettings?.canaries ?? [];
    const iamFor = iamClientFactory(io.env, assumeRoleWith(stsClientFromEnv(io.env)));
    const newlyDenied = canaries.length && !flags.revert ? await newlyDeniedByAccount(source, reader, reference) : new Map<string, string[]>();
    const canaryClients = new Map<string, IamApi>();
    // IAM's simulator does not evaluate RCPs: their probes are decided by the project's engine over the
    // RCPs deployed now (labelled local): what the change newly denies a principal outside the
    // organization on the canary account's resources must be denied, mustStillWork must stay allowed.
    const canariesOf = (wave: string, state: OrgState) =>
      canaries
        .filter((c) => c.wave === wave)
        .map((c) => {
          const account = accountOfArn(c.principal);
          const rcpDenied = (newlyDenied.get(`rcp:${account}`) ?? []).slice(0, CANARY_DENIED_SAMPLE);
          const outsider = deployedRcpDecider(state, { principal: OUTSIDER, resourceAccount: account }, reference);
          const insider = deployedRcpDecider(state, { principal: c.principal, resourceAccount: account }, reference);
          const denied = new Set(rcpDenied.map((a) => a.toLowerCase()));
          return {
            iam: lazyIam(canaryClients, c, () => canaryClient(iamFor, c)),
            probe: {
              principal: c.principal,
              mustBeDenied: (newlyDenied.get(`scp:${account}`) ?? []).slice(0, CANARY_DENIED_SAMPLE),
              mustStillWork: c.mustStillWork,
              local: { mustBeDenied: rcpDenied, mustStillWork: c.mustStillWork, decide: (action: string, resource: string) => (denied.has(action.toLowerCase()) ? outsider : insider)(action, resource) },
            },
          };
        });

    const report: RolloutReport = await runRollout({
      run,
      command: ['guardrails', 'rollout', ...process.argv.slice(3)].join(' '),
      source,
      writer,
      reader,
      lockClient: reader,
      ...(rateScale(io.env) ? { rateLimits: scaledRateLimits(rateScale(io.env)!) } : {}),
      caller,
      reference,
      journal,
      ...(saved ? { saved } : {}),
      ...(flags.until ? { until: flags.until } : {}),
      ...(flags.wave ? { only: flags.wave } : {}),
      history,
      dryRun: flags.dryRun === true,
      resume: flags.resume !== undefined,
      bakeSeconds: flags.emergency ? () => 0 : bakeSeconds,
      protect: rolloutSettings?.protect ?? [],
      allowLockoutRisk: flags.allowLockoutRisk === true,
      enablePolicyTypes: flags.enablePolicyTypes === true,
      bakeSources: async (w: { name: string; accounts: string[]; state: OrgState; startedAt: number }) => ({
        ...(accessDenied ? { accessDenied: accessDeniedSource(accessDenied, w, { io, now: Date.now }) } : {}),
        ...(flags.check ? { check: { command: flags.check, options: { cwd: io.cwd, env: io.env, run, wave: w.name, accounts: w.accounts, timeoutMs: 10 * 60_000 } } } : {}),
        canaries: canariesOf(w.name, w.state),
      }),
      ...(canaries.length
        ? {
            watchCanaries: async (w: { name: string; since: number; timeoutMs: number }) => {
              const state = (await readOrganization(reader)).state;
              return Promise.all(
                canariesOf(w.name, state).map(async ({ iam, probe }) => {
                  const watched = await watchCanary(iam, probe, { since: w.since, timeoutMs: w.timeoutMs, everyMs: Math.min(20_000, Math.max(1_000, w.timeoutMs / 10)), signal });
                  const detail = watched.ok
                    ? `${probe.principal}: every probe as wanted after ${(watched.propagationMs! / 1000).toFixed(0)} s (${watched.polls} poll(s))`
                    : watched.interrupted
                      ? `${probe.principal}: interrupted before IAM showed the change`
                      : `${probe.principal}: not as wanted ${w.timeoutMs ? `within the bake (${Math.round(w.timeoutMs / 1000)} s)` : 'right after the wave (no bake)'}: ${watched.last.problems.slice(0, 3).join('; ')}`;
                  return { principal: probe.principal, ok: watched.ok, ...(watched.propagationMs !== undefined ? { propagationMs: watched.propagationMs } : {}), detail };
                }),
              );
            },
          }
        : {}),
      ...(flags.approve ? { approve: (next: string) => ask(`go on with wave ${next}? [y/N] `, io) } : {}),
      clock: { now: () => Date.now(), sleep: (ms, s) => sleep(ms, s ?? signal), random: Math.random },
      signal,
      onEvent: (e) => printEvent(e, io, progress),
    });
    if (flags.json) writeJson(io, report);
    else io.stdout.write(renderRolloutReport(report));
    if (report.result === 'interrupted') io.stderr.write(`resume with: guardrails rollout --live --resume ${run}${flags.journal ? ` --journal ${flags.journal}` : ''}\n`);
    if (!flags.dryRun) io.stderr.write(`journal: ${path.relative(io.cwd, journalFile)}\n`);
    return report.exitCode;
  } finally {
    await journal.close();
  }
}

/** `guardrails rollout unlock RUN`: like terraform force-unlock, for the named run's lock only. */
export async function runUnlock(runId: string, io: CliIO): Promise<number> {
  const result = await forceUnlock(organizationsClientFromEnv(io.env), runId);
  if (!result.released) {
    io.stderr.write(`error unlock: ${result.heldBy ? `the rollout lock is held by run ${result.heldBy.run} (${result.heldBy.holder}), not ${runId}: only the named run's lock is released` : 'no rollout holds the lock'}\n`);
    return EXIT_BAD_INPUT;
  }
  io.stdout.write(`released the rollout lock of run ${runId}\n`);
  return 0;
}

/** A principal outside the organization, for RCP probes (the semantic diff's outsider persona). */
const OUTSIDER = 'arn:aws:iam::999999999999:role/guardrails-canary-outsider';

/** At most this many newly denied actions are probed per canary: a sample, the IAM calls stay few. */
const CANARY_DENIED_SAMPLE = 50;

function accountOfArn(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** An IAM client made on first use, so a rollout whose canaries are never probed assumes no role. */
function lazyIam(cache: Map<string, IamApi>, c: { principal: string; assumeRole?: string }, make: () => Promise<IamApi>): IamApi {
  return {
    send: async (command: unknown) => {
      const key = c.assumeRole ?? '';
      let client = cache.get(key);
      if (!client) cache.set(key, (client = await make()));
      return client.send(command as never);
    },
  } as IamApi;
}

/** sts:AssumeRole with the rollout's own credentials, for the canary clients. */
function assumeRoleWith(sts: { send(command: unknown): Promise<unknown> }) {
  return async (roleArn: string, sessionName: string) => {
    const out = (await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }))) as { Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date } };
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error(`sts:AssumeRole ${roleArn} returned no credentials`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, ...(c.Expiration ? { expiration: c.Expiration } : {}) };
  };
}

/**
 * Per `scp:ACCOUNT`, the actions the change newly denies a role of the account; per `rcp:ACCOUNT`, those
 * it newly denies a principal outside the organization on the account's resources (the first plan's).
 */
async function newlyDeniedByAccount(source: PlanSource, reader: OrganizationsApi, reference: ReferenceIndex): Promise<Map<string, string[]>> {
  const planned = source.planAgainst((await readOrganization(reader)).state);
  const out = new Map<string, string[]>();
  if (!planned.ok) return out;
  for (const g of deploymentSemanticDiff(planned.deployment, reference, { partnerAccounts: [] })) {
    // SCPs: a role of the account; RCPs: a role outside the organization, on the account's resources.
    if (g.type === 'rcp' && !g.personas.some((p) => p.includes('outside the organization'))) continue;
    const actions = g.changes.filter((c) => c.kind === 'newly-denied').flatMap((c) => c.services.flatMap((x) => x.actions));
    for (const a of g.accounts) out.set(`${g.type}:${a}`, [...new Set([...(out.get(`${g.type}:${a}`) ?? []), ...actions])].sort());
  }
  return out;
}

/** One answer from the terminal: yes only when it says so. */
async function ask(question: string, io: CliIO): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    io.stderr.write('\n');
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function printEvent(e: RolloutEvent, io: CliIO, progress: boolean): void {
  switch (e.kind) {
    case 'info':
      io.stderr.write(`${e.text}\n`);
      break;
    case 'warning':
      io.stderr.write(`warning: ${e.text}\n`);
      break;
    case 'wave':
      io.stderr.write(`wave ${e.wave}: ${e.calls} call(s) for ${e.accounts} account(s), at least ${e.leastSeconds.toFixed(1)} s at the rate limits\n`);
      break;
    case 'step':
      if (progress) io.stderr.write(`\r\x1b[2K  [${e.index + 1}/${e.total}] ${e.text}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`);
      else if (e.attempt > 1) io.stderr.write(`  [${e.index + 1}/${e.total}] ${e.text}: attempt ${e.attempt}${e.waitMs ? ` after ${Math.round(e.waitMs)} ms` : ''}\n`);
      break;
    case 'verify':
      io.stderr.write(`${progress ? '\r\x1b[2K' : ''}wave ${e.wave}: verification ${e.ok ? 'passed' : 'FAILED'} after ${e.polls} read(s)${e.ok ? '' : `: ${e.differences.slice(0, 5).join('; ')}`}\n`);
      break;
    case 'bake':
      if (progress) io.stderr.write(`\r\x1b[2K  baking wave ${e.wave}: ${formatSeconds(e.elapsedSeconds)} of ${formatSeconds(e.totalSeconds)}`);
      break;
    case 'signal':
      if (!e.result.ok || !progress) io.stderr.write(`${progress ? '\r\x1b[2K' : ''}  ${e.result.signal}: ${e.result.ok ? 'ok' : 'FAILED'}: ${e.result.detail}\n`);
      break;
    case 'dry-run':
      io.stdout.write(renderPlanText(e.plan));
      break;
  }
}

/**
 * GUARDRAILS_RATE_SCALE multiplies Organizations' recorded write rates: for a local endpoint such as
 * moto, which has none. Against AWS it only earns throttling, which the executor then waits out.
 */
function rateScale(env: NodeJS.ProcessEnv): number | undefined {
  const n = Number(env.GUARDRAILS_RATE_SCALE);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

function formatSeconds(s: number): string {
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s` : `${Math.floor(s)}s`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', done);
      clearTimeout(t);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

