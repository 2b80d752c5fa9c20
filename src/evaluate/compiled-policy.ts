/**
 * A policy compiled for evaluation: each statement's action, resource and principal matchers and
 * condition are built once. Actions the reference knows are matched by bitset; others by their
 * patterns. A statement that cannot be evaluated faithfully keeps its error: any request that reaches
 * it gets an error decision, never an allow.
 */
import type { Principal, Statement } from '../policy/index.js';
import type { ActionSet, ReferenceIndex } from '../reference/index.js';
import { resourceArnMatcher } from './arn.js';
import { compileCondition, type ConditionEvaluator } from './conditions/index.js';
import { EvaluationError } from './errors.js';
import { globMatcher, type Matcher } from './glob.js';
import type { EvalRequest } from './request.js';
import { hasVariables, resolveVariables } from './variables.js';

export interface CompiledStatement {
  index: number;
  sid: string | undefined;
  effect: 'Allow' | 'Deny';
  /** Why the statement cannot be evaluated, when it cannot. */
  error: string | undefined;
  /** The error's stable code (condition-type-mismatch, unknown-key-type, cannot-evaluate). */
  errorCode?: string;
  /** The condition (operator and key as written) the error is about, when it is about one. */
  errorCondition?: { operator: string; key: string };
  matches(request: EvalRequest): boolean;
  condition: ConditionEvaluator;
  /** What the caller attached (e.g. the controls the statement carries). */
  tag?: unknown;
}

export interface CompiledPolicy {
  name: string;
  statements: CompiledStatement[];
  tag?: unknown;
}

export function compilePolicy(name: string, statements: readonly Statement[], reference?: ReferenceIndex, tags?: (index: number) => unknown, policyTag?: unknown): CompiledPolicy {
  return { name, tag: policyTag, statements: statements.map((s, i) => compileStatement(s, i, reference, tags?.(i))) };
}

function compileStatement(s: Statement, index: number, reference: ReferenceIndex | undefined, tag: unknown): CompiledStatement {
  const base = { index, sid: s.sid, effect: s.effect, tag };
  try {
    const action = actionMatcher(s.action ?? s.notAction ?? [], reference);
    const actionMatches = s.notAction ? (r: EvalRequest) => !action(r) : action;
    const resource = resourceMatcher(s.resource ?? s.notResource ?? ['*']);
    const resourceMatches = s.notResource ? (r: EvalRequest) => !resource(r) : resource;
    const principal = s.principal ? principalMatcher(s.principal) : s.notPrincipal ? negate(principalMatcher(s.notPrincipal)) : () => true;
    const condition = compileCondition(s.condition, reference ? (k) => reference.conditionKey(k)?.types : undefined);
    return { ...base, error: undefined, condition, matches: (r) => actionMatches(r) && resourceMatches(r) && principal(r) };
  } catch (e) {
    if (!(e instanceof EvaluationError)) throw e;
    return { ...base, error: e.message, errorCode: e.code, ...(e.condition ? { errorCondition: e.condition } : {}), condition: () => false, matches: () => true };
  }
}

function negate(m: (r: EvalRequest) => boolean): (r: EvalRequest) => boolean {
  return (r) => !m(r);
}

function actionMatcher(patterns: readonly string[], reference: ReferenceIndex | undefined): (r: EvalRequest) => boolean {
  if (patterns.includes('*')) return () => true;
  const matchers = patterns.map((p) => {
    if (!/^[^:]+:[^:]+$/.test(p)) throw new EvaluationError(`"${p}" is not an action`);
    return globMatcher(p, true);
  });
  let known: ActionSet | undefined;
  if (reference) known = reference.expandList(patterns).actions;
  return (r) => {
    if (known && r.actionId !== undefined) return known.has(r.actionId);
    const lower = r.action.toLowerCase();
    for (const m of matchers) if (m(lower)) return true;
    return false;
  };
}

function resourceMatcher(patterns: readonly string[]): (r: EvalRequest) => boolean {
  if (patterns.includes('*')) return () => true;
  const fixed: Matcher[] = patterns.filter((p) => !hasVariables(p)).map((p) => resourceArnMatcher(p));
  const variable = patterns.filter(hasVariables);
  return (r) => {
    for (const m of fixed) if (m(r.resource)) return true;
    for (const p of variable) {
      // A variable the request does not carry makes this entry match nothing.
      const resolved = resolveVariables(p, r.context);
      if (resolved && resourceArnMatcher(resolved.text)(r.resource)) return true;
    }
    return false;
  };
}

/**
 * Principal in resource policies and RCPs ("AWS JSON policy elements: Principal",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html):
 * "*"; AWS principals by account id or account root ARN (every principal of the account), by exact
 * principal ARN (a role ARN also covers its sessions), or by role session ARN
 * (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: that session only); service principals by name;
 * Federated identity providers and CanonicalUser ids by the request's principal of that kind. IAM
 * allows no wildcards there except "*". A principal type the engine does not know cannot be
 * evaluated: the statement is an error (fail closed), never silently non-matching.
 */
const SESSION_ARN = /^arn:[^:]+:sts::\d{12}:assumed-role\/[^/]+\/.+$/;

function principalMatcher(p: Principal): (r: EvalRequest) => boolean {
  if (p === '*') return () => true;
  const checks: ((r: EvalRequest) => boolean)[] = [];
  for (const [type, values] of Object.entries(p)) {
    switch (type) {
      case 'AWS':
        for (const x of values) {
          if (x === '*') checks.push(() => true);
          else if (/^\d{12}$/.test(x)) checks.push((r) => r.principalKind === 'aws' && r.principalAccount === x);
          else if (/^arn:[^:]+:iam::\d{12}:root$/.test(x)) checks.push((r) => r.principalKind === 'aws' && r.principalAccount === x.split(':')[4]);
          else if (SESSION_ARN.test(x)) checks.push((r) => r.principalKind === 'aws' && r.principalId === x);
          else if (x.startsWith('arn:')) checks.push((r) => r.principalKind === 'aws' && r.principalArn === x);
          else throw new EvaluationError(`Principal AWS "${x}" is neither an account id nor a principal ARN`);
        }
        break;
      case 'Service': {
        const services = new Set(values.map((x) => x.toLowerCase()));
        checks.push((r) => r.isAwsService && services.has((r.principalService ?? '').toLowerCase()));
        break;
      }
      case 'Federated': {
        const providers = new Set(values);
        checks.push((r) => r.principalKind === 'federated' && providers.has(r.principalId));
        break;
      }
      case 'CanonicalUser': {
        const users = new Set(values.map((x) => x.toLowerCase()));
        checks.push((r) => r.principalKind === 'canonical-user' && users.has(r.principalId.toLowerCase()));
        break;
      }
      default:
        throw new EvaluationError(`"${type}" is not a principal type (AWS, Service, Federated, CanonicalUser)`);
    }
  }
  return (r) => checks.some((c) => c(r));
}
