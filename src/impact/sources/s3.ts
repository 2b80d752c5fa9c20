/**
 * CloudTrail's log objects in S3 (`--cloudtrail s3://BUCKET[/PREFIX]`), listed for a window and fetched
 * for the reducer (gzip-records.ts and the shape table read the bytes). The delivery layout is walked
 * level by level with `/` as delimiter: [PREFIX/]AWSLogs/[o-id/]<account>/CloudTrail/<region>/YYYY/MM/DD/
 * (CloudTrail user guide, "Finding your CloudTrail log files"). Only the day folders of the window are
 * listed, plus the day after `until` (delivery lags the event); CloudTrail-Digest and CloudTrail-Insight
 * are never entered. PREFIX may be the folder holding AWSLogs, AWSLogs itself, or AWSLogs/<o-id>.
 *
 * Calls run at most `concurrency` at a time; every listing follows its continuation tokens; an object
 * larger than `maxBytes` is refused before its body is read, and a body that grows past it is cut off.
 */
import { createRequire } from 'node:module';
import type { S3Client } from '@aws-sdk/client-s3';
import { stoppableRetries } from '../../aws/retries.js';
import { limiter } from '../../org/client.js';
import { DEFAULT_MAX_SHAPES } from '../shape-table.js';
import type { Projection, Reduction } from '../types.js';
import { FileReducer } from './reduce-worker.js';
import { credentialsFromEnv } from '../../aws/client-config.js';

type S3Sdk = typeof import('@aws-sdk/client-s3');
let sdk: S3Sdk | undefined;
/** Loaded on first use: only an `s3://` source needs it. */
function s3Sdk(): S3Sdk {
  return (sdk ??= createRequire(import.meta.url)('@aws-sdk/client-s3') as S3Sdk);
}

export class S3SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'S3SourceError';
  }
}

export interface S3Api {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

/**
 * The S3 client, configured as the project's other clients. `forcePathStyle` is the caller's decision
 * (the CLI sets it when an endpoint override is given: moto and most S3 stand-ins serve path-style).
 */
export function s3ClientFromEnv(env: NodeJS.ProcessEnv, options: { forcePathStyle?: boolean; stop?: AbortSignal; maxAttempts?: number } = {}): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const maxAttempts = options.maxAttempts ?? 5;
  const { S3Client } = s3Sdk();
  return new S3Client({
    ...(region ? { region } : {}),
    maxAttempts,
    retryStrategy: stoppableRetries(maxAttempts, options.stop),
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    ...(endpoint ? { endpoint } : {}),
    ...(options.forcePathStyle ? { forcePathStyle: true } : {}),
    ...credentialsFromEnv(env),
  });
}

export interface S3Location {
  bucket: string;
  /** Empty, or ending with `/`. */
  prefix: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket[/prefix]` -> bucket and a prefix that is empty or ends with `/`. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m || !BUCKET.test(m[1]!)) throw new S3SourceError(`${JSON.stringify(url.slice(0, 200))} is not s3://BUCKET[/PREFIX]`);
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  if (prefix !== '' && (prefix.length > 900 || /[\u0000-\u001f]/.test(prefix) || prefix.split('/').some((s) => s === '' || s === '.' || s === '..')))
    throw new S3SourceError(`the prefix of ${JSON.stringify(url.slice(0, 200))} is not a plain key prefix`);
  return { bucket: m[1]!, prefix: prefix === '' ? '' : `${prefix}/` };
}

export interface LogObject {
  key: string;
  size: number;
}

export interface ListLogObjectsOptions {
  client: S3Api;
  bucket: string;
  prefix: string;
  since: Date;
  until: Date;
  /** Only these accounts' folders (default: every account folder found). */
  accounts?: readonly string[];
  /** Calls in flight at once (default 8). */
  concurrency?: number;
  /** Keys per ListObjectsV2 page (default S3's 1,000). */
  maxKeys?: number;
  /** More objects than this fail the listing instead of filling memory (default 5,000,000). */
  maxObjects?: number;
  stop?: AbortSignal;
}

const DAY_MS = 86_400_000;
const ORG_FOLDER = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_FOLDER = /^\d{12}$/;
const REGION_FOLDER = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** The window's day folders `YYYY/MM/DD/`, from since's day to the day after until's. */
export function windowDays(since: Date, until: Date): string[] {
  const start = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate());
  const end = until.getTime() + DAY_MS;
  if (!Number.isFinite(start) || !Number.isFinite(end) || start > end) throw new S3SourceError('the window needs valid since and until dates, since first');
  const days: string[] = [];
  for (let t = start; t <= end; t += DAY_MS) days.push(`${new Date(t).toISOString().slice(0, 10).replaceAll('-', '/')}/`);
  return days;
}

/** The `.json.gz` log objects of the window, sorted by key. */
export async function listLogObjects(options: ListLogObjectsOptions): Promise<LogObject[]> {
  const { ListObjectsV2Command } = s3Sdk();
  const limit = limiter(Math.max(1, options.concurrency ?? 8), options.stop);
  const maxObjects = options.maxObjects ?? 5_000_000;
  const found: LogObject[] = [];
  const list = async (prefix: string, delimiter: boolean): Promise<{ objects: LogObject[]; folders: string[] }> => {
    const objects: LogObject[] = [];
    const folders: string[] = [];
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      const page = (await limit(() =>
        options.client.send(
          new ListObjectsV2Command({ Bucket: options.bucket, Prefix: prefix, ...(delimiter ? { Delimiter: '/' } : {}), ...(options.maxKeys ? { MaxKeys: options.maxKeys } : {}), ...(token ? { ContinuationToken: token } : {}) }),
          options.stop ? { abortSignal: options.stop } : undefined,
        ),
      )) as { Contents?: { Key?: unknown; Size?: unknown }[]; CommonPrefixes?: { Prefix?: unknown }[]; IsTruncated?: unknown; NextContinuationToken?: unknown };
      for (const o of page.Contents ?? []) if (typeof o.Key === 'string' && o.Key.startsWith(prefix)) objects.push({ key: o.Key, size: typeof o.Size === 'number' ? o.Size : 0 });
      for (const p of page.CommonPrefixes ?? []) if (typeof p.Prefix === 'string' && p.Prefix.startsWith(prefix)) folders.push(p.Prefix.slice(prefix.length));
      token = page.IsTruncated === true && typeof page.NextContinuationToken === 'string' ? page.NextContinuationToken : undefined;
      if (token !== undefined) {
        if (seen.has(token)) throw new S3SourceError(`listing s3://${options.bucket}/${prefix} returned the same continuation token twice`);
        seen.add(token);
      }
      if (found.length + objects.length > maxObjects) throw new S3SourceError(`more than ${maxObjects} log objects under s3://${options.bucket}/${options.prefix}`);
    } while (token !== undefined);
    return { objects, folders };
  };

  // Where AWSLogs is: the prefix holds it, is it, or is an organization's folder in it.
  let base = options.prefix;
  const trimmed = base.replace(/\/$/, '');
  const last = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  const organizationLevel = ORG_FOLDER.test(last) && trimmed.endsWith(`AWSLogs/${last}`);
  if (last !== 'AWSLogs' && !organizationLevel) base = `${base}AWSLogs/`;

  /** Account folders, or organization folders holding them. */
  const accountFolders: string[] = [];
  if (organizationLevel) accountFolders.push(base);
  else {
    const top = await list(base, true);
    for (const folder of top.folders) if (ACCOUNT_FOLDER.test(folder.replace(/\/$/, '')) || ORG_FOLDER.test(folder.replace(/\/$/, ''))) accountFolders.push(`${base}${folder}`);
  }
  // An organization folder holds account folders; an account folder holds CloudTrail/.
  const accounts: string[] = [];
  await Promise.all(
    accountFolders.map(async (folder) => {
      const name = folder.replace(/\/$/, '').split('/').pop()!;
      if (ACCOUNT_FOLDER.test(name)) accounts.push(folder);
      else for (const f of (await list(folder, true)).folders) if (ACCOUNT_FOLDER.test(f.replace(/\/$/, ''))) accounts.push(`${folder}${f}`);
    }),
  );
  const wanted = options.accounts ? new Set(options.accounts) : undefined;
  const days = windowDays(options.since, options.until);
  await Promise.all(
    accounts
      .filter((a) => !wanted || wanted.has(a.replace(/\/$/, '').split('/').pop()!))
      .map(async (account) => {
        const regions = (await list(`${account}CloudTrail/`, true)).folders.filter((f) => REGION_FOLDER.test(f.replace(/\/$/, '')));
        await Promise.all(
          regions.flatMap((region) =>
            days.map(async (day) => {
              const { objects } = await list(`${account}CloudTrail/${region}${day}`, false);
              for (const o of objects) if (o.key.endsWith('.json.gz')) found.push(o);
            }),
          ),
        );
      }),
  );
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** CloudTrail's files are small (tens of KB to a few tens of MB compressed): 256 MiB is far past any. */
export const DEFAULT_MAX_OBJECT_BYTES = 256 * 1024 * 1024;

/** One object's bytes, refused when larger than `maxBytes` (by its length, or as its body grows). */
export async function fetchLogObject(options: { client: S3Api; bucket: string; key: string; maxBytes?: number; stop?: AbortSignal }): Promise<Uint8Array> {
  const { GetObjectCommand } = s3Sdk();
  const max = options.maxBytes ?? DEFAULT_MAX_OBJECT_BYTES;
  const answer = (await options.client.send(new GetObjectCommand({ Bucket: options.bucket, Key: options.key }), options.stop ? { abortSignal: options.stop } : undefined)) as { ContentLength?: unknown; Body?: unknown };
  const tooLarge = () => new S3SourceError(`s3://${options.bucket}/${options.key.slice(0, 1024)} is larger than ${max} bytes`);
  const body = answer.Body as (AsyncIterable<Uint8Array> & { on?: (event: string, listener: () => void) => void; destroy?: () => void }) | undefined;
  // A body left unread ends in an error (the SDK's checksum check, the aborted socket): it is ours to drop, not the process's.
  const drop = () => {
    body?.on?.('error', () => {});
    body?.destroy?.();
  };
  if (typeof answer.ContentLength === 'number' && answer.ContentLength > max) {
    drop();
    throw tooLarge();
  }
  if (!body || typeof body[Symbol.asyncIterator] !== 'function') throw new S3SourceError(`s3://${options.bucket}/${options.key.slice(0, 1024)} has no readable body`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > max) {
      drop();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The window's log objects with their bytes, at most `concurrency` fetches in flight and that many
 * bodies held ahead of the consumer, in key order.
 */
export async function* logObjects(options: ListLogObjectsOptions & { maxBytes?: number }): AsyncGenerator<{ key: string; bytes: Uint8Array }> {
  const objects = await listLogObjects(options);
  const ahead = Math.max(1, options.concurrency ?? 8);
  const pending: Promise<{ key: string; bytes: Uint8Array }>[] = [];
  let next = 0;
  const start = () => {
    const o = objects[next++]!;
    const fetching = fetchLogObject({ client: options.client, bucket: options.bucket, key: o.key, ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}), ...(options.stop ? { stop: options.stop } : {}) }).then((bytes) => ({ key: o.key, bytes }));
    // Handled when its turn comes; until then an early failure must not be an unhandled rejection.
    fetching.catch(() => {});
    pending.push(fetching);
  };
  while (next < objects.length && pending.length < ahead) start();
  while (pending.length > 0) {
    const item = await pending.shift()!;
    if (next < objects.length) start();
    yield item;
  }
}

/** The account folder of a delivered key: `[prefix/]AWSLogs/[o-id/]<account>/CloudTrail/...`. */
const KEY_ACCOUNT = /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?(\d{12})\/CloudTrail\//;

export interface S3ReduceOptions extends ListLogObjectsOptions {
  projection: Projection;
  maxShapes?: number;
  /** Per object: its compressed size and what it may inflate to. */
  maxBytes?: number;
  maxInflatedBytes?: number;
}

/**
 * The window's log objects reduced to shapes by the directory source's own reduction of one file
 * (reduce-worker.ts), object after object as they arrive: memory holds the objects fetched ahead
 * (`concurrency`) and the shape table, however many objects the prefix holds.
 */
export async function reduceS3(options: S3ReduceOptions): Promise<Reduction> {
  const reducer = new FileReducer({
    projection: options.projection,
    sinceMs: options.since.getTime(),
    untilMs: options.until.getTime(),
    maxShapes: options.maxShapes ?? DEFAULT_MAX_SHAPES,
    ...(options.maxInflatedBytes !== undefined ? { maxInflatedBytes: options.maxInflatedBytes } : {}),
  });
  for await (const object of logObjects(options)) reducer.bytes(object.bytes, KEY_ACCOUNT.exec(object.key)?.[1]);
  return { shapes: reducer.table.rows(), totals: reducer.totals };
}
