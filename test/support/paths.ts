import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, found from this file whether it runs from test/ or compiled into dist/. */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above test/support');
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findRoot();
export const SHARED = path.resolve(PROJECT_ROOT, '..', 'shared');
export const SNAPSHOT_2026 = path.join(SHARED, 'service-reference', '2026-08-22');
export const SNAPSHOT_2025 = path.join(SHARED, 'service-reference', '2025-08-30');
export const AWS_EXAMPLES = path.join(SHARED, 'examples', 'aws-policies');
export const PREPROCESSOR_EXAMPLES = path.join(SHARED, 'examples', 'scp-preprocessor');
