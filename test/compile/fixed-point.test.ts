/**
 * Compile is a fixed point: compiling an intent with the out/ that the same intent compiled to (its
 * manifest and policy texts as the previous) gives that out/ byte for byte. Otherwise a CI check that
 * recompiles and requires out/ unchanged flips, and diff/plan/simulate, which reuse out/ when its input
 * digest matches, would see another out/ than a fresh compile.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCALE_MIXES, writeScaleRepository } from '../../bench/scale-intent.js';
import { compile } from '../../src/compile/index.js';
import { loadIntent } from '../../src/intent/index.js';
import { reference2026 } from '../support/reference.js';

type Compiled = ReturnType<typeof compile>;

/** out/ as files: every policy's text and the manifest. */
function outOf(result: Compiled): Map<string, string> {
  const files = new Map(result.policies.map((p) => [p.name, p.fileText]));
  files.set('manifest.json', JSON.stringify(result.manifest, null, 2));
  return files;
}

/** Compiles from an empty out/, then again with that out/ as the previous; returns both out/s. */
async function compileTwice(dir: string): Promise<{ first: Map<string, string>; second: Map<string, string>; ok: boolean }> {
  const { index, manifest } = await reference2026();
  const { intent } = await loadIntent({ cwd: dir });
  const first = compile({ intent: intent!, reference: index, referenceManifest: manifest, root: dir });
  const second = compile({ intent: intent!, reference: index, referenceManifest: manifest, root: dir, previous: first.manifest!, previousTexts: new Map(first.policies.map((p) => [p.name, p.fileText])) });
  return { first: outOf(first), second: outOf(second), ok: first.ok };
}

/** The files that differ (by name), so that a failure says which, not two huge maps. */
function differing(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

describe('compiling with the out/ of the same intent gives that out/', () => {
  for (const mix of SCALE_MIXES) {
    for (const quotas of ['aws-2026-05', 'aws-legacy']) {
      it(`the scale benchmark's ${mix} mix at ${quotas}`, async () => {
        const { index } = await reference2026();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-fixed-point-'));
        try {
          writeScaleRepository(dir, 300, mix, index);
          const org = path.join(dir, 'guardrails', 'organization.yaml');
          fs.writeFileSync(org, fs.readFileSync(org, 'utf8').replace(/^quotas: aws-2026-05$/m, `quotas: ${quotas}`));
          const { first, second } = await compileTwice(dir);
          expect(differing(first, second)).toEqual([]);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }, 120_000);
    }
  }
});
