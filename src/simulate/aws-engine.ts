/** Placeholder replaced in the next step: the IAM policy simulator backend. */
import type { ScenarioResult } from './run.js';
import type { Scenario } from './scenario.js';
import type { World } from './world.js';

export async function runWithAws(_world: World, _scenarios: Scenario[], local: ScenarioResult[], _options: { env: NodeJS.ProcessEnv }): Promise<ScenarioResult[]> {
  return local;
}
