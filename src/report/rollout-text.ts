/**
 * The report of a rollout run, as text: per wave the calls, retries by error class, time against the
 * least time at the rate limits, verification, bake and signals; then how the run ended and why.
 */
import type { RolloutReport } from '../rollout/run.js';

export function renderRolloutReport(r: RolloutReport): string {
  const lines: string[] = [];
  lines.push(`rollout ${r.run}: ${headline(r)}`);
  if (r.caller) lines.push(`  as ${r.caller.arn} (account ${r.caller.account})`);
  for (const f of r.findings.slice(0, 20)) lines.push(`  - ${f}`);
  if (r.findings.length > 20) lines.push(`  - and ${r.findings.length - 20} more`);
  for (const w of r.waves) {
    const retries = Object.entries(w.retries).map(([code, n]) => `${n} ${code}`).join(', ');
    lines.push('');
    if (w.skipped) {
      lines.push(`wave ${w.name}: nothing to do (done before, or not touched by this change)`);
      continue;
    }
    lines.push(`wave ${w.name}: ${w.calls} call(s) in ${(w.ms / 1000).toFixed(1)} s (least ${w.leastSeconds.toFixed(1)} s at the rate limits)${retries ? `; retried: ${retries}` : ''}${w.replans ? `; planned again ${w.replans} time(s) after a halt` : ''}`);
    if (w.verification) lines.push(`  verification: ${w.verification.ok ? 'the targets hold what the wave should leave' : 'FAILED'} (${w.verification.polls} read(s), ${(w.verification.ms / 1000).toFixed(1)} s)`);
    for (const d of w.verification?.differences.slice(0, 10) ?? []) lines.push(`    ${d}`);
    for (const p of w.propagation ?? []) lines.push(`  canary ${p.principal}: ${p.ok ? `the change showed in IAM's view after ${((p.propagationMs ?? 0) / 1000).toFixed(0)} s` : `FAILED: ${p.detail}`}`);
    if (w.bake) lines.push(`  bake: ${w.bake.ok ? 'passed' : 'HALTED'} after ${(w.bake.ms / 1000).toFixed(0)} s, ${w.bake.checks} round(s) of signals`);
    const failed = w.signals.filter((s) => !s.ok);
    for (const s of failed.slice(0, 10)) lines.push(`    ${s.signal}: ${s.detail}`);
  }
  if (r.reason) lines.push('', r.reason);
  return `${lines.join('\n')}\n`;
}

function headline(r: RolloutReport): string {
  switch (r.result) {
    case 'done':
      return r.waves.some((w) => !w.skipped) ? `done: ${r.waves.filter((w) => !w.skipped).length} wave(s) applied, verified and baked` : 'done: nothing to do';
    case 'stopped':
      return 'stopped as asked (resume with --resume)';
    case 'halted':
      return 'HALTED (exit 1)';
    case 'refused':
      return 'refused before any write (exit 2)';
    case 'interrupted':
      return 'interrupted (exit 3)';
  }
}
