import * as fs from 'node:fs';
import * as path from 'node:path';
import { inertLine } from '../diagnostics/index.js';
import { errnoReason } from '../files/errno.js';
import { isInside, realOrResolved, repositoryOf, rootForNamedPath } from '../files/index.js';
import { intentDigest, outDigest, planFile, planRollout, wavesOf, writePlanFile, type Deployment } from '../plan/index.js';
// The renderers plan uses, not the report folder's index: that loads notify's template engine too.
import { renderPlanText } from '../report/plan-text.js';
import { renderTreeDriftText } from '../report/tree-drift-text.js';
import { displayPath, summarizeCounts } from './format.js';
import { loadDeployment, type DeploymentFlags, type LoadedCompile } from './deployment.js';
import { EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, UsageError, type CliIO } from './io.js';
import { printDiagnostics } from './workspace.js';
import { writeJson } from './json-output.js';

export interface PlanFlags extends DeploymentFlags {
  wave?: string;
  json?: boolean;
  /** Write the whole plan as JSON to this file (what `rollout --plan` applies). */
  save?: string;
}

/**
 * `guardrails plan`: the staged rollout, wave by wave; exit 2 when an invariant would break, 1 when the
 * organization has drifted from the tree the policies were compiled for (the plan is shown, never saved).
 */
export async function runPlan(files: string[], flags: PlanFlags, io: CliIO): Promise<number> {
  const saveTo = flags.save === undefined ? undefined : path.resolve(io.cwd, flags.save);
  if (flags.save !== undefined && saveTo) {
    // Checked before anything is read: a file named inside the repository must be written inside it,
    // whatever a committed symlink on its way says (rootForNamedPath).
    const root = rootForNamedPath(flags.save, io.cwd, repositoryOf(io.cwd));
    const dir = realOrResolved(path.dirname(saveTo));
    if (root !== undefined && !isInside(root, dir)) {
      io.stderr.write(`error plan-save-outside-repository: ${inertLine(saveTo)} is in ${inertLine(dir)}, outside the repository ${root}; a path in the repository must not lead out of it\n`);
      return EXIT_BAD_INPUT;
    }
  }
  const loaded = await loadDeployment(files, flags, io, 'plan');
  if (typeof loaded === 'number') return loaded;
  const { waves, diagnostics } = wavesOf(loaded.intent, loaded.deployment.tree);
  const declared = loaded.intent.waves.map((w) => w.name);
  if (flags.wave && !declared.includes(flags.wave) && !['rest', 'all'].includes(flags.wave)) {
    throw new UsageError(`no wave named "${flags.wave}"; the intent declares ${declared.join(', ') || 'none'}`);
  }
  const all = [...loaded.diagnostics, ...diagnostics];
  if (diagnostics.some((d) => d.severity === 'error')) {
    const sorted = printDiagnostics(all, loaded.ws, io, { quiet: flags.quiet, shownByCompile: loaded.shownByCompile });
    io.stderr.write(`plan failed: ${summarizeCounts(sorted)}\n`);
    return EXIT_BAD_INPUT;
  }
  const plan = planRollout(loaded.deployment, waves);
  // "rest" (or "all", without declared waves) exists only when the planner added it to this plan; a plan
  // refused before its first wave says why instead.
  if (flags.wave && !declared.includes(flags.wave) && !plan.waves.some((w) => w.name === flags.wave) && (plan.ok || plan.waves.length)) {
    throw new UsageError(`no wave named "${flags.wave}" in this plan; the intent declares ${declared.join(', ') || 'none'}, and the planner adds "${declared.length ? 'rest' : 'all'}" only when ${declared.length ? 'they do not reach' : 'there is'} something the change affects`);
  }
  const sorted = printDiagnostics([...all, ...plan.diagnostics], loaded.ws, io, { quiet: flags.quiet, shownByCompile: loaded.shownByCompile });
  const file = planFile(plan, loaded.deployment, planDigestsOf(loaded, loaded.deployment, io.cwd));
  const drifted = loaded.drift.entries.length > 0;
  const shown = flags.wave ? { ...file, waves: file.waves.filter((w) => w.name === flags.wave) } : file;
  if (flags.json) writeJson(io, drifted ? { ...shown, treeDrift: loaded.drift } : shown);
  else io.stdout.write(renderTreeDriftText(loaded.drift).map((l) => l + '\n').join('') + renderPlanText(plan, flags.wave));
  if (saveTo) {
    // A refused plan is never saved: a rollout must not be able to apply it.
    if (!plan.ok) io.stderr.write(`plan not saved to ${displayPath(saveTo, io.cwd)}: it is refused\n`);
    // Nor one placed for a tree that is not the organization's: accounts outside it would stay uncovered.
    else if (drifted) io.stderr.write(`plan not saved to ${displayPath(saveTo, io.cwd)}: the organization has drifted from the tree it was compiled for\n`);
    else {
      try {
        await writePlanFile(saveTo, file);
      } catch (e) {
        io.stderr.write(`error plan-not-saved: cannot write ${inertLine(saveTo)}: ${errnoReason(e)}\n`);
        return EXIT_BAD_INPUT;
      }
      io.stderr.write(`plan saved to ${displayPath(saveTo, io.cwd)} (${file.totals.calls} API calls in ${file.totals.waves} waves; apply it with guardrails rollout --plan)\n`);
    }
  }
  if (!plan.ok) {
    io.stderr.write(`plan refused: ${summarizeCounts(sorted)}\n`);
    return EXIT_BAD_INPUT;
  }
  if (drifted) {
    io.stderr.write(`plan found drift: the organization is not ${inertLine(loaded.drift.compiledFor)} (${loaded.drift.entries.length} listed above); fix the tree, compile, then plan again\n`);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}

/**
 * The digests of out/ (the compiled policies, as placed in the deployed tree) and of the intent files
 * (their bytes as read, in load order) that a plan file carries: a rollout computes them the same way to
 * tell a stale saved plan.
 */
export function planDigestsOf(loaded: LoadedCompile, deployment: Deployment, cwd: string): { outDigest: string; intentDigest: string } {
  return {
    outDigest: outDigest(deployment.desired),
    intentDigest: intentDigest(loaded.intent.files.map((f) => loaded.ws.sources.text(f) ?? fs.readFileSync(path.resolve(cwd, f)))),
  };
}
