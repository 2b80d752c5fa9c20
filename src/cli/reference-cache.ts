/**
 * Which service-reference cache a command reads. `--cache DIR` names one, read as named (inside the
 * repository it must stay inside it: cache-store.ts). Without it, the repository's own
 * `service-reference-cache/` beside the working directory, whenever anything is at that path (a
 * directory, a file, a symlink whether or not it leads anywhere): what a repository commits there is
 * always what is read, or refused, never passed over for another. Only when nothing is there does the
 * command read the copy shipped inside the installed guardrails package: its place follows from where
 * this code runs (package-version.ts), so no file of the repository and no variable of the environment
 * can point the default elsewhere. Its files go through the same gate and checks as any cache's (each
 * object against the manifest's sha256, every read inside the cache's real directory).
 *
 * `sync` keeps writing the repository's own cache: once it exists, it is the default.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageDirectory, packageVersion } from '../files/package-version.js';

export const DEFAULT_CACHE = 'service-reference-cache';

/** How --cache's help names its default. */
export const CACHE_OPTION_HELP = `service reference cache (default: ${DEFAULT_CACHE}, else the one shipped with guardrails)`;

export interface CacheChoice {
  /** The cache: as --cache or the default names it (relative to the working directory), or the shipped copy's real path. */
  cache: string;
  /** The version of guardrails whose shipped copy this is; absent for the repository's cache or one --cache named. */
  shippedWith?: string;
}

export function chooseCache(named: string | undefined, cwd: string): CacheChoice {
  if (named !== undefined) return { cache: named };
  if (somethingAt(path.resolve(cwd, DEFAULT_CACHE))) return { cache: DEFAULT_CACHE };
  const shipped = shippedCache();
  return shipped === undefined ? { cache: DEFAULT_CACHE } : { cache: shipped, shippedWith: packageVersion() };
}

/** How a command names where its reference came from, after the snapshot: "shipped with guardrails 0.1.0", or nothing. */
export function shippedNote(choice: { shippedWith?: string | undefined }): string {
  return choice.shippedWith === undefined ? '' : ` shipped with guardrails ${choice.shippedWith}`;
}

function somethingAt(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch (e) {
    // ENOENT and ENOTDIR say there is nothing; anything else (EACCES) leaves it to the cache's own error.
    const code = (e as NodeJS.ErrnoException).code;
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

/** The real path of the package's service-reference-cache/, when the installation has one. */
function shippedCache(): string | undefined {
  const dir = packageDirectory();
  if (dir === undefined) return undefined;
  try {
    const real = fs.realpathSync(path.join(dir, DEFAULT_CACHE));
    return fs.statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}
