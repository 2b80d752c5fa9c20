/**
 * One GET from a mirror, over node:http(s), read with caps. A mirror is untrusted input, and fetch
 * (undici) is not built for that: it decompresses any Content-Encoding itself, without a limit (a
 * 4 MB gzip bomb inflates to gigabytes and kills the process), and a body that stops being valid gzip
 * halfway leaves its promise pending forever, so Node ends with exit 13, nothing said, and the cache's
 * lock and staging directory left behind. Here:
 *   - the bytes received and the bytes decoded are each capped, and the transfer stops at the cap;
 *   - only the encodings asked for (gzip, br) are decoded, one layer; anything else is refused;
 *   - one deadline covers the whole exchange, body included, so a server that trickles a byte a
 *     second ends at the timeout like one that never answers (its timer is not unreferenced, unlike
 *     AbortSignal.timeout's, so a stalled stream cannot let the process drift out with exit 13);
 *   - redirects are followed within the mirror's origin only;
 *   - every way the exchange can end settles the promise exactly once, as a value.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';
import { formatBytes } from '../files/limits.js';
import { quoteUntrusted } from '../diagnostics/untrusted.js';

export interface HttpGetRequest {
  headers: Record<string, string>;
  /** For the whole exchange: connecting, headers, body and redirects. */
  timeoutMs: number;
  /** At most this many bytes received, and at most this many once decoded. */
  maxBytes: number;
  signal: AbortSignal;
}

export type HttpGetFailure = 'timeout' | 'cancelled' | 'network' | 'truncated' | 'too-large' | 'bad-encoding' | 'unsupported-encoding' | 'bad-redirect';

export type HttpGetOutcome =
  | {
      ok: true;
      status: number;
      /** The server's reason phrase, inert and clipped. */
      statusText: string;
      headers: http.IncomingHttpHeaders;
      /** The decoded body of a 2xx answer; empty for any other status (its body is not read). */
      body: Buffer;
    }
  | { ok: false; failure: HttpGetFailure; message: string };

export const ACCEPTED_ENCODINGS = 'gzip, br';
const MAX_REDIRECTS = 5;

// Idle keep-alive sockets are unreferenced by the agent, so they do not keep the process alive.
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

export function httpGet(url: string, request: HttpGetRequest): Promise<HttpGetOutcome> {
  return get(new URL(url), request, Date.now() + request.timeoutMs, 0);
}

function get(url: URL, request: HttpGetRequest, deadline: number, redirects: number): Promise<HttpGetOutcome> {
  return new Promise<HttpGetOutcome>((resolve) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    let res: http.IncomingMessage | undefined;
    let decoder: zlib.Gunzip | zlib.BrotliDecompress | undefined;
    const settle = (outcome: HttpGetOutcome | Promise<HttpGetOutcome>, keepSocket = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      if (!keepSocket) {
        decoder?.destroy();
        res?.destroy();
        req?.destroy();
      }
      resolve(outcome);
    };
    const fail = (failure: HttpGetFailure, message: string) => settle({ ok: false, failure, message });
    const onAbort = () => fail('cancelled', 'cancelled');
    const timer = setTimeout(() => fail('timeout', `timed out after ${request.timeoutMs} ms`), Math.max(0, deadline - Date.now()));
    if (request.signal.aborted) return onAbort();
    request.signal.addEventListener('abort', onAbort, { once: true });

    const client = url.protocol === 'https:' ? https : http;
    try {
      req = client.get(url, { headers: request.headers, agent: agents[url.protocol as 'http:' | 'https:'] });
    } catch (e) {
      // Headers Node refuses to send (a validator from a manifest with a control character).
      return fail('network', `the request could not be sent (${quoteUntrusted((e as NodeJS.ErrnoException).code ?? (e as Error).message, 80)})`);
    }
    req.on('error', (e: NodeJS.ErrnoException) => fail('network', `network error (${quoteUntrusted(e.code ?? e.message, 80)})`));
    req.on('response', (response) => {
      res = response;
      let ended = false;
      const cut = () => ended || fail('truncated', 'the connection closed before the body was complete');
      response.on('error', cut);
      response.on('close', cut);
      const status = response.statusCode ?? 0;
      const statusText = quoteUntrusted(response.statusMessage ?? '', 100);
      const location = response.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        if (redirects >= MAX_REDIRECTS) return fail('bad-redirect', `more than ${MAX_REDIRECTS} redirects`);
        let next: URL;
        try {
          next = new URL(location, url);
        } catch {
          return fail('bad-redirect', 'redirected to a location that is not a URL');
        }
        // Elsewhere would make the runner fetch what the mirror chooses (an internal address) and quote it.
        if (next.origin !== url.origin) return fail('bad-redirect', `redirected to another origin (${quoteUntrusted(next.origin, 100)}); only redirects within the mirror are followed`);
        return settle(get(next, request, deadline, redirects + 1));
      }
      if (status < 200 || status > 299) return settle({ ok: true, status, statusText, headers: response.headers, body: Buffer.alloc(0) });

      const declared = Number(response.headers['content-length']);
      if (declared > request.maxBytes) return fail('too-large', `the server announces ${formatBytes(declared)}, over the ${formatBytes(request.maxBytes)} read for one file`);
      const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase();
      if (encoding === 'gzip' || encoding === 'x-gzip') decoder = zlib.createGunzip();
      else if (encoding === 'br') decoder = zlib.createBrotliDecompress();
      else if (encoding !== '' && encoding !== 'identity') return fail('unsupported-encoding', `the body is encoded as ${quoteUntrusted(encoding, 40)}; only ${ACCEPTED_ENCODINGS} are read`);

      const chunks: Buffer[] = [];
      let decoded = 0;
      let received = 0;
      const take = (chunk: Buffer) => {
        decoded += chunk.length;
        if (decoded > request.maxBytes) return fail('too-large', `the body is larger than ${formatBytes(request.maxBytes)}${decoder ? ' once decompressed' : ''}, the most read for one file`);
        chunks.push(chunk);
      };
      const done = () => settle({ ok: true, status, statusText, headers: response.headers, body: Buffer.concat(chunks, decoded) }, true);
      if (decoder) {
        const name = encoding === 'br' ? 'brotli' : 'gzip';
        decoder.on('data', take);
        decoder.on('error', (e: NodeJS.ErrnoException) =>
          e.code === 'Z_BUF_ERROR' ? fail('truncated', `the ${name} body is cut short`) : fail('bad-encoding', `the body is labelled ${name} but is not valid ${name} (${quoteUntrusted(e.code ?? 'error', 40)})`),
        );
        decoder.on('end', done);
      }
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > request.maxBytes) return fail('too-large', `the body is larger than ${formatBytes(request.maxBytes)}, the most read for one file`);
        if (decoder) decoder.write(chunk);
        else take(chunk);
      });
      response.on('end', () => {
        ended = true;
        if (decoder) decoder.end();
        else done();
      });
    });
  });
}
