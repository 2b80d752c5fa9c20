/**
 * What `guardrails notify` compares, resolved from its flags: the two snapshots, out/ with the snapshot
 * it was compiled against, and the intent compiled again against the newer snapshot. Every outcome is
 * a value: a result, a statement (first run, nothing new), or an error for bad input.
 *
 * The default --from is the snapshot out/ was compiled against: the guardrails as deployed know
 * everything up to it, so what is new to them is what came after. The weekly job then reports a given
 * change until someone compiles against the new snapshot, and stops once they have (out/ pinned to
 * --to: nothing new for these guardrails), instead of announcing the same findings forever or taking
 * the wildcards that a compile against the newer snapshot wrote on purpose for drift. Without out/
 * (or when the cache no longer holds its snapshot), the previous snapshot in the cache's history.
 */
import type { Diagnostic } from '../diagnostics/index.js';
import { compile, readOutManifest, readOutPolicies, type CompileResult, type OutManifest } from '../compile/index.js';
import { loadIntent } from '../intent/index.js';
import { CacheError, CacheStore, loadSnapshot, ShapeError, type CacheManifest, type LoadedSnapshot } from '../reference/index.js';
import type { CompiledOut } from './impact.js';
import { notify, refOf, type NotifyResult, type SnapshotRef } from './notify.js';
import { describeSnapshotDate } from '../reference/index.js';

export interface NotifyRequest {
  /** A snapshot id (or unambiguous prefix) in the cache, or a directory laid out like the endpoint. */
  from?: string;
  /** Likewise; default: the current snapshot of the cache. */
  to?: string;
  cacheDir: string;
  /** The installed package's prebuilt indexes (reference/prebuilt-index.ts), for the snapshots it ships. */
  prebuilt?: string;
  outDir: string;
  /** Where the intent is found, and what relative directories are resolved against. */
  cwd: string;
}

export type NotifyOutcome =
  | { kind: 'result'; result: NotifyResult }
  /** No earlier snapshot to compare --to with: it is the baseline, nothing is announced as new. */
  | { kind: 'first-run'; message: string; baseline: SnapshotRef }
  /** out/ was compiled against --to itself: nothing in it is new to these guardrails. */
  | { kind: 'up-to-date'; message: string; snapshot: SnapshotRef }
  | { kind: 'error'; code: string; message: string };

/** The outcome, with the warnings met on the way (an out/ manifest read as none, and why). */
export type NotifyRun = NotifyOutcome & { warnings: Diagnostic[] };

export async function runNotification(req: NotifyRequest): Promise<NotifyRun> {
  const warnings: Diagnostic[] = [];
  const outcome = await decide(req, warnings);
  return { ...outcome, warnings };
}

async function decide(req: NotifyRequest, warnings: Diagnostic[]): Promise<NotifyOutcome> {
  const cache = await readCacheManifest(req.cacheDir);
  if (!cache.ok) return { kind: 'error', code: 'no-snapshot', message: cache.message };
  const to = await loadSpec(req.to ?? 'current', req.to !== undefined ? '--to' : undefined, req);
  if (!to.ok) return { kind: 'error', code: 'no-snapshot', message: to.message };
  const outRead = await readOut(req.outDir, req.cwd);
  // An out/ that may not be read (a committed symlink leading out) is the pull request's doing: say so
  // instead of analysing as if there were no guardrails.
  const refused = outRead.diagnostics.find((d) => d.severity === 'error');
  if (refused) return { kind: 'error', code: refused.code, message: refused.hint ? `${refused.message} (${refused.hint})` : refused.message };
  const out = outRead.out;
  const pinned = out?.manifest.reference.snapshotId;
  const holds = (id: string) => cache.manifest !== undefined && (cache.manifest.snapshotId === id || cache.manifest.history.some((h) => h.snapshotId === id));
  warnings.push(...outRead.diagnostics);
  const notes: string[] = [];
  const toId = to.snapshot.manifest.snapshotId;

  let from: LoadedSnapshot;
  if (req.from !== undefined) {
    const loaded = await loadSpec(req.from, '--from', req);
    if (!loaded.ok) return { kind: 'error', code: 'no-snapshot', message: loaded.message };
    from = loaded.snapshot;
  } else if (pinned !== undefined && pinned === toId) {
    return {
      kind: 'up-to-date',
      snapshot: refOf(to.snapshot),
      message: `nothing new for these guardrails: out/ was compiled against snapshot ${toId} (${describe(to.snapshot)}), the one compared to. A change is reported once guardrails sync brings a newer snapshot; --from compares with an older one.`,
    };
  } else if (pinned !== undefined && holds(pinned)) {
    const loaded = await loadSpec(pinned, 'the snapshot out/ was compiled against,', req);
    if (!loaded.ok) return { kind: 'error', code: 'no-snapshot', message: loaded.message };
    from = loaded.snapshot;
    notes.push(`compared with ${pinned}, the snapshot out/ was compiled against`);
  } else {
    const previous = previousSnapshot(cache.manifest, toId);
    if (!previous) {
      const message =
        cache.manifest?.snapshotId === toId
          ? `first run: the cache holds snapshot ${toId} (${describe(to.snapshot)}) and no earlier snapshot to compare it with. It is the baseline; the next guardrails sync will be compared against it. Nothing is announced as new.`
          : `first run: no snapshot earlier than ${toId} (${describe(to.snapshot)}) to compare it with${cache.manifest ? '' : ' (no service reference cache yet)'}. It is the baseline; nothing is announced as new.`;
      return { kind: 'first-run', message, baseline: refOf(to.snapshot) };
    }
    const loaded = await loadSpec(previous, 'the previous snapshot,', req);
    if (!loaded.ok) return { kind: 'error', code: 'no-snapshot', message: loaded.message };
    from = loaded.snapshot;
    notes.push(`compared with ${previous}, the snapshot before it in the cache's history${pinned ? ` (out/ was compiled against ${pinned}, which the cache does not hold)` : ''}`);
  }

  // The impact on out/ is measured from the snapshot it was compiled against, whatever --from is.
  let outBaseline: LoadedSnapshot | undefined;
  const fromId = from.manifest.snapshotId;
  if (pinned !== undefined && pinned !== fromId) {
    if (pinned === toId) outBaseline = to.snapshot;
    else if (holds(pinned)) {
      const loaded = await loadSpec(pinned, undefined, req);
      if (loaded.ok) outBaseline = loaded.snapshot;
    }
    notes.push(
      outBaseline
        ? `the impact on out/ is measured from ${pinned}, the snapshot out/ was compiled against: a wildcard of out/ "now also" captures only actions that snapshot did not have`
        : `out/ was compiled against ${pinned}, which the cache does not hold: the impact on out/ is analysed relative to ${fromId} instead`,
    );
  }

  const recompiled = await recompile(req.cwd, to.snapshot, out);
  return { kind: 'result', result: notify(from, to.snapshot, out, recompiled, { ...(outBaseline ? { outBaseline } : {}), notes }) };
}

/** The snapshot before `id` in the cache's history; the cache's current one when `id` is not in it (a directory). */
function previousSnapshot(m: CacheManifest | undefined, id: string): string | undefined {
  if (!m) return undefined;
  const at = m.history.findIndex((h) => h.snapshotId === id);
  if (at > 0) return m.history[at - 1]!.snapshotId;
  if (at === 0) return undefined;
  return m.snapshotId !== id ? m.snapshotId : undefined;
}

function describe(s: LoadedSnapshot): string {
  return `${s.manifest.totals.services} services, ${s.manifest.totals.actions} actions, ${describeSnapshotDate(refOf(s).date)}`;
}

type Loaded = { ok: true; snapshot: LoadedSnapshot } | { ok: false; message: string };

async function loadSpec(spec: string, label: string | undefined, req: NotifyRequest): Promise<Loaded> {
  try {
    return { ok: true, snapshot: await loadSnapshot(spec, req.cacheDir, req.cwd, req.prebuilt !== undefined ? { prebuilt: req.prebuilt } : {}) };
  } catch (e) {
    if (e instanceof CacheError || e instanceof ShapeError) return { ok: false, message: `${label ? `${label} ${spec}: ` : ''}${e.message}` };
    throw e;
  }
}

async function readCacheManifest(dir: string): Promise<{ ok: true; manifest: CacheManifest | undefined } | { ok: false; message: string }> {
  try {
    return { ok: true, manifest: await new CacheStore(dir).readManifest() };
  } catch (e) {
    if (e instanceof CacheError) return { ok: false, message: e.message };
    throw e;
  }
}

/** out/ and why any of it was read as none (a location refused is an error, a manifest ignored a warning). */
async function readOut(outDir: string, cwd: string): Promise<{ out: CompiledOut | undefined; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const manifest = await readOutManifest(outDir, { cwd, diagnostics });
  const out = manifest ? { manifest, texts: await readOutPolicies(outDir, manifest, { cwd, diagnostics }) } : undefined;
  return { out, diagnostics };
}

/** The intent compiled against the newer snapshot, when the repository has one: what the next compile does. */
async function recompile(cwd: string, to: LoadedSnapshot, previous: CompiledOut | undefined): Promise<CompileResult | undefined> {
  const { intent, files } = await loadIntent({ cwd });
  if (!files.length || !intent) return undefined;
  return compile({ intent, reference: to.index, referenceManifest: to.manifest, root: cwd, ...(previous ? { previous: previous.manifest, previousTexts: previous.texts } : {}) });
}
