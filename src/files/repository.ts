/**
 * The repository: the boundary of what a pull request controls. Every path that appears inside a file
 * (an intent's `template:` or `import file:`, a manifest's `file`, a committed `out/` or cache directory
 * that is a symlink) must resolve inside it. Paths on the command line are the workflow author's and are
 * trusted as named.
 *
 * A file's repository is the git work tree it is in (the nearest directory above it holding `.git`;
 * a pull request cannot commit a `.git`, so it cannot move the boundary); outside any work tree, the
 * working directory when the file is under it, else the file's own directory.
 */
import { existsSync, realpathSync } from 'node:fs';
import * as path from 'node:path';

/** The nearest directory at or above `start` that holds `.git` (a directory, or a file for worktrees). */
export function gitWorkTree(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The repository the command works in: the git work tree of `cwd`, else `cwd`. */
export function repositoryOf(cwd: string): string {
  return realOrResolved(gitWorkTree(cwd) ?? cwd);
}

/** The repository a file belongs to, for resolving and confining the paths written in it. */
export function repositoryOfFile(file: string, cwd: string): string {
  const dir = path.dirname(path.resolve(cwd, file));
  const tree = gitWorkTree(dir);
  if (tree) return realOrResolved(tree);
  const work = realOrResolved(cwd);
  const real = realOrResolved(dir);
  return isInside(work, real) ? work : real;
}

/** Whether `p` is `root` or below it (both absolute, compared as written: resolve symlinks first). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/** The real path when it exists, else the resolved one (a file about to be written). */
export function realOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    // The nearest existing ancestor's real path, plus the rest as written.
    const parent = path.dirname(path.resolve(p));
    if (parent === path.resolve(p)) return path.resolve(p);
    return path.join(realOrResolved(parent), path.basename(p));
  }
}

/**
 * The root a path must resolve inside, by who wrote it. A path the command line names (or a default)
 * that lies inside the repository as written points at the pull request's files, so its real path must
 * stay inside too (a committed symlink cannot lead out); one written outside the repository is the
 * workflow author's choice and is trusted as named (undefined: no root). Paths written inside input
 * files are always confined: use the repository itself.
 */
export function rootForNamedPath(given: string, cwd: string, repository: string): string | undefined {
  const abs = path.resolve(cwd, given);
  return isInside(repository, abs) || isInside(realOrResolved(cwd), abs) ? repository : undefined;
}

/** `file` relative to `root`, with `/` separators (how paths are given in JSON, SARIF and CI annotations). */
export function relativePath(file: string, root: string): string {
  return path.relative(root, path.resolve(root, file)).split(path.sep).join('/') || '.';
}
