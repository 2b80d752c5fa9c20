import { constants as fsConstants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { SourceIndex, error, sortDiagnostics, type Diagnostic } from '../diagnostics/index.js';
import { LEVEL_NAMES, minimizePolicy, partialResultStands, servicesNamedBy, type MinimizePolicyOptions, type MinimizePolicyResult } from '../compile/minimize/index.js';
import { isInside, LIMITS, readText, realOrResolved, repositoryOf, rootForNamedPath } from '../files/index.js';
import { parseJsonWithPositions, quotaProfile, QUOTA_PROFILE_NAMES, readPolicyDocument, DEFAULT_QUOTA_PROFILE, type PolicyType } from '../policy/index.js';
import { CacheError, loadFromCache, type ReferenceIndex } from '../reference/index.js';
import { loadServicesFromCache, readCachedManifest } from '../reference/load-services.js';
import { referenceError } from './reference-error.js';
import { packagedIndexes } from './reference-load.js';
import { formatCount, formatDiagnostic } from './format.js';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError, type CliIO } from './io.js';

export interface MinimizeFlags {
  type: string;
  quota?: string;
  out?: string;
  cache: string;
  /** Set when the cache is the copy shipped with guardrails: its version (reference-cache.ts). */
  shippedWith?: string;
  keepSids?: boolean;
  exact?: boolean;
  aggressive?: boolean;
  slots?: string;
}

export async function runMinimize(file: string, flags: MinimizeFlags, io: CliIO): Promise<number> {
  if (flags.type !== 'scp' && flags.type !== 'rcp') throw new UsageError(`--type must be scp or rcp, not "${flags.type}"`);
  if (flags.exact && flags.aggressive) throw new UsageError('--exact and --aggressive contradict each other: --exact writes no wildcard the input does not have, --aggressive the smallest output');
  const mode = flags.exact ? 'exact' : flags.aggressive ? 'aggressive' : 'readable';
  const profileName = flags.quota ?? DEFAULT_QUOTA_PROFILE;
  const quotas = quotaProfile(profileName);
  if (!quotas) throw new UsageError(`unknown quota profile "${profileName}"; profiles: ${QUOTA_PROFILE_NAMES.join(', ')}`);
  const type = flags.type as PolicyType;
  // The policies the target can still take: the per-target quota less what is attached there already
  // (FullAWSAccess, Control Tower's).
  const maxPerTarget = quotas[type].maxPerTarget;
  const slots = flags.slots === undefined ? maxPerTarget : /^\d+$/.test(flags.slots) ? Number(flags.slots) : NaN;
  if (!(slots >= 1 && slots <= maxPerTarget)) throw new UsageError(`--slots must be a whole number from 1 to ${maxPerTarget} (${quotas.profile}: ${maxPerTarget} ${type.toUpperCase()}s per target), not "${flags.slots}"`);
  const full = path.resolve(io.cwd, file);
  const sources = new SourceIndex();
  const report = (diagnostics: Parameters<typeof sortDiagnostics>[0]) => {
    for (const d of sortDiagnostics(diagnostics, [full])) io.stderr.write(formatDiagnostic(d, { get: (f) => sources.text(f) }, io.cwd));
  };
  // The policy may be a file of the pull request (then it must resolve inside the repository) or one
  // the workflow names outside it; either way a regular file, UTF-8, within the size limit.
  const read = await readText(full, { root: rootForNamedPath(file, io.cwd, repositoryOf(io.cwd)), maxBytes: LIMITS.minimizeInput, what: 'policy file' });
  if (!read.ok) {
    const at = read.line !== undefined ? { file: full, line: read.line, col: read.col ?? 1 } : undefined;
    report([error(read.code, read.message, at)]);
    return EXIT_BAD_INPUT;
  }
  const parsed = parseJsonWithPositions(full, read.text, sources);
  if (parsed.value === undefined) {
    report(parsed.diagnostics);
    return EXIT_BAD_INPUT;
  }
  const policy = readPolicyDocument(parsed.value, sources, { ignoreKeys: ['Comment', 'Comments'] });
  if (!policy.document || policy.diagnostics.some((d) => d.severity === 'error')) {
    report(policy.diagnostics);
    return EXIT_BAD_INPUT;
  }
  const cacheDir = path.resolve(io.cwd, flags.cache);
  const options: MinimizePolicyOptions = { type, maxChars: quotas[type].maxChars, maxPerTarget: slots, keepSids: flags.keepSids === true, mode };
  let result: MinimizePolicyResult | undefined;
  let started = performance.now();
  try {
    // The services the policy names are enough for levels 1 and 2 and their proof: the other service
    // files (most of the reference) are not read. What needs the whole reference (--aggressive, a
    // level the quota forces past 2, or a diagnostic that may differ on a partial one)
    // minimizes again with all of it.
    const manifest = await readCachedManifest(cacheDir, 'current', { cwd: io.cwd });
    const named = mode === 'aggressive' ? undefined : servicesNamedBy(policy.document, Object.keys(manifest.services));
    if (named) {
      const partial = await loadServicesFromCache(cacheDir, manifest, named.load, { cwd: io.cwd });
      started = performance.now();
      result = minimizePolicy(policy.document, sources, partial.index, { ...options, partialReference: true });
      if (!partialResultStands(result, named, policy.document)) result = undefined;
    }
    if (!result) {
      const whole: ReferenceIndex = (await loadFromCache(cacheDir, 'current', { cwd: io.cwd, ...packagedIndexes() })).index;
      started = performance.now();
      result = minimizePolicy(policy.document, sources, whole, options);
    }
  } catch (e) {
    if (!(e instanceof CacheError)) throw e;
    report([referenceError(e, flags.shippedWith)]);
    return EXIT_BAD_INPUT;
  }
  report(result.diagnostics);
  if (!result.ok) {
    io.stderr.write(`minimize failed: nothing written\n`);
    return EXIT_BAD_INPUT;
  }
  const charsIn = JSON.stringify(parsed.value).length;
  const charsOut = result.policies.reduce((n, p) => n + p.chars, 0);
  if (flags.out) {
    const base = path.basename(full, '.json');
    const written = await writePolicyFiles(flags.out, io.cwd, result.policies.map((p, i) => ({ name: `${base}-${i + 1}.json`, text: p.text })));
    if (written) {
      report([written]);
      io.stderr.write(`minimize failed: ${flags.out} not written\n`);
      return EXIT_BAD_INPUT;
    }
  } else {
    io.stdout.write(`[${result.policies.map((p) => p.text).join(',')}]\n`);
  }
  // Which level, and why: the quota that forced it, or the flag that asked for it.
  const why = mode === 'exact' ? 'as --exact asks' : mode === 'aggressive' ? 'as --aggressive asks' : result.escalatedFor ? `forced by ${result.escalatedFor}` : 'as written';
  const introduced = result.policies.flatMap((p) => p.statements.flatMap((s) => s.introduced));
  const notAction = result.policies.flatMap((p) => p.statements.filter((s) => s.introducedNotAction));
  io.stderr.write(
    `minimized ${file} as ${type.toUpperCase()} (${quotas.profile}: ${formatCount(quotas[type].maxChars)} characters, ${maxPerTarget} per target${slots === maxPerTarget ? '' : `, ${slots} free`}): ` +
      `${result.statementsIn} statements -> ${result.statementsOut}, ${formatCount(charsIn)} characters -> ${formatCount(charsOut)} in ${result.policies.length} ${result.policies.length === 1 ? 'policy' : 'policies'} ` +
      `(${result.policies.map((p) => formatCount(p.chars)).join(' + ')}); ${introduced.length} wildcards introduced` +
      (notAction.length ? `; ${notAction.length} Action ${notAction.length === 1 ? 'list' : 'lists'} rewritten as NotAction (${notAction.length === 1 ? 'it denies' : 'they deny'} every action AWS adds later)` : '') +
      `; level ${result.level}, ${LEVEL_NAMES[result.level]}, ${why}; proven equivalent in ${Math.round(performance.now() - started)} ms\n`,
  );
  if (result.policies.length > slots) {
    const further = result.capped > 0 ? `; --aggressive may shorten further: ${result.capped} ${result.capped === 1 ? 'statement reaches' : 'statements reach'} every principal and stayed at level 2` : mode === 'exact' ? '; without --exact, minimize may shorten further' : '';
    io.stderr.write(`warning: ${result.policies.length} policies exceed the ${slots} that one target can ${slots === maxPerTarget ? 'hold' : 'still take (--slots)'}, at level ${result.level} (${LEVEL_NAMES[result.level]}), the highest tried${further}\n`);
  }
  return EXIT_OK;
}

const WRITE_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/**
 * Writes the policies into `--out`. A directory written inside the repository is the pull request's:
 * its real path must stay inside (a committed symlink must not lead the write out), and no file is
 * written through a symlink or into anything but a regular file.
 */
async function writePolicyFiles(out: string, cwd: string, files: { name: string; text: string }[]): Promise<Diagnostic | undefined> {
  const dir = path.resolve(cwd, out);
  const root = rootForNamedPath(out, cwd, repositoryOf(cwd));
  const outside = () => (root !== undefined && !isInside(realOrResolved(root), realOrResolved(dir)) ? error('outside-repository', `--out ${out} resolves to ${realOrResolved(dir)}, outside the repository`) : undefined);
  const before = outside();
  if (before) return before;
  await fs.mkdir(dir, { recursive: true });
  const after = outside();
  if (after) return after;
  for (const f of files) {
    const target = path.join(dir, f.name);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(target, WRITE_FLAGS, 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return error('unwritable-file', `cannot write ${target}: ${code === 'ELOOP' ? 'it is a symbolic link' : code === 'ENXIO' ? 'it is not a regular file' : (code ?? (e as Error).message)}`);
    }
    try {
      if (!(await handle.stat()).isFile()) return error('unwritable-file', `cannot write ${target}: it is not a regular file`);
      await handle.writeFile(f.text);
    } finally {
      await handle.close();
    }
  }
  return undefined;
}
