/**
 * The digest of everything compile reads, recorded in out/manifest.json (`inputs`), so that simulate,
 * diff and plan can tell that out/ was compiled from the inputs they have now, and take its policies
 * instead of packing them again (reuse-out.ts says why that is safe).
 *
 * What compile reads: the intent files, the org snapshot the tree comes from (organization.treeFrom),
 * the files controls name (templates, imported policies), the service reference (its snapshot id
 * names its content), and the compiler itself (its package version and DIGEST_FORMAT, bumped whenever
 * compile would write something else from the same inputs). The previous out/ is read too (sticky
 * packing): it is not digested, because a compile with out/ as its previous out/ writes out/ again
 * (the stale-out check of diff and plan has always relied on it), and out/'s own files are checked
 * against the manifest's hashes of them (`sha256` of each policy) and against the intent.
 *
 * The texts are the ones already read, hashed as read: nothing is read a second time. Paths are
 * relative to the repository root, so the digest is the same on every checkout.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageVersion } from '../files/package-version.js';
import type { Intent } from '../intent/index.js';

/** Bumped when the same inputs and package version would compile to something else (or the digest changes). */
export const DIGEST_FORMAT = 1;

export interface CompileInputs {
  /** sha256 of what compile read (see the module comment), hex. */
  digest: string;
  /** The compiler: `guardrails <package version>/<DIGEST_FORMAT>`. */
  compiler: string;
}

/** The inputs of a compile of `intent` against the reference `snapshotId`; `read`: the files its controls named. */
export function compileInputsOf(args: { intent: Intent; root: string; referenceManifest: { snapshotId: string } }, read: readonly { file: string; text: string }[]): CompileInputs {
  const { intent, root } = args;
  const hash = createHash('sha256');
  const compiler = compilerVersion();
  hash.update(`guardrails compile inputs\ncompiler ${compiler}\nreference ${args.referenceManifest.snapshotId}\n`);
  const add = (kind: string, file: string, text: string) => {
    const rel = path.relative(root, file).split(path.sep).join('/');
    // Lengths delimit the texts: no two lists of files hash alike.
    hash.update(`${kind} ${JSON.stringify(rel)} ${Buffer.byteLength(text, 'utf8')}\n`);
    hash.update(text);
    hash.update('\n');
  };
  const textOf = (file: string) => intent.sources.text(file) ?? fs.readFileSync(file, 'utf8');
  for (const f of intent.files) add('intent', f, textOf(f));
  if (intent.treeSource?.kind === 'snapshot') add('tree', intent.treeSource.file, textOf(intent.treeSource.file));
  for (const r of read) add('named', r.file, r.text);
  return { digest: hash.digest('hex'), compiler };
}

/** sha256 of a policy file's text, hex: what the manifest records of each file in out/. */
export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let version: string | undefined;

/** This compiler, as recorded in the manifest. */
export function compilerVersion(): string {
  version ??= `guardrails ${packageVersion()}/${DIGEST_FORMAT}`;
  return version;
}
