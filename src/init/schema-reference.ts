/**
 * How the intent files init writes name their JSON Schema, for editors (the YAML language server of
 * VS Code's YAML extension, and others that read its modeline or yaml.schemas setting). A relative
 * path into the installed package works offline and follows the version the project installs; the
 * schema's `$id` URL is the fallback when guardrails is not installed in the project (run with npx
 * from its cache, or from a clone elsewhere): a path into either would hold for this machine only.
 */
import * as path from 'node:path';
import { installedFrom, packageRoot, SCHEMA_ID, schemaFile } from './package-files.js';

export interface SchemaReference {
  /** What follows `$schema=` in a file of guardrails/: a path relative to that directory, or the URL. */
  fromIntentDir: string;
  /** The key of VS Code's `yaml.schemas`: a path relative to the workspace folder (`./...`), or the URL. */
  fromWorkspace: string;
  /** Whether it is a path into the installed package (else the `$id` URL). */
  installed: boolean;
}

export function schemaReference(dir: string, intentDir = 'guardrails'): SchemaReference {
  const installed = installedFrom(dir);
  const root = packageRoot();
  if (!installed || !root) return { fromIntentDir: SCHEMA_ID, fromWorkspace: SCHEMA_ID, installed: false };
  const file = path.join(installed, path.relative(root, schemaFile()));
  return {
    fromIntentDir: posix(path.relative(path.join(dir, intentDir), file)),
    fromWorkspace: `./${posix(path.relative(dir, file))}`,
    installed: true,
  };
}

/** The first line of every intent file init writes. */
export function schemaModeline(ref: SchemaReference): string {
  return `# yaml-language-server: $schema=${ref.fromIntentDir}`;
}

function posix(p: string): string {
  return p.split(path.sep).join('/');
}
