/** Service reference: full sync from a loopback server, index load (from the cache and from a directory), expansion of every action. */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { HttpSource, loadFromCache, loadFromDirectory, syncReference } from '../src/reference/index.js';
import { startReferenceServer } from '../test/support/reference-server.js';
import { SNAPSHOT_2026 } from '../test/support/paths.js';
import { median, type Figure } from './harness.js';

export async function benchReference(): Promise<Figure[]> {
  const server = await startReferenceServer(SNAPSHOT_2026);
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'guardrails-bench-'));
  try {
    let n = 0;
    let cache = '';
    const fullSync = await median(3, async () => {
      cache = path.join(root, `cache-${n++}`);
      await syncReference({ cacheDir: cache, source: new HttpSource(server.url, { timeoutMs: 30000 }) });
    });
    const resync = await median(3, () => syncReference({ cacheDir: cache, source: new HttpSource(server.url, { timeoutMs: 30000 }) }));
    // Every command's start: the index rebuilt from the cache's objects, each checked against the manifest.
    const load = await median(5, () => loadFromCache(cache));
    // The same from a directory laid out like the endpoint (notify --from DIR): no hashes to check, no gunzip.
    const loadFiles = await median(3, () => loadFromDirectory(SNAPSHOT_2026));
    const { index } = await loadFromCache(cache);

    const names = index.actions.map((a) => a.qualified);
    const everyAction = await median(5, () => {
      for (const name of names) index.expandList([name]);
    });
    const services = index.services.map((s) => `${s.prefix}:*`);
    const everyService = await median(5, () => index.expandList(services));
    const selectors = index.services.flatMap((s) => ['Read', 'List', 'Write', 'Tagging', 'Permissions management'].map((l) => `${s.prefix}:{${l}}`));
    const everySelector = await median(5, () => {
      for (const sel of selectors) index.expandList([sel]);
    });
    const stored = await du(cache);
    return [
      { name: 'sync: full, loopback HTTP', value: fullSync / 1000, unit: 's', note: `${index.services.length} services, ${index.size.toLocaleString('en-US')} actions; cache ${(stored / 1e6).toFixed(1)} MB` },
      { name: 'sync: nothing changed (304s)', value: resync / 1000, unit: 's' },
      { name: 'index: load from cache', value: load, unit: 'ms', note: `built from ${index.services.length} objects, each checked against the manifest` },
      { name: 'index: load from a directory', value: loadFiles, unit: 'ms', note: `loadFromDirectory, ${index.services.length} files` },
      { name: 'expand: every action by name', value: everyAction, unit: 'ms', note: `${names.length.toLocaleString('en-US')} lookups, ${((everyAction * 1000) / names.length).toFixed(2)} µs each` },
      { name: 'expand: every service (svc:*)', value: everyService, unit: 'ms', note: `${services.length} patterns in one list` },
      { name: 'expand: every access-level selector', value: everySelector, unit: 'ms', note: `${selectors.length.toLocaleString('en-US')} selectors` },
    ];
  } finally {
    await server.close();
    await fs.rm(root, { recursive: true, force: true });
  }
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const f of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile()) total += (await fs.stat(path.join(f.parentPath, f.name))).size;
  }
  return total;
}
