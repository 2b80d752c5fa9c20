/**
 * `rollout --access-denied SOURCE`: the bake's access-denied signal (src/rollout/access-denied.ts) reading
 * CloudTrail from a directory in its S3 delivery layout or from the same layout in S3 (`s3://BUCKET/PREFIX`).
 * Each window is reduced to shapes by impact's sources (`impact --cloudtrail` reads the same ones: only the
 * wave's accounts' folders, nothing projected, since only deniedBy and the policy a message names matter
 * here) and counted against the policies guardrails owns after the wave. The rollout never imports
 * src/impact; it gets the function built here.
 */
import * as fs from 'node:fs';
import { accessDeniedCounts } from '../impact/access-denied.js';
import { NOTHING_PROJECTED } from '../impact/projection.js';
import { readSource, sourceSpec, type SourceSpec } from './impact-source.js';
import { isOwned, type OrgState } from '../org/index.js';
import { CLOUDTRAIL_DELIVERY_LAG_MS, DEFAULT_MAX_OWNED_DENIALS, DEFAULT_MAX_UNNAMED_DENIALS, type AccessDeniedSource } from '../rollout/index.js';
import { UsageError, type CliIO } from './io.js';

export interface AccessDeniedFlags {
  accessDenied?: string;
  accessDeniedMaxOwned?: string;
  accessDeniedMaxUnnamed?: string;
}

export interface AccessDeniedSettings {
  /** A directory in CloudTrail's delivery layout, or an s3:// prefix (impact-source.ts). */
  source: SourceSpec;
  maxOwned: number;
  maxUnnamed: number;
}

/** The flags checked before anything is read or written; undefined without --access-denied. */
export function accessDeniedSettings(flags: AccessDeniedFlags, cwd: string): AccessDeniedSettings | undefined {
  const count = (text: string | undefined, flag: string, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a number of events (0 or more)`);
    return n;
  };
  if (flags.accessDenied === undefined) {
    if (flags.accessDeniedMaxOwned !== undefined || flags.accessDeniedMaxUnnamed !== undefined) throw new UsageError('--access-denied-max-owned and --access-denied-max-unnamed apply to --access-denied DIR');
    return undefined;
  }
  const value = flags.accessDenied;
  if (value.startsWith('shapes:') || value.startsWith('athena:')) throw new UsageError(`--access-denied reads CloudTrail from a directory or an s3:// prefix in its delivery layout, not ${JSON.stringify(value.slice(0, 100))}: the bake reads each window as it passes`);
  const source = sourceSpec(value, {}, cwd);
  if (source.kind === 'directory' && !fs.statSync(source.dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--access-denied ${value}: not a directory (CloudTrail's S3 delivery layout: AWSLogs/<o-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/)`);
  return { source, maxOwned: count(flags.accessDeniedMaxOwned, '--access-denied-max-owned', DEFAULT_MAX_OWNED_DENIALS), maxUnnamed: count(flags.accessDeniedMaxUnnamed, '--access-denied-max-unnamed', DEFAULT_MAX_UNNAMED_DENIALS) };
}

/** The signal's source for one wave: its accounts, the policies guardrails owns once it is written, when it started. */
export function accessDeniedSource(settings: AccessDeniedSettings, wave: { accounts: readonly string[]; state: OrgState; startedAt: number }, options: { io: Pick<CliIO, 'cwd' | 'env'>; now: () => number; lagMs?: number }): AccessDeniedSource {
  const accounts = new Set(wave.accounts);
  const owned = new Set(wave.state.policies.filter((p) => isOwned(p)).map((p) => p.id));
  return {
    waveStartedAt: wave.startedAt,
    now: options.now,
    lagMs: options.lagMs ?? CLOUDTRAIL_DELIVERY_LAG_MS,
    maxOwned: settings.maxOwned,
    maxUnnamed: settings.maxUnnamed,
    read: async ({ from, to }) => {
      // A source's window is [since, until): the windows before and during the wave meet without overlap.
      // A source that cannot be read throws: the signal fails and the bake reports it.
      const read = await readSource(settings.source, {}, { projection: NOTHING_PROJECTED, window: { since: new Date(from), until: new Date(to) }, accounts: [...accounts], io: options.io });
      return accessDeniedCounts(read.reduction.shapes, accounts, owned);
    },
  };
}
