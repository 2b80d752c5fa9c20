/**
 * The pinned reference's load, started by the command line as soon as it knows the cache, before it
 * imports the command's own modules: those take a hundred milliseconds of one core to load, and the
 * load's threads (load-aside.ts) can use the other meanwhile. Only the loader's modules are imported
 * here (not the reference package's index, which brings sync's HTTP client).
 */
import * as path from 'node:path';
import { loadFromCacheAside } from '../reference/load-aside.js';
import type { LoadedSnapshot } from '../reference/load.js';
import { packagedIndexDirectory } from '../reference/prebuilt-index.js';

/** Settled, so that a load nobody awaits (no intent to check) is no unhandled rejection. */
export type ReferenceLoad = Promise<{ ok: true; value: LoadedSnapshot } | { ok: false; error: unknown }>;

export function startReferenceLoad(cacheDir: string, cwd: string): ReferenceLoad {
  return loadFromCacheAside(path.resolve(cwd, cacheDir), 'current', { cwd, ...packagedIndexes() }).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The load option naming the installed package's prebuilt indexes, when it has any (prebuilt-index.ts). */
export function packagedIndexes(): { prebuilt?: string } {
  const prebuilt = packagedIndexDirectory();
  return prebuilt !== undefined ? { prebuilt } : {};
}
