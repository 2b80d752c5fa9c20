import * as fs from 'node:fs';
import * as path from 'node:path';
import { sortDiagnostics, type Diagnostic } from '../../src/diagnostics/index.js';
import { checkIntent, loadIntent, type Intent } from '../../src/intent/index.js';
import { reference2026 } from './reference.js';

/** Loads and checks intent files against the 2026-08-22 reference, as `guardrails validate` does. */
export async function validateFiles(files: string[]): Promise<{ intent: Intent | undefined; diagnostics: Diagnostic[] }> {
  const { intent, diagnostics } = await loadIntent({ cwd: path.dirname(files[0] ?? '.'), files });
  const all = [...diagnostics];
  if (intent) all.push(...checkIntent(intent, (await reference2026()).index));
  return { intent, diagnostics: sortDiagnostics(all, files) };
}

/** Writes intent text to a temporary file and validates it. */
export async function validateText(text: string, dir: string, name = 'intent.yaml') {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return validateFiles([file]);
}
