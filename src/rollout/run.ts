/**
 * The rollout loop, one wave at a time: lock -> read the live organization -> plan again -> preflight
 * -> apply the wave's steps -> verify -> bake while watching health signals -> gate -> next wave.
 *
 * The organization is the truth, the journal only the record: every wave starts from a fresh read and
 * a fresh plan (the planner goes on from any deployed state), so a rollout interrupted anywhere, even
 * killed between a write and its answer, resumes by running again. A halt-class error (another actor
 * took a slot, a policy vanished) ends the wave's execution; the loop reads and plans again, and
 * gives up after a few attempts instead of fighting another actor forever.
 */
import type { CompiledPolicy } from '../compile/index.js';
import type { Diagnostic } from '../diagnostics/index.js';
import { enabledPolicyTypes, isOwned, readOrganization, type OrganizationsApi, type OrgOperation, type OrgState } from '../org/index.js';
import { comparePlans, type Deployment, type Plan, type PlanFile } from '../plan/index.js';
import type { PolicyType } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { bake, bakeSignals, checkSignal, type BakeSignalSources, type SignalResult } from './bake.js';
import { runCheck } from './check-command.js';
import { driftExpectationOf } from './drift.js';
import { executeWave, type WaveExecution } from './executor.js';
import type { Journal } from './journal.js';
import { acquireLock, releaseLock, renewLock, type LockInfo } from './lock.js';
import type { ProtectRule } from '../intent/index.js';
import { ensurePolicyTypes, lockoutGuard, lockoutRefuses, type CallerIdentity } from './preflight.js';
import { WritePacer, type RateLimits } from './pacing.js';
import type { JournalRecord, OwnedPolicySnapshot } from './types.js';
import { verifyWave } from './verify.js';

/** Where the rollout takes the organization: the compiled policies, or (revert) a run's starting point. */
export interface PlanSource {
  describe: string;
  /** The policy types the rollout writes: enabled (when allowed to) before the first plan. */
  neededTypes: PolicyType[];
  /** The compiled policies, when the source is the intent: lockout findings then name controls and their intent lines. */
  compiled?: readonly CompiledPolicy[];
  /** When the source is the intent of a git commit (revert --to): recorded in the journal's run-start. */
  intentAt?: { ref: string; commit: string };
  planAgainst(state: OrgState): { ok: true; deployment: Deployment; plan: Plan; file: PlanFile } | { ok: false; diagnostics: Diagnostic[] };
}

export type RolloutResult = 'done' | 'stopped' | 'halted' | 'refused' | 'interrupted';

export const ROLLOUT_EXIT: Record<RolloutResult, number> = { done: 0, stopped: 0, halted: 1, refused: 2, interrupted: 3 };

/** What the terminal shows while a rollout runs (the CLI prints; this module never does). */
export type RolloutEvent =
  | { kind: 'info'; text: string }
  | { kind: 'warning'; text: string }
  | { kind: 'wave'; wave: string; calls: number; leastSeconds: number; accounts: number }
  | { kind: 'step'; wave: string; index: number; total: number; text: string; attempt: number; waitMs?: number }
  | { kind: 'verify'; wave: string; ok: boolean; polls: number; differences: string[] }
  | { kind: 'bake'; wave: string; elapsedSeconds: number; totalSeconds: number }
  | { kind: 'signal'; wave: string; result: SignalResult }
  | { kind: 'dry-run'; plan: Plan; file: PlanFile };

/** How long a canary took to show what its wave changed. */
export interface CanaryPropagation {
  principal: string;
  ok: boolean;
  /** From the wave's last write to the first answer with every probe as wanted. */
  propagationMs?: number;
  detail: string;
}

export interface WaveReport {
  name: string;
  calls: number;
  retries: Record<string, number>;
  ms: number;
  leastSeconds: number;
  replans: number;
  verification?: { ok: boolean; polls: number; ms: number; differences: string[] };
  bake?: { ok: boolean; ms: number; checks: number };
  signals: SignalResult[];
  propagation?: CanaryPropagation[];
  /** Nothing to do and nothing owed: no step planned, and no bake of this run left unfinished. */
  skipped?: boolean;
}

export interface RolloutReport {
  run: string;
  result: RolloutResult;
  exitCode: number;
  reason?: string;
  /** Refusals found before anything was written (preflight, stale plan, lock). */
  findings: string[];
  waves: WaveReport[];
  caller?: CallerIdentity;
}

export interface RolloutClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
}

export interface RolloutOptions {
  run: string;
  /** The command line that started the run, recorded in the journal. */
  command: string;
  source: PlanSource;
  /** Writes: a client without the SDK's own retries (the executor retries, knowing what each error means). */
  writer: OrganizationsApi;
  /** Reads: a client with the SDK's retries. */
  reader: OrganizationsApi;
  caller: CallerIdentity;
  reference: ReferenceIndex;
  journal: Pick<Journal, 'append'>;
  /** A saved, reviewed plan: apply only what it says (Terraform's stale-plan rule). */
  saved?: PlanFile;
  /** Stop after this wave (the run ends "stopped", exit 0). */
  until?: string;
  /** Apply this wave only: refused while an earlier wave has steps left or a bake of this run unfinished. */
  only?: string;
  /** What this run's journal already holds (a resumed run): which waves still owe their bake. */
  history?: readonly JournalRecord[];
  dryRun: boolean;
  /** Take over the lock of this same run (resuming after a kill). */
  resume: boolean;
  bakeSeconds(wave: string): number;
  protect: ProtectRule[];
  allowLockoutRisk: boolean;
  enablePolicyTypes: boolean;
  /**
   * Health signals during bake, beyond drift: canary probes, the user's check command (run after the wave
   * and at the bake's end), CloudTrail's AccessDenied events since the wave `startedAt` (the clock's ms).
   */
  bakeSources?: (wave: { name: string; accounts: string[]; state: OrgState; startedAt: number }) => Promise<Pick<BakeSignalSources, 'canaries' | 'check' | 'probeOptions' | 'accessDenied'>>;
  /**
   * After a wave is verified: probe its canaries until IAM shows what the wave changed (enforcement lags
   * Organizations by minutes), measuring how long that took.
   */
  watchCanaries?: (wave: { name: string; accounts: string[]; since: number; timeoutMs: number }) => Promise<CanaryPropagation[]>;
  /** Asked between waves when given (a terminal); false ends the run "stopped". */
  approve?: (nextWave: string) => Promise<boolean>;
  /** The lock's calls: a client with the SDK's retries (its create is recognised as ours when an answer is lost). */
  lockClient: OrganizationsApi;
  /** Organizations' write rate limits (default: those recorded in src/org/rate-limits.json). */
  rateLimits?: RateLimits;
  verify?: { timeoutMs: number; intervalMs: number };
  maxReplans?: number;
  clock: RolloutClock;
  signal: AbortSignal;
  onEvent(e: RolloutEvent): void;
}

/**
 * How long a lock outlives its last renewal (each wave renews it): a run that was killed holds the
 * organization that long, unless it is resumed (a run takes its own lock back) or unlocked.
 */
const LOCK_TTL_MS = 24 * 60 * 60 * 1000;

export async function runRollout(o: RolloutOptions): Promise<RolloutReport> {
  const pacer = new WritePacer({ now: o.clock.now, sleep: o.clock.sleep, ...(o.rateLimits ? { limits: o.rateLimits } : {}) });
  const report: RolloutReport = { run: o.run, result: 'done', exitCode: 0, findings: [], waves: [], caller: o.caller };
  const at = () => new Date(o.clock.now()).toISOString();
  const journal = (r: JournalRecord) => o.journal.append(r);
  const end = async (result: RolloutResult, reason?: string): Promise<RolloutReport> => {
    report.result = result;
    report.exitCode = ROLLOUT_EXIT[result];
    if (reason !== undefined) report.reason = reason;
    if (!o.dryRun) await journal({ kind: 'run-end', run: o.run, at: at(), result, exitCode: report.exitCode, ...(reason !== undefined ? { reason } : {}) });
    return report;
  };

  // First read and plan: preflight checks every wave before the lock is even taken, so a refusal writes
  // nothing (enabling a policy type aside, which --enable-policy-types asks for: the planner refuses to
  // plan policies of a type the organization has not enabled).
  let state = await read(o);
  const types = await ensurePolicyTypes(o.writer, {
    rootId: state.root.id,
    needed: o.source.neededTypes,
    enabled: [...enabledPolicyTypes(state)],
    enable: o.enablePolicyTypes && !o.dryRun,
    poll: { timeoutMs: 300_000, intervalMs: 2_000, sleep: (ms) => o.clock.sleep(ms, o.signal) },
  });
  if (!types.ok) {
    report.findings.push(types.reason);
    return end('refused', types.reason);
  }
  if (types.enabled.some((t) => !enabledPolicyTypes(state).has(t))) state = await read(o);
  let planned = o.source.planAgainst(state);
  if (!planned.ok) {
    report.findings.push(...planned.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message));
    return end('refused', `the plan could not be made: ${report.findings[0] ?? 'see the diagnostics'}`);
  }
  const stale = o.saved ? comparePlans(o.saved, planned.file) : [];
  if (stale.length) {
    report.findings.push(...stale);
    return end('refused', staleReason(stale));
  }
  const refusal = await preflight(o, planned, report);
  if (refusal) return end('refused', refusal);
  if (o.dryRun) {
    o.onEvent({ kind: 'dry-run', plan: planned.plan, file: planned.file });
    return end('done');
  }

  const until = o.only ?? o.until;
  if (o.only) {
    const refusal = onlyWaveRefusal(o.only, planned.file, o.history ?? []);
    if (refusal) {
      report.findings.push(refusal);
      return end('refused', refusal);
    }
  }

  let lock: LockInfo;
  {
    const taken = await acquireLock(o.lockClient, { run: o.run, holder: o.caller.arn, ttlMs: LOCK_TTL_MS, now: () => new Date(o.clock.now()) });
    if (!taken.ok) {
      report.findings.push(`another rollout holds the organization's lock: run ${taken.heldBy.run} by ${taken.heldBy.holder} since ${taken.heldBy.acquiredAt} (expires ${taken.heldBy.expiresAt})`);
      return end('refused', `${report.findings[0]}; resume that run with --resume ${taken.heldBy.run}, wait for it, or break the lock with guardrails rollout unlock ${taken.heldBy.run}`);
    }
    lock = taken.lock;
  }
  try {
    await journal({ kind: 'run-start', run: o.run, at: at(), command: o.command, caller: o.caller.arn, organization: state.organization.id, digests: planned.file.digests, waves: planned.file.waves.map((w) => w.name), snapshot: ownedSnapshot(state), ...(o.source.intentAt ? { intentAt: o.source.intentAt } : {}) });
    const names = planned.file.waves.map((w) => w.name);
    /** The state the last bake round read (none yet): where the next wave's plan starts. */
    let carried: OrgState | undefined = state;
    for (const name of names) {
      if (o.signal.aborted) return await end('interrupted', `interrupted before wave ${name}`);
      const renewed = await renewLock(o.lockClient, lock, { now: () => new Date(o.clock.now()), ttlMs: LOCK_TTL_MS });
      if (!renewed.ok) return await end('halted', `the rollout lock was taken from run ${o.run}${renewed.heldBy ? ` by run ${renewed.heldBy.run} (${renewed.heldBy.holder})` : ''}: another rollout may be writing; nothing more is done`);
      lock = renewed.lock;
      const wave: WaveReport = { name, calls: 0, retries: {}, ms: 0, leastSeconds: 0, replans: 0, signals: [] };
      report.waves.push(wave);
      const started = o.clock.now();
      let accounts: string[] = [];
      /** When the wave's last write was answered: canary propagation is measured from here. */
      let wroteAt = o.clock.now();
      // Execute, and on a halt read and plan again: the planner goes around what another actor did.
      // The first plan of a wave uses the read the last wave's bake ended with, when there was one: it
      // is the organization as it is now (nothing of this rollout wrote since).
      for (let first = true; ; first = false) {
        if (!first || !carried) state = await read(o);
        else state = carried;
        carried = undefined;
        planned = o.source.planAgainst(state);
        if (!planned.ok) return await end('halted', `wave ${name}: the organization can no longer be planned: ${planned.diagnostics.find((d) => d.severity === 'error')?.message ?? 'see the diagnostics'}`);
        const stale = o.saved ? comparePlans(o.saved, planned.file) : [];
        if (stale.length) {
          report.findings.push(...stale);
          return await end('refused', staleReason(stale));
        }
        const refused = await preflight(o, planned, report);
        if (refused) return await end('refused', refused);
        const index = planned.file.waves.findIndex((x) => x.name === name);
        const w = planned.file.waves[index];
        if (!w) return await end('halted', `wave ${name} is no longer in the plan`);
        // Waves this run already did can have steps again in a fresh plan (planned again after a halt, or
        // another actor changed the organization since): the plan's order puts them first, and the wave's
        // expected state is what the plan leaves after them, so they are made first, in this wave.
        const earlier = planned.file.waves.slice(0, index).flatMap((x) => x.steps);
        if (earlier.length) o.onEvent({ kind: 'info', text: `wave ${name}: the plan has ${earlier.length} step(s) left in the waves before it (${planned.file.waves.slice(0, index).filter((x) => x.steps.length).map((x) => x.name).join(', ')}): they are made first` });
        const steps = [...earlier, ...w.steps];
        if (first && steps.length === 0 && !owesBake(o.history ?? [], name)) {
          // Done before (a resumed run) or untouched by this change: a bake of nothing would only wait.
          wave.skipped = true;
          break;
        }
        accounts = w.accounts;
        wave.leastSeconds = w.leastSeconds;
        o.onEvent({ kind: 'wave', wave: name, calls: steps.length, leastSeconds: w.leastSeconds, accounts: w.accounts.length });
        await journal({ kind: 'wave-start', run: o.run, at: at(), wave: name, steps: steps.length, leastSeconds: w.leastSeconds });
        const done: WaveExecution = await executeWave(
          steps.map((s) => s.op),
          {
            client: o.writer,
            state,
            wave: name,
            run: o.run,
            journal: o.journal,
            pacer,
            sleep: o.clock.sleep,
            random: o.clock.random,
            now: o.clock.now,
            signal: o.signal,
            onProgress: (e) => o.onEvent({ kind: 'step', wave: name, ...e }),
          },
        );
        wave.calls += done.calls;
        for (const [code, n] of Object.entries(done.retries)) wave.retries[code] = (wave.retries[code] ?? 0) + n;
        if (done.result === 'interrupted') {
          await journal({ kind: 'wave-end', run: o.run, at: at(), wave: name, result: 'interrupted', calls: wave.calls, ms: o.clock.now() - started });
          return await end('interrupted', `interrupted in wave ${name} after ${done.done} of ${steps.length} steps`);
        }
        if (done.result === 'halted') {
          wave.replans++;
          const why = `${done.halt!.text}: ${done.halt!.code}: ${done.halt!.message}`;
          o.onEvent({ kind: 'warning', text: `wave ${name} halted at step ${done.halt!.index + 1} (${why}); reading the organization and planning again` });
          if (wave.replans > (o.maxReplans ?? 3)) {
            await journal({ kind: 'wave-end', run: o.run, at: at(), wave: name, result: 'halted', calls: wave.calls, ms: o.clock.now() - started });
            return await end('halted', `wave ${name}: halted ${wave.replans} times, the last at ${why}`);
          }
          continue;
        }
        wroteAt = o.clock.now();
        // Verify what the wave's targets hold now against the plan's expected state.
        const verified = await verifyWave(o.reader, w.expected, { timeoutMs: o.verify?.timeoutMs ?? 60_000, intervalMs: o.verify?.intervalMs ?? 2_000, sleep: o.clock.sleep, now: o.clock.now, signal: o.signal });
        wave.verification = verified;
        o.onEvent({ kind: 'verify', wave: name, ok: verified.ok, polls: verified.polls, differences: verified.differences });
        await journal({ kind: 'verify', run: o.run, at: at(), wave: name, ok: verified.ok, polls: verified.polls, ms: verified.ms, differences: verified.differences });
        if (!verified.ok) {
          await journal({ kind: 'wave-end', run: o.run, at: at(), wave: name, result: 'halted', calls: wave.calls, ms: o.clock.now() - started });
          return await end('halted', `wave ${name}: the organization does not hold what the wave should leave: ${verified.differences[0]}`);
        }
        break;
      }
      if (wave.skipped) {
        o.onEvent({ kind: 'info', text: `wave ${name}: nothing to do (no step planned, no bake of this run owed)` });
        await journal({ kind: 'wave-end', run: o.run, at: at(), wave: name, result: 'skipped', calls: 0, ms: 0 });
        if (until === name) return await end('stopped', `stopped after wave ${name} (${o.only ? '--wave' : '--until'})`);
        continue;
      }

      if (o.watchCanaries) {
        // A canary that has not shown the change by the end of the bake time has failed (with no bake: at once).
        wave.propagation = await o.watchCanaries({ name, accounts, since: wroteAt, timeoutMs: o.bakeSeconds(name) * 1000 });
        for (const p of wave.propagation) {
          const r: SignalResult = { signal: 'canary', ok: p.ok, detail: p.detail };
          wave.signals.push(r);
          o.onEvent({ kind: 'signal', wave: name, result: r });
          await journal({ kind: 'signal', run: o.run, at: at(), wave: name, signal: 'canary', ok: p.ok, detail: p.detail });
        }
        const stuck = wave.propagation.find((p) => !p.ok);
        if (stuck) {
          await journal({ kind: 'wave-end', run: o.run, at: at(), wave: name, result: 'halted', calls: wave.calls, ms: o.clock.now() - started });
          return await end('halted', `wave ${name}: canary ${stuck.principal}: ${stuck.detail}`);
        }
      }

      // Bake: drift of what this rollout owns and of the wave's targets, canaries, the user's check.
      const touched = planned.file.waves.find((x) => x.name === name)!.expected.map((t) => ({ id: t.id, type: t.type }));
      const stateAfter = await read(o);
      const expectedAfter = driftExpectationOf(stateAfter, touched);
      const seconds = o.bakeSeconds(name);
      const extra = (await o.bakeSources?.({ name, accounts, state: stateAfter, startedAt: started })) ?? {};
      const record = async (results: SignalResult[]) => {
        for (const r of results) {
          wave.signals.push(r);
          o.onEvent({ kind: 'signal', wave: name, result: r });
          await journal({ kind: 'signal', run: o.run, at: at(), wave: name, signal: r.signal, ok: r.ok, detail: r.detail });
        }
        return results;
      };
      if (extra.check) {
        const after = await record([checkSignal(extra.check.command, await runCheck(extra.check.command, { ...extra.check.options, phase: 'after-wave', signal: o.signal }))]);
        if (!after[0]!.ok) {
          await journal({ kind: 'wave-end', run: o.run, at: at(), wave: name, result: 'halted', calls: wave.calls, ms: o.clock.now() - started });
          return await end('halted', `wave ${name}: ${after[0]!.detail}`);
        }
      }
      const readForDrift = async () => (carried = await read(o));
      // With no bake there is no time for another actor to drift anything: the read just made is where the next wave starts.
      if (seconds === 0) carried = stateAfter;
      const round = bakeSignals({ ...extra, ...(seconds > 0 ? { drift: { expected: expectedAfter, read: readForDrift } } : {}), signal: o.signal });
      const baked = await bake({
        seconds,
        everyMs: 60_000,
        signals: async (r) => record(await round(r)),
        sleep: o.clock.sleep,
        now: o.clock.now,
        signal: o.signal,
        onTick: (t) => o.onEvent({ kind: 'bake', wave: name, elapsedSeconds: t.elapsedMs / 1000, totalSeconds: seconds }),
        tickMs: 5_000,
      });
      wave.bake = { ok: baked.ok, ms: baked.ms, checks: baked.checks };
      wave.ms = o.clock.now() - started;
      if (baked.result === 'interrupted') {
        await journal({ kind: 'wave-end', run: o.run, at: at(), wave: name, result: 'interrupted', calls: wave.calls, ms: wave.ms });
        return await end('interrupted', `interrupted while wave ${name} baked (its changes are applied and verified)`);
      }
      await journal({ kind: 'wave-end', run: o.run, at: at(), wave: name, result: baked.ok ? 'done' : 'halted', calls: wave.calls, ms: wave.ms });
      if (!baked.ok) return await end('halted', `wave ${name}: health signal ${baked.failed!.signal} failed: ${baked.failed!.detail}`);
      if (until === name) return await end('stopped', `stopped after wave ${name} (${o.only ? '--wave' : '--until'})`);
      const next = names[names.indexOf(name) + 1];
      if (next && o.approve && !(await o.approve(next))) return await end('stopped', `stopped before wave ${next}: not approved`);
    }
    // The end: a full read must plan as nothing left to do.
    const final = o.source.planAgainst(carried ?? (await read(o)));
    const left = final.ok ? final.file.waves.reduce((n, w) => n + w.steps.length, 0) : -1;
    if (left !== 0) return await end('halted', left < 0 ? 'the final state could not be planned' : `after the last wave, ${left} call(s) are still planned: the organization is not what compile wants`);
    return await end('done');
  } finally {
    // The lock stays with a run that has more to do (stopped at --until, halted, interrupted): a second
    // rollout must not start over a half-done one. --resume takes it back; unlock breaks it.
    // A refusal (a stale plan, the lockout guard) ends the run for good: the next run starts from a new plan.
    if (report.result === 'done' || report.result === 'refused') await releaseLock(o.lockClient, lock).catch(() => undefined);
  }
}

/**
 * Whether this run wrote steps of the wave and has not journaled the end of its bake: a run killed or
 * halted while the wave baked must bake it again on resume, though the wave has nothing left to write.
 */
export function owesBake(history: readonly JournalRecord[], wave: string): boolean {
  let owed = false;
  for (const r of history) {
    if (r.kind === 'wave-start' && r.wave === wave && r.steps > 0) owed = true;
    if (r.kind === 'wave-end' && r.wave === wave && r.result === 'done') owed = false;
  }
  return owed;
}

/** `--wave NAME` applies one wave: every wave before it must be done (no step left, no bake owed). */
function onlyWaveRefusal(only: string, file: PlanFile, history: readonly JournalRecord[]): string | undefined {
  const names = file.waves.map((w) => w.name);
  if (!names.includes(only)) return `--wave ${only}: the plan has no such wave (its waves: ${names.join(', ')})`;
  for (const w of file.waves) {
    if (w.name === only) return undefined;
    if (w.steps.length) return `--wave ${only}: wave ${w.name} comes first and has ${w.steps.length} step(s) left; roll it out first (--wave ${w.name})`;
    if (owesBake(history, w.name)) return `--wave ${only}: wave ${w.name} comes first and its bake in this run did not finish; resume it first (--wave ${w.name})`;
  }
  return undefined;
}

function staleReason(stale: readonly string[]): string {
  return `the saved plan is stale: ${stale[0]}${stale.length > 1 ? ` (and ${stale.length - 1} more differences)` : ''}; plan again and review it`;
}

async function read(o: RolloutOptions): Promise<OrgState> {
  return (await readOrganization(o.reader, { source: 'AWS Organizations (live)', now: () => new Date(o.clock.now()) })).state;
}

/** Preflight on a fresh plan: the lockout guard at every wave's end state. */
async function preflight(o: RolloutOptions, planned: { deployment: Deployment; file: PlanFile }, report: RolloutReport): Promise<string | undefined> {
  const findings = lockoutGuard({
    deployment: planned.deployment,
    waves: planned.file.waves.map((w) => ({ name: w.name, steps: w.steps.map((s) => s.op) })),
    caller: o.caller,
    protect: o.protect,
    reference: o.reference,
    ...(o.source.compiled ? { compiled: o.source.compiled } : {}),
  });
  for (const f of findings) if (f.kind === 'note') o.onEvent({ kind: 'info', text: f.message });
  if (!lockoutRefuses(findings)) return undefined;
  const lines = findings.filter((f) => f.kind === 'denial').map((f) => f.message);
  if (o.allowLockoutRisk) {
    for (const l of lines) o.onEvent({ kind: 'warning', text: `LOCKOUT RISK ACCEPTED (--allow-lockout-risk): ${l}` });
    return undefined;
  }
  report.findings.push(...lines);
  return `the rollout would lock out ${lines.length === 1 ? 'a principal' : `principals (${lines.length} findings)`}: ${lines[0]}; pass --allow-lockout-risk only if that is intended`;
}

/** Every owned policy and its targets before the run: what --revert rolls back to. */
export function ownedSnapshot(state: OrgState): OwnedPolicySnapshot[] {
  return state.policies
    .filter((p) => isOwned(p))
    .map((p) => ({ name: p.name, type: p.type, content: p.content, description: p.description, tags: p.tags, targets: [...p.targets] }));
}
