/**
 * `guardrails simulate`: compile the intent, build the organization the engine sees, and run the
 * intent's tests and the scenarios generated from each control.
 */
import type { CompileResult } from '../compile/index.js';
import type { Intent } from '../intent/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { scenariosFromTests } from './from-tests.js';
import { generateScenarios } from './generate.js';
import { runLocal, type ScenarioResult } from './run.js';
import type { Scenario } from './scenario.js';
import { World } from './world.js';

export interface SimulationOptions {
  /** Include the scenarios generated from the controls (default true). */
  generated?: boolean;
}

export interface Simulation {
  world: World;
  scenarios: Scenario[];
  results: ScenarioResult[];
}

export function buildScenarios(intent: Intent, compiled: CompileResult, reference: ReferenceIndex, options: SimulationOptions = {}): { world: World; scenarios: Scenario[] } {
  const world = new World(intent, intent.tree!, compiled, reference);
  const scenarios = [...scenariosFromTests(intent, world), ...(options.generated === false ? [] : generateScenarios(world, compiled.placements))];
  return { world, scenarios };
}

export function simulate(intent: Intent, compiled: CompileResult, reference: ReferenceIndex, options: SimulationOptions = {}): Simulation {
  const { world, scenarios } = buildScenarios(intent, compiled, reference, options);
  return { world, scenarios, results: runLocal(world, scenarios) };
}
