import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { SourceIndex, error, sortDiagnostics } from '../diagnostics/index.js';
import { minimizePolicy } from '../compile/index.js';
import { parseJsonWithPositions, quotaProfile, QUOTA_PROFILE_NAMES, readPolicyDocument, DEFAULT_QUOTA_PROFILE, type PolicyType } from '../policy/index.js';
import { CacheError, loadFromCache } from '../reference/index.js';
import { referenceError } from './workspace.js';
import { formatCount, formatDiagnostic } from './format.js';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError, type CliIO } from './io.js';

export interface MinimizeFlags {
  type: string;
  quota?: string;
  out?: string;
  cache: string;
  keepSids?: boolean;
  exact?: boolean;
}

export async function runMinimize(file: string, flags: MinimizeFlags, io: CliIO): Promise<number> {
  if (flags.type !== 'scp' && flags.type !== 'rcp') throw new UsageError(`--type must be scp or rcp, not "${flags.type}"`);
  const profileName = flags.quota ?? DEFAULT_QUOTA_PROFILE;
  const quotas = quotaProfile(profileName);
  if (!quotas) throw new UsageError(`unknown quota profile "${profileName}"; profiles: ${QUOTA_PROFILE_NAMES.join(', ')}`);
  const type = flags.type as PolicyType;
  const full = path.resolve(io.cwd, file);
  const sources = new SourceIndex();
  const report = (diagnostics: Parameters<typeof sortDiagnostics>[0]) => {
    for (const d of sortDiagnostics(diagnostics, [full])) io.stderr.write(formatDiagnostic(d, { get: (f) => sources.text(f) }, io.cwd));
  };
  let text: string;
  try {
    text = await fs.readFile(full, 'utf8');
  } catch (e) {
    report([error('unreadable-file', `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)]);
    return EXIT_BAD_INPUT;
  }
  const parsed = parseJsonWithPositions(full, text, sources);
  if (parsed.value === undefined) {
    report(parsed.diagnostics);
    return EXIT_BAD_INPUT;
  }
  const read = readPolicyDocument(parsed.value, sources, { ignoreKeys: ['Comment', 'Comments'] });
  if (!read.document || read.diagnostics.some((d) => d.severity === 'error')) {
    report(read.diagnostics);
    return EXIT_BAD_INPUT;
  }
  let reference;
  try {
    reference = await loadFromCache(path.resolve(io.cwd, flags.cache), 'current', { cwd: io.cwd });
  } catch (e) {
    if (!(e instanceof CacheError)) throw e;
    report([referenceError(e)]);
    return EXIT_BAD_INPUT;
  }
  const started = performance.now();
  const result = minimizePolicy(read.document, sources, reference.index, { type, maxChars: quotas[type].maxChars, keepSids: flags.keepSids === true, mode: flags.exact ? 'exact' : 'compact' });
  report(result.diagnostics);
  if (!result.ok) {
    io.stderr.write(`minimize failed: nothing written\n`);
    return EXIT_BAD_INPUT;
  }
  const charsIn = JSON.stringify(parsed.value).length;
  const charsOut = result.policies.reduce((n, p) => n + p.chars, 0);
  if (flags.out) {
    const outDir = path.resolve(io.cwd, flags.out);
    await fs.mkdir(outDir, { recursive: true });
    const base = path.basename(full, '.json');
    for (const [i, p] of result.policies.entries()) await fs.writeFile(path.join(outDir, `${base}-${i + 1}.json`), p.text);
  } else {
    io.stdout.write(`[${result.policies.map((p) => p.text).join(',')}]\n`);
  }
  const introduced = result.policies.flatMap((p) => p.statements.flatMap((s) => s.introduced));
  const notAction = result.policies.flatMap((p) => p.statements.filter((s) => s.introducedNotAction));
  io.stderr.write(
    `minimized ${file} as ${type.toUpperCase()} (${quotas.profile}: ${formatCount(quotas[type].maxChars)} characters, ${quotas[type].maxPerTarget} per target): ` +
      `${result.statementsIn} statements -> ${result.statementsOut}, ${formatCount(charsIn)} characters -> ${formatCount(charsOut)} in ${result.policies.length} ${result.policies.length === 1 ? 'policy' : 'policies'} ` +
      `(${result.policies.map((p) => formatCount(p.chars)).join(' + ')}); ${introduced.length} wildcards introduced` +
      (notAction.length ? `; ${notAction.length} Action ${notAction.length === 1 ? 'list' : 'lists'} rewritten as NotAction (${notAction.length === 1 ? 'it denies' : 'they deny'} every action AWS adds later)` : '') +
      `; proven equivalent in ${Math.round(performance.now() - started)} ms\n`,
  );
  if (result.policies.length > quotas[type].maxPerTarget) {
    io.stderr.write(`warning: ${result.policies.length} policies exceed the ${quotas[type].maxPerTarget} that one target can hold\n`);
  }
  return EXIT_OK;
}
