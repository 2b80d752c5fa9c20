/**
 * Where out/ is, and what is left of a swap that did not finish.
 *
 * out/ is committed, so a pull request decides what it is: a symlink to a directory outside the
 * repository (compile would carry that directory's files, an SSH key, into out/), to the repository
 * itself (compile would swap the whole work tree), or a file. locateOut applies the path-trust rule of
 * src/files/repository.ts: an out/ named inside the repository must resolve inside it; one named outside
 * is the workflow author's and is used as named. Either way it must be a directory of its own.
 *
 * A swap (write-out.ts) renames out/ to `.out.old-TAG` and the finished `.out.staging-TAG` to out/.
 * A process killed between the two leaves no out/, only the old one beside it: recoverOut, run by every
 * command before it reads or writes out/, puts the old one back (out/ as it was before the interrupted
 * compile) and removes what a finished or failed swap left. Only real directories with exactly those
 * names are touched: a symlink or file of that name is the pull request's and is left alone.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { error, inertLine, warning, type Diagnostic } from '../diagnostics/index.js';
import { isInside, realOrResolved, repositoryOf, rootForNamedPath } from '../files/index.js';
import { errnoReason } from '../files/errno.js';

export type OutLocation = { ok: true; dir: string; diagnostics: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

/**
 * The real directory `given` (relative to `cwd`) names, or why it cannot be out/. Nothing is written.
 * `dir` is the real path: an out/ that is a symlink inside the repository is written through, and the
 * link stays as it is.
 */
export function locateOut(given: string, cwd: string): OutLocation {
  const abs = path.resolve(cwd, given);
  const repository = repositoryOf(cwd);
  const root = rootForNamedPath(given, cwd, repository);
  const dir = realDirectoryOf(abs);
  const refuse = (code: string, why: string, hint: string): OutLocation => ({ ok: false, diagnostics: [error(code, `the output directory ${inertLine(abs)} ${why}`, undefined, hint)] });
  // Where a committed symlink leads is the pull request's text: shown inert.
  const shown = inertLine(dir);
  if (root !== undefined && !isInside(root, dir)) {
    return refuse('out-outside-repository', `resolves to ${shown}, outside the repository ${root}; a committed out/ must not lead out of it`, 'make out/ a plain directory of the repository (remove the symlink)');
  }
  const work = realOrResolved(cwd);
  if (isInside(dir, work) || isInside(dir, repository)) {
    return refuse('out-not-own-directory', `resolves to ${shown}, which holds the working directory or the repository; compile replaces out/ as a whole`, 'give out/ a directory of its own');
  }
  const stat = lstatOrUndefined(dir);
  if (stat && !stat.isDirectory()) return refuse('out-not-a-directory', `is not a directory (${shown})`, 'remove it, or give another --out');
  return { ok: true, dir, diagnostics: [] };
}

/** A fresh tag for one swap: the process id (for whoever looks at a leftover) and a random part. */
export function swapTag(): string {
  return `${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function stagingDirOf(dir: string, tag: string): string {
  return path.join(path.dirname(dir), `.${path.basename(dir)}.staging-${tag}`);
}

export function oldDirOf(dir: string, tag: string): string {
  return path.join(path.dirname(dir), `.${path.basename(dir)}.old-${tag}`);
}

/**
 * Finishes what an interrupted swap left: without out/, the newest old out/ beside it is put back;
 * then every staging and old directory of out/ is removed. Failing to remove one is a warning (the
 * next run tries again); failing to put out/ back is an error.
 */
export async function recoverOut(dir: string): Promise<Diagnostic[]> {
  const leftovers = await leftoversOf(dir);
  if (!leftovers.length) return [];
  const diagnostics: Diagnostic[] = [];
  const olds = leftovers.filter((l) => l.kind === 'old').sort((a, b) => b.changed - a.changed);
  if (!lstatOrUndefined(dir) && olds.length) {
    const newest = olds.shift()!;
    try {
      await fsp.rename(newest.path, dir);
    } catch (e) {
      return [error('out-not-recovered', `${dir} is missing after an interrupted compile, and the previous one could not be put back from ${newest.path}: ${errnoReason(e)}`, undefined, `rename ${newest.path} to ${dir} by hand`)];
    }
  }
  if (!lstatOrUndefined(dir)) return diagnostics;
  for (const l of leftovers) {
    if (l.kind === 'old' && !olds.includes(l)) continue;
    try {
      await fsp.rm(l.path, { recursive: true, force: true });
    } catch (e) {
      diagnostics.push(warning('out-leftover', `could not remove ${l.path}, left by an interrupted compile: ${errnoReason(e)}`));
    }
  }
  return diagnostics;
}

interface Leftover {
  path: string;
  kind: 'staging' | 'old';
  changed: number;
}

const LEFTOVER_SUFFIX = /^(staging|old)-\d+-[0-9a-f]{6}$/;

async function leftoversOf(dir: string): Promise<Leftover[]> {
  const parent = path.dirname(dir);
  const prefix = `.${path.basename(dir)}.`;
  let names: string[];
  try {
    names = await fsp.readdir(parent);
  } catch {
    return [];
  }
  const out: Leftover[] = [];
  for (const name of names) {
    const m = name.startsWith(prefix) ? LEFTOVER_SUFFIX.exec(name.slice(prefix.length)) : null;
    if (!m) continue;
    const full = path.join(parent, name);
    const stat = lstatOrUndefined(full);
    if (stat?.isDirectory()) out.push({ path: full, kind: m[1] as Leftover['kind'], changed: stat.ctimeMs });
  }
  return out;
}

/** The real path of a directory that may not exist yet, following a symlink that dangles (its target is what gets written). */
function realDirectoryOf(abs: string): string {
  let p = abs;
  for (let hops = 0; hops < 40; hops++) {
    try {
      return fs.realpathSync(p);
    } catch {
      const stat = lstatOrUndefined(p);
      if (!stat?.isSymbolicLink()) return realOrResolved(p);
      p = path.resolve(realOrResolved(path.dirname(p)), fs.readlinkSync(p));
    }
  }
  return realOrResolved(p);
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}
