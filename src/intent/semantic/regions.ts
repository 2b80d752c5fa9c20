/**
 * Every Region the intent names must be one AWS has (src/reference/regions.json, dated): a misspelled
 * allowed Region in a region-deny locks users out of the Region they meant, a misspelled Region in a
 * test request tests a request nobody can make.
 */
import { closestNames, didYouMean } from '../../diagnostics/index.js';
import { regionCodes, regionInfo, REGIONS_DATE } from '../../reference/regions.js';
import { REGION } from '../formats.js';
import { isObject, type CheckContext } from './context.js';
import type { Control } from '../types.js';

export function checkRegions(ctx: CheckContext, controls: readonly Control[]): void {
  for (const c of controls) {
    if (!isObject(c) || c.kind !== 'region-deny' || !Array.isArray(c.allowedRegions)) continue;
    c.allowedRegions.forEach((r, i) => checkRegion(ctx, r, `control ${c.id}: allowedRegions`, c.allowedRegions, i));
  }
  for (const t of ctx.intent.tests) {
    if (!isObject(t) || !isObject(t.request)) continue;
    const r = t.request;
    const what = `test "${String(t.name)}"`;
    checkRegion(ctx, r.region, `${what}: region`, r, 'region');
    if (typeof r.resource === 'string') {
      // arn:partition:service:region:account:resource; an empty or wildcard Region names none.
      const region = r.resource.split(':')[3];
      if (region && !/[*?$]/.test(region)) checkRegion(ctx, region, `${what}: the Region of resource ${r.resource}`, r, 'resource');
    }
  }
}

function checkRegion(ctx: CheckContext, region: unknown, what: string, holder: object, key: string | number): void {
  // A value of the wrong shape is already a bad-region from the schema.
  if (typeof region !== 'string' || !REGION.test(region) || regionInfo(region)) return;
  ctx.error(
    'unknown-region',
    `${what}: "${region}" is not an AWS Region (src/reference/regions.json, ${REGIONS_DATE})`,
    ctx.at(holder, key),
    didYouMean(closestNames(region, regionCodes())) ?? 'if AWS launched it after that date, add it to src/reference/regions.json',
  );
}
