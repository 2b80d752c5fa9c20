/**
 * The version of this guardrails, from the package.json above this module (src/ when run from source,
 * dist/src/ when built): read with the file system alone, so that `guardrails --version` and a SARIF
 * log's tool version cost no module of the pipeline.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

let version: string | undefined;

export function packageVersion(): string {
  version ??= findVersion();
  return version;
}

function findVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'guardrails' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // Not here: look further up.
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
