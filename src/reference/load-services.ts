/**
 * Loading some of a cached snapshot's services, for a command that reads one policy (`minimize`): it
 * needs the services the policy names, not the 14 MB of every service file. Each file is checked as
 * load.ts checks it (against the manifest's sha256, its size, action count and schema version); the
 * whole-snapshot checks (the service list, the totals) are load.ts's, since a subset cannot add up to them.
 */
import { LIMITS } from '../files/limits.js';
import { CacheError, CacheStore, type SnapshotManifest } from './cache-store.js';
import { COMPACT_INDEX_FORMAT, compactService, type CompactService } from './compact-index.js';
import { ReferenceIndex } from './reference-index.js';
import { checkServiceFile, parseJson, ShapeError } from './service-file.js';
import type { LoadedSnapshot, LoadOptions } from './load.js';

/** Files read at once, as load.ts reads them. */
const PARALLEL_READS = 8;

/** The manifest of a cached snapshot, without reading any service file. */
export async function readCachedManifest(cacheDir: string, snapshot = 'current', options: LoadOptions = {}): Promise<SnapshotManifest> {
  return new CacheStore(cacheDir, options.cwd !== undefined ? { cwd: options.cwd } : {}).readSnapshot(snapshot);
}

/**
 * The index of the named services of a cached snapshot (names as the manifest spells them; a name it
 * does not list is an error, since the caller chose from it). The index knows only these services:
 * whatever depends on the whole action universe (a complement, `*`, hints over every service) must
 * not be asked of it.
 */
export async function loadServicesFromCache(cacheDir: string, manifest: SnapshotManifest, services: Iterable<string>, options: LoadOptions = {}): Promise<LoadedSnapshot> {
  const store = new CacheStore(cacheDir, options.cwd !== undefined ? { cwd: options.cwd } : {});
  const integrity = (message: string) => new CacheError(`${store.manifestPath} (snapshot ${manifest.snapshotId}): ${message}; run guardrails sync to rebuild the cache`, 'cache-integrity');
  const names = [...new Set(services)];
  const compact: CompactService[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const name = names[i]!;
      const entry = manifest.services[name];
      if (!entry) throw new Error(`service ${name} is not in snapshot ${manifest.snapshotId}`);
      const bytes = await store.readObject(entry.sha256, `service ${name}`, LIMITS.serviceFile);
      let file;
      try {
        file = checkServiceFile(parseJson(bytes), name);
      } catch (e) {
        if (e instanceof ShapeError) throw new CacheError(`${store.objectPath(entry.sha256)} (service ${name}): ${e.message}; run guardrails sync to rebuild the cache`, 'cache-integrity');
        throw e;
      }
      const version = file.Version ?? null;
      if (bytes.length !== entry.bytes || file.Actions.length !== entry.actions || version !== entry.version) {
        throw integrity(`the entry of service ${name} (${entry.bytes} bytes, ${entry.actions} actions, version ${entry.version}) does not describe its file (${bytes.length} bytes, ${file.Actions.length} actions, version ${version})`);
      }
      compact[i] = compactService(file);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, names.length) }, worker));
  return { index: ReferenceIndex.fromCompact({ format: COMPACT_INDEX_FORMAT, snapshotId: manifest.snapshotId, services: compact }), manifest, origin: cacheDir };
}
