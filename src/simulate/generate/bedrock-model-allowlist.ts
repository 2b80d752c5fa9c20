/**
 * bedrock-model-allowlist: approved models may be invoked, directly and through cross-Region
 * inference profiles; others, imported and custom models, Mantle requests naming other models and
 * Marketplace subscriptions outside the allowlist are denied.
 */
import { mantleModelIds, mantleModelKey, modelUsageActions } from '../../controls/index.js';
import { resourceArnMatcher } from '../../evaluate/index.js';
import type { BedrockModelAllowlistControl } from '../../intent/index.js';
import type { Generator } from './generator.js';
import { geographyOf, inGeography, SAMPLE_REGIONS } from './geographies.js';
import { concreteArn } from './samples.js';

export function bedrockModelAllowlistScenarios(gen: Generator, c: BedrockModelAllowlistControl): void {
  const usage = modelUsageActions(gen.ref);
  const invoke = usage.actions.find((a) => a === 'bedrock:InvokeModel');
  if (!invoke) return;
  const approved = c.models[0]!;
  const unapproved = 'deepseek.r1-v1:0' === approved ? 'meta.llama3-8b-instruct-v1:0' : 'deepseek.r1-v1:0';
  const acct = gen.account;
  const model = (id: string, region = gen.region) => `arn:aws:bedrock:${region}::foundation-model/${id}`;
  const bedrockArn = (rest: string) => `arn:aws:bedrock:${gen.region}:${acct}:${rest}`;
  const who = gen.principal(acct, 'data-scientist');
  const on = (arn: string) => ({ arn, account: acct });
  gen.deny(`invoking the unapproved model ${unapproved} is denied`, { principal: who, action: invoke, resource: on(model(unapproved)) });
  gen.allow(`invoking the approved model ${approved} is allowed`, { principal: who, action: invoke, resource: on(model(approved)) });
  // Cross-Region inference as AWS sees it: a profile of the geography of the Region the request is
  // sent to (its ARN names that Region), routed to a Region of that geography the region-deny
  // controls let it reach. A Region without a known geography gets no such scenario.
  const geography = geographyOf(gen.region);
  if (geography) {
    const profile = bedrockArn(`inference-profile/${geography}.${approved}`);
    gen.allow(`the approved model through the cross-Region profile ${geography}.${approved} is allowed`, { principal: who, action: invoke, resource: on(profile), context: { 'bedrock:InferenceProfileArn': profile } });
    const elsewhere = destination(gen, geography, gen.region);
    if (elsewhere) gen.allow(`the approved model in ${elsewhere}, reached through the cross-Region profile ${geography}.${approved}, is allowed`, { principal: who, action: invoke, resource: on(model(approved, elsewhere)), region: elsewhere, context: { 'bedrock:InferenceProfileArn': profile } });
    gen.deny(`the unapproved model through the cross-Region profile ${geography}.${unapproved} is denied`, { principal: who, action: invoke, resource: on(bedrockArn(`inference-profile/${geography}.${unapproved}`)) });
  }
  // Models that are not foundation models: denied unless approved (approvedModelArns).
  const others: [string, string][] = [
    ['imported-model', 'imported-model/deepseek-r1-distill'],
    ['custom-model', 'custom-model/sample-fine-tune'],
    ['provisioned-model', 'provisioned-model/sample-throughput'],
    ['application-inference-profile', 'application-inference-profile/sample-app'],
  ];
  const approvedArns = c.approvedModelArns ?? [];
  for (const [type, rest] of others) {
    if (!usage.modelResourceTypes.includes(type)) continue;
    const arn = bedrockArn(rest);
    if (approvedArns.some((a) => resourceArnMatcher(a)(arn))) gen.letThrough(`invoking the approved ${type} ${rest} is let through (approvedModelArns)`, { principal: who, action: invoke, resource: on(arn) });
    else gen.deny(`invoking the ${type} ${rest}, which is not approved, is denied`, { principal: who, action: invoke, resource: on(arn) });
  }
  for (const pattern of approvedArns) {
    const arn = concreteArn(pattern, acct, gen.region);
    if (arn) gen.letThrough(`invoking the approved ${arn} is let through (approvedModelArns)`, { principal: who, action: invoke, resource: on(arn) });
  }
  // Resources those actions touch that are not models keep working: batch jobs, projects.
  const batch = usage.actions.find((a) => a === 'bedrock:CreateModelInvocationJob');
  if (batch && usage.nonModelResourceTypes.some((t) => t.name === 'model-invocation-job')) {
    gen.letThrough(`a batch inference job (its job ARN) is let through`, { principal: who, action: batch, resource: on(bedrockArn('model-invocation-job/sample-job')) });
    gen.deny(`a batch inference job on the unapproved model ${unapproved} is denied`, { principal: who, action: batch, resource: on(model(unapproved)) });
  }
  if (usage.nonModelResourceTypes.some((t) => t.name === 'project')) gen.letThrough(`inference in a Bedrock project (its project ARN) is let through`, { principal: who, action: invoke, resource: on(bedrockArn('project/sample-project')) });
  for (const intro of ['bedrock:CreateModelImportJob', 'bedrock:CreateCustomModel']) {
    if (usage.actions.includes(intro)) gen.deny(`bringing in a model with ${intro} is denied`, { principal: who, action: intro, resource: { arn: '*', account: acct } });
  }
  if (usage.actions.includes('bedrock:PutFoundationModelEntitlement')) {
    gen.deny(`enabling the unapproved model ${unapproved} (PutFoundationModelEntitlement) is denied`, { principal: who, action: 'bedrock:PutFoundationModelEntitlement', resource: on(model(unapproved)) });
  }
  const except = (c.exceptPrincipals ?? []).find((e) => /:role\/[^*?]+$/.test(e));
  if (except) gen.allow(`the excepted principal may invoke an unapproved model`, { principal: gen.principal(acct, except.split('/').pop()!), action: invoke, resource: on(model(unapproved)) });
  const mantleKey = mantleModelKey(gen.ref);
  const mantleInference = gen.ref.action('bedrock-mantle:CreateInference');
  if (mantleKey && mantleInference) {
    const mantleModels = mantleModelIds(c);
    const project = `arn:aws:bedrock-mantle:${gen.region}:${acct}:project/sample`;
    const ok = mantleModels.find((m) => !/[*?]/.test(m));
    if (ok) gen.letThrough(`Mantle inference with the approved model ${ok} is let through`, { principal: who, action: mantleInference.qualified, resource: on(project), context: { [mantleKey]: ok } });
    gen.deny(`Mantle inference with the unapproved model openai.gpt-oss-120b is denied`, { principal: who, action: mantleInference.qualified, resource: on(project), context: { [mantleKey]: 'openai.gpt-oss-120b' } });
    const read = gen.ref.action('bedrock-mantle:GetProject');
    if (read) gen.letThrough(`a Mantle request that names no model (${read.qualified}) is let through`, { principal: who, action: read.qualified, resource: on(project) });
  }
  if (c.marketplace?.allowProductIds?.length) {
    const allowed = c.marketplace.allowProductIds[0]!;
    gen.letThrough(`subscribing to approved product ${allowed} is let through`, { principal: who, action: 'aws-marketplace:Subscribe', resource: { arn: '*' }, context: { 'aws-marketplace:ProductId': [allowed] } });
    gen.deny(`subscribing to another product is denied`, { principal: who, action: 'aws-marketplace:Subscribe', resource: { arn: '*' }, context: { 'aws-marketplace:ProductId': ['prod-notapproved01'] } });
    gen.deny(`a subscription that names no product is denied (allowlist)`, { principal: who, action: 'aws-marketplace:Subscribe', resource: { arn: '*' } });
  }
  for (const denied of c.marketplace?.denyProductIds ?? []) gen.deny(`subscribing to product ${denied} is denied`, { principal: who, action: 'aws-marketplace:Subscribe', resource: { arn: '*' }, context: { 'aws-marketplace:ProductId': [denied] } });
}

/**
 * A Region other than `from` that inference through a `geography.` profile sent from `from` reaches
 * and the region-deny controls let it reach: an allowed Region of the geography, else one of the
 * geography when they let its profiles out. Undefined when no such Region is certain.
 */
function destination(gen: Generator, geography: string, from: string): string | undefined {
  const { regions, geographies } = gen.routes;
  const candidates = [...new Set([...(regions ?? []), ...SAMPLE_REGIONS])].filter((r) => r !== from && inGeography(geography, r));
  return candidates.find((r) => !regions || regions.includes(r) || (geographies ?? []).includes(geography));
}
