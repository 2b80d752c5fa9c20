/**
 * The documented shapes of Amazon Bedrock model ids and system-defined inference profile ids, and the
 * ids known on the date of bedrock-models.json. A malformed id cannot name any model (the allowlist
 * would approve nothing it meant); an id of the right shape that is not listed may be newer than the list.
 */
import data from './bedrock-models.json' with { type: 'json' };

/** provider.model-name-version, optionally :N (the version) and :N[k] (a context-length variant); * and ? in patterns. */
export const MODEL_ID = /^[a-z][a-z0-9-]*\.[a-z0-9*?][a-z0-9._*?-]*(?::[0-9*?]+[a-z]?)*$/;

export const BEDROCK_MODELS_DATE: string = data.date;
export const KNOWN_MODEL_IDS: readonly string[] = data.models;
export const INFERENCE_PROFILE_PREFIXES: readonly string[] = data.inferenceProfilePrefixes;
const PROVIDERS = new Set(KNOWN_MODEL_IDS.map((id) => id.slice(0, id.indexOf('.'))));

export type ModelIdShape =
  | { kind: 'model'; id: string }
  | { kind: 'profile'; prefix: string; model: string }
  | { kind: 'malformed' };

/**
 * Reads a string as a foundation model id or a system-defined inference profile id (<prefix>.<model id>).
 * A profile is recognized by its first segment being a known prefix, or a short lowercase word before
 * a model id of a known provider (a prefix newer than the list); a model name holding a dot stays a model.
 */
export function modelIdShape(s: string): ModelIdShape {
  if (!MODEL_ID.test(s)) return { kind: 'malformed' };
  const dot = s.indexOf('.');
  const first = s.slice(0, dot);
  const rest = s.slice(dot + 1);
  if (MODEL_ID.test(rest) && (INFERENCE_PROFILE_PREFIXES.includes(first) || (/^[a-z]{2,4}$/.test(first) && PROVIDERS.has(rest.slice(0, rest.indexOf('.')))))) {
    return { kind: 'profile', prefix: first, model: rest };
  }
  return { kind: 'model', id: s };
}

export function isKnownModelId(id: string): boolean {
  return KNOWN_MODEL_IDS.includes(id);
}

/**
 * Bedrock powered by Mantle names a model by provider.model, without a geography prefix; its OpenAI-
 * compatible catalog writes no version suffix (openai.gpt-oss-120b for openai.gpt-oss-120b-1:0). The
 * ids it may name: the known model ids without their version suffix (the ones suggested), and as written.
 */
export const KNOWN_MANTLE_MODEL_IDS: readonly string[] = [...new Set(KNOWN_MODEL_IDS.map(withoutVersion))];
const MANTLE_OR_MODEL_IDS: readonly string[] = [...KNOWN_MANTLE_MODEL_IDS, ...KNOWN_MODEL_IDS];
export const MODEL_PROVIDERS: readonly string[] = [...PROVIDERS];

/** Whether a Mantle model id, or any id a Mantle pattern matches, is known. */
export function isKnownMantleModel(matches: (id: string) => boolean): boolean {
  return MANTLE_OR_MODEL_IDS.some(matches);
}

/** A Bedrock model id without its version suffix (-v1:0, -v2, :0:18k...), as Mantle's catalog names the model. */
export function withoutVersion(id: string): string {
  return id.replace(/(?:-v?\d+)?(?::\d+[a-z]?)+$/, '').replace(/-v\d+$/, '');
}
