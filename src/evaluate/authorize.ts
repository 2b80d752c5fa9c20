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
  if (r.action.toLowerCase() === 'kms:retiregrant') return 'RCPs do not apply to kms:RetireGrant';
  return undefined;
}

interface Scope {
  kind: PolicyKind;
  level?: string;
  policies: CompiledPolicy[];
}

export function authorize(input: AuthorizationInput): Decision {
  const r = input.request;
  const scpWhyNot = scpExemption(input);
  const rcpWhyNot = rcpExemption(input);
  const scopes: Scope[] = [];
  if (!scpWhyNot) for (const l of input.scp!.levels) scopes.push({ kind: 'scp', level: l.label, policies: l.policies });
  if (!rcpWhyNot) for (const l of input.rcp!.levels) scopes.push({ kind: 'rcp', level: l.label, policies: l.policies });
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
  // 3. Every level of every chain must allow.
  const allowedBy: Decider[] = [];
  for (const scope of scopes) {
    if (scope.kind !== 'scp' && scope.kind !== 'rcp') continue;
    const by = firstAllow(scope, applies, decider);
    if (!by) {
      const at: Decider = { kind: scope.kind, level: scope.level!, policy: scope.policies.map((p) => p.name).join(', ') || '(none attached)' };
      return { decision: 'implicit-deny', decidedBy: at, denies, reason: `no ${scope.kind.toUpperCase()} attached at ${scope.level} allows it`, errors, ...base };
    }
    allowedBy.push(by);
  }
  // 4. Identity and resource policies: either within one account, both across accounts.
  const identityScope = scopes.find((x) => x.kind === 'identity');
  const resourceScope = scopes.find((x) => x.kind === 'resource');
  const byIdentity = identityScope ? firstAllow(identityScope, applies, decider) : undefined;
  const byResource = resourceScope ? firstAllow(resourceScope, applies, decider) : undefined;
  const crossAccount = r.principalAccount !== undefined && r.resourceAccount !== undefined && r.principalAccount !== r.resourceAccount;
  const implicit = (kind: PolicyKind, policy: string, reason: string): Decision => ({ decision: 'implicit-deny', decidedBy: { kind, policy }, denies, reason, errors, ...base });
  if (crossAccount) {
    const across = `a cross-account request (principal in ${r.principalAccount}, resource in ${r.resourceAccount}) needs both the identity and the resource policy to allow it`;
    if (input.identity && !byIdentity) return implicit('identity', input.identity.map((p) => p.name).join(', ') || '(none)', `no identity policy allows it; ${across}`);
    if (input.resourcePolicy === null) return implicit('resource', '(none)', `the resource has no resource-based policy; ${across}`);
    if (input.resourcePolicy && !byResource) return implicit('resource', input.resourcePolicy.name, `the resource policy does not allow it; ${across}`);
  } else if (input.identity && !byIdentity && !byResource) {
    return implicit('identity', input.identity.map((p) => p.name).join(', ') || '(none)', 'no identity or resource policy allows it');
  }
  if (errors.length) return { decision: 'error', decidedBy: errors[0]!.at, denies, reason: `cannot evaluate ${describe(errors[0]!.at)}: ${errors[0]!.message}`, errors, ...base };
  if (byIdentity) allowedBy.push(byIdentity);
  if (byResource) allowedBy.push(byResource);
  return {
    decision: 'allow',
    allowedBy,
    denies,
    get reason() {
      return allowedBy.length ? `allowed by ${allowedBy.map(describe).join('; ')}` : 'no policy denies it and every level allows it';
    },
    errors,
    ...base,
  };
}

/** The first Allow statement of the scope that applies, as a Decider. */
function firstAllow(scope: Scope, applies: (scope: Scope, p: CompiledPolicy, s: CompiledStatement) => boolean | undefined, decider: (scope: Scope, p: CompiledPolicy, s?: CompiledStatement) => Decider): Decider | undefined {
  for (const p of scope.policies) for (const s of p.statements) if (s.effect === 'Allow' && applies(scope, p, s) === true) return decider(scope, p, s);
  return undefined;
}

export function describe(d: Decider): string {
  const where = d.level !== undefined ? ` at ${d.level}` : '';
  const statement = d.statement !== undefined ? ` statement ${d.sid ?? d.statement + 1}` : '';
  return `${d.kind.toUpperCase()} ${d.policy}${statement}${where}`;
}
