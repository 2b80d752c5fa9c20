/**
 * Region deny (modeled on AWS's SCP example with Bedrock cross-Region inference): deny every action
 * outside the allowed Regions except the global services (NotAction, a dated data file); Bedrock
 * inference is exempted there and restricted by a second statement that lets requests through only
 * when they come through a cross-Region inference profile of an allowed geography (`us.`, `eu.`...,
 * AWS's example: a geographic prefix), so cross-Region inference keeps working without letting
 * `global.` profiles route data to any Region.
 */
import { warning } from '../diagnostics/index.js';
import type { RegionDenyControl } from '../intent/index.js';
import { wildcardTest } from '../policy/index.js';
import type { ControlContext } from './draft.js';
import geographyData from './inference-profile-geographies.json' with { type: 'json' };
import { combine, concatPatterns, exceptPrincipalsCondition, generatedPatterns, intentPatterns, sidFor } from './common.js';
import type { ControlBuilder, StatementDraft } from './draft.js';
import exemptions from './region-deny-exemptions.json' with { type: 'json' };

export const regionDeny: ControlBuilder<RegionDenyControl> = (c, ctx) => {
  const sources = ctx.intent.sources;
  const exempt = concatPatterns(
    c.exemptActions ? intentPatterns(ctx, c, 'exemptActions') : generatedPatterns(exemptions.actions, sources.locate(c as object)),
    c.additionalExemptActions ? intentPatterns(ctx, c, 'additionalExemptActions') : undefined,
  );
  const regions = { StringNotEquals: { 'aws:RequestedRegion': [...c.allowedRegions] } };
  const except = exceptPrincipalsCondition(c.exceptPrincipals);
  const drafts: StatementDraft[] = [
    {
      control: c,
      role: 'region-deny',
      sid: sidFor(c),
      type: 'scp',
      effect: 'Deny',
      notActions: exempt,
      resources: ['*'],
      condition: combine(ctx, c, regions, except),
      location: sources.locate(c as object),
      summary: `requests outside ${c.allowedRegions.join(', ')} are denied, global services excepted`,
    },
  ];
  const exemptSet = ctx.reference.expandList(exempt.patterns).actions;
  const inference = exemptions.bedrockInference.filter((a) => {
    const action = ctx.reference.action(a);
    return action !== undefined && exemptSet.has(action.id);
  });
  if (inference.length) {
    const geographies = inferenceGeographies(c, ctx);
    const profiles = geographies.map((g) => `arn:aws:bedrock:*:*:inference-profile/${g}.*`);
    drafts.push({
      control: c,
      role: 'bedrock-cross-region-inference',
      sid: sidFor(c, 'bedrock-cross-region-inference'),
      type: 'scp',
      effect: 'Deny',
      actions: generatedPatterns(inference, sources.locate(c as object, 'allowedRegions')),
      resources: ['*'],
      condition: combine(ctx, c, regions, profiles.length ? { ArnNotLike: { 'bedrock:InferenceProfileArn': profiles } } : {}, except),
      location: sources.locate(c as object, 'allowedRegions'),
      companionOf: 'region-deny',
      summary: profiles.length
        ? `Bedrock inference outside ${c.allowedRegions.join(', ')} only through cross-Region inference profiles of ${geographies.map((g) => `${g}.`).join(', ')}`
        : `no Bedrock inference outside ${c.allowedRegions.join(', ')}, not even through cross-Region inference profiles`,
    });
  }
  return drafts;
};

type Geographies = Record<string, { name: string; regions: string[]; default: boolean }>;
const GEOGRAPHIES: Geographies = geographyData.geographies;

/**
 * The geographies whose cross-Region inference profiles may carry Bedrock inference out of the allowed
 * Regions: as written, or the default geographies of the allowed Regions. Warns about `global`, about
 * prefixes the data file does not know, and about allowed Regions without a default geography.
 */
export function inferenceGeographies(c: RegionDenyControl, ctx: ControlContext): string[] {
  const sources = ctx.intent.sources;
  if (c.inferenceProfileGeographies) {
    c.inferenceProfileGeographies.forEach((g, i) => {
      const at = sources.locate(c.inferenceProfileGeographies as object, i);
      if (g === 'global') {
        ctx.diagnostics.push(
          warning('global-inference-profiles', `control ${c.id}: global cross-Region inference profiles route requests to any commercial Region, outside ${c.allowedRegions.join(', ')} and their geographies`, at, 'name the geographies of the allowed Regions instead (us, eu, apac...)'),
        );
      } else if (!(g in GEOGRAPHIES)) {
        ctx.diagnostics.push(
          warning('unknown-inference-geography', `control ${c.id}: "${g}" is not a cross-Region inference profile prefix known to src/controls/inference-profile-geographies.json (recorded ${geographyData.recorded}); it is used as written`, at, `known prefixes: ${Object.keys(GEOGRAPHIES).join(', ')}`),
        );
      }
    });
    return [...c.inferenceProfileGeographies];
  }
  const out: string[] = [];
  const unmapped: string[] = [];
  for (const region of c.allowedRegions) {
    const g = Object.entries(GEOGRAPHIES).find(([, v]) => v.default && v.regions.some((p) => wildcardTest(p)(region)))?.[0];
    if (g) {
      if (!out.includes(g)) out.push(g);
    } else unmapped.push(region);
  }
  if (unmapped.length) {
    ctx.diagnostics.push(
      warning(
        'no-inference-geography',
        `control ${c.id}: no cross-Region inference geography is known for ${unmapped.join(', ')} (src/controls/inference-profile-geographies.json); Bedrock inference from there stays in the allowed Regions`,
        sources.locate(c as object, 'allowedRegions'),
        'set inferenceProfileGeographies to name the profile prefixes to allow',
      ),
    );
  }
  return out;
}
