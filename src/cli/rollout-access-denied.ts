/**
 * `rollout --access-denied DIR`: the bake's access-denied signal (src/rollout/access-denied.ts) reading
 * CloudTrail from a directory in its S3 delivery layout. Each window is reduced to shapes by impact's
 * directory source (only the wave's accounts' folders, nothing projected: only deniedBy and the policy a
 * message names matter here) and counted against the policies guardrails owns after the wave. The
 * rollout never imports src/impact; it gets the function built here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { accessDeniedCounts } from '../impact/access-denied.js';
import { NOTHING_PROJECTED } from '../impact/projection.js';
import { reduceDirectory } from '../impact/sources/directory.js';
import { isOwned, type OrgState } from '../org/index.js';
import { CLOUDTRAIL_DELIVERY_LAG_MS, DEFAULT_MAX_OWNED_DENIALS, DEFAULT_MAX_UNNAMED_DENIALS, type AccessDeniedSource } from '../rollout/index.js';
import { UsageError } from './io.js';

export interface AccessDeniedFlags {
  accessDenied?: string;
  accessDeniedMaxOwned?: string;
  accessDeniedMaxUnnamed?: string;
}

export interface AccessDeniedSettings {
  dir: string;
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
  const dir = path.resolve(cwd, flags.accessDenied);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--access-denied ${flags.accessDenied}: not a directory (CloudTrail's S3 delivery layout: AWSLogs/<o-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/)`);
  return { dir, maxOwned: count(flags.accessDeniedMaxOwned, '--access-denied-max-owned', DEFAULT_MAX_OWNED_DENIALS), maxUnnamed: count(flags.accessDeniedMaxUnnamed, '--access-denied-max-unnamed', DEFAULT_MAX_UNNAMED_DENIALS) };
}

/** The signal's source for one wave: its accounts, the policies guardrails owns once it is written, when it started. */
export function accessDeniedSource(settings: AccessDeniedSettings, wave: { accounts: readonly string[]; state: OrgState; startedAt: number }, options: { cwd: string; now: () => number; lagMs?: number }): AccessDeniedSource {
  const accounts = new Set(wave.accounts);
  const owned = new Set(wave.state.policies.filter((p) => isOwned(p)).map((p) => p.id));
  return {
    waveStartedAt: wave.startedAt,
    now: options.now,
    lagMs: options.lagMs ?? CLOUDTRAIL_DELIVERY_LAG_MS,
    maxOwned: settings.maxOwned,
    maxUnnamed: settings.maxUnnamed,
    read: async ({ from, to }) => {
      // The directory source's window is [since, until): the windows before and during the wave meet without overlap.
      const reduced = await reduceDirectory(settings.dir, { projection: NOTHING_PROJECTED, since: new Date(from), until: new Date(to), accounts: [...accounts], cwd: options.cwd });
      return accessDeniedCounts(reduced.shapes, accounts, owned);
    },
  };
}
