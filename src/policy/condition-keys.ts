/**
 * Whether a condition can mean what its author meant: a key the service reference does not know, or
 * that none of the statement's actions carries, is never in the request, so its condition is decided
 * by the operator alone (REFERENCE.md: a missing key makes a condition false, except for IfExists,
 * negated operators, ForAllValues and `Null: true`). In a Deny that is a guardrail that never applies
 * or one that denies every request it covers; both are errors. One function, so that validate (the
 * intent as written) and compile (every statement, imported and templated ones too) say the same.
 */
import { didYouMean } from '../diagnostics/suggest.js';
import { parseIamOperator, type ParsedOperator } from './condition-operators.js';

/** What this check needs of the service reference (src/reference's ReferenceIndex fits). */
export interface ConditionKeyReference {
  conditionKey(name: string): { name: string; definedBy: string } | undefined;
  service(prefix: string): { resourceTypes: ReadonlyMap<string, { conditionKeys: readonly string[] }> } | undefined;
  suggestConditionKeys(name: string): string[];
}

/** An action of the statement, as the reference describes it. */
export interface KeyCarrier {
  qualified: string;
  service: string;
  resourceTypes: readonly string[];
  conditionKeys: readonly string[];
}

export interface ConditionCheck {
  /** The statement's whole Condition element, values as strings. */
  condition: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  effect: 'Allow' | 'Deny';
  /** The statement's actions; undefined for NotAction statements (every other action) or when unknown. */
  actions?: readonly KeyCarrier[];
  /** Listed in the intent's conditionKeys.accept: the author says AWS has the key. */
  accepted(key: string): boolean;
  /**
   * Whether to warn when only some actions carry a key: for conditions the user writes, not for the
   * ones a control generates, which name the actions the key applies to on purpose (the region-deny's
   * Bedrock companion, the Mantle model allowlist), each tested where the control is.
   */
  judgePartial(operator: string, key: string): boolean;
}

export interface ConditionKeyProblem {
  operator: string;
  key: string;
  severity: 'error' | 'warning';
  code: 'unknown-condition-key' | 'condition-key-not-carried';
  message: string;
  hint?: string;
}

export const ACCEPT_HINT = 'if AWS has the key and the service reference does not list it yet, add it to conditionKeys.accept in the intent with a reason (or run guardrails sync)';

/** What the condition evaluates to for a request without the key. */
export function trueWhenAbsent(op: ParsedOperator, values: readonly string[]): boolean {
  if (op.family === 'Null') return values.some((v) => v.toLowerCase() === 'true');
  if (op.ifExists || op.set === 'ForAllValues') return true;
  if (op.set === 'ForAnyValue') return false;
  return op.negated;
}

/**
 * Keys of identity providers are not AWS's, and the reference does not list them: they are prefixed
 * with the provider's host name (accounts.google.com:sub, token.actions.githubusercontent.com:sub,
 * oidc.eks.<region>.amazonaws.com/id/<id>:sub) or with saml. Any other key claims to be AWS's: a
 * prefix that is neither aws nor a service is a misspelled one (asw:, ec22:), and so is a key without
 * a prefix (PrincipalOrgID, aws.PrincipalOrgID).
 */
export function claimsAws(ref: ConditionKeyReference, key: string): boolean {
  const colon = key.indexOf(':');
  if (colon <= 0) return true;
  const prefix = key.slice(0, colon).toLowerCase();
  if (prefix === 'aws' || ref.service(prefix) !== undefined) return true;
  return !(prefix.includes('.') || prefix === 'saml');
}

/**
 * Every problem of the statement's condition keys. What a Deny does to a request without a key is
 * decided by all of the statement's conditions on that key: any one false when the key is absent (a
 * `Null: false` guard) keeps the statement to requests that carry it.
 */
export function conditionKeyProblems(ref: ConditionKeyReference, check: ConditionCheck): ConditionKeyProblem[] {
  const parsed: { text: string; op: ParsedOperator; key: string; values: readonly string[] }[] = [];
  for (const [text, keys] of Object.entries(check.condition)) {
    const p = parseIamOperator(text);
    // A misspelled operator is reported by the grammar.
    if (!p.ok) continue;
    for (const [key, values] of Object.entries(keys)) parsed.push({ text, op: p.operator, key, values });
  }
  const appliesWithout = (key: string) => parsed.every((c) => c.key.toLowerCase() !== key.toLowerCase() || trueWhenAbsent(c.op, c.values));
  const others = parsed.length > 1;
  const out: ConditionKeyProblem[] = [];
  // Which actions list keys at all is asked only for a service's own key (most conditions read aws: keys),
  // and a statement may name every action of the reference.
  let carriers: readonly KeyCarrier[] | undefined | null = null;
  const carriersOf = () => (carriers === null ? (carriers = check.actions?.filter((a) => listsKeys(ref, a))) : carriers);
  for (const c of parsed) {
    const problem = keyProblem(ref, check, c.text, c.key, carriersOf, appliesWithout(c.key), others);
    if (problem) out.push(problem);
  }
  return out;
}

/** What the Deny does to requests without the key: all of them, or (`forThem`) those of the actions that never carry it. */
function outcome(operator: string, appliesWithout: boolean, others: boolean, forThem = false): string {
  const scope = forThem ? 'for them, ' : '';
  if (appliesWithout) return `${operator} is true when the key is absent, so ${scope}this Deny applies to every request ${others ? 'its other conditions match' : 'it covers'} (deny-all)`;
  return `${operator} is false when the key is absent, so ${scope}this Deny never applies (a no-op guardrail)`;
}

function keyProblem(ref: ConditionKeyReference, check: ConditionCheck, operator: string, key: string, actionsOf: () => readonly KeyCarrier[] | undefined, appliesWithout: boolean, others: boolean): ConditionKeyProblem | undefined {
  const deny = check.effect === 'Deny';
  const known = ref.conditionKey(key);
  if (!known) {
    if (check.accepted(key)) return undefined;
    const suggestion = didYouMean(ref.suggestConditionKeys(key));
    if (deny && claimsAws(ref, key)) {
      return { operator, key, severity: 'error', code: 'unknown-condition-key', message: `condition key "${key}" is not in the service reference, so no request carries it: ${outcome(operator, appliesWithout, others)}`, hint: suggestion ?? `check the spelling; ${ACCEPT_HINT}` };
    }
    return { operator, key, severity: 'warning', code: 'unknown-condition-key', message: `condition key "${key}" is not in the service reference`, hint: suggestion ?? 'keys of identity providers (e.g. accounts.google.com:sub) are not listed there; check the spelling' };
  }
  if (known.definedBy === 'global' || key.toLowerCase().startsWith('aws:')) return undefined;
  const actions = actionsOf();
  if (!actions || actions.length === 0) return undefined;
  const canonical = known.name.toLowerCase();
  const carrying: KeyCarrier[] = [];
  const without: KeyCarrier[] = [];
  for (const a of actions) (carries(ref, a, canonical) ? carrying : without).push(a);
  if (without.length === 0) return undefined;
  const names = (list: readonly KeyCarrier[]) => list.slice(0, 3).map((a) => a.qualified).join(', ') + (list.length > 3 ? ` and ${list.length - 3} more` : '');
  const hint = 'the service reference lists, per action, the keys its requests carry (its own and those of its resource types); name the actions that carry the key, or a key they carry';
  if (carrying.length === 0) {
    const message = `condition key "${known.name}" is carried by none of the statement's actions (${names(without)}): ${deny ? outcome(operator, appliesWithout, others) : 'the condition is decided without it'}`;
    return { operator, key, severity: deny ? 'error' : 'warning', code: 'condition-key-not-carried', message, hint };
  }
  if (!deny || !check.judgePartial(operator, key)) return undefined;
  const message = `condition key "${known.name}" is carried by ${carrying.length} of the statement's ${actions.length} actions; ${without.length} never carry it (${names(without)}): ${outcome(operator, appliesWithout, others, true)}`;
  return { operator, key, severity: 'warning', code: 'condition-key-not-carried', message, hint };
}

/**
 * The condition keys the reference lists for an action, its own and its resource types', lower-cased;
 * computed once per action and reference (a statement of "*" names every action, for each of its keys).
 */
const keySets = new WeakMap<ConditionKeyReference, Map<string, ReadonlySet<string>>>();

function keysOf(ref: ConditionKeyReference, a: KeyCarrier): ReadonlySet<string> {
  let perAction = keySets.get(ref);
  if (!perAction) keySets.set(ref, (perAction = new Map()));
  let keys = perAction.get(a.qualified);
  if (!keys) {
    const types = ref.service(a.service)?.resourceTypes;
    const all = [...a.conditionKeys, ...a.resourceTypes.flatMap((rt) => types?.get(rt.toLowerCase())?.conditionKeys ?? [])];
    keys = new Set(all.map((k) => k.toLowerCase()));
    perAction.set(a.qualified, keys);
  }
  return keys;
}

/**
 * Whether the reference lists any condition key for the action. A few actions list none though AWS
 * documents keys for them (aws-marketplace:Subscribe and aws-marketplace:ProductId): the reference then
 * says nothing either way.
 */
function listsKeys(ref: ConditionKeyReference, a: KeyCarrier): boolean {
  return keysOf(ref, a).size > 0;
}

function carries(ref: ConditionKeyReference, a: KeyCarrier, canonical: string): boolean {
  return keysOf(ref, a).has(canonical);
}
