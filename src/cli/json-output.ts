/** Every JSON document the CLI prints: indented, and with the repository's paths relative to it (repo-paths.ts). */
import { repoPaths } from './repo-paths.js';
import type { CliIO } from './io.js';

export function jsonText(value: unknown, cwd: string): string {
  const paths = repoPaths(cwd);
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? paths.text(v) : v), 2);
}

export function writeJson(io: CliIO, value: unknown): void {
  io.stdout.write(jsonText(value, io.cwd) + '\n');
}
