/**
 * The grammar of IAM condition operators: a base operator, an optional `IfExists` suffix and an optional
 * `ForAllValues:` / `ForAnyValue:` set prefix. A name that is no operator in any casing is an error with
 * a suggestion, never a silent no-op (an unrecognized operator in a Deny would deny nothing).
 *
 * Casing: AWS evaluates operator names case-insensitively (REFERENCE.md section 2; AWS's own
 * rcpex_sts_protect_iamra_session_tags.json says `ForAnyValue:Stringlike`). Two readers follow:
 * - parseOperator, for evaluation (the engine reads deployed and hand-written policies as AWS does):
 *   any casing parses to the canonical operator; `canonical` says whether the text was written as
 *   AWS documents it.
 * - parseIamOperator, for the grammar of what guardrails compiles, validates and imports: only IAM's
 *   spelling, and an error that says which one to write. guardrails emits canonical policies that
 *   reviewers diff and that IAM Access Analyzer's validation does not flag, and the mechanical fix is
 *   cheaper than two spellings of one operator through minimization and merging.
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
  /** The operator as AWS documents it, e.g. `ForAnyValue:StringLike` for `forAnyValue:stringlike`. */
  canonicalText: string;
  /** Whether `text` is written exactly as `canonicalText`. */
  canonical: boolean;
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

const BASE_BY_LOWER = new Map(Object.keys(BASE_OPERATORS).map((b) => [b.toLowerCase(), b]));

export function parseOperator(text: string): OperatorParse {
  let rest = text;
  let set: ParsedOperator['set'];
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === 'forallvalues') set = 'ForAllValues';
    else if (prefix === 'foranyvalue') set = 'ForAnyValue';
    else return unknown(text);
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.toLowerCase().endsWith('ifexists')) {
    ifExists = true;
    rest = rest.slice(0, -'IfExists'.length);
  }
  const base = BASE_BY_LOWER.get(rest.toLowerCase());
  const family = base ? BASE_OPERATORS[base] : undefined;
  if (!base || !family || (family === 'Null' && ifExists)) return unknown(text);
  const canonicalText = `${set ? `${set}:` : ''}${base}${ifExists ? 'IfExists' : ''}`;
  return { ok: true, operator: { text, canonicalText, canonical: canonicalText === text, base, family, ifExists, set, negated: NEGATED.has(base) } };
}

function unknown(text: string): OperatorParse {
  const near = closestNames(text, ALL_NAMES, 1);
  const result: OperatorParse = { ok: false, message: `"${text}" is not an IAM condition operator` };
  if (near[0]) result.suggestion = near[0];
  return result;
}

/**
 * An operator as guardrails accepts it in what it compiles, validates and imports: IAM's spelling only.
 * Another casing of a real operator is an error naming the spelling to write (AWS would evaluate it,
 * see above); the engine reads policies with parseOperator.
 */
export function parseIamOperator(text: string): OperatorParse {
  const parsed = parseOperator(text);
  if (!parsed.ok || parsed.operator.canonical) return parsed;
  const exact = parsed.operator.canonicalText;
  return {
    ok: false,
    message: `"${text}" is not IAM's spelling of the operator ${exact}: AWS evaluates operator names case-insensitively, but IAM Access Analyzer reports other spellings, and guardrails writes operators only as IAM spells them`,
    suggestion: exact,
  };
}
