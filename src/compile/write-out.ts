/**
 * Writing out/ all or nothing. The new contents are written to a staging directory beside it, then
 * swapped in: out/ is renamed aside as the old one, the staging directory renamed to out/, and the
 * old one removed. A failure at any point leaves the previous out/ as it was, and says why, naming
 * the path. A kill at any point (between any two of these steps, or within one) leaves either out/,
 * old or new, complete, or no out/ and the complete old one beside it: recoverOut, which every command
 * that reads or writes out/ runs first, puts it back and removes the leftovers (out-dir.ts).
 *
 * Files the compiler does not own (anything but the top-level *.json, e.g. a README) are carried over
 * without following links (carry-over.ts).
 */
import { constants as fsConstants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { error, hasErrors, warning, type Diagnostic } from '../diagnostics/index.js';
import { carryOver } from './carry-over.js';
import type { CompiledPolicy } from './types.js';
import { errnoReason } from '../files/errno.js';
import type { OutManifest } from './out-manifest.js';
import { oldDirOf, recoverOut, stagingDirOf, swapTag } from './out-dir.js';

/** Where writeOut is: after each step, a test may stop it there for good, as a kill would. */
export type OutStep = 'staging-created' | 'policy-written' | 'carried' | 'manifest-written' | 'old-moved-aside' | 'new-in-place' | 'old-removed';

export interface WriteOutOptions {
  /** Called after every step; tests only (nothing in the product passes it). */
  afterStep?: (step: OutStep, detail: string) => Promise<void> | void;
}

export interface WriteOutResult {
  ok: boolean;
  /** Why not (errors), and what was left out or left over (warnings). */
  diagnostics: Diagnostic[];
}

/** Writes out/ at `dir`, the real path locateOut gave. */
export async function writeOut(dir: string, policies: readonly CompiledPolicy[], manifest: OutManifest, options: WriteOutOptions = {}): Promise<WriteOutResult> {
  const step = async (s: OutStep, detail = '') => options.afterStep?.(s, detail);
  const diagnostics = await recoverOut(dir);
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  const tag = swapTag();
  const staging = stagingDirOf(dir, tag);
  const old = oldDirOf(dir, tag);
  const failed = (e: unknown, doing: string): WriteOutResult => ({
    ok: false,
    diagnostics: [...diagnostics, error('out-not-written', `cannot write ${dir}: ${doing}: ${errnoReason(e)}`, undefined, 'nothing was changed: the previous out/ is as it was')],
  });
  const removeStaging = () => fsp.rm(staging, { recursive: true, force: true }).catch(() => undefined);

  try {
    await fsp.mkdir(path.dirname(dir), { recursive: true });
  } catch (e) {
    return failed(e, `creating ${path.dirname(dir)}`);
  }
  // The swap renames entries of the parent, and reads out/ and removes it once old: say so up front,
  // naming the directory, rather than fail halfway on a staging path nobody asked about.
  const access = [
    { p: path.dirname(dir), mode: fsConstants.W_OK | fsConstants.X_OK, what: `its parent ${path.dirname(dir)} is not writable` },
    { p: dir, mode: fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK, what: 'it is not writable' },
  ];
  for (const a of access) {
    try {
      await fsp.access(a.p, a.mode);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return failed(e, a.what);
    }
  }
  try {
    await fsp.mkdir(staging);
  } catch (e) {
    return failed(e, `creating ${staging}`);
  }
  await step('staging-created', staging);
  let writing = staging;
  try {
    for (const p of policies) {
      writing = path.join(staging, p.file);
      await fsp.writeFile(writing, p.fileText, { flag: 'wx' });
      await step('policy-written', p.file);
    }
    writing = staging;
    const carried = await carryOver(dir, staging, (entry) => step('carried', entry));
    diagnostics.push(...carried.diagnostics);
    if (!carried.ok) {
      await removeStaging();
      return { ok: false, diagnostics };
    }
    // Last, so that a staging directory holding a manifest holds everything.
    writing = path.join(staging, 'manifest.json');
    await fsp.writeFile(writing, JSON.stringify(manifest, null, 2) + '\n', { flag: 'wx' });
    await step('manifest-written', writing);
  } catch (e) {
    await removeStaging();
    return failed(e, `writing ${writing}`);
  }

  const hadOut = await fsp.lstat(dir).then(
    () => true,
    () => false,
  );
  if (hadOut) {
    try {
      await fsp.rename(dir, old);
    } catch (e) {
      await removeStaging();
      return failed(e, `moving the previous out/ aside to ${old}`);
    }
    await step('old-moved-aside', old);
  }
  try {
    await fsp.rename(staging, dir);
  } catch (e) {
    // Put the previous one back; should that fail too, the next command does it (recoverOut).
    if (hadOut) await fsp.rename(old, dir).catch(() => undefined);
    await removeStaging();
    return failed(e, `moving the new out/ into place from ${staging}`);
  }
  await step('new-in-place', dir);
  if (hadOut) {
    try {
      await fsp.rm(old, { recursive: true, force: true });
    } catch (e) {
      diagnostics.push(warning('out-leftover', `could not remove the previous out/ (${old}): ${errnoReason(e)}; the next command removes it`));
    }
    await step('old-removed', old);
  }
  return { ok: true, diagnostics };
}
