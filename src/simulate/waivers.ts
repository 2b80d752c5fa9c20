/**
 * Per-scenario waivers (`simulate: { waive: [{ scenario, reason }] }`): a generated scenario whose
 * expectation does not hold for one organization is waived by its name, with a reason, instead of
 * turning every generated scenario off. A waived scenario still runs and is reported with its reason;
 * its failure does not fail simulate. A waiver that names no generated scenario is an error (with
 * did-you-mean): scenario names change when a control or the service reference does, and a stale
 * waiver must not silently waive nothing.
 */
import { closestNames, didYouMean, error, warning, type Diagnostic } from '../diagnostics/index.js';
import type { Intent, ScenarioWaiver } from '../intent/index.js';
import type { ScenarioResult } from './run.js';
import type { Scenario } from './scenario.js';

export function checkWaivers(intent: Intent, scenarios: readonly Scenario[]): Diagnostic[] {
  const generated = new Set(scenarios.filter((s) => s.origin === 'generated').map((s) => s.name));
  const tests = new Set(scenarios.filter((s) => s.origin === 'test').map((s) => s.name));
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const w of intent.simulate?.waive ?? []) {
    const at = intent.sources.locate(w as object, 'scenario') ?? intent.sources.locate(w as object);
    if (seen.has(w.scenario)) out.push(warning('duplicate-waiver', `scenario "${w.scenario}" is waived twice`, at));
    seen.add(w.scenario);
    if (generated.has(w.scenario)) continue;
    if (tests.has(w.scenario)) {
      out.push(error('waived-test', `"${w.scenario}" is a test of the intent: change its expectation instead of waiving it`, at));
      continue;
    }
    out.push(error('unknown-scenario', `no generated scenario is named "${w.scenario}"`, at, didYouMean(closestNames(w.scenario, generated)) ?? 'guardrails simulate --all prints every generated scenario by name'));
  }
  return out;
}

/** The results with each waived one marked with its waiver's reason. */
export function applyWaivers(intent: Intent, results: readonly ScenarioResult[]): ScenarioResult[] {
  const reasons = new Map<string, string>((intent.simulate?.waive ?? []).map((w: ScenarioWaiver) => [w.scenario, w.reason]));
  return results.map((r) => {
    const reason = r.scenario.origin === 'generated' ? reasons.get(r.scenario.name) : undefined;
    return reason === undefined ? r : { ...r, waived: reason };
  });
}
