import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { compile, readOutManifest, readOutPolicies, type CompileResult, type OutManifest } from '../compile/index.js';
import { findIntentFiles, loadIntent } from '../intent/index.js';
import { notify, type CompiledOut } from '../notify/index.js';
import { CacheError, CacheStore, loadSnapshot, type LoadedSnapshot } from '../reference/index.js';
import { NOTIFY_FORMATS, renderNotify, TemplateError, type NotifyFormat } from '../report/index.js';
import { EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, UsageError, type CliIO } from './io.js';

export interface NotifyFlags {
  from?: string;
  to?: string;
  cache: string;
  out: string;
  format: string;
  template?: string;
  json?: boolean;
}

/**
 * `guardrails notify`: what AWS changed between two service-reference snapshots (by default the two
 * newest in the cache) and which guardrails it touches. Exit 1 when one is touched, so that a scheduled
 * job can open an issue; 0 when nothing is; 2 on bad input.
 */
export async function runNotify(flags: NotifyFlags, io: CliIO): Promise<number> {
  const format = (flags.json ? 'json' : flags.format) as NotifyFormat;
  if (!NOTIFY_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${NOTIFY_FORMATS.join(', ')}, not "${flags.format}"`);
  const cache = path.resolve(io.cwd, flags.cache);
  let template: { file: string; text: string } | undefined;
  if (flags.template) {
    const file = path.resolve(io.cwd, flags.template);
    try {
      template = { file: flags.template, text: await fs.readFile(file, 'utf8') };
    } catch (e) {
      io.stderr.write(`error unreadable-file: cannot read the template ${flags.template} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
      return EXIT_BAD_INPUT;
    }
  }

  let from: LoadedSnapshot;
  let to: LoadedSnapshot;
  try {
    const fromSpec = flags.from ?? (await previousSnapshot(cache, flags.to));
    if (!fromSpec) {
      const current = await new CacheStore(cache).readManifest();
      const what = current ? `snapshot ${current.snapshotId} (${current.totals.services} services, ${current.totals.actions} actions, synced ${current.syncedAt})` : 'nothing yet';
      const message = `first run: the cache holds ${what} and no earlier snapshot to compare it with. It is the baseline; the next guardrails sync will be compared against it. Nothing is announced as new.`;
      if (format === 'json') io.stdout.write(JSON.stringify({ firstRun: true, message, baseline: current ? { snapshotId: current.snapshotId, services: current.totals.services, actions: current.totals.actions, syncedAt: current.syncedAt } : null }, null, 2) + '\n');
      else io.stdout.write(`${message}\n`);
      return EXIT_OK;
    }
    from = await loadSnapshot(resolveSpec(fromSpec, io.cwd), cache);
    to = await loadSnapshot(resolveSpec(flags.to ?? 'current', io.cwd), cache);
  } catch (e) {
    if (!(e instanceof CacheError)) throw e;
    io.stderr.write(`error no-snapshot: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }

  const out = await readOut(path.resolve(io.cwd, flags.out));
  const recompiled = await recompile(io.cwd, to, out?.manifest);
  const result = notify(from, to, out, recompiled);
  try {
    io.stdout.write(renderNotify(result, format, template));
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    io.stderr.write(`error template: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  return result.touched ? EXIT_FINDINGS : EXIT_OK;
}

/** The snapshot before `to` in the cache's history (before the current one by default). */
async function previousSnapshot(cache: string, to: string | undefined): Promise<string | undefined> {
  const m = await new CacheStore(cache).readManifest();
  if (!m) return undefined;
  const history = m.history;
  const at = to && to !== 'current' ? history.findIndex((h) => h.snapshotId.startsWith(to)) : history.length - 1;
  return at > 0 ? history[at - 1]!.snapshotId : undefined;
}

/** A path-like spec is a directory laid out like the endpoint; anything else a snapshot id in the cache. */
function resolveSpec(spec: string, cwd: string): string {
  return spec.includes('/') || spec.startsWith('.') ? path.resolve(cwd, spec) : spec;
}

async function readOut(outDir: string): Promise<CompiledOut | undefined> {
  const manifest = await readOutManifest(outDir);
  return manifest ? { manifest, texts: await readOutPolicies(outDir, manifest) } : undefined;
}

/** The intent compiled against the newer snapshot, when the repository has one: what the next compile does. */
async function recompile(cwd: string, to: LoadedSnapshot, previous: OutManifest | undefined): Promise<CompileResult | undefined> {
  const files = await findIntentFiles(cwd);
  if (!files.length) return undefined;
  const { intent } = await loadIntent(files);
  if (!intent) return undefined;
  return compile({ intent, reference: to.index, referenceManifest: to.manifest, root: cwd, ...(previous ? { previous } : {}) });
}
