/**
 * Approved Amazon Bedrock models (SCP). The actions that use a model are found in the service
 * reference, not hard-coded: every bedrock action that acts on a foundation model or an inference
 * profile (InvokeModel and its stream, which Converse authorizes as, batch inference, evaluation and
 * customization jobs, provisioned throughput, token counting, and whatever AWS adds), except the ones
 * that only describe (Get*, List*). They are denied on every model and inference profile except the
 * approved models and the cross-Region inference profiles that carry them (`us.`, `eu.`, `global.`...),
 * so cross-Region inference keeps working for approved models. Other resources those actions touch
 * (jobs, custom models, provisioned models...) are left alone: this control is about which base model.
 */
import { warning } from '../diagnostics/index.js';
import type { BedrockModelAllowlistControl } from '../intent/index.js';
import type { Condition } from '../policy/index.js';
import { combine, exceptPrincipalsCondition, generatedPatterns, sidFor } from './common.js';
import type { ReferenceIndex } from '../reference/index.js';
import type { ControlBuilder, StatementDraft } from './draft.js';

const MODEL_RESOURCE_TYPES = ['foundation-model', 'inference-profile'];
const DESCRIBE_ONLY = /^(Get|List|Describe)/;

export interface ModelUsage {
  actions: string[];
  /** Resource types those actions accept besides models and inference profiles. */
  otherResourceTypes: { name: string; arn: string }[];
}

/** The bedrock actions that use a model, per the service reference. */
export function modelUsageActions(reference: ReferenceIndex): ModelUsage {
  const svc = reference.service('bedrock');
  if (!svc) return { actions: [], otherResourceTypes: [] };
  const actions: string[] = [];
  const other = new Set<string>();
  for (let id = svc.firstId; id < svc.endId; id++) {
    const a = reference.actions[id]!;
    if (!a.resourceTypes.some((r) => MODEL_RESOURCE_TYPES.includes(r)) || DESCRIBE_ONLY.test(a.name)) continue;
    actions.push(a.qualified);
    for (const r of a.resourceTypes) if (!MODEL_RESOURCE_TYPES.includes(r)) other.add(r);
  }
  const otherResourceTypes = [...other].sort().flatMap((name) => {
    const format = svc.resourceTypes.get(name.toLowerCase())?.arnFormats[0];
    return format ? [{ name, arn: wildcardArn(format) }] : [];
  });
  return { actions, otherResourceTypes };
}

/** `arn:${Partition}:bedrock:${Region}:${Account}:custom-model/${ResourceId}` -> `arn:aws:bedrock:*:*:custom-model/*` */
function wildcardArn(format: string): string {
  return format.replace('${Partition}', 'aws').replace(/\$\{[^}]+\}/g, '*');
}

export const bedrockModelAllowlist: ControlBuilder<BedrockModelAllowlistControl> = (c, ctx) => {
  const sources = ctx.intent.sources;
  const usage = modelUsageActions(ctx.reference);
  if (usage.actions.length === 0) {
    ctx.diagnostics.push(warning('no-model-actions', `control ${c.id}: the service reference lists no bedrock action that uses a model; nothing to restrict`, sources.locate(c as object)));
    return [];
  }
  const approved: string[] = [];
  for (const m of c.models) {
    approved.push(`arn:aws:bedrock:*::foundation-model/${m}`);
    // System-defined cross-Region inference profiles are named <geography>.<model id>.
    approved.push(`arn:aws:bedrock:*:*:inference-profile/*.${m}`);
  }
  for (const p of c.inferenceProfiles ?? []) approved.push(p.startsWith('arn:') ? p : `arn:aws:bedrock:*:*:inference-profile/${p}`);
  const notResources = [...new Set([...approved, ...usage.otherResourceTypes.map((r) => r.arn)])];
  const drafts: StatementDraft[] = [
    {
      control: c,
      role: 'model-allowlist',
      sid: sidFor(c),
      type: 'scp',
      effect: 'Deny',
      actions: generatedPatterns(usage.actions, sources.locateKey(c as object, 'models')),
      notResources,
      condition: combine(ctx, c, exceptPrincipalsCondition(c.exceptPrincipals)),
      location: sources.locate(c as object),
      summary: `Bedrock model use (${usage.actions.length} actions) only on ${c.models.join(', ')}${c.inferenceProfiles?.length ? ` and profiles ${c.inferenceProfiles.join(', ')}` : ''}, directly or through cross-Region inference profiles`,
    },
  ];
  const market = c.marketplace;
  if (market?.allowProductIds || market?.denyProductIds) {
    // aws-marketplace:ProductId is only available on aws-marketplace:Subscribe (Bedrock user guide).
    const condition: Condition = market.allowProductIds
      ? { 'ForAnyValue:StringNotEquals': { 'aws-marketplace:ProductId': [...market.allowProductIds] } }
      : { 'ForAnyValue:StringEquals': { 'aws-marketplace:ProductId': [...market.denyProductIds!] } };
    drafts.push({
      control: c,
      role: 'marketplace-subscribe',
      sid: sidFor(c, 'marketplace-subscribe'),
      type: 'scp',
      effect: 'Deny',
      actions: generatedPatterns(['aws-marketplace:Subscribe'], sources.locateKey(c as object, 'marketplace')),
      resources: ['*'],
      condition: combine(ctx, c, condition, exceptPrincipalsCondition(c.exceptPrincipals)),
      location: sources.locateKey(c as object, 'marketplace'),
      summary: market.allowProductIds ? `Marketplace subscriptions only to ${market.allowProductIds.join(', ')}` : `no Marketplace subscription to ${market.denyProductIds!.join(', ')}`,
    });
  }
  return drafts;
};
