/**
 * `guardrails sync`: downloads AWS's service reference into the cache as a new snapshot.
 * All or nothing: any file that cannot be fetched and validated aborts the run and the cache is left
 * exactly as it was; a successful run switches to the new snapshot atomically.
 */
import { setMaxListeners } from 'node:events';
import * as path from 'node:path';
import { formatBytes, LIMITS } from '../files/limits.js';
import { CacheError, CacheStore, computeSnapshotId, type CacheManifest, type ServiceEntry, type SnapshotManifest } from './cache-store.js';
import { checkServiceFile, checkServiceList, parseJson, ShapeError, type ServiceListEntry } from './service-file.js';
import { FetchError, sameBase, serviceFilePath, type Conditional, type ReferenceSource } from './sources.js';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Retries in the whole run. Each wait is capped at maxDelayMs and each file at `attempts`, but a
   * mirror answering 503 to every file would still hold the run for attempts x maxDelayMs per file.
   */
  budget?: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8000, budget: 100 };

export interface SyncProgress {
  done: number;
  total: number;
  service: string;
}

export interface SyncOptions {
  cacheDir: string;
  source: ReferenceSource;
  concurrency?: number;
  retry?: RetryPolicy;
  onProgress?: (p: SyncProgress) => void;
  /** Called before each retry, so the CLI can say why a run is slow. */
  onRetry?: (url: string, attempt: number, reason: string, delayMs: number) => void;
  now?: () => Date;
  /** The working directory: it decides the repository the cache must stay inside (default: the process's). */
  cwd?: string;
}

export interface SyncStats {
  services: number;
  actions: number;
  /** Against the previous snapshot. */
  added: number;
  removed: number;
  changed: number;
  /** Files transferred (or read from a directory) and files the server answered 304 Not Modified for. */
  downloaded: number;
  notModified: number;
  unchangedBytes: number;
  downloadedBytes: number;
  retries: number;
}

export interface SyncResult {
  manifest: CacheManifest;
  previousSnapshotId: string | undefined;
  changed: boolean;
  stats: SyncStats;
  /** Why the previous manifest was not used (it failed its checks), when it was not: the history starts anew. */
  discardedManifest?: string;
}

export class SyncError extends Error {
  constructor(
    readonly reason: string,
    readonly url: string,
    readonly service: string | undefined,
  ) {
    super(`${service ? `service ${service}` : 'service list'} at ${url}: ${reason}`);
    this.name = 'SyncError';
  }
}

export async function syncReference(options: SyncOptions): Promise<SyncResult> {
  const { source } = options;
  const retry = options.retry ?? DEFAULT_RETRY;
  const budget = retry.budget ?? DEFAULT_RETRY.budget!;
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const store = new CacheStore(options.cacheDir, options.cwd !== undefined ? { cwd: options.cwd } : {});
  let previous: CacheManifest | undefined;
  let discardedManifest: string | undefined;
  try {
    previous = await store.readManifest();
  } catch (e) {
    // A manifest that fails its checks only costs conditional requests and the history; the new
    // snapshot replaces it. A cache that cannot be read at all, or that leads outside, cannot be written.
    if (!(e instanceof CacheError) || e.errno || e.code === 'outside-repository') throw e;
    discardedManifest = e.message.replace(/; run guardrails sync.*$/, '');
  }
  const stats: SyncStats = { services: 0, actions: 0, added: 0, removed: 0, changed: 0, downloaded: 0, notModified: 0, unchangedBytes: 0, downloadedBytes: 0, retries: 0 };
  const abort = new AbortController();
  // Every request in flight and every retry wait listens to it.
  setMaxListeners(2 * concurrency + 10, abort.signal);
  const tx = await store.begin();
  try {
    const fetchValidated = async <T>(relative: string, service: string | undefined, conditional: Conditional | undefined, maxBytes: number, check: (bytes: Buffer) => T) => {
      const url = source.locate(relative);
      let shapeFailures = 0;
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await source.get(relative, { conditional, signal: abort.signal, maxBytes });
          if (res.status === 'not-modified') return { res, value: undefined };
          return { res, value: check(res.bytes) };
        } catch (e) {
          if (!(e instanceof FetchError || e instanceof ShapeError)) throw e;
          // A bad shape is retried once, for a transfer cut short; a file that is wrong stays wrong.
          const retryable = e instanceof FetchError ? e.retryable : source.remote && ++shapeFailures < 2;
          const reason = e.message;
          if (abort.signal.aborted) throw new SyncError('cancelled', url, service);
          if (!retryable || attempt >= retry.attempts) {
            throw new SyncError(attempt > 1 ? `${reason} (after ${attempt} attempts)` : reason, url, service);
          }
          if (stats.retries >= budget) throw new SyncError(`${reason} (and ${budget} retries in this run already: stopping)`, url, service);
          stats.retries++;
          // A server that says when to come back knows its load better than our backoff does; the cap
          // keeps a far-off date from stalling the run.
          const delay = e instanceof FetchError && e.retryAfterMs !== undefined ? Math.min(retry.maxDelayMs, e.retryAfterMs) : backoff(retry, attempt);
          options.onRetry?.(url, attempt, reason, delay);
          await sleep(delay, abort.signal);
        }
      }
    };

    // Another mirror may answer 304 to a tag or date it never issued (an older copy, the same clock second),
    // and the cache would keep content that source never served under its name.
    const sameSource = previous !== undefined && sameBase(sourceAsRead(previous.source, options.cacheDir), source.base);
    const listConditional = sameSource && (await store.hasObjectFile(previous!.serviceList.sha256)) ? previous!.serviceList : undefined;
    /** The cached copy the server says is still current, checked as a download would be; undefined when it is damaged. */
    const keptCopy = async <T>(sha: string, what: string, maxBytes: number, check: (bytes: Buffer) => T): Promise<T | undefined> => {
      try {
        return check(await store.readObject(sha, what, maxBytes));
      } catch (e) {
        if (e instanceof CacheError || e instanceof ShapeError) return undefined;
        throw e;
      }
    };
    const checkList = (b: Buffer) => checkServiceList(parseJson(b));
    let listed = await fetchValidated('service-list.json', undefined, listConditional, LIMITS.serviceList, checkList);
    let entries = listed.res.status === 'not-modified' ? await keptCopy(previous!.serviceList.sha256, 'the service list', LIMITS.serviceList, checkList) : undefined;
    const serviceList: SnapshotManifest['serviceList'] = { sha256: '' };
    if (entries) {
      serviceList.sha256 = previous!.serviceList.sha256;
      copyValidators(serviceList, previous!.serviceList);
    } else {
      // Not modified, but our copy is not a valid service list (the cache was edited): fetch it whole.
      if (listed.res.status === 'not-modified') listed = await fetchValidated('service-list.json', undefined, undefined, LIMITS.serviceList, checkList);
      if (listed.res.status !== 'ok') throw new SyncError('the server answers "not modified" to a request without validators', source.locate('service-list.json'), undefined);
      entries = listed.value!;
      serviceList.sha256 = await tx.putObject(listed.res.bytes);
      copyValidators(serviceList, listed.res);
    }

    const services: Record<string, ServiceEntry> = {};
    let totalBytes = 0;
    let done = 0;
    const fetchService = async (entry: ServiceListEntry): Promise<void> => {
      const relative = serviceFilePath(entry.service, entry.url);
      const prev = previous?.services[entry.service];
      const conditional = sameSource && prev && (prev.etag || prev.lastModified) && (await store.hasObjectFile(prev.sha256)) ? prev : undefined;
      const check = (b: Buffer) => checkServiceFile(parseJson(b), entry.service);
      let got = await fetchValidated(relative, entry.service, conditional, LIMITS.serviceFile, check);
      let e: ServiceEntry;
      if (got.res.status === 'not-modified' && (await keptCopy(prev!.sha256, `service ${entry.service}`, LIMITS.serviceFile, check))) {
        e = { ...prev! };
        stats.notModified++;
        stats.unchangedBytes += prev!.bytes;
      } else {
        // Not modified, but our copy is not a valid service file (the cache was edited): fetch it whole.
        if (got.res.status === 'not-modified') got = await fetchValidated(relative, entry.service, undefined, LIMITS.serviceFile, check);
        if (got.res.status !== 'ok') throw new SyncError('the server answers "not modified" to a request without validators', source.locate(relative), entry.service);
        const file = got.value!;
        const sha = await tx.putObject(got.res.bytes);
        e = { sha256: sha, bytes: got.res.bytes.length, actions: file.Actions.length, version: file.Version ?? null };
        copyValidators(e, got.res);
        stats.downloaded++;
        stats.downloadedBytes += got.res.bytes.length;
      }
      services[entry.service] = e;
      totalBytes += e.bytes;
      if (totalBytes > LIMITS.referenceSnapshot) {
        throw new SyncError(`the service files come to more than ${formatBytes(LIMITS.referenceSnapshot)} in all, the most read for a snapshot`, source.locate(relative), entry.service);
      }
      options.onProgress?.({ done: ++done, total: entries.length, service: entry.service });
    };
    await runPool(entries, concurrency, fetchService, abort);

    const sorted: Record<string, ServiceEntry> = {};
    const schemaVersions: Record<string, number> = {};
    let actions = 0;
    let bytes = 0;
    for (const name of Object.keys(services).sort()) {
      const e = services[name]!;
      sorted[name] = e;
      actions += e.actions;
      bytes += e.bytes;
      const v = e.version ?? 'unversioned';
      schemaVersions[v] = (schemaVersions[v] ?? 0) + 1;
    }
    const snapshot: SnapshotManifest = {
      format: 1,
      snapshotId: computeSnapshotId(serviceList.sha256, sorted),
      source: sourceAsRecorded(source.base, options.cacheDir),
      syncedAt: (options.now?.() ?? new Date()).toISOString(),
      serviceList,
      schemaVersions,
      totals: { services: entries.length, actions, bytes },
      services: sorted,
    };
    stats.services = entries.length;
    stats.actions = actions;
    const before = previous?.services ?? {};
    for (const [name, e] of Object.entries(sorted)) {
      const old = before[name];
      if (!old) stats.added++;
      else if (old.sha256 !== e.sha256) stats.changed++;
    }
    stats.removed = Object.keys(before).filter((name) => !(name in sorted)).length;
    const manifest = await tx.commit(snapshot, previous);
    return { manifest, previousSnapshotId: previous?.snapshotId, changed: previous?.snapshotId !== snapshot.snapshotId, stats, ...(discardedManifest ? { discardedManifest } : {}) };
  } catch (e) {
    abort.abort();
    await tx.abort();
    throw e;
  }
}

function copyValidators(target: { etag?: string; lastModified?: string }, from: { etag?: string; lastModified?: string }): void {
  if (from.etag) target.etag = from.etag;
  if (from.lastModified) target.lastModified = from.lastModified;
}

/** Exponential backoff with jitter, so that parallel workers do not retry in lockstep. */
function backoff(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs `work` over `items` with at most `limit` in flight; the first failure stops scheduling and aborts. */
async function runPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, abort: AbortController): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (e) {
        if (failure === undefined) failure = e;
        abort.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

/**
 * A directory source is recorded relative to the cache's parent directory (the repository, where the
 * cache sits by default): the manifest is committed, and a runner's or a laptop's absolute path in it
 * would say where it was synced rather than what from. A URL is recorded as it is.
 */
export function sourceAsRecorded(base: string, cacheDir: string): string {
  if (/^https?:\/\//i.test(base)) return base;
  const relative = path.relative(path.dirname(path.resolve(cacheDir)), base);
  return (relative === '' ? '.' : relative).split(path.sep).join('/');
}

/** The source a manifest records, as a path or URL to read from again (sourceAsRecorded's inverse). */
export function sourceAsRead(recorded: string, cacheDir: string): string {
  if (/^https?:\/\//i.test(recorded)) return recorded;
  return path.resolve(path.dirname(path.resolve(cacheDir)), recorded);
}
