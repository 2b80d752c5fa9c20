/**
 * Approved Amazon Bedrock models (SCP): model inference is denied on any model not in the allowlist.
 *
 * The actions are found in the service reference, not hard-coded: every bedrock action that acts on a
 * foundation model or an inference profile (InvokeModel and its stream, which Converse authorizes as,
 * batch inference, evaluation and customization jobs, provisioned throughput, token counting, and
 * whatever AWS adds), except the ones that only describe (Get*, List*), plus the actions that bring a
 * model into an account (bedrock-model-resources.json: PutFoundationModelEntitlement as in AWS's
 * example, model import...). They are denied on every resource except:
 *   - the approved foundation models and the cross-Region inference profiles that carry them
 *     (`<geography>.<model id>`), so cross-Region inference keeps working;
 *   - the approved extra resources (`inferenceProfiles`, `approvedModelArns`: custom, imported,
 *     provisioned models a team approves);
 *   - the resource types those actions touch that are not models (batch inference jobs, async
 *     invocations, projects, tools: bedrock-model-resources.json), so that jobs keep working.
 * Every other resource type those actions accept is a model or routes to one (custom, imported and
 * provisioned models, application inference profiles, prompt routers, Marketplace endpoints): denied
 * unless approved. A type the data file does not classify is treated as a model, with a warning.
 *
 * Bedrock powered by Mantle (`bedrock-mantle`) names the model in a condition key instead of a
 * resource; a second statement denies requests whose bedrock-mantle:Model is not approved.
 */
import { warning } from '../diagnostics/index.js';
import type { BedrockModelAllowlistControl } from '../intent/index.js';
import type { Condition } from '../policy/index.js';
import { combine, exceptPrincipalsCondition, generatedPatterns, sidFor } from './common.js';
import type { ReferenceIndex } from '../reference/index.js';
import { withoutVersion } from '../reference/bedrock-models.js';
import type { ControlBuilder, StatementDraft } from './draft.js';
import modelData from './bedrock-model-resources.json' with { type: 'json' };

/** The resource types whose presence makes an action a model-use action. */
const MODEL_CHOICE_TYPES = ['foundation-model', 'inference-profile'];
const DESCRIBE_ONLY = /^(Get|List|Describe)/;
const MODEL_TYPES = new Set(Object.keys(modelData.modelResourceTypes));
const NON_MODEL_TYPES = new Set(Object.keys(modelData.nonModelResourceTypes));

export interface ModelUsage {
  actions: string[];
  /** Resource types those actions accept that are not models: always reachable. */
  nonModelResourceTypes: { name: string; arn: string }[];
  /** Resource types those actions accept that are models (or route to one): denied unless approved. */
  modelResourceTypes: string[];
  /** Resource types the data file does not classify: treated as models. */
  unclassified: string[];
}

/** The bedrock actions that use a model, per the service reference, and the resource types they touch. */
export function modelUsageActions(reference: ReferenceIndex): ModelUsage {
  const svc = reference.service('bedrock');
  if (!svc) return { actions: [], nonModelResourceTypes: [], modelResourceTypes: [], unclassified: [] };
  const actions: string[] = [];
  const touched = new Set<string>();
  for (let id = svc.firstId; id < svc.endId; id++) {
    const a = reference.actions[id]!;
    if (!a.resourceTypes.some((r) => MODEL_CHOICE_TYPES.includes(r)) || DESCRIBE_ONLY.test(a.name)) continue;
    actions.push(a.qualified);
    for (const r of a.resourceTypes) touched.add(r);
  }
  for (const name of Object.keys(modelData.modelIntroductionActions)) {
    const a = reference.action(name);
    if (a && !actions.includes(a.qualified)) actions.push(a.qualified);
  }
  const sorted = [...touched].sort();
  const nonModelResourceTypes = sorted
    .filter((t) => NON_MODEL_TYPES.has(t))
    .flatMap((name) => {
      const format = svc.resourceTypes.get(name.toLowerCase())?.arnFormats[0];
      return format ? [{ name, arn: wildcardArn(format) }] : [];
    });
  return {
    actions: actions.sort(),
    nonModelResourceTypes,
    modelResourceTypes: sorted.filter((t) => !NON_MODEL_TYPES.has(t)),
    unclassified: sorted.filter((t) => !NON_MODEL_TYPES.has(t) && !MODEL_TYPES.has(t)),
  };
}

/** `arn:${Partition}:bedrock:${Region}:${Account}:model-invocation-job/${JobIdentifier}` -> `arn:aws:bedrock:*:*:model-invocation-job/*` */
function wildcardArn(format: string): string {
  return format.replace('${Partition}', 'aws').replace(/\$\{[^}]+\}/g, '*');
}

/**
 * The bedrock-mantle:Model values a control approves: mantleModels, or else its models as Mantle names
 * them. Mantle's catalog writes a model without the version suffix of its Bedrock id
 * (openai.gpt-oss-120b for openai.gpt-oss-120b-1:0), so a versioned id alone would approve nothing
 * there and the allowlist would deny the model meant; the default names both spellings.
 */
export function mantleModelIds(c: BedrockModelAllowlistControl): string[] {
  if (c.mantleModels) return [...c.mantleModels];
  return [...new Set(c.models.flatMap((m) => [withoutVersion(m), m]))];
}

/** The Mantle model key, when the reference has the service and the key. */
export function mantleModelKey(reference: ReferenceIndex): string | undefined {
  const key = reference.conditionKey('bedrock-mantle:Model');
  return key && key.definedBy === 'bedrock-mantle' ? key.name : undefined;
}

export const bedrockModelAllowlist: ControlBuilder<BedrockModelAllowlistControl> = (c, ctx) => {
  const sources = ctx.intent.sources;
  const usage = modelUsageActions(ctx.reference);
  if (usage.actions.length === 0) {
    ctx.diagnostics.push(warning('no-model-actions', `control ${c.id}: the service reference lists no bedrock action that uses a model; nothing to restrict`, sources.locate(c as object)));
    return [];
  }
  if (usage.unclassified.length) {
    ctx.diagnostics.push(
      warning(
        'unclassified-bedrock-resource',
        `control ${c.id}: the model actions also act on ${usage.unclassified.join(', ')}, which src/controls/bedrock-model-resources.json does not classify; treated as models (denied unless approvedModelArns names them)`,
        sources.locate(c as object),
        'classify the new resource types in src/controls/bedrock-model-resources.json',
      ),
    );
  }
  const approved: string[] = [];
  for (const m of c.models) {
    approved.push(`arn:aws:bedrock:*::foundation-model/${m}`);
    // System-defined cross-Region inference profiles are named <geography>.<model id>.
    approved.push(`arn:aws:bedrock:*:*:inference-profile/*.${m}`);
  }
  for (const p of c.inferenceProfiles ?? []) approved.push(p.startsWith('arn:') ? p : `arn:aws:bedrock:*:*:inference-profile/${p}`);
  approved.push(...(c.approvedModelArns ?? []));
  const notResources = [...new Set([...approved, ...usage.nonModelResourceTypes.map((r) => r.arn)])];
  const except = exceptPrincipalsCondition(c.exceptPrincipals);
  const drafts: StatementDraft[] = [
    {
      control: c,
      role: 'model-allowlist',
      sid: sidFor(c),
      type: 'scp',
      effect: 'Deny',
      actions: generatedPatterns(usage.actions, sources.locateKey(c as object, 'models')),
      notResources,
      condition: combine(ctx, c, except),
      location: sources.locate(c as object),
      summary: `Bedrock model use (${usage.actions.length} actions) only on ${c.models.join(', ')}${c.inferenceProfiles?.length ? ` and profiles ${c.inferenceProfiles.join(', ')}` : ''}${c.approvedModelArns?.length ? ` and ${c.approvedModelArns.join(', ')}` : ''}, directly or through cross-Region inference profiles; other models (${usage.modelResourceTypes.filter((t) => !MODEL_CHOICE_TYPES.includes(t)).join(', ')}) denied`,
    },
  ];

  const mantleKey = mantleModelKey(ctx.reference);
  if (mantleKey) {
    const mantleModels = mantleModelIds(c);
    // Deny when the model named is not approved. Both StringNotLike and StringNotLikeIfExists are
    // true when the key is absent, so either alone would deny every Mantle request that names no model
    // (GetProject, ListModels...). The Null condition keeps this statement to requests that name one.
    const condition: Condition = { StringNotLike: { [mantleKey]: [...mantleModels] }, Null: { [mantleKey]: ['false'] } };
    drafts.push({
      control: c,
      role: 'mantle-model-allowlist',
      sid: sidFor(c, 'mantle'),
      type: 'scp',
      effect: 'Deny',
      actions: generatedPatterns(['bedrock-mantle:*'], sources.locateKey(c as object, c.mantleModels ? 'mantleModels' : 'models')),
      resources: ['*'],
      condition: combine(ctx, c, condition, except),
      location: sources.locateKey(c as object, c.mantleModels ? 'mantleModels' : 'models'),
      summary: `Bedrock powered by Mantle only with models ${mantleModels.join(', ')} (${mantleKey})`,
    });
  }

  const market = c.marketplace;
  if (market?.allowProductIds || market?.denyProductIds) {
    // aws-marketplace:ProductId is only available on aws-marketplace:Subscribe (Bedrock user guide).
    const condition: Condition = market.allowProductIds
      ? { 'ForAnyValue:StringNotEquals': { 'aws-marketplace:ProductId': [...market.allowProductIds] } }
      : { 'ForAnyValue:StringEquals': { 'aws-marketplace:ProductId': [...market.denyProductIds!] } };
    const where = sources.locateKey(c as object, 'marketplace');
    const subscribe = (role: string, cond: Condition, summary: string): StatementDraft => ({
      control: c,
      role,
      sid: sidFor(c, role),
      type: 'scp',
      effect: 'Deny',
      actions: generatedPatterns(['aws-marketplace:Subscribe'], where),
      resources: ['*'],
      condition: combine(ctx, c, cond, except),
      location: where,
      summary,
    });
    drafts.push(subscribe('marketplace-subscribe', condition, market.allowProductIds ? `Marketplace subscriptions only to ${market.allowProductIds.join(', ')}` : `no Marketplace subscription to ${market.denyProductIds!.join(', ')}`));
    // ForAnyValue is false when the key is absent: an allowlist would let a subscription that names no
    // product through. The Bedrock user guide says Subscribe carries aws-marketplace:ProductId, so this
    // costs nothing when it does and closes the allowlist when it does not (a denylist cannot know
    // what an unnamed product is, and AWS's example denylist, like ours, lets it through).
    if (market.allowProductIds) drafts.push(subscribe('marketplace-subscribe-unnamed', { Null: { 'aws-marketplace:ProductId': ['true'] } }, 'no Marketplace subscription that names no product (allowlist)'));
  }
  return drafts;
};
