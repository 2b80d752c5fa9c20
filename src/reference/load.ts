/**
 * Loading a reference index from the cache (any kept snapshot) or from a directory laid out like the
 * endpoint, which is what `notify --from DIR` and tests use.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { CacheError, CacheStore, computeSnapshotId, sha256Hex, type ServiceEntry, type SnapshotManifest } from './cache-store.js';
import { isCompactIndex } from './compact-index.js';
import { ReferenceIndex } from './reference-index.js';
import { checkServiceFile, checkServiceList, parseJson, ShapeError, type RawServiceFile } from './service-file.js';
import { serviceFilePath } from './sources.js';

const gunzipAsync = promisify(gunzip);

export interface LoadedSnapshot {
  index: ReferenceIndex;
  manifest: SnapshotManifest;
  /** Where it was read from: the cache directory or the snapshot directory. */
  origin: string;
}

export async function loadFromCache(cacheDir: string, snapshot = 'current'): Promise<LoadedSnapshot> {
  const store = new CacheStore(cacheDir);
  const manifest = await store.readSnapshot(snapshot);
  const stored = await store.readIndex(manifest.snapshotId);
  if (isCompactIndex(stored, manifest.snapshotId)) return { index: ReferenceIndex.fromCompact(stored), manifest, origin: cacheDir };
  // No compact index (a cache from an older version): build from the service files themselves.
  const names = Object.keys(manifest.services);
  // Decompression runs on libuv's thread pool, so both cores work while the main thread parses.
  const files = await Promise.all(
    names.map(async (name) => {
      const sha = manifest.services[name]!.sha256;
      let bytes: Buffer;
      try {
        bytes = await gunzipAsync(await fs.readFile(store.objectPath(sha)));
      } catch (e) {
        throw new CacheError(`service ${name} of snapshot ${manifest.snapshotId} is missing or damaged in ${cacheDir} (${(e as Error).message}); run guardrails sync again`);
      }
      return checkServiceFile(parseJson(bytes), name);
    }),
  );
  return { index: ReferenceIndex.build(files, manifest.snapshotId), manifest, origin: cacheDir };
}

/** A directory laid out like the endpoint: `<dir>/v1/service-list.json` (or `<dir>/service-list.json`). */
export async function loadFromDirectory(dir: string): Promise<LoadedSnapshot> {
  let base = path.resolve(dir);
  if (await exists(path.join(base, 'v1', 'service-list.json'))) base = path.join(base, 'v1');
  const listPath = path.join(base, 'service-list.json');
  if (!(await exists(listPath))) throw new CacheError(`${dir} does not look like a service reference: no v1/service-list.json`);
  const listBytes = await fs.readFile(listPath);
  const list = checkServiceList(parseJson(listBytes));
  const services: Record<string, ServiceEntry> = {};
  const files: RawServiceFile[] = await Promise.all(
    list.map(async (entry) => {
      const file = path.join(base, serviceFilePath(entry.service, entry.url));
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(file);
      } catch (e) {
        throw new CacheError(`service ${entry.service}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      try {
        const parsed = checkServiceFile(parseJson(bytes), entry.service);
        services[entry.service] = { sha256: sha256Hex(bytes), bytes: bytes.length, actions: parsed.Actions.length, version: parsed.Version ?? null };
        return parsed;
      } catch (e) {
        if (e instanceof ShapeError) throw new CacheError(`service ${entry.service}: ${file}: ${e.message}`);
        throw e;
      }
    }),
  );
  const sorted: Record<string, ServiceEntry> = {};
  const schemaVersions: Record<string, number> = {};
  let actions = 0;
  let bytes = 0;
  for (const name of Object.keys(services).sort()) {
    const e = services[name]!;
    sorted[name] = e;
    actions += e.actions;
    bytes += e.bytes;
    schemaVersions[e.version ?? 'unversioned'] = (schemaVersions[e.version ?? 'unversioned'] ?? 0) + 1;
  }
  const listSha = sha256Hex(listBytes);
  const manifest: SnapshotManifest = {
    format: 1,
    snapshotId: computeSnapshotId(listSha, sorted),
    source: base,
    syncedAt: (await fs.stat(listPath)).mtime.toISOString(),
    serviceList: { sha256: listSha },
    schemaVersions,
    totals: { services: list.length, actions, bytes },
    services: sorted,
  };
  return { index: ReferenceIndex.build(files, manifest.snapshotId), manifest, origin: base };
}

/**
 * `spec` is a snapshot id (or prefix, or "current") in the cache, or a directory laid out like the
 * endpoint (anything path-like, or an existing directory), resolved against `cwd`.
 */
export async function loadSnapshot(spec: string, cacheDir: string, cwd = process.cwd()): Promise<LoadedSnapshot> {
  const dir = path.resolve(cwd, spec);
  if (spec.includes('/') || spec.includes(path.sep) || spec.startsWith('.') || (await isDirectory(dir))) {
    if (!(await isDirectory(dir))) throw new CacheError(`no such directory: ${dir}`);
    return loadFromDirectory(dir);
  }
  return loadFromCache(cacheDir, spec);
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
