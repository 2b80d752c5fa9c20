/**
 * The version of this guardrails and the directory it is installed in, from the package.json above this
 * module (src/ when run from source, dist/src/ when built, node_modules/guardrails/dist/src/ when
 * installed): read with the file system alone, so that `guardrails --version` and a SARIF log's tool
 * version cost no module of the pipeline. The directory is where the files shipped with the package
 * are (the service reference it carries); it follows from where this code runs, which nothing in a
 * user's repository or environment can change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

interface InstalledPackage {
  /** The package's directory, as a real path; undefined when no package.json of guardrails is above this module. */
  dir: string | undefined;
  version: string;
}

let installed: InstalledPackage | undefined;

export function packageVersion(): string {
  installed ??= findPackage();
  return installed.version;
}

/** The real path of the installed package's directory (where package.json is), if it could be found. */
export function packageDirectory(): string | undefined {
  installed ??= findPackage();
  return installed.dir;
}

function findPackage(): InstalledPackage {
  let dir = path.dirname(realPath(fileURLToPath(import.meta.url)));
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'guardrails' && typeof pkg.version === 'string') return { dir, version: pkg.version };
    } catch {
      // Not here: look further up.
    }
    const up = path.dirname(dir);
    if (up === dir) return { dir: undefined, version: 'unknown' };
    dir = up;
  }
}

function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}
