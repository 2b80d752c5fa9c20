/** Compile of the example organization: in-process, and as the whole command a user runs. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearCompactionCache, compile } from '../src/compile/index.js';
import { findIntentFiles, loadIntent } from '../src/intent/index.js';
import { DirectorySource, loadFromCache, syncReference } from '../src/reference/index.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../test/support/paths.js';
import { median, type Figure } from './harness.js';

export async function benchCompile(): Promise<Figure[]> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'guardrails-bench-'));
  try {
    const cache = path.join(root, 'cache');
    await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
    const files = await findIntentFiles(PROJECT_ROOT);
    const reference = await loadFromCache(cache);
    const inProcess = await median(7, async () => {
      clearCompactionCache(reference.index);
      const { intent } = await loadIntent({ cwd: PROJECT_ROOT, files });
      const r = compile({ intent: intent!, reference: reference.index, referenceManifest: reference.manifest, root: PROJECT_ROOT });
      if (!r.ok) throw new Error('example organization does not compile');
    });
    const bin = path.join(PROJECT_ROOT, 'bin', 'guardrails.js');
    const out = path.join(root, 'out');
    const command = await median(5, () => {
      const r = spawnSync(process.execPath, [bin, 'compile', '--cache', cache, '--out', out], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
    });
    return [
      { name: 'compile: example organization, in-process', value: inProcess, unit: 'ms', note: 'load intent + validate + compile (reference already loaded, no cached compaction)' },
      { name: 'compile: example organization, command', value: command, unit: 'ms', note: 'node bin/guardrails.js compile, start to exit' },
    ];
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}
