/**
 * The grammar of IAM condition operators: a base operator, an optional `IfExists` suffix and an optional
 * `ForAllValues:` / `ForAnyValue:` set prefix. An unknown operator is an error with a suggestion, never
 * a silent no-op (an unrecognized operator in a Deny would deny nothing).
 *
 * Casing: AWS evaluates operator names case-insensitively (REFERENCE.md section 2; AWS's own
 * rcpex_sts_protect_iamra_session_tags.json says `ForAnyValue:Stringlike`), yet guardrails accepts only
 * IAM's spelling and says which one to write. It emits canonical policies that reviewers diff and that
 * IAM Access Analyzer's validation does not flag, and the mechanical fix is cheaper than two spellings
 * of one operator through minimization, merging and evaluation.
 */
import { closestNames } from '../diagnostics/suggest.js';

export type OperatorFamily = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'IpAddress' | 'Arn' | 'Null';

export const BASE_OPERATORS: Readonly<Record<string, OperatorFamily>> = {
  StringEquals: 'String',
  StringNotEquals: 'String',
  StringEqualsIgnoreCase: 'String',
  StringNotEqualsIgnoreCase: 'String',
  StringLike: 'String',
  StringNotLike: 'String',
  NumericEquals: 'Numeric',
  NumericNotEquals: 'Numeric',
  NumericLessThan: 'Numeric',
  NumericLessThanEquals: 'Numeric',
  NumericGreaterThan: 'Numeric',
  NumericGreaterThanEquals: 'Numeric',
  DateEquals: 'Date',
  DateNotEquals: 'Date',
  DateLessThan: 'Date',
  DateLessThanEquals: 'Date',
  DateGreaterThan: 'Date',
  DateGreaterThanEquals: 'Date',
  Bool: 'Bool',
  BinaryEquals: 'Binary',
  IpAddress: 'IpAddress',
  NotIpAddress: 'IpAddress',
  ArnEquals: 'Arn',
  ArnNotEquals: 'Arn',
  ArnLike: 'Arn',
  ArnNotLike: 'Arn',
  Null: 'Null',
};

/** Operators that deny a match ("Not" forms): for a missing key they evaluate to true. */
const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'NumericNotEquals', 'DateNotEquals', 'NotIpAddress', 'ArnNotEquals', 'ArnNotLike']);

export interface ParsedOperator {
  text: string;
  base: string;
  family: OperatorFamily;
  ifExists: boolean;
  set: 'ForAllValues' | 'ForAnyValue' | undefined;
  negated: boolean;
}

export type OperatorParse = { ok: true; operator: ParsedOperator } | { ok: false; message: string; suggestion?: string };

const ALL_NAMES: string[] = (() => {
  const names: string[] = [];
  for (const base of Object.keys(BASE_OPERATORS)) {
    const forms = base === 'Null' ? [base] : [base, `${base}IfExists`];
    for (const f of forms) names.push(f, `ForAllValues:${f}`, `ForAnyValue:${f}`);
  }
  return names;
})();

export function parseOperator(text: string): OperatorParse {
  let rest = text;
  let set: ParsedOperator['set'];
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon);
    if (prefix !== 'ForAllValues' && prefix !== 'ForAnyValue') return unknown(text);
    set = prefix;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.endsWith('IfExists')) {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  const family = BASE_OPERATORS[rest];
  if (!family || (family === 'Null' && ifExists)) return unknown(text);
  return { ok: true, operator: { text, base: rest, family, ifExists, set, negated: NEGATED.has(rest) } };
}

function unknown(text: string): OperatorParse {
  const exact = ALL_NAMES.find((n) => n.toLowerCase() === text.toLowerCase());
  const near = exact ? [exact] : closestNames(text, ALL_NAMES, 1);
  const result: OperatorParse = {
    ok: false,
    message: exact
      ? `"${text}" is not IAM's spelling of the operator ${exact}: AWS evaluates operator names case-insensitively, but IAM Access Analyzer reports other spellings, and guardrails writes operators only as IAM spells them`
      : `"${text}" is not an IAM condition operator`,
  };
  if (near[0]) result.suggestion = near[0];
  return result;
}
