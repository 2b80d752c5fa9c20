/**
 * Loading a reference index from the cache (any kept snapshot) or from a directory laid out like the
 * endpoint, which is what `notify --from DIR` and tests use.
 *
 * The index is always built from the service files themselves, each checked against the manifest's
 * sha256: the manifest is the one file of a committed cache a reviewer can read, so whatever the tool
 * knows about actions must follow from it. (A stored index would be a second source of truth that a
 * pull request could change without changing the manifest, and nothing cheaper than rebuilding it
 * could show it matches.) The one exception is an index this package built itself from exactly the
 * files the manifest names (prebuilt-index.ts): the objects are then read and checked, not parsed.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { formatBytes, LIMITS } from '../files/limits.js';
import { repositoryOf, rootForNamedPath } from '../files/repository.js';
import { CacheError, CacheStore, computeSnapshotId, sha256Hex, type CacheStoreOptions, type ServiceEntry, type SnapshotManifest } from './cache-store.js';
import { COMPACT_INDEX_FORMAT, compactService, type CompactIndex } from './compact-index.js';
import { ReferenceIndex } from './reference-index.js';
import { prebuiltServicesFor } from './prebuilt-index.js';
import { checkServiceFile, checkServiceList, parseJson, ShapeError, type RawServiceFile } from './service-file.js';
import { DirectorySource, FetchError, serviceFilePath } from './sources.js';

export interface LoadedSnapshot {
  index: ReferenceIndex;
  manifest: SnapshotManifest;
  /** Where it was read from: the cache directory or the snapshot directory. */
  origin: string;
}

export interface LoadOptions {
  /** The working directory: it decides the repository a cache or directory named inside it must stay in (default: the process's). */
  cwd?: string;
  /** A directory of indexes this package built (prebuilt-index.ts): used for a snapshot built there. */
  prebuilt?: string;
}

/** Files read at once: decompression runs on libuv's thread pool while the main thread parses. */
const PARALLEL_READS = 8;

/**
 * The objects are read with blocking calls: the commands that call this wait for the index (explain,
 * minimize, notify), and loadFromCacheAside loads here only without a worker thread (run from the
 * TypeScript sources, or a thread that could not start). A promise and a thread-pool hop for every
 * open, stat, read and inflate of ~460 files cost a third more CPU than the reads themselves (about
 * 450 ms of CPU a load instead of 300) and took longer.
 */
export async function loadFromCache(cacheDir: string, snapshot = 'current', options: LoadOptions = {}): Promise<LoadedSnapshot> {
  if (options.prebuilt !== undefined) {
    const store = new CacheStore(cacheDir, storeOptions(options));
    const manifest = await store.readSnapshot(snapshot);
    const services = prebuiltServicesFor(manifest, options.prebuilt);
    if (services) {
      checkTotals(store, manifest, [await verifyShare(store, manifest, readerOf(store, { blocking: true }))]);
      return { index: ReferenceIndex.fromCompact({ format: COMPACT_INDEX_FORMAT, snapshotId: manifest.snapshotId, services }), manifest, origin: cacheDir };
    }
  }
  const { compact, manifest } = await compactFromCache(cacheDir, snapshot, { ...options, blocking: true });
  return { index: ReferenceIndex.fromCompact(compact), manifest, origin: cacheDir };
}

/**
 * What loadFromCache builds its index from: the compact form, from the objects, every one checked.
 * `blocking` reads the objects with blocking calls, for a thread that has nothing else to do.
 */
export async function compactFromCache(cacheDir: string, snapshot = 'current', options: LoadOptions & { blocking?: boolean } = {}): Promise<{ compact: CompactIndex; manifest: SnapshotManifest }> {
  const store = new CacheStore(cacheDir, storeOptions(options));
  const manifest = await store.readSnapshot(snapshot);
  const share = await compactShare(store, manifest, readerOf(store, options));
  checkTotals(store, manifest, [share.counts]);
  return { compact: { format: COMPACT_INDEX_FORMAT, snapshotId: manifest.snapshotId, services: share.services }, manifest };
}

/** What a share of a snapshot's services came to, for checkTotals. */
export interface ShareCounts {
  bytes: number;
  actions: number;
  versions: Record<string, number>;
}

/** checkTotals for the shares of a load made elsewhere (other threads) from this cache. */
export function checkShareTotals(cacheDir: string, manifest: SnapshotManifest, shares: readonly ShareCounts[], options: LoadOptions = {}): void {
  checkTotals(new CacheStore(cacheDir, storeOptions(options)), manifest, shares);
}

/**
 * One share of the work of compactFromCache: the services whose position in the manifest is `index`
 * modulo `of`, each checked as there, with what they came to. Threads that share a load each run one;
 * checkTotals then holds the manifest's totals against all of them.
 */
export async function compactShareFromCache(cacheDir: string, snapshot: string, share: { index: number; of: number }, options: LoadOptions & { blocking?: boolean } = {}): Promise<{ services: CompactIndex['services']; counts: ShareCounts; manifest: SnapshotManifest }> {
  const store = new CacheStore(cacheDir, storeOptions(options));
  const manifest = await store.readSnapshot(snapshot);
  return { ...(await compactShare(store, manifest, readerOf(store, options), share)), manifest };
}

/**
 * A share of a snapshot's objects read and checked as compactShareFromCache checks them (inside the
 * cache, capped, valid gzip, the manifest's sha256 and size), without parsing them: for a snapshot whose
 * index was prebuilt from exactly those files (prebuilt-index.ts). The counts are the manifest's, which
 * the prebuilt index matched entry by entry.
 */
export async function verifyShareFromCache(cacheDir: string, snapshot: string, share: { index: number; of: number }, options: LoadOptions = {}): Promise<{ counts: ShareCounts; manifest: SnapshotManifest }> {
  const store = new CacheStore(cacheDir, storeOptions(options));
  const manifest = await store.readSnapshot(snapshot);
  return { counts: await verifyShare(store, manifest, readerOf(store, { blocking: true }), share), manifest };
}

async function verifyShare(store: CacheStore, manifest: SnapshotManifest, readerPromise: Promise<ObjectReader>, share = { index: 0, of: 1 }): Promise<ShareCounts> {
  const read = await readerPromise;
  const integrity = (message: string) => integrityError(store, manifest, message);
  await read(manifest.serviceList.sha256, 'the service list', LIMITS.serviceList);
  const counts: ShareCounts = { bytes: 0, actions: 0, versions: {} };
  const names = Object.keys(manifest.services);
  for (let i = share.index; i < names.length; i += share.of) {
    const name = names[i]!;
    const entry = manifest.services[name]!;
    const bytes = await read(entry.sha256, `service ${name}`, LIMITS.serviceFile);
    counts.bytes += bytes.length;
    if (counts.bytes > LIMITS.referenceSnapshot) throw integrity(`its service files come to more than ${formatBytes(LIMITS.referenceSnapshot)}, the most read for a snapshot`);
    if (bytes.length !== entry.bytes) throw integrity(`the entry of service ${name} (${entry.bytes} bytes) does not describe its file (${bytes.length} bytes)`);
    counts.actions += entry.actions;
    counts.versions[entry.version ?? 'unversioned'] = (counts.versions[entry.version ?? 'unversioned'] ?? 0) + 1;
  }
  return counts;
}

type ObjectReader = (sha: string, what: string, maxBytes?: number) => Buffer | Promise<Buffer>;

async function readerOf(store: CacheStore, options: { blocking?: boolean }): Promise<ObjectReader> {
  return options.blocking ? await store.blockingObjectReader() : (sha: string, what: string, maxBytes?: number) => store.readObject(sha, what, maxBytes);
}

function storeOptions(options: LoadOptions): CacheStoreOptions {
  return options.cwd !== undefined ? { cwd: options.cwd } : {};
}

function integrityError(store: CacheStore, manifest: SnapshotManifest, message: string): CacheError {
  return new CacheError(`${store.manifestPath} (snapshot ${manifest.snapshotId}): ${message}; run guardrails sync to rebuild the cache`, 'cache-integrity');
}

/** A share of a snapshot's services from their objects (all of them by default), every one checked against the manifest. */
async function compactShare(store: CacheStore, manifest: SnapshotManifest, readerPromise: Promise<ObjectReader>, share = { index: 0, of: 1 }): Promise<{ services: CompactIndex['services']; counts: ShareCounts }> {
  const read = await readerPromise;
  const integrity = (message: string) => integrityError(store, manifest, message);
  const listBytes = await read(manifest.serviceList.sha256, 'the service list', LIMITS.serviceList);
  const listed = shapeChecked(() => checkServiceList(parseJson(listBytes)), store.objectPath(manifest.serviceList.sha256), 'the service list');
  const names = Object.keys(manifest.services);
  const listedNames = new Set(listed.map((e) => e.service));
  const unlisted = names.filter((n) => !listedNames.has(n));
  const missing = [...listedNames].filter((n) => !(n in manifest.services));
  if (unlisted.length || missing.length) {
    throw integrity(
      [unlisted.length ? `lists services its service list does not (${unlisted.slice(0, 5).join(', ')})` : '', missing.length ? `leaves out services its service list names (${missing.slice(0, 5).join(', ')})` : '']
        .filter(Boolean)
        .join(' and '),
    );
  }
  const counts: ShareCounts = { bytes: 0, actions: 0, versions: {} };
  const mine = names.filter((_, i) => i % share.of === share.index);
  const services = await mapLimited(mine, PARALLEL_READS, async (name) => {
    const entry = manifest.services[name]!;
    const bytes = await read(entry.sha256, `service ${name}`, LIMITS.serviceFile);
    counts.bytes += bytes.length;
    if (counts.bytes > LIMITS.referenceSnapshot) throw integrity(`its service files come to more than ${formatBytes(LIMITS.referenceSnapshot)}, the most read for a snapshot`);
    const file = shapeChecked(() => checkServiceFile(parseJson(bytes), name), store.objectPath(entry.sha256), `service ${name}`);
    const version = file.Version ?? null;
    if (bytes.length !== entry.bytes || file.Actions.length !== entry.actions || version !== entry.version) {
      throw integrity(`the entry of service ${name} (${entry.bytes} bytes, ${entry.actions} actions, version ${entry.version}) does not describe its file (${bytes.length} bytes, ${file.Actions.length} actions, version ${version})`);
    }
    counts.actions += file.Actions.length;
    counts.versions[version ?? 'unversioned'] = (counts.versions[version ?? 'unversioned'] ?? 0) + 1;
    return compactService(file);
  });
  return { services, counts };
}

/** The manifest's totals and schema versions against what every share of its services came to. */
export function checkTotals(store: CacheStore, manifest: SnapshotManifest, shares: readonly ShareCounts[]): void {
  const integrity = (message: string) => integrityError(store, manifest, message);
  const names = Object.keys(manifest.services);
  const bytes = shares.reduce((n, s) => n + s.bytes, 0);
  const actions = shares.reduce((n, s) => n + s.actions, 0);
  const versions: Record<string, number> = {};
  for (const s of shares) for (const [v, n] of Object.entries(s.versions)) versions[v] = (versions[v] ?? 0) + n;
  if (bytes > LIMITS.referenceSnapshot) throw integrity(`its service files come to more than ${formatBytes(LIMITS.referenceSnapshot)}, the most read for a snapshot`);
  const { totals, schemaVersions } = manifest;
  if (totals.services !== names.length || totals.actions !== actions || totals.bytes !== bytes) {
    throw integrity(`"totals" (${totals.services} services, ${totals.actions} actions, ${totals.bytes} bytes) do not add up (${names.length}, ${actions}, ${bytes})`);
  }
  if (!sameCounts(schemaVersions, versions)) throw integrity('"schemaVersions" do not count the versions of its service files');
}

function shapeChecked<T>(check: () => T, file: string, what: string): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ShapeError) throw new CacheError(`${file} (${what}): ${e.message}; run guardrails sync to rebuild the cache`, 'cache-integrity');
    throw e;
  }
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * A directory laid out like the endpoint: `<dir>/v1/service-list.json` (or `<dir>/service-list.json`).
 * Read with the same caps and checks as sync; a directory named inside the repository must resolve
 * inside it, file by file.
 */
export async function loadFromDirectory(dir: string, options: LoadOptions = {}): Promise<LoadedSnapshot> {
  const cwd = options.cwd ?? process.cwd();
  const root = rootForNamedPath(dir, cwd, repositoryOf(cwd));
  const source = new DirectorySource(path.resolve(cwd, dir), { root });
  const base = source.base;
  const read = async (relative: string, maxBytes: number, what: string): Promise<Buffer> => {
    try {
      const got = await source.get(relative, { signal: new AbortController().signal, maxBytes });
      if (got.status !== 'ok') throw new Error('a directory always answers with the file');
      return got.bytes;
    } catch (e) {
      if (!(e instanceof FetchError)) throw e;
      if (relative === 'service-list.json' && e.message === 'file not found') throw new CacheError(`${dir} does not look like a service reference: no v1/service-list.json`, 'invalid-reference');
      throw new CacheError(`${what}: ${e.url}: ${e.message}`, /outside the repository/.test(e.message) ? 'outside-repository' : 'invalid-reference');
    }
  };
  const invalid = (what: string, file: string, e: unknown) => {
    if (e instanceof ShapeError) return new CacheError(`${what}: ${file}: ${e.message}`, 'invalid-reference');
    return e;
  };
  const listBytes = await read('service-list.json', LIMITS.serviceList, 'service list');
  let list;
  try {
    list = checkServiceList(parseJson(listBytes));
  } catch (e) {
    throw invalid('service list', source.locate('service-list.json'), e);
  }
  const services: Record<string, ServiceEntry> = {};
  let total = 0;
  const files: RawServiceFile[] = await mapLimited(list, PARALLEL_READS, async (entry) => {
    const relative = serviceFilePath(entry.service, entry.url);
    const bytes = await read(relative, LIMITS.serviceFile, `service ${entry.service}`);
    total += bytes.length;
    if (total > LIMITS.referenceSnapshot) throw new CacheError(`${dir}: the service files come to more than ${formatBytes(LIMITS.referenceSnapshot)}, the most read for a snapshot`, 'invalid-reference');
    try {
      const parsed = checkServiceFile(parseJson(bytes), entry.service);
      services[entry.service] = { sha256: sha256Hex(bytes), bytes: bytes.length, actions: parsed.Actions.length, version: parsed.Version ?? null };
      return parsed;
    } catch (e) {
      throw invalid(`service ${entry.service}`, source.locate(relative), e);
    }
  });
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
    syncedAt: await modifiedAt(source.locate('service-list.json')),
    serviceList: { sha256: listSha },
    schemaVersions,
    totals: { services: list.length, actions, bytes },
    services: sorted,
  };
  return { index: ReferenceIndex.build(files, manifest.snapshotId), manifest, origin: base };
}

async function modifiedAt(file: string): Promise<string> {
  return (await stat(file)).mtime.toISOString();
}

/**
 * `spec` is a snapshot id (or prefix, or "current") in the cache, or a directory laid out like the
 * endpoint (anything path-like, or an existing directory), resolved against `cwd`.
 */
export async function loadSnapshot(spec: string, cacheDir: string, cwd = process.cwd(), options: Pick<LoadOptions, 'prebuilt'> = {}): Promise<LoadedSnapshot> {
  const dir = path.resolve(cwd, spec);
  if (spec.includes('/') || spec.includes(path.sep) || spec.startsWith('.') || (await isDirectory(dir))) {
    if (!(await isDirectory(dir))) throw new CacheError(`no such directory: ${dir}`, 'invalid-reference');
    return loadFromDirectory(dir, { cwd });
  }
  return loadFromCache(path.resolve(cwd, cacheDir), spec, { ...options, cwd });
}

async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** `work` over `items`, at most `limit` at once, results in the order of `items`; the first failure is thrown. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await work(items[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}
