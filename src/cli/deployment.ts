/**
 * What `diff` and `plan` start from: the intent's policies, checked against out/ so that what is
 * reviewed is what gets rolled out, and the deployed state from a snapshot file or read live.
 *
 * The policies are out/'s own when out/ was compiled from the inputs read now (its manifest records
 * their digest) and checks out against the intent (src/compile/reuse-out.ts: the digest is recomputed,
 * each policy file is the one the manifest lists, and the equivalence proof holds between the intent
 * and out/): then the minimizer and packer do not run. Otherwise the intent is compiled in memory and
 * out/ must be exactly that (stale-out). `rollout`, which changes the organization, always compiles.
 */
import * as path from 'node:path';
import { error, hasErrors, type Diagnostic, type SourceLocation } from '../diagnostics/index.js';
import { compile, locateOut, readOutManifest, readOutPolicies, type CompileResult, type OutManifest } from '../compile/index.js';
import { repositoryOf, rootForNamedPath } from '../files/index.js';
import type { Intent } from '../intent/index.js';
import { OrgAccessError, organizationsClientFromEnv, readOrganization, readStateFile, type OrgState } from '../org/index.js';
import { buildDeployment, checkDeployedPolicies, treeDrift, type CompiledTreeSource, type Deployment, type TreeDrift } from '../plan/index.js';
import { displayPath, summarizeCounts } from './format.js';
import { EXIT_BAD_INPUT, UsageError, type CliIO } from './io.js';
import { reportPolicySource } from './policy-source.js';
import { openWorkspace, printDiagnostics, warningsShownByCompile, type Workspace } from './workspace.js';
import type { ReferenceLoad } from './reference-load.js';

export interface DeploymentFlags {
  cache: string;
  /** Set when the cache is the copy shipped with guardrails: its version (reference-cache.ts). */
  shippedWith?: string;
  /** The reference's load, when the command line started it (reference-load.ts). */
  referenceLoad?: ReferenceLoad;
  out: string;
  org?: string;
  live?: boolean;
  /** With --live: API calls in flight at once. */
  concurrency?: number;
  /** Errors only on stderr. */
  quiet?: boolean;
}

export interface LoadedCompile {
  ws: Workspace;
  intent: Intent;
  compiled: CompileResult;
  diagnostics: Diagnostic[];
  /** The intent's and compile's warnings, when compile wrote out/ from these inputs: not printed again. */
  shownByCompile: ReadonlySet<Diagnostic>;
}

export interface LoadedDeployment extends LoadedCompile {
  deployment: Deployment;
  /** OUs and accounts of the deployed organization that the tree compiled for lacks or places elsewhere. */
  drift: TreeDrift;
}

/** Loads everything, or prints why not and returns the exit code. */
export async function loadDeployment(files: string[], flags: DeploymentFlags, io: CliIO, command: string): Promise<LoadedDeployment | number> {
  if (flags.org && flags.live) throw new UsageError('give either --org FILE or --live, not both');
  if (!flags.org && !flags.live) throw new UsageError(`${command} needs the deployed state: --org FILE (written by guardrails org export) or --live (reads AWS Organizations)`);
  if (flags.concurrency !== undefined && !flags.live) throw new UsageError('--concurrency applies to reading AWS Organizations: give it with --live');
  const loaded = await loadCompiled(files, flags, io, command);
  if (typeof loaded === 'number') return loaded;
  const { ws } = loaded;
  const diagnostics = [...loaded.diagnostics];
  const fail = (diagnostics: Diagnostic[]) => {
    const sorted = printDiagnostics(diagnostics, ws, io, { quiet: flags.quiet });
    io.stderr.write(`${command} failed: ${summarizeCounts(sorted)}\n`);
    return EXIT_BAD_INPUT;
  };
  let state: OrgState;
  let contentAt: ReadonlyMap<string, SourceLocation> | undefined;
  if (flags.org) {
    const file = path.resolve(io.cwd, flags.org);
    const root = rootForNamedPath(flags.org, io.cwd, repositoryOf(io.cwd));
    const read = await readStateFile(file, ws.sources, root !== undefined ? { root } : {});
    if (!read.state) return fail([...diagnostics, ...read.diagnostics]);
    state = read.state;
    contentAt = read.contentAt;
  } else {
    try {
      const stop = new AbortController();
      state = (await readOrganization(organizationsClientFromEnv(io.env, { stop: stop.signal }), { source: 'AWS Organizations (live)', stop, ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}) })).state;
    } catch (e) {
      if (!(e instanceof OrgAccessError)) throw e;
      io.stderr.write(`error org-access: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
  }
  const built = deploymentOf(loaded, state, contentAt);
  diagnostics.push(...built.diagnostics);
  if (!built.deployment) return fail(diagnostics);
  return { ...loaded, deployment: built.deployment, diagnostics, drift: driftOf(loaded.intent, built.deployment, io.cwd) };
}

/** The deployed tree against the tree the policies were compiled for (the intent's, written or read from a snapshot). */
export function driftOf(intent: Intent, deployment: Deployment, cwd: string): TreeDrift {
  const s = intent.treeSource;
  const source: CompiledTreeSource = s?.kind === 'snapshot' ? { kind: 'snapshot', path: displayPath(s.file, cwd), readAt: s.readAt } : { kind: 'declared' };
  return treeDrift(intent.tree!, deployment.tree, deployment.managementAccount, source);
}

/** The deployment of a state read now, against what was compiled once: a rollout builds one per wave. */
export function deploymentOf(loaded: LoadedCompile, state: OrgState, contentAt?: ReadonlyMap<string, SourceLocation>): { deployment: Deployment | undefined; diagnostics: Diagnostic[] } {
  const diagnostics = checkDeployedPolicies(state.policies, loaded.ws.reference!.index, contentAt);
  if (hasErrors(diagnostics)) return { deployment: undefined, diagnostics };
  const built = buildDeployment({ state, policies: loaded.compiled.policies, quotas: loaded.compiled.quotas, organizationId: loaded.intent.organization.id, managementAccount: loaded.intent.organization.managementAccount, reference: loaded.ws.reference!.index, locate: (c) => loaded.intent.sources.locate(c) });
  return { deployment: built.deployment, diagnostics: [...diagnostics, ...built.diagnostics] };
}

/** The intent compiled in memory and checked against out/, or prints why not and returns the exit code. */
export async function loadCompiled(files: string[], flags: Pick<DeploymentFlags, 'cache' | 'out' | 'referenceLoad' | 'quiet'>, io: CliIO, command: string): Promise<LoadedCompile | number> {
  const ws = await openWorkspace(files, flags, io, flags.referenceLoad);
  const fail = (diagnostics: Diagnostic[]) => {
    const sorted = printDiagnostics(diagnostics, ws, io, { quiet: flags.quiet });
    io.stderr.write(`${command} failed: ${summarizeCounts(sorted)}\n`);
    return EXIT_BAD_INPUT;
  };
  if (!ws.intent || !ws.reference || hasErrors(ws.diagnostics)) return fail(ws.diagnostics);
  const located = locateOut(flags.out, io.cwd);
  if (!located.ok) return fail([...ws.diagnostics, ...located.diagnostics]);
  const outDir = located.dir;
  const diagnostics = [...ws.diagnostics];
  const outRead = { cwd: io.cwd, sources: ws.sources, diagnostics };
  const previous = await readOutManifest(outDir, outRead);
  const texts = previous ? await readOutPolicies(outDir, previous, outRead) : new Map<string, string>();
  // Compiled as `compile` would compile it now, with out/ in place: the same spellings kept; out/ taken
  // as it is when it is what that compile writes (reuse-out.ts), except by a rollout.
  const reuse = previous && command !== 'rollout' ? { out: { manifest: previous, texts } } : {};
  const compiled = compile({ intent: ws.intent, reference: ws.reference.index, referenceManifest: ws.reference.manifest, root: io.cwd, ...(previous ? { previous, previousTexts: texts } : {}), ...reuse });
  reportPolicySource(compiled, io, command === 'rollout' ? 'a rollout always compiles' : previous ? undefined : 'no out/manifest.json');
  diagnostics.push(...compiled.diagnostics);
  if (!compiled.ok) return fail(diagnostics);
  diagnostics.push(...staleOut(outDir, compiled, previous, texts));
  if (hasErrors(diagnostics)) return fail(diagnostics);

  return { ws, intent: ws.intent, compiled, diagnostics, shownByCompile: warningsShownByCompile(compiled, ws.diagnostics, compiled.diagnostics) };
}

/** out/ must hold exactly what the intent compiles to now: a diff of anything else would mislead. */
function staleOut(outDir: string, compiled: CompileResult, previous: OutManifest | undefined, texts: ReadonlyMap<string, string>): Diagnostic[] {
  const hint = 'run guardrails compile, and commit out/ with the intent';
  if (!previous) return [error('no-out', `${outDir} holds no compiled policies (no manifest.json that can be read)`, undefined, hint)];
  const stale: string[] = [];
  for (const p of compiled.policies) if (texts.get(p.name) !== p.fileText) stale.push(p.file);
  const names = new Set(compiled.policies.map((p) => p.name));
  for (const p of previous.policies) if (!names.has(p.name)) stale.push(p.file);
  if (previous.reference.snapshotId !== compiled.manifest?.reference.snapshotId) stale.push('manifest.json (another service-reference snapshot)');
  return stale.length ? [error('stale-out', `out/ does not match the intent: ${stale.join(', ')}`, undefined, hint)] : [];
}

/** Tree drift as one error, for a command that must stop on it (a forward rollout). */
export function treeDriftError(drift: TreeDrift): Diagnostic {
  const shown = drift.entries.slice(0, 5).map((e) => `${e.kind === 'ou' ? 'OU' : 'account'} ${e.id} (${e.name}) ${e.change === 'new' ? `under ${e.parent}, not in the tree` : `under ${e.parent}, compiled under ${e.compiledParent}`}`);
  const more = drift.entries.length > shown.length ? `, and ${drift.entries.length - shown.length} more` : '';
  // The fix is in the message: a refused rollout reports messages only.
  return error('tree-drift', `the organization is not ${drift.compiledFor}: ${shown.join('; ')}${more}; to fix: ${drift.fix.join('; then ')} (guardrails diff lists every one)`, undefined);
}
