/**
 * conditionKeys.accept: condition keys used on purpose though the service reference does not list
 * them (AWS documents a key before the reference's next snapshot). Each entry is reported, so that
 * reviewers see every key the compiler takes on trust; one the reference now knows can go.
 */
import type { Intent } from '../types.js';
import type { CheckContext } from './context.js';

export function isAcceptedKey(intent: Intent, key: string): boolean {
  const lower = key.toLowerCase();
  return intent.acceptedConditionKeys.some((a) => typeof a.key === 'string' && a.key.toLowerCase() === lower);
}

export function checkAcceptedKeys(ctx: CheckContext): void {
  const ref = ctx.reference;
  const seen = new Set<string>();
  for (const entry of ctx.intent.acceptedConditionKeys) {
    if (typeof entry.key !== 'string') continue;
    const at = ctx.at(entry, 'key');
    const lower = entry.key.toLowerCase();
    if (seen.has(lower)) {
      ctx.warn('duplicate-accepted-key', `conditionKeys.accept: "${entry.key}" is accepted twice`, at, 'keep one entry');
      continue;
    }
    seen.add(lower);
    if (!ref) continue;
    const known = ref.conditionKey(entry.key);
    if (known) {
      ctx.warn('accepted-key-now-known', `conditionKeys.accept: the service reference now lists "${known.name}"; the entry can go`, at, 'remove it, so that a misspelling of the key is an error again');
      continue;
    }
    ctx.warn('accepted-condition-key', `conditionKeys.accept: "${entry.key}" is not in the service reference and is taken on trust (${typeof entry.reason === 'string' ? entry.reason : 'no reason given'}); conditions on it are not checked`, at);
  }
}
