import { buildDiffReport, partnerAccountsOf } from '../plan/index.js';
import { renderDiffMarkdown, renderDiffText } from '../report/index.js';
import { loadDeployment, type DeploymentFlags } from './deployment.js';
import { EXIT_OK, UsageError, type CliIO } from './io.js';
import { printDiagnostics } from './workspace.js';

export interface DiffFlags extends DeploymentFlags {
  markdown?: boolean;
  json?: boolean;
}

/** `guardrails diff`: compiled vs deployed, textual and semantic. Exit 0 either way: a diff is not a failure. */
export async function runDiff(files: string[], flags: DiffFlags, io: CliIO): Promise<number> {
  if (flags.markdown && flags.json) throw new UsageError('give either --markdown or --json');
  const loaded = await loadDeployment(files, flags, io, 'diff');
  if (typeof loaded === 'number') return loaded;
  const report = buildDiffReport(loaded.deployment, loaded.ws.reference!.index, { partnerAccounts: partnerAccountsOf(loaded.intent) });
  printDiagnostics([...loaded.diagnostics, ...report.warnings], loaded.ws, io);
  if (flags.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else if (flags.markdown) io.stdout.write(renderDiffMarkdown(report));
  else io.stdout.write(renderDiffText(report));
  return EXIT_OK;
}
