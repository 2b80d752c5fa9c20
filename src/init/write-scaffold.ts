/**
 * Writing the scaffold all or nothing, and never over anything. Every file is first written to a
 * staging directory inside the target directory (the same file system, so each placement is a link or
 * a rename); then each is placed with link(2), which fails rather than replace a file that appeared
 * meanwhile. A failure at any point removes what was placed, puts back what was merged into, and
 * removes the directories created: the directory is left as it was, and the error names the path.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { error, type Diagnostic } from '../diagnostics/index.js';
import { errnoReason } from '../files/errno.js';
import { isInside, realOrResolved } from '../files/repository.js';

export interface ScaffoldFile {
  /** Relative to the target directory, with `/`. */
  path: string;
  text: string;
  /** The text of the file this one merges into; absent for a file that must not exist yet. */
  replaces?: string;
}

export interface ScaffoldPlan {
  files: ScaffoldFile[];
  /** A directory filled in staging by `fill` and moved into place whole (the service reference). */
  directory?: { path: string; fill: (staged: string) => Promise<void> };
}

export type ScaffoldResult = { ok: true } | { ok: false; diagnostics: Diagnostic[] };

/** The plan's paths that exist already (a file, a directory or a link, even a dangling one). */
export async function existingPaths(dir: string, paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const p of paths) {
    try {
      await fs.lstat(path.join(dir, p));
      found.push(p);
    } catch {
      // Absent: free to write.
    }
  }
  return found;
}

export async function writeScaffold(dir: string, plan: ScaffoldPlan): Promise<ScaffoldResult> {
  const fail = (message: string, hint = 'nothing was written'): ScaffoldResult => ({ ok: false, diagnostics: [error('init-not-written', message, undefined, hint)] });
  const creating = [...plan.files.filter((f) => f.replaces === undefined).map((f) => f.path), ...(plan.directory ? [plan.directory.path] : [])];
  const present = await existingPaths(dir, creating);
  if (present.length) {
    return {
      ok: false,
      diagnostics: present.map((p) => error('init-exists', `${p} exists in ${dir}; init writes only files that do not exist yet`, undefined, 'nothing was written: move it aside, or init another directory')),
    };
  }
  let created: string | undefined;
  try {
    created = await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    return fail(`cannot create ${dir}: ${errnoReason(e)}`);
  }
  const real = realOrResolved(dir);
  // A directory on the way that is a link leading out (.github -> elsewhere) must not take the files with it.
  for (const p of [...creating, ...plan.files.map((f) => f.path)]) {
    const parent = realOrResolved(path.dirname(path.join(dir, p)));
    if (!isInside(real, parent)) return fail(`${p} would be written to ${parent}, outside ${real}: a directory on its way leads out of it`);
  }

  const staging = path.join(dir, `.guardrails-init-${process.pid}-${randomBytes(4).toString('hex')}`);
  const placed: string[] = [];
  const restored: { file: string; text: string }[] = [];
  const dirsCreated: string[] = [];
  let doing = `creating ${staging}`;
  try {
    await fs.mkdir(staging);
    for (const f of plan.files) {
      const staged = path.join(staging, f.path);
      doing = `writing ${staged}`;
      await fs.mkdir(path.dirname(staged), { recursive: true });
      await fs.writeFile(staged, f.text, { flag: 'wx' });
    }
    if (plan.directory) {
      doing = `writing ${plan.directory.path}`;
      await plan.directory.fill(path.join(staging, plan.directory.path));
    }
    for (const f of plan.files) {
      const target = path.join(dir, f.path);
      doing = `writing ${target}`;
      const made = await fs.mkdir(path.dirname(target), { recursive: true });
      if (made) dirsCreated.push(made);
      const staged = path.join(staging, f.path);
      if (f.replaces !== undefined) {
        // Merged into: only while it still holds what the merge read.
        if ((await fs.readFile(target, 'utf8')) !== f.replaces) throw Object.assign(new Error(`${target} changed while init ran`), { code: 'CHANGED' });
        restored.push({ file: target, text: f.replaces });
        await fs.rename(staged, target);
      } else {
        await placeNew(staged, target);
        placed.push(target);
      }
    }
    if (plan.directory) {
      const target = path.join(dir, plan.directory.path);
      doing = `moving ${plan.directory.path} into place`;
      if ((await existingPaths(dir, [plan.directory.path])).length) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
      await fs.rename(path.join(staging, plan.directory.path), target);
      placed.push(target);
    }
  } catch (e) {
    await undo(placed, restored, dirsCreated, created);
    await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    const reason = (e as { code?: string }).code === 'CHANGED' ? (e as Error).message : errnoReason(e);
    return fail(`cannot write the scaffold in ${dir}: ${doing}: ${reason}`);
  }
  await fs.rm(staging, { recursive: true, force: true });
  return { ok: true };
}

/** A new file, placed only where nothing is: a hard link fails on an existing name; a copy that may not replace one where links are not supported. */
async function placeNew(staged: string, target: string): Promise<void> {
  try {
    await fs.link(staged, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
    await fs.copyFile(staged, target, fsConstants.COPYFILE_EXCL);
  }
}

async function undo(placed: string[], restored: { file: string; text: string }[], dirsCreated: string[], created: string | undefined): Promise<void> {
  for (const p of placed.reverse()) await fs.rm(p, { recursive: true, force: true }).catch(() => undefined);
  for (const r of restored) await fs.writeFile(r.file, r.text).catch(() => undefined);
  // mkdir -p reports the outermost directory it made; those under it were made with it and are empty now.
  for (const d of dirsCreated.reverse()) await fs.rm(d, { recursive: true, force: true }).catch(() => undefined);
  if (created) await fs.rm(created, { recursive: true, force: true }).catch(() => undefined);
}
