import { planRollout, wavesOf } from '../plan/index.js';
import { renderPlanText } from '../report/index.js';
import { summarizeCounts } from './format.js';
import { loadDeployment, type DeploymentFlags } from './deployment.js';
import { EXIT_BAD_INPUT, EXIT_OK, UsageError, type CliIO } from './io.js';
import { printDiagnostics } from './workspace.js';

export interface PlanFlags extends DeploymentFlags {
  wave?: string;
  json?: boolean;
}

/** `guardrails plan`: the staged rollout, wave by wave; exit 2 when an invariant would break. */
export async function runPlan(files: string[], flags: PlanFlags, io: CliIO): Promise<number> {
  const loaded = await loadDeployment(files, flags, io, 'plan');
  if (typeof loaded === 'number') return loaded;
  const { waves, diagnostics } = wavesOf(loaded.intent, loaded.deployment.tree);
  const declared = loaded.intent.waves.map((w) => w.name);
  if (flags.wave && !declared.includes(flags.wave) && !['rest', 'all'].includes(flags.wave)) {
    throw new UsageError(`no wave named "${flags.wave}"; the intent declares ${declared.join(', ') || 'none'}`);
  }
  const all = [...loaded.diagnostics, ...diagnostics];
  if (diagnostics.some((d) => d.severity === 'error')) {
    const sorted = printDiagnostics(all, loaded.ws, io);
    io.stderr.write(`plan failed: ${summarizeCounts(sorted)}\n`);
    return EXIT_BAD_INPUT;
  }
  const plan = planRollout(loaded.deployment, waves);
  // "rest" (or "all", without declared waves) exists only when the planner added it to this plan; a plan
  // refused before its first wave says why instead.
  if (flags.wave && !declared.includes(flags.wave) && !plan.waves.some((w) => w.name === flags.wave) && (plan.ok || plan.waves.length)) {
    throw new UsageError(`no wave named "${flags.wave}" in this plan; the intent declares ${declared.join(', ') || 'none'}, and the planner adds "${declared.length ? 'rest' : 'all'}" only when ${declared.length ? 'they do not reach' : 'there is'} something the change affects`);
  }
  const sorted = printDiagnostics([...all, ...plan.diagnostics], loaded.ws, io);
  if (flags.json) {
    const shown = flags.wave ? plan.waves.filter((w) => w.name === flags.wave) : plan.waves;
    io.stdout.write(JSON.stringify({ ok: plan.ok, organization: loaded.deployment.state.organization, deployed: { source: loaded.deployment.state.source, readAt: loaded.deployment.state.readAt }, quotas: loaded.deployment.quotas, waves: shown, totals: plan.totals, violations: plan.violations }, null, 2) + '\n');
  } else io.stdout.write(renderPlanText(plan, flags.wave));
  if (!plan.ok) {
    io.stderr.write(`plan refused: ${summarizeCounts(sorted)}\n`);
    return EXIT_BAD_INPUT;
  }
  return EXIT_OK;
}
