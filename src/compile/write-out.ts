/**
 * Writing out/ all or nothing: the new contents are written to a staging directory beside it and
 * swapped in with renames, so a failure at any point leaves the previous out/ as it was. Files the
 * compiler does not own (anything but *.json, e.g. a README) are carried over.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { CompiledPolicy } from './compile.js';
import type { OutManifest } from './manifest.js';

export async function writeOut(outDir: string, policies: readonly CompiledPolicy[], manifest: OutManifest): Promise<void> {
  const parent = path.dirname(path.resolve(outDir));
  const base = path.basename(outDir);
  const tag = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const staging = path.join(parent, `.${base}.staging-${tag}`);
  const old = path.join(parent, `.${base}.old-${tag}`);
  await fs.mkdir(staging, { recursive: true });
  try {
    for (const p of policies) await fs.writeFile(path.join(staging, p.file), p.text);
    await fs.writeFile(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    const existing = await fs.readdir(outDir).catch(() => [] as string[]);
    for (const name of existing) {
      if (name.endsWith('.json')) continue;
      await fs.cp(path.join(outDir, name), path.join(staging, name), { recursive: true });
    }
    const hadOut = existing.length > 0 || (await exists(outDir));
    if (hadOut) await fs.rename(outDir, old);
    try {
      await fs.rename(staging, outDir);
    } catch (e) {
      if (hadOut) await fs.rename(old, outDir);
      throw e;
    }
    if (hadOut) await fs.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fs.rm(staging, { recursive: true, force: true });
    throw e;
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}
