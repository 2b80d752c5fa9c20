/**
 * Region deny (modeled on AWS's SCP example with Bedrock cross-Region inference): deny every action
 * outside the allowed Regions except the global services (NotAction, a dated data file); Bedrock
 * inference is exempted there and restricted by a second statement that lets requests through only
 * when they come through an inference profile, so cross-Region inference keeps working.
 */
import type { RegionDenyControl } from '../intent/index.js';
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
    drafts.push({
      control: c,
      role: 'bedrock-cross-region-inference',
      sid: sidFor(c, 'bedrock-cross-region-inference'),
      type: 'scp',
      effect: 'Deny',
      actions: generatedPatterns(inference, sources.locate(c as object, 'allowedRegions')),
      resources: ['*'],
      condition: combine(ctx, c, regions, { ArnNotLike: { 'bedrock:InferenceProfileArn': ['arn:aws:bedrock:*:*:inference-profile/*'] } }, except),
      location: sources.locate(c as object, 'allowedRegions'),
      companionOf: 'region-deny',
      summary: `Bedrock inference outside ${c.allowedRegions.join(', ')} only through an inference profile (cross-Region inference)`,
    });
  }
  return drafts;
};
