/**
 * The files of out/ compile does not own (anything but the top-level *.json: a README, CODEOWNERS, a
 * docs folder) are carried into each new out/. out/ is committed, so a pull request decides what they
 * are; carrying them must never read or write outside out/:
 *   - a symlink is never followed: it is copied as a link when it leads to something inside out/, and
 *     otherwise dropped with a warning (it would carry, or later lead, a reader out of the repository);
 *   - a FIFO, device or socket is dropped with a warning (nothing to carry, and opening one may block);
 *   - regular files are opened without following links or blocking, and checked to be regular files;
 *   - what is carried is bounded (LIMITS.outCarried bytes, MAX_ENTRIES entries, MAX_DEPTH levels): over
 *     that, compile refuses, and out/ stays as it was, rather than silently dropping a user's file.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { error, quoteUntrusted, warning, type Diagnostic } from '../diagnostics/index.js';
import { formatBytes, isInside, LIMITS } from '../files/index.js';
import { errnoReason } from '../files/errno.js';

const MAX_ENTRIES = 10_000;
const MAX_DEPTH = 32;
const OPEN_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK;

export type CarryResult = { ok: true; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/** Thrown inside the walk when a bound is reached; becomes the one error of the result. */
class CarryRefused extends Error {}

/** Copies what compile does not own from `from` (out/, possibly absent) into `to` (the staging directory). */
export async function carryOver(from: string, to: string, afterEach: (entry: string) => Promise<void>): Promise<CarryResult> {
  const diagnostics: Diagnostic[] = [];
  let entries = 0;
  let bytes = 0;
  const shown = (p: string) => quoteUntrusted(path.join(path.basename(from), path.relative(from, p)));

  let current = from;
  const carry = async (src: string, dst: string, depth: number): Promise<void> => {
    current = src;
    if (++entries > MAX_ENTRIES) throw new CarryRefused(`more than ${MAX_ENTRIES.toLocaleString('en-US')} files and directories`);
    const stat = await fsp.lstat(src);
    if (stat.isSymbolicLink()) {
      const target = await fsp.readlink(src);
      if (await linkStaysInside(from, src, target)) await fsp.symlink(target, dst);
      else diagnostics.push(warning('out-entry-dropped', `${shown(src)} is a symlink to ${quoteUntrusted(target)}, outside out/; it is not carried into the new out/`, undefined, 'out/ holds only files of its own'));
    } else if (stat.isDirectory()) {
      if (depth > MAX_DEPTH) throw new CarryRefused(`directories nested more than ${MAX_DEPTH} levels deep`);
      // With the default mode (git records none for directories), so that it can be removed once old.
      await fsp.mkdir(dst);
      for (const name of (await fsp.readdir(src)).sort()) await carry(path.join(src, name), path.join(dst, name), depth + 1);
    } else if (stat.isFile()) {
      const data = await readRegularFile(src, LIMITS.outCarried - bytes);
      if (data === undefined) throw new CarryRefused(`more than ${formatBytes(LIMITS.outCarried)} of files`);
      if (data === 'not-a-file') {
        diagnostics.push(warning('out-entry-dropped', `${shown(src)} is no longer a regular file; it is not carried into the new out/`));
        return;
      }
      bytes += data.length;
      await fsp.writeFile(dst, data, { flag: 'wx', mode: 0o600 });
      await fsp.chmod(dst, stat.mode & 0o777);
    } else {
      const kind = stat.isFIFO() ? 'a FIFO' : stat.isSocket() ? 'a socket' : 'a device';
      diagnostics.push(warning('out-entry-dropped', `${shown(src)} is ${kind}; only regular files, directories and links inside out/ are carried into the new out/`));
    }
    await afterEach(src);
  };

  try {
    const names = await fsp.readdir(from).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return [];
      throw e;
    });
    for (const name of names.sort()) if (!name.endsWith('.json')) await carry(path.join(from, name), path.join(to, name), 1);
  } catch (e) {
    if (e instanceof CarryRefused) {
      return {
        ok: false,
        diagnostics: [error('out-too-large', `${from} holds ${e.message} that compile does not own and would carry into the new out/`, undefined, 'out/ is for the compiled policies: move other files elsewhere')],
      };
    }
    return { ok: false, diagnostics: [error('out-not-written', `cannot carry ${shown(current)} into the new out/: ${errnoReason(e)}`, undefined, 'nothing was changed: the previous out/ is as it was')] };
  }
  return { ok: true, diagnostics };
}

/** A link is kept when what it names, as written and once resolved, is inside out/. */
async function linkStaysInside(root: string, link: string, target: string): Promise<boolean> {
  const named = path.resolve(path.dirname(link), target);
  if (!isInside(root, named)) return false;
  try {
    return isInside(root, await fsp.realpath(named));
  } catch {
    // It dangles: what it would name is inside out/.
    return true;
  }
}

/** The bytes of a regular file, at most `max` of them (undefined when it has more), never following a link. */
async function readRegularFile(file: string, max: number): Promise<Buffer | undefined | 'not-a-file'> {
  const handle = await fsp.open(file, OPEN_FLAGS);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return 'not-a-file';
    if (stat.size > max) return undefined;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1 << 20, max + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > max) return undefined;
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}
