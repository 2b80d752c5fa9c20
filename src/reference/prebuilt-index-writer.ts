/**
 * Writes prebuilt-index.ts's files: run by every build (scripts/prebuild-reference-indexes.mjs), so the
 * indexes a package ships are always those of its own code.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CacheStore } from './cache-store.js';
import { COMPACT_INDEX_FORMAT } from './compact-index.js';
import { compactFromCache } from './load.js';
import { PREBUILT_FORMAT, type PrebuiltFile } from './prebuilt-index.js';

/**
 * Builds the index of every snapshot in `cacheDir` (the current one and its history) into `outDir`,
 * each from its files with every check a load makes; returns the files written.
 */
export async function writePrebuiltIndexes(cacheDir: string, outDir: string): Promise<string[]> {
  const store = new CacheStore(cacheDir, { cwd: path.dirname(path.resolve(cacheDir)) });
  const current = await store.readManifest();
  if (!current) return [];
  const ids = [current.snapshotId, ...current.history.map((h) => h.snapshotId).filter((id) => id !== current.snapshotId)];
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const id of ids) {
    const { compact, manifest } = await compactFromCache(cacheDir, id, { cwd: path.dirname(path.resolve(cacheDir)), blocking: true });
    const file: PrebuiltFile = {
      format: PREBUILT_FORMAT,
      compactFormat: COMPACT_INDEX_FORMAT,
      snapshotId: manifest.snapshotId,
      serviceListSha256: manifest.serviceList.sha256,
      services: manifest.services,
      compact: compact.services,
    };
    const target = path.join(outDir, `${manifest.snapshotId}.json`);
    fs.writeFileSync(`${target}.tmp`, JSON.stringify(file));
    fs.renameSync(`${target}.tmp`, target);
    written.push(target);
  }
  return written;
}
