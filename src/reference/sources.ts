/**
 * Where a service reference comes from: AWS's endpoint, a mirror URL, or a directory laid out like the
 * endpoint (`<dir>/v1/service-list.json`, `<dir>/v1/<service>/<service>.json`).
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { readBytes } from '../files/read.js';
import { ACCEPTED_ENCODINGS, httpGet } from './http-get.js';

export const AWS_REFERENCE_BASE = 'https://servicereference.us-east-1.amazonaws.com/v1/';
export const REFERENCE_URL_ENV = 'GUARDRAILS_REFERENCE_URL';

export interface Conditional {
  etag?: string;
  lastModified?: string;
}

export type FetchResult =
  | { status: 'ok'; bytes: Buffer; etag?: string; lastModified?: string }
  | { status: 'not-modified' };

export interface ReferenceSource {
  /** The base every file is resolved against, as recorded in the manifest. */
  readonly base: string;
  /**
   * Whether a transfer can go wrong on the way (a connection cut short): a file that fails its shape
   * check is then worth fetching once more. Reading a local file again gives the same bytes.
   */
  readonly remote: boolean;
  /** Where a file relative to the base lives (for messages). */
  locate(relative: string): string;
  get(relative: string, request: FetchRequest): Promise<FetchResult>;
}

export interface FetchRequest {
  conditional?: Conditional | undefined;
  signal: AbortSignal;
  /** The most read of this file (received, and decoded). */
  maxBytes: number;
}

/** A failure fetching one file. `retryable` separates a flaky server from a definitive answer (404). */
export class FetchError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly retryable: boolean,
    /** How long the server asked to wait before retrying (Retry-After on 429 and 503). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'FetchError';
  }
}

/** The explicit --from, else the environment variable, else AWS's endpoint. */
export function sourceSpec(from: string | undefined, env: NodeJS.ProcessEnv): string {
  return from ?? env[REFERENCE_URL_ENV] ?? AWS_REFERENCE_BASE;
}

/**
 * The URL scheme of a source that sync cannot read (`ftp`), or undefined for http(s), file URLs and
 * paths; a scheme is not a directory name.
 */
export function unsupportedScheme(spec: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1];
  return scheme && !/^(https?|file)$/i.test(scheme) ? scheme : undefined;
}

/**
 * Picks the source: the explicit --from, else the environment variable, else AWS's endpoint. A
 * directory is read under `directory.root` when given (see rootForNamedPath).
 */
export function resolveSource(from: string | undefined, env: NodeJS.ProcessEnv, http: HttpOptions, directory: DirectoryOptions = {}): ReferenceSource {
  const spec = sourceSpec(from, env);
  if (/^https?:\/\//i.test(spec)) return new HttpSource(spec, http);
  return new DirectorySource(spec.startsWith('file://') ? new URL(spec).pathname : spec, directory);
}

/**
 * `https://host`, `https://host/v1` and `https://host/v1/service-list.json` all mean `https://host/v1/`.
 * The list's URL names its directory wherever a mirror keeps it, so nothing is appended to it.
 */
export function normalizeBaseUrl(url: string): string {
  const u = new URL(url);
  u.search = '';
  u.hash = '';
  let p = u.pathname;
  if (/\/service-list\.json$/i.test(p)) {
    u.pathname = p.slice(0, p.lastIndexOf('/') + 1);
    return u.toString();
  }
  if (!p.endsWith('/')) p += '/';
  if (!/\/v1\/$/i.test(p)) p += 'v1/';
  u.pathname = p;
  return u.toString();
}

/**
 * Whether two recorded bases name the same source, spelling aside (host casing, default port, a
 * relative directory). Conditional-request validators are only meaningful to the source that issued them.
 */
export function sameBase(a: string, b: string): boolean {
  return canonicalBase(a) === canonicalBase(b);
}

function canonicalBase(base: string): string {
  if (!/^https?:\/\//i.test(base)) return path.resolve(base);
  try {
    const u = new URL(base);
    u.search = '';
    u.hash = '';
    if (!u.pathname.endsWith('/')) u.pathname += '/';
    return u.toString();
  } catch {
    return base;
  }
}

function normalizeBaseDir(dir: string): string {
  const abs = path.resolve(dir);
  if (abs.endsWith('service-list.json')) return path.dirname(abs);
  if (isDirectory(path.join(abs, 'v1'))) return path.join(abs, 'v1');
  return abs;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

const SAFE_RELATIVE_PATH = /^[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/**
 * The path of a service file relative to the base. The list's `url` fields point at AWS's host; a mirror
 * serves the same layout under its own base, so only the part after `/v1/` is kept.
 */
export function serviceFilePath(service: string, listedUrl: string): string {
  let rel = `${service}/${service}.json`;
  try {
    const pathname = new URL(listedUrl, AWS_REFERENCE_BASE).pathname;
    const at = pathname.indexOf('/v1/');
    if (at >= 0) rel = decodeURIComponent(pathname.slice(at + 4));
  } catch {
    // An unparsable url falls back to the endpoint's layout.
  }
  // The path is printed and read: plain names only, no way up, nothing a terminal would interpret.
  if (!SAFE_RELATIVE_PATH.test(rel) || rel.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) rel = `${service}/${service}.json`;
  return rel;
}

export interface HttpOptions {
  timeoutMs: number;
}

export class HttpSource implements ReferenceSource {
  readonly base: string;
  readonly remote = true;

  /** `url` may be the host, the `/v1/` base or the service list's URL. */
  constructor(
    url: string,
    private readonly options: HttpOptions,
  ) {
    this.base = normalizeBaseUrl(url);
  }

  locate(relative: string): string {
    return new URL(relative, this.base).toString();
  }

  async get(relative: string, request: FetchRequest): Promise<FetchResult> {
    const url = this.locate(relative);
    const headers: Record<string, string> = { 'accept-encoding': ACCEPTED_ENCODINGS, 'user-agent': 'guardrails-sync' };
    if (request.conditional?.etag) headers['if-none-match'] = request.conditional.etag;
    if (request.conditional?.lastModified) headers['if-modified-since'] = request.conditional.lastModified;
    const got = await httpGet(url, { headers, timeoutMs: this.options.timeoutMs, maxBytes: request.maxBytes, signal: request.signal });
    if (!got.ok) {
      // A cut connection or a timeout may go better next time; a bomb or a lie about the encoding will not.
      const retryable = got.failure === 'timeout' || got.failure === 'network' || got.failure === 'truncated';
      throw new FetchError(got.message, url, retryable);
    }
    if (got.status === 304) return { status: 'not-modified' };
    if (got.status < 200 || got.status > 299) {
      const retryable = got.status >= 500 || got.status === 429 || got.status === 408;
      const retryAfter = got.status === 429 || got.status === 503 ? parseRetryAfter(header(got.headers['retry-after']), Date.now()) : undefined;
      throw new FetchError(`HTTP ${got.status}${got.statusText ? ` ${got.statusText}` : ''}`, url, retryable, retryAfter);
    }
    const result: FetchResult = { status: 'ok', bytes: got.body };
    // Validators are written into the manifest and sent back next time: only well-formed ones are kept.
    const etag = header(got.headers.etag);
    const lastModified = header(got.headers['last-modified']);
    if (etag && isWellFormedEtag(etag)) result.etag = etag;
    if (lastModified && isHttpDate(lastModified)) result.lastModified = lastModified;
    return result;
  }
}

/** An entity tag as RFC 9110 writes it, of a sane length. */
export function isWellFormedEtag(s: string): boolean {
  return /^(?:W\/)?"[\x21\x23-\x7e]{0,200}"$/.test(s);
}

/** An HTTP date (IMF-fixdate), as Last-Modified carries it. */
export function isHttpDate(s: string): boolean {
  return /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(s) && !Number.isNaN(Date.parse(s));
}

function header(value: string | string[] | undefined): string | null {
  return value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value;
}

/** Retry-After as delay-seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface DirectoryOptions {
  /** A real directory every file read must resolve inside (the repository, for a mirror committed in it). */
  root?: string | undefined;
}

export class DirectorySource implements ReferenceSource {
  readonly base: string;
  readonly remote = false;

  /** `dir` may be the snapshot directory (holding v1/), the v1 directory or the service list's path. */
  constructor(
    dir: string,
    private readonly options: DirectoryOptions = {},
  ) {
    this.base = normalizeBaseDir(dir);
  }

  locate(relative: string): string {
    return path.join(this.base, relative);
  }

  async get(relative: string, request: FetchRequest): Promise<FetchResult> {
    const file = this.locate(relative);
    const read = await readBytes(file, { root: this.options.root, maxBytes: request.maxBytes, what: 'reference file' });
    if (!read.ok) throw new FetchError(read.code === 'file-not-found' ? 'file not found' : read.message, file, false);
    return { status: 'ok', bytes: read.bytes };
  }
}
