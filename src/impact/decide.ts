/**
 * A request shape decided on one side of the change (before: the deployed policies; after: every owned
 * policy as compile wants it), along the chains AWS evaluates: the SCPs of the caller's account and the
 * RCPs of the resource's account, root first. The chains, their prepared statements and the statements'
 * origins are the semantic diff's own (Chains, PreparedPolicies, deploymentOrigins), so a decision names
 * the same statements and controls as `diff` does. Decisions are cached per chain and request: shapes
 * of one account share its chains, and many shapes make the same request.
 *
 * Who the policies spare (REFERENCE.md section 2, evaluate/authorize.ts scpExemption/rcpExemption):
 * SCPs spare the management account, service-linked roles and AWS service principals; RCPs spare the
 * management account's resources, calls by service-linked roles, services without RCP support and
 * kms:RetireGrant.
 */
import type { Matcher } from '../evaluate/glob.js';
import { partialStatement, resourceArnMatcher, type PartialStatement, type PreparedStatement, type Tri } from '../evaluate/index.js';
import type { OrgNode } from '../model/org-tree.js';
import { enabledPolicyTypes } from '../org/index.js';
import { endStates } from '../plan/diff.js';
import type { Deployment } from '../plan/deployment.js';
import { deploymentOrigins } from '../plan/statement-origins.js';
import type { PolicyType } from '../policy/index.js';
import type { ActionInfo, ReferenceIndex } from '../reference/index.js';
import { Chains, type Chain, type ChainSide } from '../semantic-diff/chains.js';
import { PreparedPolicies, universesOf } from '../semantic-diff/prepared-policies.js';
import type { StatementOrigin } from '../semantic-diff/index.js';
import type { OrgFacts, ShapeRequest } from './context-keys.js';
import type { ImpactStatement } from './report-types.js';
import type { ShapeRow } from './types.js';

export type DecisionKind = 'allow' | 'deny' | 'may-deny';

export interface DecidingStatement extends ImpactStatement {
  origins: readonly StatementOrigin[];
}

export interface Decision {
  decision: DecisionKind;
  /** For deny: the statements that deny; for may-deny: those that may. */
  statements: DecidingStatement[];
  /** For may-deny: what the record does not say that decides it (condition keys, or "the resource"). */
  unknownKeys: string[];
}

export type Side = 'before' | 'after';

const ALLOW: Decision = Object.freeze({ decision: 'allow', statements: [], unknownKeys: [] }) as Decision;

export class ShapeDecider {
  readonly org: OrgFacts;
  private readonly chains: Chains;
  private readonly sides: Record<Side, ChainSide>;
  /** A policy type not enabled before the change decides nothing on that side. */
  private readonly notEnabled: ReadonlySet<PolicyType>;
  private readonly decided = new Map<string, Decision>();
  private readonly partials = new Map<string, Map<PreparedStatement, PartialStatement[]>>();
  private readonly matchers = new Map<string, Matcher>();

  constructor(
    deployment: Deployment,
    private readonly reference: ReferenceIndex,
  ) {
    this.org = { organizationId: deployment.state.organization.id, managementAccount: deployment.managementAccount, tree: deployment.tree };
    const { before, after } = endStates(deployment);
    const enabled = enabledPolicyTypes(deployment.state);
    this.notEnabled = new Set((['scp', 'rcp'] as const).filter((t) => !enabled.has(t)));
    this.sides = { before: { attachments: before, fullAccessEverywhere: new Set() }, after: { attachments: after, fullAccessEverywhere: this.notEnabled } };
    this.chains = new Chains(new PreparedPolicies(reference, universesOf(reference), deploymentOrigins(deployment)));
  }

  /** How many distinct (chain, action, request) decisions were made: what the cache saved is shapes minus this. */
  get decisions(): number {
    return this.decided.size;
  }

  /** The SCP and RCP decisions of a shape's action on one side, combined: a Deny of either denies. */
  decide(row: ShapeRow, shape: ShapeRequest, action: ActionInfo, side: Side): Decision {
    const parts: Decision[] = [];
    const caller = this.scpAccount(row, shape);
    if (caller) parts.push(this.onChain(caller, side, 'scp', action, shape));
    const owner = this.rcpAccount(row, shape, action);
    if (owner) parts.push(this.onChain(owner, side, 'rcp', action, shape));
    return combine(parts);
  }

  /**
   * The account whose SCPs the shape is asked about, when they apply: the caller's, asked from the
   * caller's copy of the record only (the resource owner's copy of a cross-account call is the RCP's).
   */
  private scpAccount(row: ShapeRow, shape: ShapeRequest): OrgNode | undefined {
    if (shape.awsService || shape.serviceLinkedRole) return undefined;
    const account = shape.principalAccount;
    if (!account || account !== row.recipientAccountId || account === this.org.managementAccount) return undefined;
    return this.org.tree.account(account);
  }

  /** The account whose RCPs the shape is asked about, when they apply: the resource's, from its owner's copy. */
  private rcpAccount(row: ShapeRow, shape: ShapeRequest, action: ActionInfo): OrgNode | undefined {
    if (shape.serviceLinkedRole) return undefined;
    if (!this.reference.supportsRcp(action.service) || action.qualified.toLowerCase() === 'kms:retiregrant') return undefined;
    const account = shape.resourceAccount;
    if (account !== row.recipientAccountId || account === this.org.managementAccount) return undefined;
    return this.org.tree.account(account);
  }

  private onChain(account: OrgNode, side: Side, type: PolicyType, action: ActionInfo, shape: ShapeRequest): Decision {
    if (side === 'before' && this.notEnabled.has(type)) return ALLOW;
    const chain = this.chains.of(account, this.sides[side], type);
    const key = `${chain.id}|${action.id}|${shape.key}`;
    let found = this.decided.get(key);
    if (!found) this.decided.set(key, (found = this.evaluate(chain, action, shape)));
    return found;
  }

  /** The chain rule (REFERENCE.md section 2): a Deny anywhere denies; every level must allow. */
  private evaluate(chain: Chain, action: ActionInfo, shape: ShapeRequest): Decision {
    const denies: DecidingStatement[] = [];
    const maybes: DecidingStatement[] = [];
    const unknown = new Set<string>();
    chain.levels.forEach((level, depth) => {
      let allowed: Tri = 'no';
      const allowMaybe: DecidingStatement[] = [];
      for (const policy of level) {
        if (policy.unreadable) {
          maybes.push({ type: chain.type, policy: policy.name, origins: [] });
          unknown.add(`${policy.name} cannot be read`);
          continue;
        }
        policy.statements.forEach((prepared, index) => {
          if (!prepared.actions.has(action.id)) return;
          const part = this.partialsOf(prepared, shape).find((p) => p.actions.has(action.id));
          if (!part || part.condition === 'no') return;
          const onResource = this.resourceMatch(part, shape);
          if (onResource === 'no') return;
          const sure = part.condition === 'yes' && onResource === 'yes';
          const statement: DecidingStatement = { type: chain.type, policy: policy.name, ...(prepared.statement.sid ? { sid: prepared.statement.sid } : {}), origins: policy.origins?.[index] ?? [] };
          if (prepared.statement.effect === 'Deny') {
            if (sure) denies.push(statement);
            else {
              maybes.push(statement);
              for (const k of unknownKeysOf(part, onResource)) unknown.add(k);
            }
          } else if (sure) allowed = 'yes';
          else if (allowed !== 'yes') {
            allowed = 'maybe';
            allowMaybe.push(statement);
            for (const k of unknownKeysOf(part, onResource)) unknown.add(k);
          }
        });
      }
      const label = depth === 0 ? 'the root' : `level ${depth}`;
      if (allowed === 'no') denies.push({ type: chain.type, policy: `no ${chain.type.toUpperCase()} at ${label} allows it`, implicit: true, origins: [] });
      else if (allowed === 'maybe') maybes.push(...allowMaybe.map((s) => ({ ...s, implicit: true })));
    });
    if (denies.length) return { decision: 'deny', statements: denies, unknownKeys: [] };
    if (maybes.length) return { decision: 'may-deny', statements: maybes, unknownKeys: [...unknown].sort() };
    return ALLOW;
  }

  private partialsOf(prepared: PreparedStatement, shape: ShapeRequest): PartialStatement[] {
    let known = this.partials.get(shape.key);
    if (!known) this.partials.set(shape.key, (known = new Map()));
    let found = known.get(prepared);
    if (!found) known.set(prepared, (found = partialStatement(prepared, shape.request)));
    return found;
  }

  /**
   * Whether a statement's Resource (or NotResource) covers the request's resources: yes when it covers
   * each of them, no when none (and the record lists all), maybe otherwise.
   */
  private resourceMatch(part: PartialStatement, shape: ShapeRequest): Tri {
    if (part.resources === 'all' || !part.resourceElement) return 'yes';
    if (!shape.resources.length) return 'maybe';
    const { not, values } = part.resourceElement;
    let covered = 0;
    for (const arn of shape.resources) {
      const matches = values.some((p) => this.matcher(p)(arn));
      if (matches !== not) covered++;
    }
    if (covered === shape.resources.length) return 'yes';
    return covered === 0 && shape.resourcesComplete ? 'no' : 'maybe';
  }

  private matcher(pattern: string): Matcher {
    let m = this.matchers.get(pattern);
    if (!m) this.matchers.set(pattern, (m = resourceArnMatcher(pattern)));
    return m;
  }
}

function unknownKeysOf(part: PartialStatement, onResource: Tri): string[] {
  const keys: string[] = [];
  for (const op of Object.keys(part.residual)) for (const key of Object.keys(part.residual[op]!)) keys.push(key);
  if (onResource === 'maybe') keys.push('the resource');
  if (part.error) keys.push(`cannot be evaluated: ${part.error}`);
  return keys;
}

function combine(parts: readonly Decision[]): Decision {
  const deny = parts.filter((p) => p.decision === 'deny');
  if (deny.length) return deny.length === 1 ? deny[0]! : { decision: 'deny', statements: deny.flatMap((d) => d.statements), unknownKeys: [] };
  const maybe = parts.filter((p) => p.decision === 'may-deny');
  if (maybe.length) return maybe.length === 1 ? maybe[0]! : { decision: 'may-deny', statements: maybe.flatMap((d) => d.statements), unknownKeys: [...new Set(maybe.flatMap((d) => d.unknownKeys))].sort() };
  return ALLOW;
}
