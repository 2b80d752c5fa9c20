/**
 * Paths as machine-readable output gives them: relative to the repository (the git work tree of the
 * working directory, else the working directory), never the runner's absolute path. A file inside the
 * repository is `guardrails/baseline.yaml` in JSON, in SARIF and in a CI annotation alike, whatever
 * directory the command ran from and wherever the checkout is.
 */
import * as path from 'node:path';
import { gitWorkTree, isInside, realOrResolved, relativePath } from '../files/index.js';

export interface RepoPaths {
  /** The repository's directory, as the working directory names it. */
  root: string;
  /** A path (absolute, or relative to the working directory) relative to the repository. */
  relative(file: string): string;
  /** Text with every absolute path inside the repository written relative to it (messages quote paths). */
  text(s: string): string;
}

export function repoPaths(cwd: string): RepoPaths {
  const given = path.resolve(gitWorkTree(cwd) ?? cwd);
  // The same directory as the working directory names it and as its real path: files are named both ways.
  const roots = [...new Set([given, realOrResolved(given)])].sort((a, b) => b.length - a.length);
  const prefixes = roots.filter((r) => r !== path.parse(r).root).map((r) => r + path.sep);
  return {
    root: given,
    relative(file) {
      const abs = path.resolve(cwd, file);
      const inside = roots.find((r) => isInside(r, abs));
      return relativePath(abs, inside ?? given);
    },
    text(s) {
      let out = s;
      for (const p of prefixes) if (out.includes(p)) out = out.split(p).join('');
      for (const r of roots) if (out === r) out = '.';
      return out;
    },
  };
}
