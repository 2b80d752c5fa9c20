/**
 * What AWS accepts in each organization policy type (REFERENCE.md section 2, with the SCP language as
 * extended in September 2025: SCPs take the full IAM language except Principal and NotPrincipal),
 * with the condition values each operator can compare and the resource ARNs AWS takes (arn.ts,
 * condition-values.ts). Checked on every emitted policy and every imported one.
 */
import type { SourceLocation } from '../diagnostics/diagnostic.js';
import type { SourceIndex } from '../diagnostics/source-index.js';
import { resourceArnProblem } from './arn.js';
import { parseIamOperator, type ParsedOperator } from './condition-operators.js';
import { conditionValueProblems } from './condition-values.js';
import { placeholderProblem } from './placeholders.js';
import type { PolicyDocument, PolicyType, Statement } from './model.js';

export interface GrammarProblem {
  /** Index of the statement, or undefined for the whole policy. */
  statement: number | undefined;
  /** The statement element at fault, for locating it. */
  element?: string;
  /** The position of the offending value when the element is a list. */
  index?: number;
  /** The offending condition operator, when the element is Condition. */
  operator?: string;
  /** The condition key, when a value of it is at fault (`index` is then the value's position). */
  key?: string;
  code: string;
  message: string;
  hint?: string;
  /** Lint findings are warnings: the policy means something, but perhaps not what it seems to. */
  severity?: 'warning';
}

export interface GrammarOptions {
  maxChars?: number;
  /** The exact text that would be sent, to measure against maxChars. */
  text?: string;
  supportsRcp: (servicePrefix: string) => boolean;
  /**
   * Action strings may use the intent's pattern language (access-level selectors, exclusions); they
   * are checked when expanded, and never reach AWS as written.
   */
  extendedActions?: boolean;
  /** The types the reference gives a condition key (e.g. ["ArrayOfString"]), for lint warnings. */
  conditionKeyTypes?: (key: string) => readonly string[] | undefined;
  /** Whether the reference has resource ARNs of a service namespace: a Resource of another matches nothing (a warning). */
  knownArnService?: (service: string) => boolean;
  /**
   * Whether a name is a request context key, for the policy variables of Resource and condition
   * values: given for policies people write (custom, imported, templated), where a placeholder
   * left unfilled is an error.
   */
  isContextKey?: (name: string) => boolean;
}

const SID = /^[A-Za-z0-9]*$/;
const ACTION = /^([A-Za-z0-9*?_.-]+):([A-Za-z0-9*?_.-]+)$/;

/** The problems that make a policy unusable (lint warnings excluded). */
export function grammarErrors(problems: readonly GrammarProblem[]): GrammarProblem[] {
  return problems.filter((p) => p.severity !== 'warning');
}

export function checkGrammar(doc: PolicyDocument, type: PolicyType, options: GrammarOptions): GrammarProblem[] {
  const problems: GrammarProblem[] = [];
  const name = type.toUpperCase();
  if (doc.statements.length === 0) problems.push({ statement: undefined, code: 'empty-policy', message: `the ${name} has no statement` });
  doc.statements.forEach((s, i) => {
    const add = (code: string, message: string, element?: string, hint?: string, index?: number, severity?: 'warning') => {
      const p: GrammarProblem = { statement: i, code, message: `${label(s, i)}: ${message}` };
      if (element) p.element = element;
      if (index !== undefined) p.index = index;
      if (hint) p.hint = hint;
      if (severity) p.severity = severity;
      problems.push(p);
    };
    if (s.sid !== undefined && !SID.test(s.sid)) add('bad-sid', `Sid "${s.sid}" may contain only letters and digits`, 'Sid');
    if (!s.action && !s.notAction) add('missing-action', 'a statement needs "Action" or "NotAction"');
    for (const [element, values] of [
      ['Action', s.action],
      ['NotAction', s.notAction],
      ['Resource', s.resource],
      ['NotResource', s.notResource],
    ] as const) {
      if (values && values.length === 0) add('empty-element', `"${element}" is an empty list`, element);
    }
    if (s.action && s.notAction) add('conflicting-elements', 'a statement has "Action" or "NotAction", not both', 'NotAction');
    if (!s.resource && !s.notResource) add('missing-resource', 'a statement needs "Resource" or "NotResource"', undefined, 'use "Resource": "*" for every resource');
    if (s.resource && s.notResource) add('conflicting-elements', 'a statement has "Resource" or "NotResource", not both', 'NotResource');
    for (const [element, values] of [
      ['Action', s.action],
      ['NotAction', s.notAction],
    ] as const) {
      if (options.extendedActions) continue;
      (values ?? []).forEach((a, j) => {
        if (a !== '*' && !ACTION.test(a)) add('malformed-action', `"${a}" is not an action (service:ActionName)`, element, undefined, j);
      });
    }
    for (const [element, values] of [
      ['Resource', s.resource],
      ['NotResource', s.notResource],
    ] as const) {
      (values ?? []).forEach((r, j) => {
        const p = resourceArnProblem(r, type, { knownArnService: options.knownArnService });
        if (p) add(p.code, p.message, element, p.hint, j, p.severity === 'warning' ? 'warning' : undefined);
      });
    }
    const isKey = options.isContextKey;
    if (isKey) {
      for (const [element, values] of [
        ['Resource', s.resource],
        ['NotResource', s.notResource],
      ] as const) {
        (values ?? []).forEach((r, j) => {
          const p = placeholderProblem(r, isKey);
          if (p) add(p.code, p.message, element, p.hint, j);
        });
      }
      for (const [op, keys] of Object.entries(s.condition ?? {})) {
        for (const [key, values] of Object.entries(keys)) {
          const inKey = placeholderProblem(key, () => false);
          if (inKey) {
            add(inKey.code, `condition ${op}: the key ${inKey.message}`, 'Condition', inKey.hint);
            Object.assign(problems[problems.length - 1]!, { operator: op, key });
          }
          values.forEach((v, j) => {
            const p = placeholderProblem(v, isKey);
            if (!p) return;
            add(p.code, `condition ${op} ${key}: ${p.message}`, 'Condition', p.hint);
            Object.assign(problems[problems.length - 1]!, { operator: op, key, index: j });
          });
        }
      }
    }
    for (const v of conditionValueProblems(s.condition)) {
      add('bad-condition-value', v.message, 'Condition');
      Object.assign(problems[problems.length - 1]!, { operator: v.operator, key: v.key, index: v.index });
    }
    for (const [op, keys] of Object.entries(s.condition ?? {})) {
      // IAM's spelling only (parseIamOperator): AWS would evaluate another casing, guardrails asks for IAM's.
      const parsed = parseIamOperator(op);
      if (!parsed.ok) {
        add('unknown-operator', parsed.message, 'Condition', parsed.suggestion ? `did you mean '${parsed.suggestion}'?` : undefined);
        problems[problems.length - 1]!.operator = op;
      }
      for (const [key, values] of Object.entries(keys)) {
        if (values.length === 0) add('empty-condition', `condition ${op} ${key} has no value`, 'Condition');
        const w = parsed.ok ? multivaluedWithoutSetOperator(parsed.operator, key, options.conditionKeyTypes?.(key)) : undefined;
        if (w) {
          add(MULTIVALUED_CODE, w.message, 'Condition', w.hint, undefined, 'warning');
          problems[problems.length - 1]!.operator = op;
        }
      }
    }
    if (type === 'scp') {
      if (s.principal) add('scp-principal', 'SCPs do not support "Principal" (they apply to the principals of the accounts they are attached to)', 'Principal');
      if (s.notPrincipal) add('scp-principal', 'SCPs do not support "NotPrincipal"', 'NotPrincipal');
      return;
    }
    if (s.effect === 'Allow') add('rcp-allow', 'RCPs may only deny; the Allow comes from the AWS-managed RCPFullAWSAccess', 'Effect');
    if (!s.principal) add('rcp-principal', 'an RCP statement needs "Principal": "*"', undefined, 'RCPs apply to every principal; narrow them with conditions');
    else if (s.principal !== '*') add('rcp-principal', 'an RCP statement\'s "Principal" must be "*"', 'Principal', 'narrow it with conditions such as aws:PrincipalAccount');
    if (s.notPrincipal) add('rcp-not-principal', 'RCPs do not support "NotPrincipal"', 'NotPrincipal');
    if (s.notAction) add('rcp-not-action', 'RCPs do not support "NotAction"', 'NotAction', 'list the actions with "Action"');
    (s.action ?? []).forEach((a, j) => {
      if (a === '*') {
        add('rcp-action-wildcard', 'an RCP may not use "Action": "*"', 'Action', 'name RCP-supported services, e.g. "s3:*"', j);
        return;
      }
      const service = ACTION.exec(a)?.[1];
      if (!service) return;
      if (/[*?]/.test(service)) add('rcp-unsupported-service', `"${a}": an RCP must name its services explicitly`, 'Action', undefined, j);
      else if (!options.supportsRcp(service.toLowerCase())) add('rcp-unsupported-service', `"${a}": RCPs do not support service "${service}"`, 'Action', 'RCPs apply only to the services in src/reference/rcp-supported-services.json; set skipUnsupportedServices: true on the control to skip them with a warning', j);
    });
  });
  if (options.maxChars !== undefined && options.text !== undefined && options.text.length > options.maxChars) {
    problems.push({
      statement: undefined,
      code: 'over-quota',
      message: `the ${name} is ${options.text.length.toLocaleString('en-US')} characters, ${(options.text.length - options.maxChars).toLocaleString('en-US')} over the limit of ${options.maxChars.toLocaleString('en-US')}`,
    });
  }
  return problems;
}

export const MULTIVALUED_CODE = 'multivalued-key-without-set-operator';

/**
 * A plain operator on a key the reference types ArrayOf*: AWS says such keys "require a condition set
 * operator", and the engine (like the oracle) lets no list value match it, negated operators included,
 * which is rarely what the author meant.
 */
export function multivaluedWithoutSetOperator(op: ParsedOperator, key: string, types: readonly string[] | undefined): { message: string; hint: string } | undefined {
  if (op.set || op.family === 'Null' || !types?.length || !types.every((t) => t.startsWith('ArrayOf'))) return undefined;
  return {
    message: `condition ${op.text} on "${key}", a multivalued key (${types.join(', ')}), without ForAnyValue/ForAllValues: a request with a list of values never matches it${op.negated ? ', so this negated operator is not true for them either' : ''}`,
    hint: `write 'ForAnyValue:${op.canonicalText}' or 'ForAllValues:${op.canonicalText}' (IAM User Guide, single-valued vs. multivalued context keys)`,
  };
}

/**
 * Where a problem is in the text the document was read from: the value at fault (a condition value,
 * an entry of a list), else the operator, else the element, else the statement.
 */
export function locateGrammarProblem(sources: SourceIndex, doc: PolicyDocument, p: GrammarProblem): SourceLocation | undefined {
  const st = p.statement === undefined ? undefined : doc.statements[p.statement];
  if (!st?.origin) return sources.locate(doc.origin);
  if (!p.element) return sources.locate(st.origin);
  const raw = (st.origin as Record<string, unknown>)[p.element];
  if (p.operator !== undefined && isRecord(raw)) {
    const keys = raw[p.operator];
    if (p.key === undefined || !isRecord(keys)) return sources.locateKey(raw, p.operator);
    const values = keys[p.key];
    return Array.isArray(values) && p.index !== undefined ? sources.locate(values, p.index) : sources.locate(keys, p.key);
  }
  return p.index !== undefined && Array.isArray(raw) ? sources.locate(raw, p.index) : sources.locate(st.origin, p.element);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function label(s: Statement, i: number): string {
  return s.sid ? `statement ${s.sid}` : `statement ${i + 1}`;
}
