/**
 * Scenarios generated from each control: what it must deny and what it must let through, on a
 * representative account of its scope and sample actions found in the service reference.
 *
 * Every request names a Region (aws:RequestedRegion), one the intent's region-deny controls allow for
 * the account when there are any. Where the mission says a request is allowed (an organization
 * principal and an AWS service principal inside the perimeter, a partner on a tagged resource, S3 over
 * the minimum TLS version, an approved Bedrock model directly and through a cross-Region inference
 * profile, a control's excepted principal), the scenario expects a real end-to-end allow through
 * every SCP and RCP level, unless another control of the intent denies that request: then, like the
 * other "let through" scenarios, it only claims that this control does not deny.
 */
import type { ControlPlacement } from '../compile/index.js';
import { bedrockModelAllowlistScenarios } from './generate/bedrock-model-allowlist.js';
import { conditionalDenyScenarios } from './generate/conditional-denies.js';
import { denyActionsScenarios } from './generate/deny-actions.js';
import { Generator } from './generate/generator.js';
import { identityPerimeterScenarios, outsiderOnExcludedAccountScenarios } from './generate/identity-perimeter.js';
import { partnerTagExceptionScenarios } from './generate/partner-tag-exception.js';
import { regionDenyScenarios } from './generate/region-deny.js';
import { RegionLimits } from './generate/region-limits.js';
import { tlsMinimumScenarios } from './generate/tls-minimum.js';
import type { Scenario } from './scenario.js';
import type { World } from './world.js';

export { geographyOf } from './generate/geographies.js';
export { allowedRegion, inferenceRoutes, type InferenceRoutes } from './generate/region-limits.js';
export { OUTSIDE_ACCOUNT, OUTSIDE_ORG, sampleActions, sampleResource } from './generate/samples.js';

/**
 * The scenarios of every control. Conditions for which no scenario could be built are added to
 * `unsimulated` with the reason ("control: statement: why").
 */
export function generateScenarios(world: World, placements: readonly ControlPlacement[], unsimulated: string[] = []): Scenario[] {
  const out: Scenario[] = [];
  const limits = new RegionLimits(world, placements);
  for (const p of placements) {
    if (p.targets.length === 0) continue;
    const account = world.scopeOf(p.targets, world.nodesOf(p.control.exclude)).first;
    if (!account) continue;
    const gen = new Generator(world, p.control, account, out, limits.allowedRegion(account), limits.inferenceRoutes(account), unsimulated);
    switch (p.control.kind) {
      case 'identity-perimeter':
        identityPerimeterScenarios(gen, p.control, p);
        break;
      case 'partner-tag-exception':
        partnerTagExceptionScenarios(gen, p.control, p);
        break;
      case 'tls-minimum':
        tlsMinimumScenarios(gen, p.control);
        break;
      case 'bedrock-model-allowlist':
        bedrockModelAllowlistScenarios(gen, p.control);
        break;
      case 'deny-actions':
        denyActionsScenarios(gen, p.control, p);
        break;
      case 'region-deny':
        regionDenyScenarios(gen, p.control, p);
        break;
      case 'custom':
      case 'import':
        conditionalDenyScenarios(gen, p);
        break;
      default:
        break;
    }
    const excluded = world.nodesOf(p.control.exclude);
    if (excluded.length && p.control.kind === 'identity-perimeter') {
      const outsideScope = world.scopeOf(excluded).first;
      if (outsideScope) outsiderOnExcludedAccountScenarios(new Generator(world, p.control, outsideScope, out, limits.allowedRegion(outsideScope), limits.inferenceRoutes(outsideScope)), p);
    }
  }
  return out;
}
