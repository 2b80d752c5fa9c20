/**
 * A static HTTP server that serves a service-reference snapshot directory the way AWS's endpoint does
 * (ETag, Last-Modified, conditional requests), with faults injected per path.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export type Fault =
  /** Answer `status` (with `headers`) the first `times` requests, then serve normally. */
  | { kind: 'status'; status: number; times: number; headers?: Record<string, string> }
  /** Send only the first `bytes` bytes of the body, with a matching Content-Length. */
  | { kind: 'truncate'; bytes: number; times?: number }
  /** Wait before answering. */
  | { kind: 'delay'; ms: number; times?: number }
  | { kind: 'missing' }
  /** Answer 200 with these bytes (and headers, such as a Content-Encoding they may or may not be in). */
  | { kind: 'body'; body: Buffer; headers?: Record<string, string> }
  /** Answer 200 with the first chunk, then send the others `gapMs` apart (each in its own read), ending with the last. */
  | { kind: 'chunks'; chunks: Buffer[]; gapMs: number; headers?: Record<string, string> }
  /** Answer 200 at once, then send one space every `intervalMs`, forever (a slowloris). */
  | { kind: 'trickle'; intervalMs: number };

export interface ReferenceServer {
  url: string;
  /** Requests per URL path. */
  requests: Map<string, number>;
  /** Responses by status code. */
  statuses: Map<number, number>;
  /** Injects a fault on a URL path; its counters start from this call. */
  inject(urlPath: string, fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export interface ReferenceServerOptions {
  /** Send ETags and answer If-None-Match (default true). */
  etag?: boolean;
  /** Send Last-Modified and answer If-Modified-Since (default true). */
  lastModified?: boolean;
  /** The Last-Modified of every file, as a mirror filled at that moment reports it (default: each file's mtime). */
  modifiedAt?: Date;
}

export async function startReferenceServer(root: string, options: ReferenceServerOptions = {}): Promise<ReferenceServer> {
  const sendEtag = options.etag ?? true;
  const sendLastModified = options.lastModified ?? true;
  const requests = new Map<string, number>();
  const statuses = new Map<number, number>();
  const faults = new Map<string, Fault>();
  const used = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();

  const send = (res: http.ServerResponse, status: number, body?: Buffer, headers: Record<string, string> = {}) => {
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    res.writeHead(status, headers);
    res.end(body);
  };

  const server = http.createServer(async (req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.set(urlPath, (requests.get(urlPath) ?? 0) + 1);
    const fault = faults.get(urlPath);
    const n = (used.get(urlPath) ?? 0) + 1;
    used.set(urlPath, n);
    if (fault?.kind === 'missing') return send(res, 404, Buffer.from('not found'));
    if (fault?.kind === 'status' && n <= fault.times) return send(res, fault.status, Buffer.from('injected failure'), fault.headers);
    if (fault?.kind === 'delay' && n <= (fault.times ?? Infinity)) await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'body') return send(res, 200, fault.body, fault.headers);
    if (fault?.kind === 'chunks' || fault?.kind === 'trickle') {
      statuses.set(200, (statuses.get(200) ?? 0) + 1);
      res.writeHead(200, fault.kind === 'chunks' ? fault.headers : { 'content-type': 'application/json' });
      const chunks = fault.kind === 'chunks' ? [...fault.chunks] : [];
      if (chunks.length) res.write(chunks.shift());
      if (fault.kind === 'chunks' && chunks.length === 0) return void res.end();
      const timer = setInterval(
        () => {
          if (fault.kind === 'trickle') res.write(' ');
          else {
            res.write(chunks.shift());
            if (chunks.length === 0) {
              clearInterval(timer);
              res.end();
            }
          }
        },
        fault.kind === 'chunks' ? fault.gapMs : fault.intervalMs,
      );
      res.on('close', () => clearInterval(timer));
      return;
    }
    const file = path.join(root, urlPath);
    if (!file.startsWith(root)) return send(res, 403);
    let body: Buffer;
    let mtime: Date;
    try {
      body = await fs.readFile(file);
      mtime = options.modifiedAt ?? (await fs.stat(file)).mtime;
    } catch {
      return send(res, 404, Buffer.from('not found'));
    }
    const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (sendEtag) headers.etag = etag;
    if (sendLastModified) headers['last-modified'] = mtime.toUTCString();
    // As RFC 9110 says: If-None-Match, when sent, decides alone; dates have one-second resolution.
    const ifNoneMatch = req.headers['if-none-match'];
    const ifModifiedSince = Date.parse(req.headers['if-modified-since'] ?? '');
    if (sendEtag && ifNoneMatch !== undefined) {
      if (ifNoneMatch === etag) return send(res, 304, undefined, headers);
    } else if (sendLastModified && !Number.isNaN(ifModifiedSince) && Math.floor(mtime.getTime() / 1000) * 1000 <= ifModifiedSince) {
      return send(res, 304, undefined, headers);
    }
    if (fault?.kind === 'truncate' && n <= (fault.times ?? Infinity)) body = body.subarray(0, fault.bytes);
    if (res.destroyed) return;
    send(res, 200, body, headers);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    statuses,
    inject: (urlPath, fault) => {
      faults.set(urlPath, fault);
      used.delete(urlPath);
    },
    clearFaults: () => {
      faults.clear();
      used.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
