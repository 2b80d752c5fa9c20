/**
 * The example organization in a repository of its own: guardrails/ copied from the project, a cache
 * synced from the 2026-08-22 snapshot, and out/ compiled. The CLI is run there with that cache.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli, type CliRun } from './cli.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from './paths.js';
import { tempDir } from './temp.js';

export interface ExampleRepo {
  dir: string;
  cache: string;
  cli(args: string[]): Promise<CliRun>;
}

export async function compiledExampleRepo(): Promise<ExampleRepo> {
  const root = await tempDir();
  const cache = path.join(root, 'cache');
  const dir = path.join(root, 'repo');
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(dir, 'guardrails'), { recursive: true });
  const cli = (args: string[]) => runCli([...args, '--cache', cache], { cwd: dir });
  const compiled = await cli(['compile']);
  if (compiled.code !== 0) throw new Error(compiled.stderr);
  return { dir, cache, cli };
}
