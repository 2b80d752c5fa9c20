/** Running scenarios on the local engine and judging them against their expectations. */
import { authorize, buildRequest, describe as describeDecider, type Decider, type Decision } from '../evaluate/index.js';
import { describeExpectation, type Scenario } from './scenario.js';
import type { StatementTag, World } from './world.js';

export type EngineName = 'local' | 'aws';

export interface ScenarioResult {
  scenario: Scenario;
  decision: Decision;
  engine: EngineName;
  pass: boolean;
  /** What happened, for the report: "deny by only-org-principals (RCP ... at Root/Workloads)". */
  actual: string;
  /** Why it failed, when it did. */
  failure?: string;
  /** The reason of the intent's waiver for this scenario (simulate.waive): a failure does not count. */
  waived?: string;
}

export function controlsOf(d: Decider): string[] {
  return (d.tag as StatementTag | undefined)?.controls ?? [];
}

/**
 * The engine's decision on a scenario's request. Kept per request object: generation evaluates its
 * "allow" scenarios to word them, and the run asks again for the same request.
 */
export function evaluateScenario(world: World, scenario: Scenario): Decision {
  const known = world.decisions.get(scenario.request);
  if (known) return known;
  const request = buildRequest(scenario.request, world.reference);
  const decision = authorize({
    request,
    managementAccount: world.managementAccount,
    scp: world.chain(request.principalAccount, 'scp'),
    rcp: world.chain(request.resourceAccount, 'rcp'),
    supportsRcp: (s) => world.reference.supportsRcp(s),
    allDenies: true,
  });
  world.decisions.set(scenario.request, decision);
  return decision;
}

export function judge(scenario: Scenario, decision: Decision, engine: EngineName): ScenarioResult {
  const denied = decision.decision === 'explicit-deny' || decision.decision === 'implicit-deny';
  const denyingControls = [...new Set(decision.denies.flatMap(controlsOf))];
  const actual =
    decision.decision === 'allow'
      ? 'allow'
      : decision.decision === 'error'
        ? `error: ${decision.reason}`
        : `deny${denyingControls.length ? ` by ${denyingControls.join(', ')}` : ''} (${decision.decidedBy ? describeDecider(decision.decidedBy) : decision.reason})`;
  const e = scenario.expect;
  let failure: string | undefined;
  if (decision.decision === 'error') failure = decision.reason;
  else if (e.kind === 'allow' && denied) failure = `expected allow, got ${actual}`;
  else if (e.kind === 'deny' && !denied) failure = 'expected deny, got allow';
  else if (e.kind === 'deny' && e.by && !denyingControls.includes(e.by)) failure = `expected ${e.by} to deny, ${denyingControls.length ? `denied by ${denyingControls.join(', ')}` : decision.reason}`;
  else if (e.kind === 'not-denied-by') {
    const by = decision.denies.find((d) => controlsOf(d).includes(e.control));
    if (by) failure = `expected ${describeExpectation(e)}, but ${describeDecider(by)} denies it`;
  }
  const result: ScenarioResult = { scenario, decision, engine, pass: failure === undefined, actual };
  if (failure) result.failure = failure;
  return result;
}

export function runLocal(world: World, scenarios: readonly Scenario[]): ScenarioResult[] {
  return scenarios.map((s) => judge(s, evaluateScenario(world, s), 'local'));
}
