/**
 * The pinned service reference for a new project: the current snapshot of the cache guardrails ships,
 * copied into the project's own service-reference-cache/ (committed there, it pins what the policies
 * compile against, and compile works with no network). Only the current snapshot is copied, through
 * the cache's own store: every object is read against its sha256, and the copy is a cache as sync
 * writes it, whose history starts with that snapshot.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { LIMITS } from '../files/limits.js';
import { CacheStore, type SnapshotManifest } from '../reference/cache-store.js';

export const REFERENCE_DIR = 'service-reference-cache';

export async function copyCurrentSnapshot(from: string, to: string): Promise<SnapshotManifest> {
  const source = new CacheStore(from, { cwd: from });
  const snapshot = await source.readSnapshot('current');
  const target = new CacheStore(to, { cwd: path.dirname(to) });
  const tx = await target.begin();
  try {
    await tx.putObject(await source.readObject(snapshot.serviceList.sha256, 'the service list', LIMITS.serviceList));
    for (const [name, entry] of Object.entries(snapshot.services)) {
      await tx.putObject(await source.readObject(entry.sha256, `service ${name}`));
    }
    await tx.commit(snapshot, undefined);
  } catch (e) {
    await tx.abort();
    throw e;
  }
  await fs.writeFile(path.join(to, 'README.md'), cacheReadme(snapshot), { flag: 'wx' });
  return snapshot;
}

function cacheReadme(snapshot: SnapshotManifest): string {
  return `# service-reference-cache/

AWS's service reference that the guardrails in this repository compile against (snapshot ${snapshot.snapshotId},
${snapshot.totals.services} services, ${snapshot.totals.actions} actions), as guardrails shipped it to \`guardrails init\`. Commit it: it pins
what the policies mean, and compile needs no network. \`guardrails sync\` refreshes it from AWS's endpoint
(\`--from URL|DIR\`: a mirror); the scheduled workflow tells when a change touches a guardrail.
`;
}
