/**
 * `guardrails simulate`: compile the intent, build the organization the engine sees, and run the
 * intent's tests and the scenarios generated from each control.
 */
import type { CompileResult } from '../compile/index.js';
import type { Diagnostic } from '../diagnostics/index.js';
import type { Intent } from '../intent/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { scenariosFromTests } from './from-tests.js';
import { generateScenarios } from './generate.js';
import { runLocal, type ScenarioResult } from './run.js';
import type { Scenario } from './scenario.js';
import { applyWaivers, checkWaivers } from './waivers.js';
import { World } from './world.js';

export interface SimulationOptions {
  /** Include the scenarios generated from the controls (default true). */
  generated?: boolean;
}

export interface Simulation {
  world: World;
  scenarios: Scenario[];
  results: ScenarioResult[];
  /** Problems with the intent's waivers (simulate.waive): an unknown scenario is an error. */
  diagnostics: Diagnostic[];
  /** Conditions of Deny statements no scenario was generated for, with why ("control: statement: why"). */
  unsimulated: string[];
}

export function buildScenarios(intent: Intent, compiled: CompileResult, reference: ReferenceIndex, options: SimulationOptions = {}): { world: World; scenarios: Scenario[]; unsimulated: string[] } {
  const world = new World(intent, intent.tree!, compiled, reference);
  const unsimulated: string[] = [];
  const scenarios = [...scenariosFromTests(intent, world), ...(options.generated === false ? [] : locatedAtControls(intent, uniqueNames(generateScenarios(world, compiled.placements, unsimulated))))];
  return { world, scenarios, unsimulated };
}

/** A generated scenario is located where its control is written: where a failure is fixed or waived. */
function locatedAtControls(intent: Intent, scenarios: Scenario[]): Scenario[] {
  const at = new Map(intent.controls.map((c) => [c.id, intent.sources.locate(c as object)]));
  for (const s of scenarios) {
    const location = s.control !== undefined ? at.get(s.control) : undefined;
    if (location && !s.location) s.location = location;
  }
  return scenarios;
}

/** A generated scenario's name is its id (waivers name it): a repeated name gets " (2)", " (3)"... */
function uniqueNames(scenarios: Scenario[]): Scenario[] {
  const seen = new Map<string, number>();
  return scenarios.map((s) => {
    const n = (seen.get(s.name) ?? 0) + 1;
    seen.set(s.name, n);
    return n === 1 ? s : { ...s, name: `${s.name} (${n})` };
  });
}

export function simulate(intent: Intent, compiled: CompileResult, reference: ReferenceIndex, options: SimulationOptions = {}): Simulation {
  const { world, scenarios, unsimulated } = buildScenarios(intent, compiled, reference, options);
  // Without the generated scenarios, waivers have nothing to name: they are checked when those run.
  const diagnostics = options.generated === false ? [] : checkWaivers(intent, scenarios);
  return { world, scenarios, results: applyWaivers(intent, runLocal(world, scenarios)), diagnostics, unsimulated };
}
