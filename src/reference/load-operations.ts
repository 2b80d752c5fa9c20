/**
 * Loading the operations of some services of a cached snapshot, for `guardrails impact`: it reduces the
 * traffic first, then loads only the services whose event sources it saw (a few dozen of 466). Each
 * file is checked as load-services.ts checks it (the object against the manifest's sha256, its size,
 * action count and schema version, the whole file's shape), then its Operations (operations-index.ts).
 * A prefix the snapshot does not list is not an error: it comes from the traffic, and its events are
 * reported as unmapped.
 */
import { LIMITS } from '../files/limits.js';
import { CacheError, CacheStore, type SnapshotManifest } from './cache-store.js';
import type { LoadOptions } from './load.js';
import { checkOperations, OperationsIndex, type CompactServiceOperations } from './operations-index.js';
import { checkServiceFile, isValidServiceName, parseJson, ShapeError } from './service-file.js';

/** Files read at once, as load-services.ts reads them. */
const PARALLEL_READS = 8;

export async function loadOperationsFromCache(cacheDir: string, manifest: SnapshotManifest, prefixes: Iterable<string>, options: LoadOptions = {}): Promise<OperationsIndex> {
  const store = new CacheStore(cacheDir, options.cwd !== undefined ? { cwd: options.cwd } : {});
  const integrity = (message: string) => new CacheError(`${store.manifestPath} (snapshot ${manifest.snapshotId}): ${message}; run guardrails sync to rebuild the cache`, 'cache-integrity');
  const asked = [...new Set(prefixes)];
  const names = asked.filter((p) => isValidServiceName(p) && Object.hasOwn(manifest.services, p));
  const missing = asked.filter((p) => !names.includes(p));
  const loaded: CompactServiceOperations[] = new Array(names.length);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const name = names[i]!;
      const entry = manifest.services[name]!;
      const bytes = await store.readObject(entry.sha256, `service ${name}`, LIMITS.serviceFile);
      try {
        const file = checkServiceFile(parseJson(bytes), name);
        const version = file.Version ?? null;
        if (bytes.length !== entry.bytes || file.Actions.length !== entry.actions || version !== entry.version) {
          throw integrity(`the entry of service ${name} (${entry.bytes} bytes, ${entry.actions} actions, version ${entry.version}) does not describe its file (${bytes.length} bytes, ${file.Actions.length} actions, version ${version})`);
        }
        loaded[i] = { prefix: name, operations: checkOperations(file.Operations, name), actions: file.Actions.map((a) => a.Name) };
      } catch (e) {
        if (e instanceof ShapeError) throw new CacheError(`${store.objectPath(entry.sha256)} (service ${name}): ${e.message}; run guardrails sync to rebuild the cache`, 'cache-integrity');
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_READS, names.length) }, worker));
  return new OperationsIndex(manifest.snapshotId, loaded, missing);
}
