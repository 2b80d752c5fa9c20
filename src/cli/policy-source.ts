/**
 * Where the policies simulate, diff and plan work on come from: out/ as compiled, when its input
 * digest matches and it checks out against the intent (src/compile/reuse-out.ts), or a compile in
 * memory. GUARDRAILS_VERBOSE makes them say which, and why, on stderr.
 */
import { SourceIndex } from '../diagnostics/index.js';
import { locateOut, readOutManifest, readOutPolicies, type CompileResult, type OutAsRead } from '../compile/index.js';
import { envFlag, type CliIO } from './io.js';

/** `because` names why out/ was not offered at all (no manifest, a rollout). */
export function reportPolicySource(compiled: CompileResult, io: CliIO, because?: string): void {
  if (!envFlag(io.env.GUARDRAILS_VERBOSE) || !compiled.ok) return;
  if (compiled.reusedOut) io.stderr.write('policies: out/ as compiled (its input digest matches and it checks out against the intent; nothing packed)\n');
  else io.stderr.write(`policies: compiled in memory (${because ?? compiled.outNotReused ?? 'out/ not used'})\n`);
}

/**
 * out/ as read, for a command that may take it but does not need it (simulate): whatever keeps it from
 * being read (none there, outside the repository, not a manifest) only means compiling in memory.
 */
export async function readOutIfAny(out: string, cwd: string): Promise<OutAsRead | undefined> {
  const located = locateOut(out, cwd);
  if (!located.ok) return undefined;
  const options = { cwd, sources: new SourceIndex(), diagnostics: [] };
  const manifest = await readOutManifest(located.dir, options);
  if (!manifest?.inputs) return undefined;
  return { manifest, texts: await readOutPolicies(located.dir, manifest, options) };
}
