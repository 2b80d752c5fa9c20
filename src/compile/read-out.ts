/**
 * Reading out/ back: the manifest of the previous compile (sticky packing, diff, notify) and the
 * policy texts it lists. out/ is committed, so a pull request writes it: every file is read through
 * the gate (src/files: regular files that resolve inside out/, size-capped, strict UTF-8), and the
 * manifest's shape is checked whole before anything uses it. An absent manifest reads as none; one
 * that cannot be read or has another shape reads as none too, with a warning saying why: callers
 * decide whether none is an error (diff) or a fresh start (compile).
 */
import * as path from 'node:path';
import { quoteUntrusted, SourceIndex, warning, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import { LIMITS, readText } from '../files/index.js';
import { jsonNestingOver } from '../files/json-depth.js';
import { parseJsonWithPositions } from '../policy/index.js';
import { isPolicyFileName, outManifestProblem, type ShapeProblem } from './manifest.js';
import type { OutManifest } from './out-manifest.js';
import { locateOut, recoverOut } from './out-dir.js';

export interface OutReadOptions {
  /**
   * The working directory `outDir` was named from, for the path-trust rule (locateOut). Default: the
   * directory above out/, which is the repository when out/ is at its top, as by default.
   */
  cwd?: string;
  /** Where the manifest's text is kept, so that warnings can show the line. */
  sources?: SourceIndex;
  /** Receives why the manifest or a policy file was read as none. */
  diagnostics?: Diagnostic[];
}

/** A manifest never nests deeper than this (a source of a statement of a policy is seven levels down). */
const MANIFEST_MAX_DEPTH = 16;

export async function readOutManifest(outDir: string, options: OutReadOptions = {}): Promise<OutManifest | undefined> {
  const report = (d: Diagnostic) => options.diagnostics?.push(d);
  const dir = await openOut(outDir, options);
  if (!dir) return undefined;
  const file = path.join(dir, 'manifest.json');
  const ignored = (why: string, location?: SourceLocation) =>
    report(warning('out-manifest-ignored', `${file} ${why}; it is read as no manifest`, location, 'run guardrails compile (--repack packs from scratch) and commit out/'));
  const read = await readText(file, { root: dir, maxBytes: LIMITS.outManifest, what: 'out manifest' });
  if (!read.ok) {
    if (read.code !== 'file-not-found') ignored(`cannot be read: ${read.message}`, read.line ? { file, line: read.line, col: read.col ?? 1 } : undefined);
    return undefined;
  }
  const sources = options.sources ?? new SourceIndex();
  const deep = jsonNestingOver(read.text, MANIFEST_MAX_DEPTH);
  if (deep !== undefined) {
    sources.addText(file, read.text);
    ignored(`nests deeper than a manifest does (${MANIFEST_MAX_DEPTH} levels)`, sources.position(file, deep));
    return undefined;
  }
  const parsed = parseJsonWithPositions(file, read.text, sources);
  if (parsed.diagnostics.length) {
    const d = parsed.diagnostics[0]!;
    ignored(`is not valid JSON: ${d.message}`, d.location);
    return undefined;
  }
  const problem = outManifestProblem(parsed.value);
  if (problem) {
    ignored(`is not a manifest this version of guardrails reads: ${problem.message}`, locateProblem(sources, parsed.value, problem) ?? { file, line: 1, col: 1 });
    return undefined;
  }
  return parsed.value as OutManifest;
}

/**
 * Policy name -> the text of its file in out/. A file that is missing is left out (diff reports out/
 * as stale); one the gate refuses is left out with a warning. Only plain file names are read, each
 * only if it resolves inside out/.
 */
export async function readOutPolicies(outDir: string, manifest: OutManifest, options: OutReadOptions = {}): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const dir = await openOut(outDir, options);
  if (!dir) return texts;
  for (const p of manifest.policies) {
    if (typeof p.file !== 'string' || !isPolicyFileName(p.file)) continue;
    const read = await readText(path.join(dir, p.file), { root: dir, maxBytes: LIMITS.outPolicy, what: 'compiled policy' });
    if (read.ok) texts.set(p.name, read.text);
    else if (read.code !== 'file-not-found') options.diagnostics?.push(warning('out-policy-unreadable', `${read.message}; policy ${quoteUntrusted(p.name, 128)} is read as missing from out/`));
  }
  return texts;
}

/** out/'s real directory once an interrupted swap is finished, or undefined (with why) when it cannot be out/. */
async function openOut(outDir: string, options: OutReadOptions): Promise<string | undefined> {
  const located = locateOut(outDir, options.cwd ?? path.dirname(path.resolve(outDir)));
  if (!located.ok) {
    options.diagnostics?.push(...located.diagnostics);
    return undefined;
  }
  const recovered = await recoverOut(located.dir);
  options.diagnostics?.push(...recovered);
  return located.dir;
}

function locateProblem(sources: SourceIndex, root: unknown, problem: ShapeProblem): SourceLocation | undefined {
  let holder: unknown = undefined;
  let value: unknown = root;
  let key: string | number | undefined;
  for (const step of problem.path) {
    if (value === null || typeof value !== 'object') break;
    holder = value;
    key = step;
    value = (value as Record<string | number, unknown>)[step];
  }
  if (holder && typeof holder === 'object') {
    // A missing field is located at the object that lacks it.
    const has = key !== undefined && Object.prototype.hasOwnProperty.call(holder, key);
    return has ? sources.locate(holder, key) : sources.locate(holder);
  }
  return root && typeof root === 'object' ? sources.locate(root) : undefined;
}
