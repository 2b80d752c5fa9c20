/**
 * Semantic validation of a merged intent: what the schema cannot say. Needs the reference index for
 * actions and services; without one those checks are skipped and the caller reports why.
 */
import type { Diagnostic } from '../../diagnostics/index.js';
import { closestNames, didYouMean } from '../../diagnostics/index.js';
import { QUOTA_PROFILE_NAMES } from '../../policy/quotas.js';
import type { ReferenceIndex } from '../../reference/reference-index.js';
import type { Intent } from '../types.js';
import { CheckContext, isObject } from './context.js';
import { checkAcceptedKeys } from './accepted-keys.js';
import { checkControl } from './controls.js';
import { checkControlTargets, checkForeignPolicyTargets, checkWaves, type ControlScope } from './targets.js';
import { checkRegionDenyContradictions, checkSharedPartnerTags } from './contradictions.js';
import { checkRegions } from './regions.js';
import { checkRollout } from './rollout.js';
import { checkTests, checkWaivedTests } from './tests.js';

export { defaultType } from './controls.js';
export { isAcceptedKey } from './accepted-keys.js';

export function checkIntent(intent: Intent, reference: ReferenceIndex | undefined): Diagnostic[] {
  const ctx = new CheckContext(intent, reference);
  // Without a tree the loader has said why (missing-tree, tree-source, or a snapshot it could not read).
  checkQuotas(ctx);
  checkAcceptedKeys(ctx);
  const scopes: ControlScope[] = [];
  for (const control of intent.controls) {
    if (!isObject(control)) continue;
    scopes.push(checkControlTargets(ctx, control));
    checkControl(ctx, control);
  }
  // A second definition is an error in itself, but its body may hold other mistakes worth fixing in the same pass.
  for (const control of intent.duplicateControls) {
    checkControlTargets(ctx, control);
    checkControl(ctx, control);
  }
  checkRegions(ctx, intent.controls);
  checkForeignPolicyTargets(ctx);
  checkWaves(ctx, scopes);
  checkRegionDenyContradictions(ctx, scopes);
  checkSharedPartnerTags(ctx, scopes);
  checkRollout(ctx);
  checkTests(ctx);
  checkWaivedTests(ctx);
  return ctx.diagnostics;
}

function checkQuotas(ctx: CheckContext): void {
  const q = ctx.intent.quotas;
  const name = typeof q === 'string' ? q : isObject(q) && typeof q.profile === 'string' ? q.profile : undefined;
  if (name === undefined || QUOTA_PROFILE_NAMES.includes(name)) return;
  const holder = typeof q === 'string' ? ctx.intent.roots.find((r) => r.quotas === q) : (q as object);
  ctx.error(
    'unknown-quota-profile',
    `quota profile "${name}" does not exist`,
    ctx.at(holder, typeof q === 'string' ? 'quotas' : 'profile'),
    didYouMean(closestNames(name, QUOTA_PROFILE_NAMES)) ?? `profiles: ${QUOTA_PROFILE_NAMES.join(', ')}`,
  );
}
