import { buildDiffReport, partnerAccountsOf } from '../plan/index.js';
import { renderDiffMarkdown, renderDiffText } from '../report/index.js';
import { loadDeployment, type DeploymentFlags } from './deployment.js';
import { EXIT_FINDINGS, EXIT_OK, UsageError, type CliIO } from './io.js';
import { printDiagnostics } from './workspace.js';
import { writeJson } from './json-output.js';

export interface DiffFlags extends DeploymentFlags {
  markdown?: boolean;
  json?: boolean;
}

/**
 * `guardrails diff`: compiled vs deployed, textual and semantic. A diff is not a failure (exit 0); tree
 * drift is (exit 1): the policies were placed for an organization that is not the one in AWS.
 */
export async function runDiff(files: string[], flags: DiffFlags, io: CliIO): Promise<number> {
  if (flags.markdown && flags.json) throw new UsageError('give either --markdown or --json');
  const loaded = await loadDeployment(files, flags, io, 'diff');
  if (typeof loaded === 'number') return loaded;
  const report = buildDiffReport(loaded.deployment, loaded.ws.reference!.index, { partnerAccounts: partnerAccountsOf(loaded.intent) }, loaded.drift);
  printDiagnostics([...loaded.diagnostics, ...report.warnings], loaded.ws, io, { quiet: flags.quiet, shownByCompile: loaded.shownByCompile });
  if (flags.json) writeJson(io, report);
  else if (flags.markdown) io.stdout.write(renderDiffMarkdown(report));
  else io.stdout.write(renderDiffText(report));
  return report.treeDrift.entries.length ? EXIT_FINDINGS : EXIT_OK;
}
