/**
 * Reading out/ back: the manifest of the previous compile (sticky packing, diff, notify) and the
 * policy texts it lists. An absent, unreadable or other-format manifest reads as none: callers decide
 * whether that is an error (diff) or a fresh start (compile).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { OUT_MANIFEST_FORMAT, type OutManifest } from './manifest.js';

export async function readOutManifest(outDir: string): Promise<OutManifest | undefined> {
  try {
    const m = JSON.parse(await fs.readFile(path.join(outDir, 'manifest.json'), 'utf8')) as OutManifest;
    return m.format === OUT_MANIFEST_FORMAT && Array.isArray(m.policies) ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Policy name -> the text of its file in out/ (policies whose file is missing are left out). */
export async function readOutPolicies(outDir: string, manifest: OutManifest): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const p of manifest.policies) {
    const text = await fs.readFile(path.join(outDir, p.file), 'utf8').catch(() => undefined);
    if (text !== undefined) texts.set(p.name, text);
  }
  return texts;
}
