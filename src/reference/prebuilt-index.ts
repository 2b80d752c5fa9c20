/**
 * The compact index of each snapshot the package ships, built with the package (`npm run build` writes
 * them to dist/reference-index/, scripts/prebuild-reference-indexes.mjs) from its own
 * service-reference-cache/, the same way a load builds it (prebuilt-index-writer.ts).
 *
 * A load uses one only for exactly the snapshot it was built from: the same service list and, service by
 * service, the same sha256, size, action count and schema version as the manifest being loaded (the
 * snapshot id alone is a truncated hash). The objects are still read and checked against their sha256
 * (verifyShareFromCache): a cache that does not hold what its manifest says is refused as before. What
 * the prebuilt index spares is parsing and checking the 14 MB of JSON behind the manifest, which gives
 * nothing new when the files are, byte for byte, those this package was built with.
 *
 * This keeps load.ts's rule that whatever the tool knows about actions follows from the manifest: the
 * manifest's hashes pin the files, and the index is the package's own derivation of those files, never
 * anything a repository or a cache supplies. A snapshot the package does not ship is parsed as always.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageDirectory } from '../files/package-version.js';
import type { ServiceEntry, SnapshotManifest } from './cache-store.js';
import { COMPACT_INDEX_FORMAT, type CompactIndex } from './compact-index.js';

/** Bump when the file's layout changes (COMPACT_INDEX_FORMAT covers the compact services inside it). */
export const PREBUILT_FORMAT = 1;

/** More than any snapshot's compact form (about 1.9 MB in 2026): a larger file is not one of ours. */
const MAX_PREBUILT_BYTES = 16 * 1024 * 1024;

/** Where a build writes them, under the package's directory. */
export const PREBUILT_INDEX_DIR = path.join('dist', 'reference-index');

export interface PrebuiltFile {
  format: typeof PREBUILT_FORMAT;
  compactFormat: typeof COMPACT_INDEX_FORMAT;
  snapshotId: string;
  serviceListSha256: string;
  services: Record<string, ServiceEntry>;
  compact: CompactIndex['services'];
}

/** The prebuilt indexes of the running package, when it has any (a build from source makes them). */
export function packagedIndexDirectory(): string | undefined {
  const dir = packageDirectory();
  if (dir === undefined) return undefined;
  const indexes = path.join(dir, PREBUILT_INDEX_DIR);
  return fs.existsSync(indexes) ? indexes : undefined;
}

/**
 * The compact services prebuilt for exactly `manifest`'s snapshot, or undefined: none built for it, or
 * one built from other files or by another layout (then the snapshot is loaded from its files).
 */
export function prebuiltServicesFor(manifest: SnapshotManifest, dir: string): CompactIndex['services'] | undefined {
  const file = path.join(dir, `${manifest.snapshotId}.json`);
  let text: string;
  try {
    if (fs.statSync(file).size > MAX_PREBUILT_BYTES) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let built: PrebuiltFile;
  try {
    built = JSON.parse(text) as PrebuiltFile;
  } catch {
    return undefined;
  }
  if (built.format !== PREBUILT_FORMAT || built.compactFormat !== COMPACT_INDEX_FORMAT || built.snapshotId !== manifest.snapshotId) return undefined;
  if (built.serviceListSha256 !== manifest.serviceList.sha256 || !sameEntries(built.services, manifest.services)) return undefined;
  return built.compact;
}

function sameEntries(a: Record<string, ServiceEntry>, b: Record<string, ServiceEntry>): boolean {
  const names = Object.keys(b);
  if (Object.keys(a).length !== names.length) return false;
  return names.every((n) => {
    const x = a[n];
    const y = b[n]!;
    return x !== undefined && x.sha256 === y.sha256 && x.bytes === y.bytes && x.actions === y.actions && x.version === y.version;
  });
}
