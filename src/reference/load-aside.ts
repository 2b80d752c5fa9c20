/**
 * loadFromCache on another thread, for a command that has other work while the reference loads (the
 * intent's YAML): reading, inflating, JSON parsing and checking ~460 service files take a few hundred
 * milliseconds of the main thread otherwise, and YAML parsing never yields to let them interleave.
 * The worker runs the same code (compactFromCache: every object checked against the manifest's sha256);
 * only the compact index crosses back, and the index is built from it here as loadFromCache builds it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CacheError, type SnapshotManifest } from './cache-store.js';
import type { CompactIndex } from './compact-index.js';
import { loadFromCache, type LoadedSnapshot, type LoadOptions } from './load.js';
import type { AsideReply, AsideRequest } from './load-worker.js';
import { ReferenceIndex } from './reference-index.js';

const WORKER = new URL('./load-worker.js', import.meta.url);

export async function loadFromCacheAside(cacheDir: string, snapshot = 'current', options: LoadOptions = {}): Promise<LoadedSnapshot> {
  // Run from TypeScript sources (the tests) there is no compiled worker to start: the same load, here.
  if (WORKER.protocol !== 'file:' || !existsSync(fileURLToPath(WORKER))) return loadFromCache(cacheDir, snapshot, options);
  const request: AsideRequest = { cacheDir, snapshot, ...(options.cwd !== undefined ? { cwd: options.cwd } : {}) };
  // The worker answers every outcome of the load itself; no answer means the thread could not run
  // (it could not start, or ran out of memory), and then the load runs here, as it would have.
  const reply = await new Promise<AsideReply | undefined>((resolve) => {
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
  if (!reply) return loadFromCache(cacheDir, snapshot, options);
  if (!reply.ok) {
    if (reply.cacheError) throw new CacheError(reply.cacheError.message, reply.cacheError.code, reply.cacheError.errno);
    const error = new Error(reply.message);
    if (reply.stack) error.stack = reply.stack;
    throw error;
  }
  const { compact, manifest } = JSON.parse(reply.json) as { compact: CompactIndex; manifest: SnapshotManifest };
  return { index: ReferenceIndex.fromCompact(compact), manifest, origin: cacheDir };
}
