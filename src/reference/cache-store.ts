/**
 * The on-disk service-reference cache.
 *
 *   <cache>/manifest.json              the current snapshot, plus the history of every snapshot kept
 *   <cache>/snapshots/<id>.json        the manifest of each snapshot ever synced
 *   <cache>/objects/<ab>/<sha256>.gz   service files, gzip of the exact bytes served, content-addressed
 *   <cache>/indexes/<id>.json.gz       the compact index of each snapshot (derived; rebuilt by sync)
 *
 * Content addressing keeps history compact: a new snapshot stores only the services that changed.
 * The switch to a new snapshot is one rename of manifest.json; everything it points at is written first,
 * so a reader sees either the old or the new snapshot, and a failed sync leaves the directory as it was.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

export const CACHE_FORMAT = 1;

export interface ServiceEntry {
  sha256: string;
  bytes: number;
  actions: number;
  version: string | null;
  etag?: string;
  lastModified?: string;
}

export interface SnapshotManifest {
  format: typeof CACHE_FORMAT;
  /** Hash of the contents (service names and file hashes): equal contents, equal id, whatever the source. */
  snapshotId: string;
  source: string;
  syncedAt: string;
  serviceList: { sha256: string; etag?: string; lastModified?: string };
  schemaVersions: Record<string, number>;
  totals: { services: number; actions: number; bytes: number };
  services: Record<string, ServiceEntry>;
}

export interface SnapshotSummary {
  snapshotId: string;
  syncedAt: string;
  source: string;
  services: number;
  actions: number;
}

export interface CacheManifest extends SnapshotManifest {
  /** Every snapshot kept in this cache, oldest first; the last one is the current snapshot. */
  history: SnapshotSummary[];
}

export class CacheError extends Error {
  constructor(
    message: string,
    /** The file system's error code when the cache could not be read or written at all (ENOTDIR, EACCES). */
    readonly errno?: string,
  ) {
    super(message);
    this.name = 'CacheError';
  }
}

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
  return new CacheError(`cannot ${doing} ${file}: ${why}`, code);
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

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function computeSnapshotId(serviceListSha: string, services: Record<string, ServiceEntry>): string {
  const h = createHash('sha256').update(`service-list\t${serviceListSha}\n`);
  for (const name of Object.keys(services).sort()) h.update(`${name}\t${services[name]!.sha256}\n`);
  return h.digest('hex').slice(0, 16);
}

export function summarize(m: SnapshotManifest): SnapshotSummary {
  return { snapshotId: m.snapshotId, syncedAt: m.syncedAt, source: m.source, services: m.totals.services, actions: m.totals.actions };
}

export class CacheStore {
  constructor(readonly dir: string) {}

  get manifestPath(): string {
    return path.join(this.dir, 'manifest.json');
  }

  objectPath(sha: string): string {
    return path.join(this.dir, 'objects', sha.slice(0, 2), `${sha}.gz`);
  }

  indexPath(id: string): string {
    return path.join(this.dir, 'indexes', `${id}.json.gz`);
  }

  /** The stored compact index of a snapshot, or undefined when it is missing or of another format. */
  async readIndex(id: string): Promise<unknown> {
    try {
      return JSON.parse(gunzipSync(await fs.readFile(this.indexPath(id))).toString('utf8'));
    } catch {
      return undefined;
    }
  }

  snapshotPath(id: string): string {
    return path.join(this.dir, 'snapshots', `${id}.json`);
  }

  async readManifest(): Promise<CacheManifest | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.manifestPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsError(e, 'read', this.manifestPath);
    }
    let m: CacheManifest;
    try {
      m = JSON.parse(text) as CacheManifest;
    } catch (e) {
      throw new CacheError(`${this.manifestPath} is not valid JSON (${(e as Error).message}); run guardrails sync again`);
    }
    if (m.format !== CACHE_FORMAT || typeof m.services !== 'object') {
      throw new CacheError(`${this.manifestPath} has an unsupported format ${JSON.stringify(m.format)}; expected ${CACHE_FORMAT}`);
    }
    return m;
  }

  /** A snapshot by id or unambiguous id prefix, or "current". */
  async readSnapshot(idOrPrefix: string): Promise<SnapshotManifest> {
    const current = await this.readManifest();
    if (!current) throw new CacheError(`no service reference cache in ${this.dir}; run guardrails sync first`);
    if (idOrPrefix === 'current' || idOrPrefix === current.snapshotId) return current;
    const matches = current.history.filter((h) => h.snapshotId.startsWith(idOrPrefix));
    if (matches.length === 0) {
      throw new CacheError(`no snapshot "${idOrPrefix}" in ${this.dir}; known: ${current.history.map((h) => h.snapshotId).join(', ')}`);
    }
    if (matches.length > 1) throw new CacheError(`snapshot prefix "${idOrPrefix}" is ambiguous: ${matches.map((h) => h.snapshotId).join(', ')}`);
    const file = this.snapshotPath(matches[0]!.snapshotId);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      throw fsError(e, 'read snapshot', file);
    }
    try {
      return JSON.parse(text) as SnapshotManifest;
    } catch (e) {
      throw new CacheError(`${file} is not valid JSON (${(e as Error).message}); run guardrails sync again`);
    }
  }

  hasObject(sha: string): boolean {
    return existsSync(this.objectPath(sha));
  }

  async readObject(sha: string, verify = false): Promise<Buffer> {
    let bytes: Buffer;
    try {
      bytes = gunzipSync(await fs.readFile(this.objectPath(sha)));
    } catch (e) {
      throw fsError(e, 'read object', this.objectPath(sha));
    }
    if (verify && sha256Hex(bytes) !== sha) throw new CacheError(`object ${sha} in ${this.dir} is corrupt (hash mismatch)`);
    return bytes;
  }

  /**
   * Starts a transaction. New objects go to a staging directory inside the cache (same file system, so
   * the final moves are renames); nothing outside it changes until commit().
   */
  async begin(): Promise<CacheTransaction> {
    let created: string | undefined;
    try {
      created = await fs.mkdir(this.dir, { recursive: true });
    } catch (e) {
      throw fsError(e, 'create the cache directory', this.dir);
    }
    const lock = await acquireLock(path.join(this.dir, '.lock'));
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

export class CacheTransaction {
  private readonly staged = new Map<string, string>();
  private stagedIndex: { id: string; file: string } | undefined;
  private finished = false;

  constructor(
    private readonly store: CacheStore,
    private readonly staging: string,
    private readonly lock: Lock,
    /** The outermost directory begin() created for the cache, if any: a failed first sync removes it. */
    private readonly createdDir: string | undefined,
  ) {}

  /** Stores a file's bytes unless the cache already holds them. Returns the sha256. */
  async putObject(bytes: Uint8Array): Promise<string> {
    const sha = sha256Hex(bytes);
    if (this.staged.has(sha) || this.store.hasObject(sha)) return sha;
    const file = path.join(this.staging, `${sha}.gz`);
    this.staged.set(sha, file);
    await fs.writeFile(file, gzipSync(bytes, { level: 9 })).catch((e: unknown) => {
      throw fsError(e, 'write', file);
    });
    return sha;
  }

  hasObject(sha: string): boolean {
    return this.staged.has(sha) || this.store.hasObject(sha);
  }

  /** Stages the compact index of the snapshot being written. */
  async putIndex(id: string, json: string): Promise<void> {
    const file = path.join(this.staging, `index-${id}.json.gz`);
    await fs.writeFile(file, gzipSync(json, { level: 6 })).catch((e: unknown) => {
      throw fsError(e, 'write', file);
    });
    this.stagedIndex = { id, file };
  }

  async commit(snapshot: SnapshotManifest, previous: CacheManifest | undefined): Promise<CacheManifest> {
    const moved: string[] = [];
    let wroteSnapshot: string | undefined;
    try {
      for (const [sha, file] of this.staged) {
        const target = this.store.objectPath(sha);
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.rename(file, target);
        moved.push(target);
      }
      if (this.stagedIndex) {
        const target = this.store.indexPath(this.stagedIndex.id);
        if (!existsSync(target)) {
          await fs.mkdir(path.dirname(target), { recursive: true });
          await fs.rename(this.stagedIndex.file, target);
          moved.push(target);
        }
      }
      const history = (previous?.history ?? []).filter((h) => h.snapshotId !== snapshot.snapshotId);
      history.push(summarize(snapshot));
      const snapshotFile = this.store.snapshotPath(snapshot.snapshotId);
      if (!existsSync(snapshotFile)) {
        await fs.mkdir(path.dirname(snapshotFile), { recursive: true });
        await writeFileAtomic(snapshotFile, JSON.stringify(snapshot, null, 1) + '\n');
        wroteSnapshot = snapshotFile;
      }
      const manifest: CacheManifest = { ...snapshot, history };
      await writeFileAtomic(this.store.manifestPath, JSON.stringify(manifest, null, 1) + '\n');
      await this.finish(false);
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

async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const handle = await fs.open(tmp, 'w');
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
async function acquireLock(file: string): Promise<Lock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => fs.rm(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fsError(e, 'lock', file);
      const pid = Number(await fs.readFile(file, 'utf8').catch(() => ''));
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
