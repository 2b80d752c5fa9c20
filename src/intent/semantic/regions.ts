/**
 * Every Region the intent names must be one AWS has (src/reference/regions.json, dated): a misspelled
 * allowed Region in a region-deny locks users out of the Region they meant, a misspelled Region in a
 * condition or a resource ARN makes the statement match nothing or everything, a misspelled Region in a
 * test request tests a request nobody can make. A pattern (eu-*) must match some Region.
 */
import { closestNames, didYouMean } from '../../diagnostics/index.js';
import { regionCodes, regionInfo, REGIONS_DATE } from '../../reference/regions.js';
import { wildcardTest } from '../../policy/wildcard.js';
import { REGION } from '../formats.js';
import { isObject, type CheckContext } from './context.js';
import type { Control } from '../types.js';

/** Condition keys whose values are Region codes: aws:RequestedRegion and service keys such as ec2:Region. */
export const REGION_KEY = /^(aws:requestedregion|[a-z0-9-]+:region)$/i;
/** Region values are compared as strings; under another operator the operator is the mistake, reported elsewhere. */
export const STRING_OPERATOR = /^(for(any|all)value:)?string/i;

export function checkRegions(ctx: CheckContext, controls: readonly Control[]): void {
  for (const c of controls) {
    if (!isObject(c)) continue;
    const what = `control ${c.id}`;
    if (c.kind === 'region-deny' && Array.isArray(c.allowedRegions)) c.allowedRegions.forEach((r, i) => checkRegion(ctx, r, `${what}: allowedRegions`, c.allowedRegions, i, true));
    if (c.kind === 'deny-actions') {
      checkConditionRegions(ctx, c.conditions, `${what}: conditions`);
      for (const key of ['resources', 'notResources'] as const) checkArnRegions(ctx, c[key], `${what}: ${key}`);
    }
    if (c.kind === 'custom' && Array.isArray(c.statements)) {
      c.statements.forEach((st, i) => {
        if (!isObject(st)) return;
        checkConditionRegions(ctx, st.Condition, `${what}: statements[${i}].Condition`);
        for (const key of ['Resource', 'NotResource'] as const) checkArnRegions(ctx, st[key], `${what}: statements[${i}].${key}`, st, key);
      });
    }
    if (c.kind === 'bedrock-model-allowlist') {
      checkArnRegions(ctx, c.approvedModelArns, `${what}: approvedModelArns`);
      checkArnRegions(ctx, c.inferenceProfiles, `${what}: inferenceProfiles`);
    }
  }
  for (const t of ctx.intent.tests) {
    if (!isObject(t) || !isObject(t.request)) continue;
    const r = t.request;
    const what = `test "${String(t.name)}"`;
    checkRegion(ctx, r.region, `${what}: region`, r, 'region', true);
    checkArnRegions(ctx, r.resource, `${what}: resource`, r, 'resource');
  }
}

function checkConditionRegions(ctx: CheckContext, block: unknown, what: string): void {
  if (!isObject(block)) return;
  for (const [op, keys] of Object.entries(block)) {
    if (!isObject(keys) || !STRING_OPERATOR.test(op)) continue;
    for (const [key, values] of Object.entries(keys)) {
      if (!REGION_KEY.test(key)) continue;
      if (Array.isArray(values)) values.forEach((v, i) => checkRegion(ctx, v, `${what}: ${key}`, values, i));
      else checkRegion(ctx, values, `${what}: ${key}`, keys, key);
    }
  }
}

/** arn:partition:service:region:account:resource; an empty Region (global resources) names none. */
function checkArnRegions(ctx: CheckContext, arns: unknown, what: string, holder?: object, key?: string): void {
  const one = (arn: unknown, at: object, k: string | number) => {
    const region = typeof arn === 'string' ? arnRegion(arn) : undefined;
    if (region) checkRegion(ctx, region, `${what}: the Region of ${arn}`, at, k);
  };
  if (Array.isArray(arns)) arns.forEach((a, i) => one(a, arns, i));
  else if (holder && key) one(arns, holder, key);
}

function checkRegion(ctx: CheckContext, region: unknown, what: string, holder: object, key: string | number, schemaChecked = false): void {
  // Where the schema knows the value is a Region, a wrong shape is already its bad-region.
  if (typeof region !== 'string' || (schemaChecked && !REGION.test(region))) return;
  const problem = regionProblem(region);
  if (problem) ctx.error('unknown-region', `${what}: ${problem.message}`, ctx.at(holder, key), problem.hint);
}

/** What is wrong with a Region value (a code, a pattern, or a policy variable), if anything. */
export function regionProblem(region: string): { message: string; hint?: string } | undefined {
  if (region.includes('${') || region === '*' || regionInfo(region)) return undefined;
  const hint = didYouMean(closestNames(region, regionCodes()));
  if (/[*?]/.test(region)) {
    return regionCodes().some(wildcardTest(region)) ? undefined : { message: `"${region}" matches no AWS Region (src/reference/regions.json, ${REGIONS_DATE})`, ...(hint ? { hint } : {}) };
  }
  return { message: `"${region}" is not an AWS Region (src/reference/regions.json, ${REGIONS_DATE})`, hint: hint ?? 'if AWS launched it after that date, add it to src/reference/regions.json' };
}

/** The Region part of an ARN (arn:partition:service:region:...); empty for global resources. */
export function arnRegion(arn: string): string | undefined {
  return arn.startsWith('arn:') ? arn.split(':')[3] || undefined : undefined;
}
