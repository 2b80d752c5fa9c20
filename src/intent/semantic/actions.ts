/** Action patterns, service lists and condition blocks wherever the intent writes them. */
import { closestNames, didYouMean, error, warning, type SourceLocation } from '../../diagnostics/index.js';
import { conditionKeyProblems, type ConditionCheck } from '../../policy/condition-keys.js';
import type { Condition } from '../../policy/model.js';
import { parseIamOperator } from '../../policy/condition-operators.js';
import { isAcceptedKey } from './accepted-keys.js';
import { MULTIVALUED_CODE, multivaluedWithoutSetOperator } from '../../policy/grammar.js';
import { isObject, type CheckContext } from './context.js';

export interface ActionCheckOptions {
  /** The patterns end up in an RCP: every service must support RCPs. */
  rcp?: boolean;
  /** Unsupported services are skipped with a warning instead of failing (explicit per-control option). */
  skipUnsupported?: boolean;
}

type Locator = (index: number) => SourceLocation | undefined;

/**
 * Did-you-mean hints for unknown services given in one check of the intent (the reference index bounds
 * its own hints for actions and condition keys the same way). Each compares the name with every
 * service; thousands of unknown names in a hostile list would cost seconds. Past the first ones a
 * name is still reported, without a hint.
 */
export const SERVICE_SUGGESTIONS = 50;
const serviceSuggestionsLeft = new WeakMap<CheckContext, number>();

function maySuggestService(ctx: CheckContext): boolean {
  const left = serviceSuggestionsLeft.get(ctx) ?? SERVICE_SUGGESTIONS;
  serviceSuggestionsLeft.set(ctx, left - 1);
  return left > 0;
}

/** A YAML list of patterns, or a single pattern written as a string in `holder[key]`. */
export function patternsAt(ctx: CheckContext, holder: object, key: string): { texts: string[]; locate: Locator } | undefined {
  const v = (holder as Record<string, unknown>)[key];
  if (typeof v === 'string') return { texts: [v], locate: () => ctx.at(holder, key) };
  if (Array.isArray(v)) return { texts: v.map((x) => (typeof x === 'string' ? x : '')), locate: (i) => ctx.at(v, i) };
  return undefined;
}

/** Expands the patterns of `holder[key]` against the reference and reports every problem where it is written. */
export function checkActionPatterns(ctx: CheckContext, holder: object, key: string, what: string, options: ActionCheckOptions = {}): void {
  const ref = ctx.reference;
  const found = patternsAt(ctx, holder, key);
  if (!ref || !found) return;
  const { texts, locate } = found;
  const expansion = ref.expandList(texts);
  for (const p of expansion.problems) {
    const message = `${what}: ${p.message}`;
    if (p.severity === 'error') ctx.error(p.code, message, locate(p.index), p.hint);
    else ctx.warn(p.code, message, locate(p.index), p.hint);
  }
  if (!options.rcp) return;
  for (const pp of expansion.perPattern) {
    if (pp.kind !== 'include') continue;
    const index = texts.indexOf(pp.text);
    if (pp.text === '*') {
      ctx.error('rcp-action-wildcard', `${what}: an RCP may not name every action ("*")`, locate(index), 'list the RCP-supported services instead, e.g. s3:*');
      continue;
    }
    const unsupported = new Set<string>();
    for (const id of pp.matched) {
      const a = ref.actions[id]!;
      if (!ref.supportsRcp(a.service)) unsupported.add(a.service);
    }
    if (unsupported.size > 0) reportUnsupported(ctx, [...unsupported], `${what}: "${pp.text}" names`, locate(index), options);
  }
}

/** A list of service prefixes: each must exist, and for RCPs support them. */
export function checkServices(ctx: CheckContext, list: unknown, what: string, options: ActionCheckOptions = {}): void {
  const ref = ctx.reference;
  if (!ref || !Array.isArray(list)) return;
  list.forEach((s, i) => {
    if (typeof s !== 'string') return;
    const svc = ref.service(s);
    if (!svc) {
      const hint = maySuggestService(ctx) ? didYouMean(closestNames(s, ref.services.map((x) => x.prefix))) : undefined;
      ctx.error('unknown-service', `${what}: there is no service "${s}" in the service reference`, ctx.at(list, i), hint);
      return;
    }
    if (options.rcp && !svc.supportsRcp) reportUnsupported(ctx, [svc.prefix], `${what}:`, ctx.at(list, i), options);
  });
}

function reportUnsupported(ctx: CheckContext, services: string[], prefix: string, at: SourceLocation | undefined, options: ActionCheckOptions): void {
  // Skipped services are reported by compile, once per control and service, wherever the statements
  // that name them come from (the intent, an imported file, a template, generated from data).
  if (options.skipUnsupported) return;
  const names = services.map((s) => `"${s}"`).join(', ');
  const message = `${prefix} ${services.length === 1 ? 'service' : 'services'} ${names}, which RCPs do not support`;
  ctx.error('rcp-unsupported-service', message, at, 'RCPs apply only to the services in src/reference/rcp-supported-services.json; set skipUnsupportedServices: true to skip the others with a warning');
}

/**
 * Operators must be IAM's, spelled as IAM spells them (parseIamOperator: AWS evaluates any casing,
 * guardrails asks for IAM's spelling). Keys must mean something (conditionKeyProblem, which compile
 * applies to every statement it expands, imported and templated ones too): in a Deny, a key the
 * reference does not know, or that none of `actions` carries, makes the condition a constant, so the
 * Deny never applies or applies to every request; both are errors. Keys of identity providers
 * (accounts.google.com:sub) are not in the reference and only warned about. Lint warnings
 * (multivalued-key-without-set-operator) are reported unless `lint` is false, where the policy
 * grammar reports them.
 */
export function checkConditionBlock(ctx: CheckContext, block: unknown, what: string, effect: 'Allow' | 'Deny' = 'Deny', lint = true, actions?: readonly string[], extra?: Condition): void {
  if (!isObject(block)) return;
  const written: Record<string, Record<string, string[]>> = {};
  for (const [op, keys] of Object.entries(block)) {
    const parsed = parseIamOperator(op);
    if (!parsed.ok) {
      ctx.error('unknown-operator', `${what}: ${parsed.message}`, ctx.atKey(block, op), parsed.suggestion ? `did you mean '${parsed.suggestion}'?` : undefined);
      continue;
    }
    if (!isObject(keys) || !ctx.reference) continue;
    written[op] = {};
    for (const [key, value] of Object.entries(keys)) {
      const known = ctx.reference.conditionKey(key);
      const multi = lint && known ? multivaluedWithoutSetOperator(parsed.operator, key, known.types) : undefined;
      if (multi) ctx.warn(MULTIVALUED_CODE, `${what}: ${multi.message}`, ctx.atKey(keys, key), multi.hint);
      written[op][key] = (Array.isArray(value) ? value : [value]).map(String);
    }
  }
  const ref = ctx.reference;
  if (!ref) return;
  const check: ConditionCheck = {
    condition: mergeForCheck(written, extra),
    effect,
    accepted: (key) => isAcceptedKey(ctx.intent, key),
    judgePartial: (op, key) => written[op]?.[key] !== undefined,
  };
  if (actions) check.actions = ref.expandList(actions).actions.toArray().map((id) => ref.actions[id]!);
  for (const p of conditionKeyProblems(ref, check)) {
    const keys = (block as Record<string, unknown>)[p.operator];
    if (!isObject(keys)) continue;
    ctx.diagnostics.push((p.severity === 'error' ? error : warning)(p.code, `${what}: ${p.message}`, ctx.atKey(keys, p.key), p.hint));
  }
}

/** The written block with the conditions the control adds (exceptPrincipals), for what they decide together. */
function mergeForCheck(written: Condition, extra: Condition | undefined): Condition {
  const out: Condition = { ...written };
  for (const [op, keys] of Object.entries(extra ?? {})) out[op] = { ...keys, ...out[op] };
  return out;
}

/** Actions and conditions of raw IAM statements (custom controls). */
export function checkStatements(ctx: CheckContext, statements: unknown, what: string, rcp: boolean, skipUnsupported = false): void {
  if (!Array.isArray(statements)) return;
  statements.forEach((st, i) => {
    if (!isObject(st)) return;
    const label = `${what} statement ${typeof st.Sid === 'string' ? st.Sid : i + 1}`;
    checkActionPatterns(ctx, st, 'Action', `${label} Action`, { rcp, skipUnsupported });
    checkActionPatterns(ctx, st, 'NotAction', `${label} NotAction`);
    checkConditionBlock(ctx, st.Condition, label, st.Effect === 'Allow' ? 'Allow' : 'Deny', false, st.NotAction === undefined ? patternsAt(ctx, st, 'Action')?.texts : undefined);
  });
}
