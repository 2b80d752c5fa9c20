/**
 * What the cache's manifests hold, and the checks a manifest read from the cache must pass. The cache
 * is committed, so a pull request can change any of it; the manifest is the one file a reviewer can
 * read, so everything else is verified against it (objects by their sha256, the snapshot id as the
 * hash of the service list and services), and the manifest itself must be exactly what sync writes: a
 * field of another type or an id that is not the hash of what it lists is refused, never half-used.
 * Values that are printed later (source, dates, validators) must be plain text.
 */
import { createHash } from 'node:crypto';
import { inertLine } from '../diagnostics/untrusted.js';
import { isSchemaVersion, isValidServiceName, MAX_SERVICES } from './service-file.js';
import { isHttpDate, isWellFormedEtag } from './sources.js';

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

/** What is wrong with a manifest, in words; thrown by the checks and turned into a CacheError by the reader. */
export class ManifestProblem extends Error {}

const SHA256 = /^[0-9a-f]{64}$/;
const SNAPSHOT_ID = /^[0-9a-f]{16}$/;
const MAX_HISTORY = 10_000;

export function checkCacheManifest(v: unknown): CacheManifest {
  const m = checkSnapshotManifest(v);
  const history = (v as Record<string, unknown>).history;
  if (!Array.isArray(history) || history.length > MAX_HISTORY) throw new ManifestProblem(`"history" is not a list of at most ${MAX_HISTORY} snapshots`);
  history.forEach((h, i) => checkSummary(h, `history[${i}]`));
  return m as CacheManifest;
}

/** A snapshot's manifest: its shape, and its id as the hash of what it lists. */
export function checkSnapshotManifest(v: unknown): SnapshotManifest {
  if (!isObject(v)) throw new ManifestProblem('it is not a JSON object');
  if (v.format !== CACHE_FORMAT) throw new ManifestProblem(`"format" is not ${CACHE_FORMAT}`);
  if (typeof v.snapshotId !== 'string' || !SNAPSHOT_ID.test(v.snapshotId)) throw new ManifestProblem('"snapshotId" is not 16 hexadecimal digits');
  plainText(v.source, '"source"', 2048);
  date(v.syncedAt, '"syncedAt"');
  if (!isObject(v.serviceList) || typeof v.serviceList.sha256 !== 'string' || !SHA256.test(v.serviceList.sha256)) throw new ManifestProblem('"serviceList.sha256" is not a sha256');
  validators(v.serviceList, '"serviceList"');
  if (!isObject(v.schemaVersions)) throw new ManifestProblem('"schemaVersions" is not an object');
  for (const [version, n] of Object.entries(v.schemaVersions)) {
    if (version !== 'unversioned' && !isSchemaVersion(version)) throw new ManifestProblem('"schemaVersions" names something that is not a schema version');
    count(n, `"schemaVersions"."${version}"`);
  }
  if (!isObject(v.totals)) throw new ManifestProblem('"totals" is not an object');
  for (const key of ['services', 'actions', 'bytes']) count(v.totals[key], `"totals.${key}"`);
  if (!isObject(v.services)) throw new ManifestProblem('"services" is not an object');
  const names = Object.keys(v.services);
  if (names.length > MAX_SERVICES) throw new ManifestProblem(`"services" lists more than ${MAX_SERVICES} services`);
  for (const name of names) {
    if (!isValidServiceName(name)) throw new ManifestProblem('"services" names something that is not a service prefix');
    checkServiceEntry(v.services[name], `"services"."${name}"`);
  }
  const services = v.services as Record<string, ServiceEntry>;
  const expected = computeSnapshotId(v.serviceList.sha256, services);
  if (expected !== v.snapshotId) {
    throw new ManifestProblem(`"snapshotId" ${v.snapshotId} is not the hash of the service list and service files it lists (that is ${expected}): the manifest was edited`);
  }
  return v as unknown as SnapshotManifest;
}

function checkServiceEntry(v: unknown, where: string): void {
  if (!isObject(v)) throw new ManifestProblem(`${where} is not an object`);
  if (typeof v.sha256 !== 'string' || !SHA256.test(v.sha256)) throw new ManifestProblem(`${where}.sha256 is not a sha256`);
  count(v.bytes, `${where}.bytes`);
  count(v.actions, `${where}.actions`);
  if (v.version !== null && (typeof v.version !== 'string' || !isSchemaVersion(v.version))) throw new ManifestProblem(`${where}.version is not a schema version or null`);
  validators(v, where);
}

function checkSummary(v: unknown, where: string): SnapshotSummary {
  if (!isObject(v)) throw new ManifestProblem(`${where} is not an object`);
  if (typeof v.snapshotId !== 'string' || !SNAPSHOT_ID.test(v.snapshotId)) throw new ManifestProblem(`${where}.snapshotId is not 16 hexadecimal digits`);
  date(v.syncedAt, `${where}.syncedAt`);
  plainText(v.source, `${where}.source`, 2048);
  count(v.services, `${where}.services`);
  count(v.actions, `${where}.actions`);
  return v as unknown as SnapshotSummary;
}

function validators(v: Record<string, unknown>, where: string): void {
  if (v.etag !== undefined && (typeof v.etag !== 'string' || !isWellFormedEtag(v.etag))) throw new ManifestProblem(`${where}.etag is not an entity tag`);
  if (v.lastModified !== undefined && (typeof v.lastModified !== 'string' || !isHttpDate(v.lastModified))) throw new ManifestProblem(`${where}.lastModified is not an HTTP date`);
}

function plainText(v: unknown, where: string, max: number): void {
  if (typeof v !== 'string' || v.length > max || inertLine(v) !== v) throw new ManifestProblem(`${where} is not one line of plain text`);
}

function date(v: unknown, where: string): void {
  if (typeof v !== 'string' || v.length > 64 || Number.isNaN(Date.parse(v)) || inertLine(v) !== v) throw new ManifestProblem(`${where} is not a date`);
}

function count(v: unknown, where: string): void {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ManifestProblem(`${where} is not a count`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
