/**
 * Conditions: a block of operators, each with keys, each with values. All operators must hold, all keys
 * of an operator must hold, and a key holds when the request's value matches any of the policy values
 * (for a negated operator: matches none of them). IfExists, ForAllValues and ForAnyValue follow AWS's
 * documented rules for missing and empty keys (SEMANTICS below, with their sources).
 */
import { parseOperator, type Condition, type ParsedOperator } from '../../policy/index.js';
import type { RequestContext } from '../context.js';
import { EvaluationError } from '../errors.js';
import { hasVariables, plainText, resolveVariables } from '../variables.js';
import { arnFamily } from './arn.js';
import { binaryFamily } from './binary.js';
import { boolFamily } from './bool.js';
import { dateFamily } from './date.js';
import type { OperatorFamily } from './family.js';
import { ipFamily } from './ip.js';
import { checkKeyType } from './key-types.js';
import { numericFamily } from './numeric.js';
import { stringFamily } from './string.js';

/**
 * AWS's rules where the obvious reading is not the rule.
 *
 * Missing keys (IAM User Guide, "Condition operators", Important): "If the key that you specify in a
 * policy condition is not present in the request context, the values do not match and the condition
 * is false. If the policy condition requires that the key is not matched, such as StringNotLike or
 * ArnNotLike, and the right key is not present, the condition is true. This logic applies to all
 * condition operators except ...IfExists and Null check."
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 *
 * Set operators (".../reference_policies_condition-single-vs-multi-valued-context-keys.html"):
 * ForAllValues holds when every request value matches, and when the key is missing or empty;
 * ForAnyValue holds when one request value matches, never when the key is missing or empty.
 * "The ForAllValues qualifier returns true if there are no context keys in the request or if the
 * context key value resolves to a null dataset, such as an empty string" (".../
 * reference_policies_elements_condition_operators.html", multivalued ARN operators): a value that is
 * only empty strings is such a null dataset, for ForAllValues true, for ForAnyValue (like an empty
 * key) false. The oracle compares the empty string instead; the differential test lists this.
 *
 * A single-valued operator (no ForAllValues/ForAnyValue) on a multivalued request value is not
 * defined by the documentation, which only says "Multivalued context keys require a condition set
 * operator" (".../reference_policies_condition-single-vs-multi-valued-context-keys.html"). We follow
 * the differential test's oracle, @cloud-copilot/iam-simulate 0.1.173 (condition.js,
 * singleValueMatch: `failedBecauseArray`): such a condition does not match, whatever the number of
 * values, negated operators and IfExists included, so `StringNotEquals aws:TagKeys a` with
 * ["a","b"] denies nothing in a Deny. Compile and validate warn about it
 * (multivalued-key-without-set-operator). A request value is multivalued when it is given as a list;
 * buildRequest makes a key the reference types ArrayOf* a list.
 */
export const SEMANTICS = {
  missingKeyMatchesNegated: true,
  singleOperatorOnMultivaluedKey: 'none' as 'none' | 'any' | 'all',
};

const FAMILIES: Record<string, OperatorFamily<unknown>> = {
  String: stringFamily as OperatorFamily<unknown>,
  Numeric: numericFamily as OperatorFamily<unknown>,
  Date: dateFamily as OperatorFamily<unknown>,
  Bool: boolFamily as OperatorFamily<unknown>,
  Binary: binaryFamily as OperatorFamily<unknown>,
  IpAddress: ipFamily as OperatorFamily<unknown>,
  Arn: arnFamily as OperatorFamily<unknown>,
};

export type ConditionEvaluator = (ctx: RequestContext) => boolean;

interface CompiledKey {
  key: string;
  /** Parsed policy values, or the raw text when it holds variables (parsed per request). */
  values: ({ parsed: unknown } | { raw: string })[];
}

/** The types of a condition key, from the reference; undefined for a key it does not know. */
export type KeyTypes = (key: string) => readonly string[] | undefined;

/**
 * Compiles a Condition element; throws EvaluationError for anything it cannot evaluate faithfully.
 * With `keyTypes` (from the reference), an operator family that does not fit the key's type, or a key
 * type the engine does not know, is such a thing (key-types.ts).
 */
export function compileCondition(condition: Condition | undefined, keyTypes?: KeyTypes): ConditionEvaluator {
  const parts: ConditionEvaluator[] = [];
  for (const [opText, keys] of Object.entries(condition ?? {})) {
    const parsed = parseOperator(opText);
    if (!parsed.ok) throw new EvaluationError(parsed.message + (parsed.suggestion ? `; did you mean ${parsed.suggestion}?` : ''));
    const op = parsed.operator;
    for (const [key, values] of Object.entries(keys)) {
      if (values.length === 0) throw new EvaluationError(`condition ${opText} ${key} has no value`);
      const types = keyTypes?.(key);
      if (types) checkKeyType(opText, op.family, key, types);
      parts.push(op.family === 'Null' ? compileNull(key, values) : compileKey(op, key, values));
    }
  }
  if (parts.length === 0) return () => true;
  if (parts.length === 1) return parts[0]!;
  return (ctx) => {
    for (const p of parts) if (!p(ctx)) return false;
    return true;
  };
}

/** No value, or only empty strings: AWS's "null dataset, such as an empty string". */
function isNullDataset(values: readonly string[]): boolean {
  for (const v of values) if (v !== '') return false;
  return true;
}

function compileNull(key: string, values: string[]): ConditionEvaluator {
  const expected = values.map((v) => boolFamily.parse(v));
  // Null: "true" holds when the key is absent or null, "false" when "the key exists and its value is
  // not null"; a key with an empty value (no values, or only empty strings: a null dataset) is null,
  // which is what the documented guard "Null false" against context keys with empty values relies on
  // (IAM User Guide, multivalued context key examples and condition operators, Null).
  return (ctx) => {
    const entry = ctx.get(key);
    const absent = !entry || isNullDataset(entry.values);
    return expected.some((e) => e === absent);
  };
}

function compileKey(op: ParsedOperator, key: string, rawValues: string[]): ConditionEvaluator {
  const family = FAMILIES[op.family]!;
  const compiled: CompiledKey = { key, values: rawValues.map((v) => (hasVariables(v) ? { raw: v } : { parsed: family.parse(v) })) };
  const base = op.base;
  /** Does one request value match any of the policy values (variables resolved for this request)? */
  const matchesAny = (v: string, ctx: RequestContext): boolean => {
    for (const pv of compiled.values) {
      let policyValue: unknown;
      if ('parsed' in pv) policyValue = pv.parsed;
      else {
        const resolved = resolveVariables(pv.raw, ctx);
        if (!resolved) continue; // a variable without a value matches nothing
        // String matching keeps escaped wildcards literal; other families see the plain text.
        policyValue = family.parse(op.family === 'String' ? resolved.text : plainText(resolved.text));
      }
      if (family.matches(base, v, policyValue)) return true;
    }
    return false;
  };
  const holdsFor = (v: string, ctx: RequestContext) => (op.negated ? !matchesAny(v, ctx) : matchesAny(v, ctx));
  return (ctx) => {
    const entry = ctx.get(key);
    if (op.set === 'ForAllValues') {
      if (!entry || isNullDataset(entry.values)) return true;
      for (const v of entry.values) if (!holdsFor(v, ctx)) return false;
      return true;
    }
    if (op.set === 'ForAnyValue') {
      if (!entry || isNullDataset(entry.values)) return op.ifExists && !entry;
      for (const v of entry.values) if (holdsFor(v, ctx)) return true;
      return false;
    }
    if (!entry) return op.ifExists || (op.negated && SEMANTICS.missingKeyMatchesNegated);
    if (entry.multivalued) {
      const mode = SEMANTICS.singleOperatorOnMultivaluedKey;
      if (mode === 'none') return false;
      if (entry.values.length === 0) return op.ifExists || (op.negated && SEMANTICS.missingKeyMatchesNegated);
      return mode === 'any' ? entry.values.some((v) => holdsFor(v, ctx)) : entry.values.every((v) => holdsFor(v, ctx));
    }
    return holdsFor(entry.values[0]!, ctx);
  };
}
