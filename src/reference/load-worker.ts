/**
 * A thread loadFromCacheAside (load-aside.ts) starts: it reads, inflates, checks and compacts its share
 * of a snapshot's objects exactly as loadFromCache does, and hands back the compact services and what
 * they came to as JSON text.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CacheError } from './cache-store.js';
import { compactShareFromCache, verifyShareFromCache } from './load.js';

export interface AsideRequest {
  cacheDir: string;
  snapshot: string;
  cwd?: string;
  /** This thread's share of the services (compactShareFromCache). */
  share: { index: number; of: number };
  /** Only read and check the objects: the index was prebuilt for this snapshot (prebuilt-index.ts). */
  verifyOnly?: boolean;
}

export type AsideReply = { ok: true; json: string } | { ok: false; cacheError?: { message: string; code: CacheError['code']; errno?: string }; message: string; stack?: string };

const request = workerData as AsideRequest;
let reply: AsideReply;
try {
  // Blocking reads: this thread has nothing else to do, and a promise per file-system call cost more than the calls.
  const where = request.cwd !== undefined ? { cwd: request.cwd } : {};
  const loaded = request.verifyOnly ? await verifyShareFromCache(request.cacheDir, request.snapshot, request.share, where) : await compactShareFromCache(request.cacheDir, request.snapshot, request.share, { ...where, blocking: true });
  // One string crosses the threads in one copy; the main thread parses it faster than a structured clone of the arrays.
  reply = { ok: true, json: JSON.stringify(loaded) };
} catch (e) {
  if (e instanceof CacheError) reply = { ok: false, cacheError: { message: e.message, code: e.code, ...(e.errno !== undefined ? { errno: e.errno } : {}) }, message: e.message };
  else reply = { ok: false, message: e instanceof Error ? e.message : String(e), ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) };
}
parentPort!.postMessage(reply);
