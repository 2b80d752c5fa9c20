/**
 * Model ids and inference profile ids of a bedrock-model-allowlist. A malformed id approves no model,
 * so the allowlist denies the one the author meant: an error. An id of the documented shape that the
 * dated list does not know may be a typo or a model released since: a warning with the closest ids.
 * mantleModels are the values of bedrock-mantle:Model, compared with StringNotLike: the same checks,
 * and a pattern that matches no known id is a warning too (it may approve nothing).
 */
import { closestNames, didYouMean } from '../../diagnostics/index.js';
import { wildcardTest } from '../../policy/wildcard.js';
import { BEDROCK_MODELS_DATE, INFERENCE_PROFILE_PREFIXES, isKnownMantleModel, isKnownModelId, KNOWN_MANTLE_MODEL_IDS, KNOWN_MODEL_IDS, MODEL_PROVIDERS, modelIdShape } from '../../reference/bedrock-models.js';
import type { BedrockModelAllowlistControl } from '../types.js';
import type { CheckContext } from './context.js';

const LIST = `src/reference/bedrock-models.json, ${BEDROCK_MODELS_DATE}`;
const MODEL_EXAMPLE = 'a model id is provider.model-name-version, for example anthropic.claude-3-5-sonnet-20240620-v1:0';

export function checkModelIds(ctx: CheckContext, c: BedrockModelAllowlistControl): void {
  const what = `control ${c.id}`;
  if (Array.isArray(c.models)) {
    c.models.forEach((m, i) => {
      if (typeof m !== 'string') return;
      const at = ctx.at(c.models, i);
      if (m.startsWith('arn:')) {
        ctx.error('bad-model-id', `${what}: models "${m}" is an ARN; models names foundation model ids`, at, 'write the model id, or put the ARN in approvedModelArns');
        return;
      }
      const shape = modelIdShape(m);
      if (shape.kind === 'malformed') ctx.error('bad-model-id', `${what}: models "${m}" is not a Bedrock model id`, at, suggestModel(m) ?? MODEL_EXAMPLE);
      else if (shape.kind === 'profile') {
        ctx.error('bad-model-id', `${what}: models "${m}" is an inference profile id; models names foundation models (their cross-Region profiles are approved with them)`, at, `write ${shape.model}`);
      } else warnUnknownModel(ctx, what, `models "${m}"`, m, at);
    });
  }
  if (Array.isArray(c.inferenceProfiles)) {
    c.inferenceProfiles.forEach((p, i) => {
      if (typeof p !== 'string') return;
      const at = ctx.at(c.inferenceProfiles, i);
      // An application inference profile ARN names no model; a system-defined profile ARN ends in the profile id.
      const id = p.startsWith('arn:') ? /:inference-profile\/(.+)$/.exec(p)?.[1] : p;
      if (id === undefined) return;
      const shape = modelIdShape(id);
      if (shape.kind !== 'profile') {
        ctx.error(
          'bad-inference-profile-id',
          `${what}: inferenceProfiles "${p}" is not a cross-Region inference profile id (<prefix>.<model id>)`,
          at,
          shape.kind === 'model' ? `a profile id starts with its geography: ${INFERENCE_PROFILE_PREFIXES.map((g) => `${g}.${id}`).slice(0, 3).join(', ')}...; or approve the model itself in models` : `prefixes: ${INFERENCE_PROFILE_PREFIXES.join(', ')}`,
        );
        return;
      }
      if (!INFERENCE_PROFILE_PREFIXES.includes(shape.prefix)) {
        ctx.warn('unknown-model-id', `${what}: inferenceProfiles "${p}": "${shape.prefix}." is not an inference profile prefix known to ${LIST}`, at, didYouMean(closestNames(shape.prefix, INFERENCE_PROFILE_PREFIXES)) ?? `prefixes: ${INFERENCE_PROFILE_PREFIXES.join(', ')}`);
      } else warnUnknownModel(ctx, what, `inferenceProfiles "${p}"`, shape.model, at, `${shape.prefix}.`);
    });
  }
  checkMantleModels(ctx, c, what);
}

function checkMantleModels(ctx: CheckContext, c: BedrockModelAllowlistControl, what: string): void {
  if (!Array.isArray(c.mantleModels)) return;
  c.mantleModels.forEach((m, i) => {
    if (typeof m !== 'string') return;
    const at = ctx.at(c.mantleModels, i);
    const where = `mantleModels "${m}"`;
    const shape = modelIdShape(m);
    if (shape.kind === 'malformed') {
      ctx.error('bad-model-id', `${what}: ${where} is not a Bedrock model id: bedrock-mantle:Model is never like it, so the allowlist denies the model meant`, at, suggestMantle(m) ?? 'a Mantle model id is provider.model-name, for example openai.gpt-oss-120b');
      return;
    }
    if (shape.kind === 'profile') {
      ctx.error('bad-model-id', `${what}: ${where} is an inference profile id; Mantle names models without a geography prefix`, at, `write ${shape.model}`);
      return;
    }
    if (!/[*?]/.test(m)) {
      if (isKnownMantleModel((id) => id === m)) return;
      ctx.warn('unknown-model-id', `${what}: ${where} is not in the model ids known to ${LIST}; it is used as written (a model released since then is fine)`, at, suggestMantle(m) ?? 'check the id with the Mantle endpoint\'s model list (GET /v1/models)');
      return;
    }
    if (isKnownMantleModel(wildcardTest(m))) return;
    ctx.warn('unknown-model-id', `${what}: ${where} matches none of the model ids known to ${LIST}: it may approve no model, and the allowlist then denies every Mantle request that names one`, at, suggestMantle(m) ?? 'check the pattern against the Mantle endpoint\'s model list (GET /v1/models)');
  });
}

/** A misspelled provider is the likeliest slip in a pattern: suggest the closest provider with the rest as written. */
function suggestMantle(s: string): string | undefined {
  const dot = s.indexOf('.');
  const provider = dot > 0 ? s.slice(0, dot).toLowerCase() : '';
  if (provider && !/[*?]/.test(provider) && !MODEL_PROVIDERS.includes(provider)) {
    const near = closestNames(provider, MODEL_PROVIDERS);
    if (near.length) return didYouMean(near.map((p) => p + s.slice(dot)));
  }
  return didYouMean(closestNames(s.toLowerCase(), KNOWN_MANTLE_MODEL_IDS));
}

function warnUnknownModel(ctx: CheckContext, what: string, where: string, id: string, at: ReturnType<CheckContext['at']>, prefix = ''): void {
  if (/[*?]/.test(id) || isKnownModelId(id)) return;
  ctx.warn(
    'unknown-model-id',
    `${what}: ${where} names model ${id}, which is not in the model ids known to ${LIST}; it is used as written (a model released since then is fine)`,
    at,
    didYouMean(closestNames(id, KNOWN_MODEL_IDS).map((m) => prefix + m)) ?? 'check the id on the Bedrock console or with aws bedrock list-foundation-models',
  );
}

function suggestModel(s: string): string | undefined {
  return didYouMean(closestNames(s.toLowerCase(), KNOWN_MODEL_IDS));
}
