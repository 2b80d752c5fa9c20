/**
 * The authorizer: the whole question "is this request allowed", following AWS's evaluation logic.
 *
 * 1. An explicit Deny in any applicable policy decides: SCPs of the principal's chain (root -> OUs ->
 *    account), RCPs of the resource owner's chain, identity policies, the resource policy.
 * 2. A statement that cannot be evaluated makes the decision an error (fail closed), unless a Deny
 *    already decided.
 * 3. Every level of each applicable chain must allow the request (at least one Allow statement); a
 *    level that allows nothing denies implicitly.
 * 4. Identity and resource policies. In one account, either may allow ("Policy evaluation logic":
 *    the union of identity-based and resource-based policies). Across accounts, when the principal's
 *    account is not the resource's, both must: "the identity-based policy and the resource-based
 *    policy must both allow" ("Cross-account policy evaluation logic",
 *    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
 *    A question that leaves them out (undefined) assumes they allow, which is the guardrail question:
 *    could anything allow this? `resourcePolicy: null` says the resource has none, so a cross-account
 *    request is denied implicitly; left out, the resource side is assumed to grant it.
 *
 * Who organization policies do not affect (REFERENCE.md, AWS Organizations user guide): SCPs spare the
 * management account, service-linked roles and AWS service principals; RCPs spare the management
 * account's resources, calls by service-linked roles, services without RCP support, AWS managed KMS
 * keys and kms:RetireGrant.
 */
import type { CompiledPolicy, CompiledStatement } from './compiled-policy.js';
import { EvaluationError } from './errors.js';
import type { EvalRequest } from './request.js';

export type DecisionKind = 'allow' | 'explicit-deny' | 'implicit-deny' | 'error';
export type PolicyKind = 'scp' | 'rcp' | 'identity' | 'resource';

export interface OrgChain {
  /** Root first, the account (or its OUs' path) last; each level with the policies attached there. */
  levels: { label: string; policies: CompiledPolicy[] }[];
}

export interface AuthorizationInput {
  request: EvalRequest;
  managementAccount?: string;
  /** The principal's SCP chain; undefined when the principal is not in the organization. */
  scp?: OrgChain;
  /** The resource owner's RCP chain; undefined when the resource is not in the organization. */
  rcp?: OrgChain;
  /** Identity policies; undefined leaves them out of the question: they are assumed to allow. */
  identity?: CompiledPolicy[];
  /**
   * The resource-based policy; undefined leaves it out of the question (a cross-account request is
   * assumed to be granted by it), null says the resource has none.
   */
  resourcePolicy?: CompiledPolicy | null;
  supportsRcp: (servicePrefix: string) => boolean;
  /** Find every Deny that matches, not only the first (for explanations and "denied by X" checks). */
  allDenies?: boolean;
}

export interface Decider {
  kind: PolicyKind;
  level?: string;
  policy: string;
  statement?: number;
  sid?: string;
  tag?: unknown;
  policyTag?: unknown;
}

export interface Decision {
  decision: DecisionKind;
  decidedBy?: Decider;
  /**
   * For an allow, the statement that allowed at each level that was asked: every SCP and RCP level,
   * the identity policies and the resource policy when given (an assumed grant has no entry).
   */
  allowedBy?: Decider[];
  /** Every Deny statement that matched, when asked for (allDenies); the first is decidedBy. */
  denies: Decider[];
  reason: string;
  errors: { at: Decider; message: string }[];
  /** Whether SCPs and RCPs applied, or why not. */
  scp: true | string;
  rcp: true | string;
}

export function scpExemption(input: AuthorizationInput): string | undefined {
  const r = input.request;
  if (!input.scp) return 'the principal is not in the organization';
  if (r.isAwsService) return 'SCPs do not apply to AWS service principals';
  if (r.serviceLinkedRole) return 'SCPs do not apply to service-linked roles';
  if (input.managementAccount && r.principalAccount === input.managementAccount) return 'SCPs do not apply to the management account';
  return undefined;
}

export function rcpExemption(input: AuthorizationInput): string | undefined {
  const r = input.request;
  if (!input.rcp) return 'the resource is not in the organization';
  if (input.managementAccount && r.resourceAccount === input.managementAccount) return "RCPs do not apply to the management account's resources";
  if (r.serviceLinkedRole) return 'RCPs do not apply to calls by service-linked roles';
  if (!input.supportsRcp(r.service)) return `RCPs do not apply to ${r.service}, which does not support them`;
  if (r.awsManagedKmsKey) return 'RCPs do not apply to AWS managed KMS keys';
  if (r.action.length === 15 && r.action.toLowerCase() === 'kms:retiregrant') return 'RCPs do not apply to kms:RetireGrant';
  return undefined;
}

interface Scope {
  kind: PolicyKind;
  level?: string;
  policies: CompiledPolicy[];
}

/** The scopes of a chain, made once per chain object (chains are shared by the requests of an account). */
const chainScopes = new WeakMap<OrgChain, Scope[]>();
function scopesOf(chain: OrgChain, kind: 'scp' | 'rcp'): Scope[] {
  let scopes = chainScopes.get(chain);
  if (!scopes) {
    scopes = chain.levels.map((l) => ({ kind, level: l.label, policies: l.policies }));
    chainScopes.set(chain, scopes);
  }
  return scopes;
}

export function authorize(input: AuthorizationInput): Decision {
  const r = input.request;
  const scpWhyNot = scpExemption(input);
  const rcpWhyNot = rcpExemption(input);
  const scopes: Scope[] = [];
  if (!scpWhyNot) for (const x of scopesOf(input.scp!, 'scp')) scopes.push(x);
  if (!rcpWhyNot) for (const x of scopesOf(input.rcp!, 'rcp')) scopes.push(x);
  if (input.identity) scopes.push({ kind: 'identity', policies: input.identity });
  if (input.resourcePolicy) scopes.push({ kind: 'resource', policies: [input.resourcePolicy] });
  const base = { scp: scpWhyNot ?? (true as const), rcp: rcpWhyNot ?? (true as const) };
  const errors: Decision['errors'] = [];
  const decider = (scope: Scope, p: CompiledPolicy, s?: CompiledStatement): Decider => {
    const d: Decider = { kind: scope.kind, policy: p.name };
    if (scope.level !== undefined) d.level = scope.level;
    if (s) {
      d.statement = s.index;
      if (s.sid) d.sid = s.sid;
      if (s.tag !== undefined) d.tag = s.tag;
    }
    if (p.tag !== undefined) d.policyTag = p.tag;
    return d;
  };
  /** Does the statement apply to the request? Errors are recorded, and count as "unknown". */
  const applies = (scope: Scope, p: CompiledPolicy, s: CompiledStatement): boolean | undefined => {
    if (s.error) {
      errors.push({ at: decider(scope, p, s), message: s.error });
      return undefined;
    }
    if (!s.matches(r)) return false;
    try {
      return s.condition(r.context);
    } catch (e) {
      if (!(e instanceof EvaluationError)) throw e;
      errors.push({ at: decider(scope, p, s), message: e.message });
      return undefined;
    }
  };

  // 1. An explicit deny anywhere decides.
  const denies: Decider[] = [];
  for (const scope of scopes) {
    for (const p of scope.policies) {
      for (const s of p.statements) {
        if (s.effect !== 'Deny' || applies(scope, p, s) !== true) continue;
        denies.push(decider(scope, p, s));
        if (!input.allDenies) break;
      }
      if (denies.length && !input.allDenies) break;
    }
    if (denies.length && !input.allDenies) break;
  }
  if (denies.length) {
    const by = denies[0]!;
    return { decision: 'explicit-deny', decidedBy: by, denies, reason: `denied by ${describe(by)}`, errors, ...base };
  }
  // 2. Fail closed.
  if (errors.length) return { decision: 'error', decidedBy: errors[0]!.at, denies, reason: `cannot evaluate ${describe(errors[0]!.at)}: ${errors[0]!.message}`, errors, ...base };
  // 3. Every level of every chain must allow. What allowed is kept as (scope, policy, statement) and
  // turned into Deciders only when asked (allowedBy): most callers only want the decision.
  const allowed: Allowing[] = [];
  for (const scope of scopes) {
    if (scope.kind !== 'scp' && scope.kind !== 'rcp') continue;
    const by = firstAllow(scope, applies);
    if (!by) {
      const at: Decider = { kind: scope.kind, level: scope.level!, policy: scope.policies.map((p) => p.name).join(', ') || '(none attached)' };
      return { decision: 'implicit-deny', decidedBy: at, denies, reason: `no ${scope.kind.toUpperCase()} attached at ${scope.level} allows it`, errors, ...base };
    }
    allowed.push(by);
  }
  // 4. Identity and resource policies: either within one account, both across accounts.
  let identityScope: Scope | undefined;
  let resourceScope: Scope | undefined;
  for (const x of scopes) {
    if (x.kind === 'identity') identityScope = x;
    else if (x.kind === 'resource') resourceScope = x;
  }
  const byIdentity = identityScope ? firstAllow(identityScope, applies) : undefined;
  const byResource = resourceScope ? firstAllow(resourceScope, applies) : undefined;
  const crossAccount = r.principalAccount !== undefined && r.resourceAccount !== undefined && r.principalAccount !== r.resourceAccount;
  const implicit = (kind: PolicyKind, policy: string, reason: string): Decision => ({ decision: 'implicit-deny', decidedBy: { kind, policy }, denies, reason, errors, ...base });
  if (crossAccount) {
    const across = () => `a cross-account request (principal in ${r.principalAccount}, resource in ${r.resourceAccount}) needs both the identity and the resource policy to allow it`;
    if (input.identity && !byIdentity) return implicit('identity', input.identity.map((p) => p.name).join(', ') || '(none)', `no identity policy allows it; ${across()}`);
    if (input.resourcePolicy === null) return implicit('resource', '(none)', `the resource has no resource-based policy; ${across()}`);
    if (input.resourcePolicy && !byResource) return implicit('resource', input.resourcePolicy.name, `the resource policy does not allow it; ${across()}`);
  } else if (input.identity && !byIdentity && !byResource) {
    return implicit('identity', input.identity.map((p) => p.name).join(', ') || '(none)', 'no identity or resource policy allows it');
  }
  if (errors.length) return { decision: 'error', decidedBy: errors[0]!.at, denies, reason: `cannot evaluate ${describe(errors[0]!.at)}: ${errors[0]!.message}`, errors, ...base };
  if (byIdentity) allowed.push(byIdentity);
  if (byResource) allowed.push(byResource);
  let allowedBy: Decider[] | undefined;
  const allowedDeciders = () => (allowedBy ??= allowed.map((a) => decider(a.scope, a.policy, a.statement)));
  return {
    decision: 'allow',
    get allowedBy() {
      return allowedDeciders();
    },
    denies,
    get reason() {
      const by = allowedDeciders();
      return by.length ? `allowed by ${by.map(describe).join('; ')}` : 'no policy denies it and every level allows it';
    },
    errors,
    ...base,
  };
}

interface Allowing {
  scope: Scope;
  policy: CompiledPolicy;
  statement: CompiledStatement;
}

/** The first Allow statement of the scope that applies. */
function firstAllow(scope: Scope, applies: (scope: Scope, p: CompiledPolicy, s: CompiledStatement) => boolean | undefined): Allowing | undefined {
  for (const policy of scope.policies) for (const statement of policy.statements) if (statement.effect === 'Allow' && applies(scope, policy, statement) === true) return { scope, policy, statement };
  return undefined;
}

export function describe(d: Decider): string {
  const where = d.level !== undefined ? ` at ${d.level}` : '';
  const statement = d.statement !== undefined ? ` statement ${d.sid ?? d.statement + 1}` : '';
  return `${d.kind.toUpperCase()} ${d.policy}${statement}${where}`;
}
