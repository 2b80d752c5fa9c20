/**
 * `--access-analyzer` of validate and compile: the compiled policies cross-checked with IAM Access
 * Analyzer's ValidatePolicy (src/access-analyzer/), its findings returned as diagnostics located in the
 * intent, so that every output (text, JSON, SARIF, annotations) shows them as it shows any other. A
 * check that cannot be made is one error diagnostic (`access-analyzer-failed`): the run fails, never
 * passes silently unchecked. The SDK's client is loaded only when the flag is given.
 */
import { error, type Diagnostic } from '../diagnostics/index.js';
import type { CompiledPolicy } from '../compile/index.js';
import type { Intent } from '../intent/index.js';
import type { CliIO } from './io.js';

export interface AccessAnalyzerOutcome {
  diagnostics: Diagnostic[];
  /** One line for people: what was validated where, and what came of it. */
  summary: string;
}

export async function accessAnalyzerCrossCheck(policies: readonly CompiledPolicy[], intent: Intent, io: CliIO, file?: (policy: CompiledPolicy) => string): Promise<AccessAnalyzerOutcome> {
  const { crossCheck, AccessAnalyzerError } = await import('../access-analyzer/index.js');
  try {
    const r = await crossCheck({ policies, intent, env: io.env, ...(file ? { file } : {}) });
    const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
    const warnings = r.diagnostics.length - errors;
    const counts = r.findings === 0 ? 'no findings' : `${r.findings} finding${r.findings === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'})`;
    return { diagnostics: r.diagnostics, summary: `IAM Access Analyzer (${r.region}) validated ${policies.length} ${policies.length === 1 ? 'policy' : 'policies'} (${r.scp} SCP${r.scp === 1 ? '' : 's'}, ${r.rcp} RCP${r.rcp === 1 ? '' : 's'}): ${counts}` };
  } catch (e) {
    if (!(e instanceof AccessAnalyzerError)) throw e;
    return { diagnostics: [error('access-analyzer-failed', e.message)], summary: 'IAM Access Analyzer: the cross-check could not be made' };
  }
}
