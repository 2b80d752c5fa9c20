/**
 * The on-disk service-reference cache.
 *
 *   <cache>/manifest.json              the current snapshot, plus the history of every snapshot kept
 *   <cache>/snapshots/<id>.json        the manifest of each snapshot ever synced
 *   <cache>/objects/<ab>/<sha256>.gz   service files, gzip of the exact bytes served, content-addressed
 *
 * Content addressing keeps history compact: a new snapshot stores only the services that changed.
 * The switch to a new snapshot is one rename of manifest.json; everything it points at is written first,
 * so a reader sees either the old or the new snapshot, and a failed sync leaves the directory as it was.
 *
 * The cache is committed, so a pull request can change any file of it. Everything read is checked
 * against the manifest (cache-manifest.ts; each object against its sha256), read through the file
 * gate (regular files, resolving inside the cache's real directory, size-capped) and decompressed with
 * a cap. A cache the command line names inside the repository must resolve inside it. Earlier versions
 * stored a derived index beside the snapshots (indexes/); it is no longer read, since nothing ties it
 * to the objects, and sync removes it.
 */
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gunzipSync, gzipSync } from 'node:zlib';
import { readBytes, readBytesSync, type ReadRefusal } from '../files/read.js';
import { formatBytes, LIMITS } from '../files/limits.js';
import { isInside, realOrResolved, repositoryOf, rootForNamedPath } from '../files/repository.js';
import { checkCacheManifest, checkSnapshotManifest, ManifestProblem, sha256Hex, summarize, type CacheManifest, type SnapshotManifest } from './cache-manifest.js';
import { parseStrictJson } from './strict-json.js';

export { CACHE_FORMAT, computeSnapshotId, sha256Hex, summarize, type CacheManifest, type ServiceEntry, type SnapshotManifest, type SnapshotSummary } from './cache-manifest.js';

const gunzipAsync = promisify(gunzip);

/**
 * no-cache: nothing synced yet; no-snapshot: no such snapshot id; cache-integrity: a file does not
 * match the manifest, or the manifest is not what sync writes; outside-repository: the cache, or a file
 * in it, resolves outside where it may; invalid-reference: a directory laid out like the endpoint holds
 * files that are not a service reference; cache-unreadable: the file system refused.
 */
export type CacheErrorCode = 'no-cache' | 'no-snapshot' | 'cache-integrity' | 'outside-repository' | 'invalid-reference' | 'cache-unreadable';

export class CacheError extends Error {
  constructor(
    message: string,
    readonly code: CacheErrorCode = 'cache-unreadable',
    /** The file system's error code when the cache could not be read or written at all (ENOTDIR, EACCES). */
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'CacheError';
  }
}

const REBUILD = 'run guardrails sync to rebuild the cache';

/** A file-system failure as a CacheError that names the path and the reason, not a bare errno with frames. */
function fsError(e: unknown, doing: string, file: string): CacheError {
  if (e instanceof CacheError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  let why = code ?? (e as Error).message;
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    const blocker = blockingFile(file);
    if (blocker) why = `${blocker} is not a directory`;
  } else if (code === 'EACCES' || code === 'EPERM') {
    why = 'permission denied';
  } else if (code === 'ENOSPC') {
    why = 'no space left on the device';
  }
  return new CacheError(`cannot ${doing} ${file}: ${why}`, 'cache-unreadable', code);
}

/** The nearest existing ancestor of `p` (or `p` itself) when it is a file, i.e. what stands where a directory should be. */
function blockingFile(p: string): string | undefined {
  for (let at = path.resolve(p); ; at = path.dirname(at)) {
    try {
      return statSync(at).isDirectory() ? undefined : at;
    } catch {
      if (path.dirname(at) === at) return undefined;
    }
  }
}

export interface CacheStoreOptions {
  /** The working directory the command runs in: it decides the repository (default: the process's). */
  cwd?: string;
}

export class CacheStore {
  readonly dir: string;
  private real: Promise<string | undefined> | undefined;

  constructor(
    dir: string,
    private readonly options: CacheStoreOptions = {},
  ) {
    this.dir = path.resolve(options.cwd ?? process.cwd(), dir);
  }

  get manifestPath(): string {
    return path.join(this.dir, 'manifest.json');
  }

  objectPath(sha: string): string {
    return path.join(this.dir, 'objects', sha.slice(0, 2), `${sha}.gz`);
  }

  snapshotPath(id: string): string {
    return path.join(this.dir, 'snapshots', `${id}.json`);
  }

  /**
   * Where files may be read from and written to: the cache's real directory (undefined while it does
   * not exist). A cache named inside the repository (the default `service-reference-cache` is) must
   * resolve inside it: a committed symlink must not lead the tool to read or write elsewhere.
   */
  realDirectory(): Promise<string | undefined> {
    return (this.real ??= this.resolveRealDirectory());
  }

  private async resolveRealDirectory(): Promise<string | undefined> {
    const root = this.repositoryRoot();
    let real: string;
    try {
      real = await fs.realpath(this.dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        const link = await fs.readlink(this.dir).catch(() => undefined);
        if (link !== undefined) {
          const target = path.resolve(path.dirname(this.dir), link);
          this.checkInside(root, realOrResolved(target));
          throw new CacheError(`the cache ${this.dir} is a symlink to ${target}, which does not exist`, 'cache-unreadable', 'ENOENT');
        }
        // Not there yet: where sync would create it must still be inside.
        this.checkInside(root, realOrResolved(this.dir));
        return undefined;
      }
      throw fsError(e, 'read', this.manifestPath);
    }
    this.checkInside(root, real);
    if (!(await fs.stat(real)).isDirectory()) throw new CacheError(`cannot read ${this.manifestPath}: ${this.dir} is not a directory`, 'cache-unreadable', 'ENOTDIR');
    return real;
  }

  private repositoryRoot(): string | undefined {
    const cwd = this.options.cwd ?? process.cwd();
    return rootForNamedPath(this.dir, cwd, repositoryOf(cwd));
  }

  private checkInside(root: string | undefined, real: string): void {
    if (root !== undefined && !isInside(root, real)) {
      throw new CacheError(`the cache ${this.dir} resolves to ${real}, outside the repository ${root}; a cache inside the repository must stay inside it`, 'outside-repository');
    }
  }

  private async requireRealDirectory(): Promise<string> {
    const real = await this.realDirectory();
    if (real === undefined) throw new CacheError(`no service reference cache in ${this.dir}; run guardrails sync first`, 'no-cache');
    return real;
  }

  /** A file of the cache, through the gate: a regular file inside the cache's real directory, at most `maxBytes`. */
  private async readFile(file: string, what: string, maxBytes: number): Promise<Buffer | ReadRefusal> {
    const read = await readBytes(file, { root: await this.requireRealDirectory(), maxBytes, what });
    return read.ok ? read.bytes : read;
  }

  private refused(refusal: ReadRefusal): CacheError {
    if (refusal.code === 'outside-repository') return new CacheError(`${refusal.message.replace('outside the repository', 'outside the cache')}; ${REBUILD}`, 'outside-repository');
    if (refusal.code === 'unreadable-file') return new CacheError(refusal.message, 'cache-unreadable');
    return new CacheError(`${refusal.message}; ${REBUILD}`, 'cache-integrity');
  }

  private parse(bytes: Buffer, file: string): unknown {
    const parsed = parseStrictJson(bytes);
    if (!parsed.ok) throw new CacheError(`${file}: ${parsed.message}; ${REBUILD}`, 'cache-integrity');
    return parsed.value;
  }

  /** The current snapshot and the history, checked (cache-manifest.ts); undefined when nothing was synced. */
  async readManifest(): Promise<CacheManifest | undefined> {
    if ((await this.realDirectory()) === undefined) return undefined;
    const bytes = await this.readFile(this.manifestPath, 'cache manifest', LIMITS.cacheManifest);
    if (!Buffer.isBuffer(bytes)) {
      if (bytes.code === 'file-not-found') return undefined;
      throw this.refused(bytes);
    }
    return checked(() => checkCacheManifest(this.parse(bytes, this.manifestPath)), this.manifestPath);
  }

  /** A snapshot by id or unambiguous id prefix, or "current". */
  async readSnapshot(idOrPrefix: string): Promise<SnapshotManifest> {
    const current = await this.readManifest();
    if (!current) throw new CacheError(`no service reference cache in ${this.dir}; run guardrails sync first`, 'no-cache');
    if (idOrPrefix === 'current' || idOrPrefix === current.snapshotId) return current;
    const matches = current.history.filter((h) => h.snapshotId.startsWith(idOrPrefix));
    if (matches.length === 0) {
      throw new CacheError(`no snapshot "${idOrPrefix}" in ${this.dir}; known: ${current.history.map((h) => h.snapshotId).join(', ')}`, 'no-snapshot');
    }
    if (matches.length > 1) throw new CacheError(`snapshot prefix "${idOrPrefix}" is ambiguous: ${matches.map((h) => h.snapshotId).join(', ')}`, 'no-snapshot');
    const id = matches[0]!.snapshotId;
    const file = this.snapshotPath(id);
    const bytes = await this.readFile(file, 'snapshot manifest', LIMITS.cacheManifest);
    if (!Buffer.isBuffer(bytes)) throw this.refused(bytes);
    const snapshot = checked(() => checkSnapshotManifest(this.parse(bytes, file)), file);
    if (snapshot.snapshotId !== id) throw new CacheError(`${file} holds snapshot ${snapshot.snapshotId}, not ${id}; ${REBUILD}`, 'cache-integrity');
    return snapshot;
  }

  /**
   * A stored file's bytes, checked against the sha256 it is stored (and listed in the manifest) under.
   * `what` names it in messages ("service iam"); `maxBytes` caps it compressed and decompressed.
   */
  async readObject(sha: string, what: string, maxBytes: number = LIMITS.serviceFile): Promise<Buffer> {
    const file = this.objectPath(sha);
    const stored = await this.readFile(file, `cache object (${what})`, maxBytes);
    return this.checkedObject(file, sha, what, maxBytes, stored, () => gunzipAsync(stored as Buffer, { maxOutputLength: maxBytes }));
  }

  /**
   * readObject for a thread of its own (the reference loader's worker), where waiting blocks nothing
   * else: the same gate (readBytesSync: inside the cache's real directory, a regular file, capped) and
   * the same checks, without a promise and a thread-pool hop for every open, stat, read and inflate.
   */
  async blockingObjectReader(): Promise<(sha: string, what: string, maxBytes?: number) => Buffer> {
    const root = await this.requireRealDirectory();
    return (sha, what, maxBytes = LIMITS.serviceFile) => {
      const file = this.objectPath(sha);
      const read = readBytesSync(file, { root, maxBytes, what: `cache object (${what})` });
      const stored = read.ok ? read.bytes : read;
      return this.checkedObject(file, sha, what, maxBytes, stored, () => gunzipSync(stored as Buffer, { maxOutputLength: maxBytes }));
    };
  }

  private checkedObject(file: string, sha: string, what: string, maxBytes: number, stored: Buffer | ReadRefusal, inflate: () => Buffer): Buffer;
  private checkedObject(file: string, sha: string, what: string, maxBytes: number, stored: Buffer | ReadRefusal, inflate: () => Promise<Buffer>): Promise<Buffer>;
  private checkedObject(file: string, sha: string, what: string, maxBytes: number, stored: Buffer | ReadRefusal, inflate: () => Buffer | Promise<Buffer>): Buffer | Promise<Buffer> {
    if (!Buffer.isBuffer(stored)) {
      if (stored.code === 'file-not-found') throw new CacheError(`${what} is missing from the cache: no ${file}; ${REBUILD}`, 'cache-integrity');
      throw this.refused(stored);
    }
    const corrupt = (e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ERR_BUFFER_TOO_LARGE' ? `decompresses to more than ${formatBytes(maxBytes)}, the most read for one file` : `is not valid gzip (${code ?? 'error'})`;
      return new CacheError(`${file} (${what}) ${why}; ${REBUILD}`, 'cache-integrity');
    };
    let inflated: Buffer | Promise<Buffer>;
    try {
      inflated = inflate();
    } catch (e) {
      throw corrupt(e);
    }
    if (Buffer.isBuffer(inflated)) return this.hashChecked(file, sha, what, inflated);
    return inflated.then(
      (bytes) => this.hashChecked(file, sha, what, bytes),
      (e: unknown) => {
        throw corrupt(e);
      },
    );
  }

  private hashChecked(file: string, sha: string, what: string, bytes: Buffer): Buffer {
    const actual = sha256Hex(bytes);
    if (actual !== sha) {
      throw new CacheError(`${file} (${what}) does not match the manifest: its content hashes to ${actual}, the manifest lists ${sha}; ${REBUILD}`, 'cache-integrity');
    }
    return bytes;
  }

  /** Whether a file stands where the object would be: enough to ask a server "modified since?", since the answer is checked when it is "no". */
  async hasObjectFile(sha: string): Promise<boolean> {
    return isRegularFile(this.objectPath(sha));
  }

  /** Whether the cache holds the object intact (sync then need not write it again). */
  async hasIntactObject(sha: string): Promise<boolean> {
    return this.readObject(sha, 'object').then(
      () => true,
      () => false,
    );
  }

  /**
   * Creates `dir` (inside the cache) and checks that it resolves inside the cache's real directory:
   * a committed symlink (objects/ab -> elsewhere) must not lead sync to write outside.
   */
  async ensureDirectory(dir: string): Promise<void> {
    await this.checkWritable(dir);
    await fs.mkdir(dir, { recursive: true });
    await this.checkWritable(dir);
  }

  /** Refuses a directory (existing, or where it would be created) that resolves outside the cache's real directory. */
  async checkWritable(dir: string): Promise<void> {
    const real = await this.requireRealDirectory();
    const resolved = realOrResolved(dir);
    if (!isInside(real, resolved)) throw new CacheError(`${dir} resolves to ${resolved}, outside the cache ${real}; sync writes only inside the cache`, 'outside-repository');
  }

  /**
   * Starts a transaction. New objects go to a staging directory inside the cache (same file system, so
   * the final moves are renames); nothing outside it changes until commit().
   */
  async begin(): Promise<CacheTransaction> {
    let created: string | undefined;
    try {
      // Where the directory is, or would be created, must be inside the repository when it is named inside it.
      await this.realDirectory();
    } catch (e) {
      // A file where the directory should be: mkdir says so below.
      if (!(e instanceof CacheError && e.errno === 'ENOTDIR')) throw e;
    }
    this.real = undefined;
    try {
      created = await fs.mkdir(this.dir, { recursive: true });
    } catch (e) {
      throw fsError(e, 'create the cache directory', this.dir);
    }
    this.real = undefined;
    const real = await this.requireRealDirectory();
    const lock = await acquireLock(path.join(this.dir, '.lock'), real);
    try {
      await removeStaleStaging(this.dir);
      const staging = path.join(this.dir, `.staging-${process.pid}-${randomBytes(4).toString('hex')}`);
      await fs.mkdir(staging);
      return new CacheTransaction(this, staging, lock, created);
    } catch (e) {
      await lock.release();
      throw fsError(e, 'write to', this.dir);
    }
  }
}

/** A manifest check's problem as a CacheError naming the file. */
function checked<T>(check: () => T, file: string): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof ManifestProblem) throw new CacheError(`${file}: ${e.message}; ${REBUILD}`, 'cache-integrity');
    throw e;
  }
}

export class CacheTransaction {
  private readonly staged = new Map<string, string>();
  /** Objects found intact in the cache, so each is checked once. */
  private readonly present = new Set<string>();
  private finished = false;

  constructor(
    private readonly store: CacheStore,
    private readonly staging: string,
    private readonly lock: Lock,
    /** The outermost directory begin() created for the cache, if any: a failed first sync removes it. */
    private readonly createdDir: string | undefined,
  ) {}

  /** Stores a file's bytes unless the cache already holds them intact. Returns the sha256. */
  async putObject(bytes: Uint8Array): Promise<string> {
    const sha = sha256Hex(bytes);
    if (await this.hasObject(sha)) return sha;
    const file = path.join(this.staging, `${sha}.gz`);
    this.staged.set(sha, file);
    await fs.writeFile(file, gzipSync(bytes, { level: 9 }), { flag: 'wx' }).catch((e: unknown) => {
      throw fsError(e, 'write', file);
    });
    return sha;
  }

  /** Whether the object is staged or in the cache intact (a damaged one is written again). */
  async hasObject(sha: string): Promise<boolean> {
    if (this.staged.has(sha) || this.present.has(sha)) return true;
    if (!(await this.store.hasIntactObject(sha))) return false;
    this.present.add(sha);
    return true;
  }

  async commit(snapshot: SnapshotManifest, previous: CacheManifest | undefined): Promise<CacheManifest> {
    const moved: string[] = [];
    let wroteSnapshot: string | undefined;
    try {
      // Every directory written into is checked before anything moves, so a refusal leaves the cache as it was.
      const snapshotFile = this.store.snapshotPath(snapshot.snapshotId);
      const dirs = new Set([...this.staged.keys()].map((sha) => path.dirname(this.store.objectPath(sha))).concat(path.dirname(snapshotFile)));
      for (const dir of dirs) await this.store.checkWritable(dir);
      for (const [sha, file] of this.staged) {
        const target = this.store.objectPath(sha);
        await this.store.ensureDirectory(path.dirname(target));
        await fs.rename(file, target);
        moved.push(target);
      }
      const history = (previous?.history ?? []).filter((h) => h.snapshotId !== snapshot.snapshotId);
      history.push(summarize(snapshot));
      await this.store.ensureDirectory(path.dirname(snapshotFile));
      // A symlink standing there is replaced, not followed.
      if (!(await isRegularFile(snapshotFile))) {
        await writeFileAtomic(snapshotFile, JSON.stringify(snapshot, null, 1) + '\n');
        wroteSnapshot = snapshotFile;
      }
      const manifest: CacheManifest = { ...snapshot, history };
      await writeFileAtomic(this.store.manifestPath, JSON.stringify(manifest, null, 1) + '\n');
      await this.finish(false);
      // The derived index of earlier versions: nothing reads it any more.
      await fs.rm(path.join(this.store.dir, 'indexes'), { recursive: true, force: true }).catch(() => undefined);
      return manifest;
    } catch (e) {
      await Promise.all(moved.map((f) => fs.rm(f, { force: true })));
      if (wroteSnapshot) await fs.rm(wroteSnapshot, { force: true });
      await this.finish(true);
      throw fsError(e, 'write the new snapshot into', this.store.dir);
    }
  }

  /** Drops everything staged; the cache is left exactly as it was before begin(). */
  async abort(): Promise<void> {
    await this.finish(true);
  }

  private async finish(failed: boolean): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await fs.rm(this.staging, { recursive: true, force: true });
    await this.lock.release();
    if (failed && this.createdDir) await removeCreatedDirs(this.store.dir, this.createdDir);
  }
}

async function isRegularFile(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    (st) => st.isFile(),
    () => false,
  );
}

/** Written beside the target under a name nobody could have committed, then renamed over it (a symlink there is replaced, not followed). */
async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, file);
}

interface Lock {
  release(): Promise<void>;
}

/** One sync at a time per cache; a lock left by a process that no longer runs is taken over. */
async function acquireLock(file: string, cacheRoot: string): Promise<Lock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => fs.rm(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(e, 'lock', file);
      // A committed .lock may be a symlink to anything: read it only as a small file inside the cache.
      const read = await readBytes(file, { root: cacheRoot, maxBytes: 32, what: 'lock file' });
      const pid = read.ok ? Number(read.bytes.toString('latin1').trim()) : NaN;
      if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) {
        throw new CacheError(`another guardrails sync (pid ${pid}) is writing ${path.dirname(file)}; remove ${file} if it is not running`);
      }
      await fs.rm(file, { force: true });
    }
  }
  throw new CacheError(`could not lock ${file}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Staging directories left behind by a process that was killed mid-sync. */
async function removeStaleStaging(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith('.staging-')) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/** Removes `dir` and its parents up to `top`, as long as they are empty (another process may have written there). */
async function removeCreatedDirs(dir: string, top: string): Promise<void> {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      await fs.rmdir(at);
    } catch {
      return;
    }
    if (at === path.resolve(top) || path.dirname(at) === at) return;
  }
}
