/**
 * The files init takes from the guardrails that runs it: the intent's JSON Schema and the pinned
 * service reference. Both are found from this module's own place, so that they are the running
 * package's whether it runs from a clone (src/ or dist/src/), from node_modules, or from npx's cache.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import schema from '../intent/intent.schema.json' with { type: 'json' };

/** The schema's stable name, its `$id`: what an editor is pointed at when no installed copy is at hand. */
export const SCHEMA_ID: string = schema.$id;

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The schema file beside the intent's modules: src/intent/intent.schema.json in a clone, and
 * dist/src/intent/intent.schema.json in a build (the compiler emits it, the modules import it).
 */
export function schemaFile(): string {
  return path.resolve(here, '..', 'intent', 'intent.schema.json');
}

/** The directory of guardrails' package.json above this module (undefined when there is none). */
export function packageRoot(): string | undefined {
  for (let dir = here; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'guardrails') return dir;
    } catch {
      // Not here: look further up.
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The service reference cache the package ships (service-reference-cache/ beside its package.json), if it does. */
export function shippedReferenceCache(): string | undefined {
  const root = packageRoot();
  const cache = root && path.join(root, 'service-reference-cache');
  return cache && existsSync(path.join(cache, 'manifest.json')) ? cache : undefined;
}

/**
 * Whether `dir` resolves this very package as `guardrails` the way Node does (a node_modules/guardrails
 * in it or above it): then a path from `dir` into the package stays valid on every machine that
 * installs the project's dependencies, and works offline.
 */
export function installedFrom(dir: string): string | undefined {
  const root = packageRoot();
  if (!root) return undefined;
  const real = realOr(root);
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const candidate = path.join(d, 'node_modules', 'guardrails');
    if (existsSync(candidate) && realOr(candidate) === real) return candidate;
    if (path.dirname(d) === d) return undefined;
  }
}

function realOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
