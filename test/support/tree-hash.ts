/** A fingerprint of every file (path, bytes) under a directory, to assert "byte-for-byte unchanged". */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

export async function treeHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      h.update(`missing ${d}\n`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        h.update(`dir ${path.relative(dir, p)}\n`);
        await walk(p);
      } else {
        h.update(`file ${path.relative(dir, p)}\n`);
        h.update(await fs.readFile(p));
      }
    }
  };
  await walk(dir);
  return h.digest('hex');
}
