/**
 * Reading an input file safely. A pull request controls the repository's files, so any of them may be a
 * symlink to a secret (`/proc/self/environ`, `~/.ssh/id_rsa`), a device that never ends (`/dev/zero`),
 * a FIFO that never answers, or simply enormous. A read here:
 *   - refuses a path outside `root` (when given) before anything outside it is touched: outside as written,
 *     no file-system call at all; inside, symlinks are followed one at a time and the walk stops as soon as
 *     one leads out, so the answer never tells whether a path outside the repository exists;
 *   - opens without blocking (a FIFO opens at once) and refuses anything but a regular file;
 *   - reads at most `maxBytes` (a file that grows, or a /proc file that reports size 0, is still capped);
 *   - reports every refusal as a value with a stable code, never an exception.
 * Texts are UTF-8: an invalid byte is a refusal with its line and column, never replaced silently.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { formatBytes } from './limits.js';
import { isInside } from './repository.js';

export type ReadRefusalCode = 'file-not-found' | 'outside-repository' | 'not-a-regular-file' | 'file-too-large' | 'unreadable-file' | 'not-utf8';

export interface ReadRefusal {
  ok: false;
  code: ReadRefusalCode;
  message: string;
  /** Where the problem is, for `not-utf8` (1-based). */
  line?: number;
  col?: number;
}

export interface BytesRead {
  ok: true;
  /** The path as given, resolved. */
  path: string;
  /** The real path that was read. */
  real: string;
  bytes: Buffer;
}

export interface TextRead {
  ok: true;
  path: string;
  real: string;
  text: string;
}

export interface ReadOptions {
  /** A real directory path: only files whose real path is inside it are read. */
  root?: string;
  maxBytes: number;
  /** What the file is, for messages ("intent file", "template"). */
  what: string;
}

const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW;

export async function readBytes(file: string, options: ReadOptions): Promise<BytesRead | ReadRefusal> {
  const located = locateFile(file, options);
  if (!located.ok) return located;
  const { path: abs, real } = located;
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(real, OPEN_FLAGS);
  } catch (e) {
    return refusalFromErrno(e, abs, options);
  }
  try {
    const stat = await handle.stat();
    const kind = checkKind(abs, stat, options);
    if (kind) return kind;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkSize(stat.size, total, options.maxBytes));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      chunks.push(chunk.subarray(0, bytesRead));
      if (total > options.maxBytes) return tooLarge(abs, undefined, options);
    }
    return { ok: true, path: abs, real, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) };
  } catch (e) {
    return refusalFromErrno(e, abs, options);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

export function readBytesSync(file: string, options: ReadOptions): BytesRead | ReadRefusal {
  const located = locateFile(file, options);
  if (!located.ok) return located;
  const { path: abs, real } = located;
  let fd: number;
  try {
    fd = fs.openSync(real, OPEN_FLAGS);
  } catch (e) {
    return refusalFromErrno(e, abs, options);
  }
  try {
    const stat = fs.fstatSync(fd);
    const kind = checkKind(abs, stat, options);
    if (kind) return kind;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkSize(stat.size, total, options.maxBytes));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      chunks.push(chunk.subarray(0, n));
      if (total > options.maxBytes) return tooLarge(abs, undefined, options);
    }
    return { ok: true, path: abs, real, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) };
  } catch (e) {
    return refusalFromErrno(e, abs, options);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The next read's buffer: what the file reported plus one byte (to see the end, or a file that grows),
 * 64 KiB when it reported nothing or has grown past it (a /proc file reports 0), at most 1 MiB at a time
 * and one byte over the cap. Sized to the file, not to a floor: the reference's 460 service files are a
 * few KB each, and two 64 KiB buffers per file were a third of what a worker loading them allocated.
 */
function chunkSize(reported: number, total: number, maxBytes: number): number {
  const wanted = reported >= total && reported > 0 ? reported + 1 - total : 64 << 10;
  return Math.min(wanted, 1 << 20, maxBytes + 1 - total);
}

export async function readText(file: string, options: ReadOptions): Promise<TextRead | ReadRefusal> {
  const read = await readBytes(file, options);
  return read.ok ? textOf(read, options) : read;
}

export function readTextSync(file: string, options: ReadOptions): TextRead | ReadRefusal {
  const read = readBytesSync(file, options);
  return read.ok ? textOf(read, options) : read;
}

function textOf(read: BytesRead, options: ReadOptions): TextRead | ReadRefusal {
  const decoded = decodeUtf8(read.bytes);
  if (decoded.ok) return { ok: true, path: read.path, real: read.real, text: decoded.text };
  return {
    ok: false,
    code: 'not-utf8',
    message: `${options.what} ${read.path} is not UTF-8 text: byte 0x${decoded.byte.toString(16).padStart(2, '0')} at line ${decoded.line}, column ${decoded.col} is not valid UTF-8`,
    line: decoded.line,
    col: decoded.col,
  };
}

export type Utf8Decoded = { ok: true; text: string } | { ok: false; byteOffset: number; byte: number; line: number; col: number };

/** UTF-8 strictly: the first invalid byte is reported with its line and column (in characters). */
export function decodeUtf8(bytes: Uint8Array): Utf8Decoded {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, at));
    const lineStart = before.lastIndexOf('\n') + 1;
    let line = 1;
    for (let i = 0; i < before.length; i++) if (before.charCodeAt(i) === 10) line++;
    return { ok: false, byteOffset: at, byte: bytes[at] ?? 0, line, col: [...before.slice(lineStart)].length + 1 };
  }
}

/** The offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let n: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0xff >> (n + 2));
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}

export interface Located {
  ok: true;
  /** The path as given, resolved. */
  path: string;
  /** Its real path: every symlink followed. */
  real: string;
}

/**
 * Where a path leads, checked against `root` the way a read is, without reading: an existing file inside
 * the repository, or the refusal a read would give (outside-repository, file-not-found, unreadable-file).
 * What is outside the repository is never examined, so the answer for a path outside is the same whether
 * or not it exists.
 */
export function locateFile(file: string, options: { root?: string; what: string }): Located | ReadRefusal {
  const abs = path.resolve(file);
  const { root } = options;
  if (root !== undefined && !isInside(root, abs)) return outsideRefusal(abs, undefined, options);
  let walked: Walked;
  try {
    walked = followLinks(abs, root);
  } catch (e) {
    return refusalFromErrno(e, abs, options);
  }
  if (walked.kind === 'outside') return outsideRefusal(abs, walked.via, options);
  if (walked.kind === 'missing') return { ok: false, code: 'file-not-found', message: `${options.what} ${abs} does not exist` };
  return { ok: true, path: abs, real: walked.real };
}

type Walked = { kind: 'found'; real: string } | { kind: 'missing' } | { kind: 'outside'; via: string };

/** Symlinks followed as the kernel does, one path component at a time, at most 40 of them (Linux's limit). */
function followLinks(abs: string, root: string | undefined): Walked {
  // A path inside the root is walked from the root: the root is a real path (ReadOptions.root), so the
  // components above it are real directories and looking at each again only costs a call per file.
  const fromRoot = root !== undefined && isInside(root, abs) && abs !== root;
  let done = fromRoot ? root : path.parse(abs).root;
  const rest = (fromRoot ? path.relative(root, abs) : abs).split(path.sep).filter(Boolean);
  let links = 0;
  // Whether the walk has reached the root: the components above it are the root's own, all real.
  let entered = root === undefined || fromRoot;
  while (rest.length) {
    const name = rest.shift()!;
    if (name === '.') continue;
    const next = name === '..' ? path.dirname(done) : path.join(done, name);
    if (root !== undefined && entered && !isInside(root, next)) return { kind: 'outside', via: path.join(next, ...rest) };
    if (name !== '..') {
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(next);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
        throw e;
      }
      if (stat.isSymbolicLink()) {
        if (++links > 40) throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
        const target = fs.readlinkSync(next);
        if (path.isAbsolute(target)) {
          if (root !== undefined && !isInside(root, path.resolve(target))) return { kind: 'outside', via: path.join(path.resolve(target), ...rest) };
          // Lexically inside the root, so the walk from the top passes through the root's own real path again.
          done = path.parse(target).root;
          entered = root === undefined;
        }
        rest.unshift(...target.split(path.sep).filter(Boolean));
        continue;
      }
    }
    done = next;
    if (root !== undefined && isInside(root, done)) entered = true;
  }
  return { kind: 'found', real: done };
}

function outsideRefusal(abs: string, via: string | undefined, options: { root?: string; what: string }): ReadRefusal {
  const leads = via === undefined || via === abs ? '' : ` (it resolves to ${via})`;
  return {
    ok: false,
    code: 'outside-repository',
    message: `${options.what} ${abs} is outside the repository ${options.root}${leads}; files named by the intent or committed in the repository must resolve inside it`,
  };
}

function checkKind(abs: string, stat: fs.Stats, options: ReadOptions): ReadRefusal | undefined {
  if (!stat.isFile()) {
    const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a regular file';
    return { ok: false, code: 'not-a-regular-file', message: `${options.what} ${abs} is ${kind}; only regular files are read` };
  }
  if (stat.size > options.maxBytes) return tooLarge(abs, stat.size, options);
  return undefined;
}

function tooLarge(abs: string, size: number | undefined, options: ReadOptions): ReadRefusal {
  const is = size === undefined ? 'is larger than' : `is ${formatBytes(size)}, over`;
  return { ok: false, code: 'file-too-large', message: `${options.what} ${abs} ${is} the ${formatBytes(options.maxBytes)} read for a ${options.what}` };
}

function refusalFromErrno(e: unknown, abs: string, options: { what: string }): ReadRefusal {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, code: 'file-not-found', message: `${options.what} ${abs} does not exist` };
  if (code === 'ELOOP') return { ok: false, code: 'not-a-regular-file', message: `${options.what} ${abs} is a symlink loop` };
  if (code === 'EISDIR') return { ok: false, code: 'not-a-regular-file', message: `${options.what} ${abs} is a directory; only regular files are read` };
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (e as Error).message);
  return { ok: false, code: 'unreadable-file', message: `cannot read ${options.what} ${abs}: ${why}` };
}
