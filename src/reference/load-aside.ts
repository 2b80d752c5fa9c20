/**
 * loadFromCache on other threads, for a command that has other work while the reference loads (the
 * intent's YAML): reading, inflating, JSON parsing and checking ~460 service files take a few hundred
 * milliseconds of the main thread otherwise, and YAML parsing never yields to let them interleave.
 * Each worker runs the same code on its share of the services (compactShareFromCache: every object
 * checked against the manifest's sha256); only the compact services and their counts cross back, the
 * manifest's totals are checked here against all shares (checkTotals, as loadFromCache checks them),
 * and the index is built as loadFromCache builds it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CacheError, CacheStore, type SnapshotManifest } from './cache-store.js';
import { COMPACT_INDEX_FORMAT, type CompactIndex } from './compact-index.js';
import { checkShareTotals, loadFromCache, type LoadedSnapshot, type LoadOptions, type ShareCounts } from './load.js';
import type { AsideReply, AsideRequest } from './load-worker.js';
import { prebuiltServicesFor } from './prebuilt-index.js';
import { ReferenceIndex } from './reference-index.js';

const WORKER = new URL('./load-worker.js', import.meta.url);

/**
 * Threads the services are shared among: the main thread waits on the load once the intent is read, so
 * both cores of a small CI runner parse service files (each thread takes every other file).
 */
const THREADS = 2;

export async function loadFromCacheAside(cacheDir: string, snapshot = 'current', options: LoadOptions = {}): Promise<LoadedSnapshot> {
  // Run from TypeScript sources (the tests) there is no compiled worker to start: the same load, here.
  if (WORKER.protocol !== 'file:' || !existsSync(fileURLToPath(WORKER))) return loadFromCache(cacheDir, snapshot, options);
  const where = options.cwd !== undefined ? { cwd: options.cwd } : {};
  if (options.prebuilt !== undefined) {
    const manifest = await new CacheStore(cacheDir, where).readSnapshot(snapshot);
    const services = prebuiltServicesFor(manifest, options.prebuilt);
    if (services) {
      // One thread reads and checks the objects while this one builds the index from the prebuilt form.
      const verifying = runShare({ cacheDir, snapshot, ...where, share: { index: 0, of: 1 }, verifyOnly: true });
      const index = ReferenceIndex.fromCompact({ format: COMPACT_INDEX_FORMAT, snapshotId: manifest.snapshotId, services });
      const reply = await verifying;
      if (reply === undefined) return loadFromCache(cacheDir, snapshot, options);
      throwFailure(reply);
      const verified = JSON.parse((reply as { json: string }).json) as { counts: ShareCounts; manifest: SnapshotManifest };
      if (verified.manifest.snapshotId !== manifest.snapshotId) return loadFromCache(cacheDir, snapshot, options);
      checkShareTotals(cacheDir, manifest, [verified.counts], options);
      return { index, manifest, origin: cacheDir };
    }
  }
  const replies = await Promise.all(Array.from({ length: THREADS }, (_, index) => runShare({ cacheDir, snapshot, ...where, share: { index, of: THREADS } })));
  // No answer means a thread could not run (it could not start, or ran out of memory): the load runs here, as it would have.
  if (replies.some((r) => r === undefined)) return loadFromCache(cacheDir, snapshot, options);
  for (const reply of replies) throwFailure(reply!);
  const shares = replies.map((r) => JSON.parse((r as { json: string }).json) as { services: CompactIndex['services']; counts: ShareCounts; manifest: SnapshotManifest });
  const manifest = shares[0]!.manifest;
  // Each thread read the manifest itself: a cache rewritten between two reads is not one snapshot.
  if (shares.some((s) => s.manifest.snapshotId !== manifest.snapshotId)) return loadFromCache(cacheDir, snapshot, options);
  checkShareTotals(cacheDir, manifest, shares.map((s) => s.counts), options);
  const compact: CompactIndex = { format: COMPACT_INDEX_FORMAT, snapshotId: manifest.snapshotId, services: shares.flatMap((s) => s.services) };
  return { index: ReferenceIndex.fromCompact(compact), manifest, origin: cacheDir };
}

/** A thread's failure, thrown here as it was there. */
function throwFailure(reply: AsideReply): void {
  if (reply.ok) return;
  if (reply.cacheError) throw new CacheError(reply.cacheError.message, reply.cacheError.code, reply.cacheError.errno);
  const error = new Error(reply.message);
  if (reply.stack) error.stack = reply.stack;
  throw error;
}

/** The worker answers every outcome of its share itself; undefined when it could not run. */
function runShare(request: AsideRequest): Promise<AsideReply | undefined> {
  return new Promise<AsideReply | undefined>((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(WORKER, { workerData: request });
    } catch {
      resolve(undefined);
      return;
    }
    worker.once('message', resolve);
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
}
