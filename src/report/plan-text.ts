/**
 * The wave plan for a terminal: per wave its steps, API calls and least time at the rate limits, how
 * each policy it changes is staged (additive, push-down, in place, created, deleted) and why. Steps
 * and notes name policies, OUs and accounts of the org snapshot: each is written as terminalText.
 */
import type { Plan } from '../plan/index.js';
import { terminalText as t } from './escape.js';

export function renderPlanText(plan: Plan, onlyWave?: string): string {
  const out: string[] = [];
  for (const w of plan.waves) {
    if (onlyWave && w.name !== onlyWave) continue;
    out.push(`wave ${t(w.name)}${w.implicit ? ' (added: what no declared wave reaches)' : ''}: ${w.targets.map(t).join(', ')}; ${w.accounts.length} account${w.accounts.length === 1 ? '' : 's'} change`);
    if (!w.steps.length) out.push('  nothing to do');
    w.steps.forEach((s, i) => out.push(`  ${String(i + 1).padStart(3)}. ${t(s.text)}`));
    out.push(`  ${w.calls} API call${w.calls === 1 ? '' : 's'}, at least ${seconds(w.leastSeconds)} at Organizations' write rate limits`);
    for (const s of w.strategies) out.push(`  ${t(s.policy)}: ${s.strategy}, ${t(s.why)}`);
    for (const n of w.notes) out.push(`  note: ${t(n)}`);
    out.push('');
  }
  const tot = plan.totals;
  out.push(`${tot.waves} wave${tot.waves === 1 ? '' : 's'}, ${tot.calls} API call${tot.calls === 1 ? '' : 's'}, at least ${seconds(tot.leastSeconds)}${plan.ok ? '' : '; the plan is REFUSED (see the errors above)'}`);
  return out.join('\n') + '\n';
}

function seconds(s: number): string {
  if (s === 0) return '0 s (within the burst)';
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
