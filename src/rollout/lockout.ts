/**
 * The lockout guard: with the project's own evaluation rules, at the end state of every wave, may the
 * rollout's own principal still make the Organizations calls a rollout makes and assume its role, and
 * may every protected principal still do what it exists to do? A rollout run from a delegated
 * administrator account is subject to the SCPs and RCPs it deploys: a wave that denies it
 * organizations:AttachPolicy strands the organization half rolled out, with nobody but the management
 * account able to finish or revert.
 *
 * The question is asked of a typical request of each principal, built from what is known of it
 * (persona below): its ARN, account, organization and path in it, that it is not an AWS service
 * and calls directly (aws:ViaAWSService false), over TLS (aws:SecureTransport true), in us-east-1, with
 * no tags on the request (the rollout's own calls carry exactly the ownership tags it writes), on a
 * resource of the organization whose account, organization and path are known (the organization's own
 * policies and roots for its calls, the role assumed, the protected principal's own account for what it
 * administers; the resource's ARN is known only for a role assumed). Every
 * other key is unknown: a Deny that depends on one is reported as one that *may* deny (certain: false),
 * and refuses the rollout like a certain one, unless overridden.
 *
 * Requests are decided per distinct chain: accounts whose chains hold the same policies at each level
 * and whose requests agree on every key those policies read share one decision, and a chain decided
 * in one wave is not decided again in the next.
 */
import * as path from 'node:path';
import type { CompiledPolicy } from '../compile/index.js';
import type { SourceLocation } from '../diagnostics/index.js';
import { RequestContext } from '../evaluate/index.js';
import type { ProtectRule } from '../intent/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { CONTROLS_TAG, OWNER_TAG, STAGING_OF_TAG, type OrgOperation } from '../org/index.js';
import { AttachmentModel, type Deployment, type ModelPolicy } from '../plan/index.js';
import { statementsOf } from '../semantic-diff/index.js';
import { canonicalPolicyText, type PolicyType } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { chainDenial, prepareStatement, type ChainDenial, type ChainLevel, type Persona, type PreparedPolicy } from './chain-check.js';

/**
 * The calls a rollout makes: the reads of the organization, the writes of a plan, and enabling a
 * policy type (Organizations API reference; read.ts, operations.ts and preflight.ts make them).
 */
export const ROLLOUT_ORGANIZATIONS_ACTIONS: readonly string[] = [
  'organizations:DescribeOrganization',
  'organizations:ListRoots',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListAccountsForParent',
  'organizations:ListPolicies',
  'organizations:DescribePolicy',
  'organizations:ListTargetsForPolicy',
  'organizations:ListTagsForResource',
  'organizations:CreatePolicy',
  'organizations:UpdatePolicy',
  'organizations:DeletePolicy',
  'organizations:AttachPolicy',
  'organizations:DetachPolicy',
  'organizations:TagResource',
  'organizations:EnablePolicyType',
];

/** Requests are modelled in one Region; Organizations and IAM are global services served from it. */
const REGION = 'us-east-1';

export interface Caller {
  account: string;
  arn: string;
  /** The role of a role session (callerIdentity). */
  roleArn?: string;
}

export interface LockoutInput {
  deployment: Deployment;
  /** The plan's waves in order, each with its steps. */
  waves: readonly { name: string; steps: readonly OrgOperation[] }[];
  caller: Caller;
  protect: readonly ProtectRule[];
  reference: ReferenceIndex;
  /**
   * The compiled policies (compile's result): with them a denying statement is named with the controls
   * it comes from and where the intent declares them; without, with the controls its policy records.
   */
  compiled?: readonly CompiledPolicy[];
}

export interface ControlOrigin {
  id: string;
  location?: SourceLocation;
}

export interface DenyingStatement {
  type: PolicyType;
  /** The policy (undefined for an implicit deny: no policy at the level allows the call). */
  policy?: string;
  /** Where the policy is attached in the chain: root Root, OU Root/Workloads, account ... */
  level: string;
  /** 1-based position of the statement in the policy. */
  statement?: number;
  sid?: string;
  implicit: boolean;
  /** For an implicit deny, the policies attached at the level (none of which allows the call). */
  attached?: string[];
  /** Controls the statement carries. */
  controls: ControlOrigin[];
  /** For an uncertain denial, what it depends on. */
  depends?: string;
}

export interface LockoutDenial {
  kind: 'denial';
  /** The first wave at whose end state the call is denied. */
  wave: string;
  /** Every wave at whose end state it is. */
  waves: string[];
  subject: 'caller' | 'protect';
  /**
   * by: the principal makes the call (its account's SCPs); into: the principal's role is assumed
   * (sts:AssumeRole on it, the RCPs of its account), by itself for the rollout's role, from the
   * management account for a protected role.
   */
  direction: 'by' | 'into';
  /** The principal as configured (a protect rule's ARN, with * for every account) or the caller's role. */
  principal: string;
  action: string;
  /** The accounts whose principal is denied, in tree order. */
  accounts: string[];
  certain: boolean;
  denial: DenyingStatement;
  /** One line: what, where, and which control. */
  message: string;
}

export interface LockoutNote {
  kind: 'note';
  message: string;
}

export type LockoutFinding = LockoutDenial | LockoutNote;

/** Whether the findings refuse the rollout (any denial, certain or not). */
export function lockoutRefuses(findings: readonly LockoutFinding[]): boolean {
  return findings.some((f) => f.kind === 'denial');
}

interface Check {
  subject: 'caller' | 'protect';
  direction: 'by' | 'into';
  principal: string;
  type: PolicyType;
  actions: { id: number; name: string }[];
  /** The accounts to check and, per account, the request's persona. */
  accounts: OrgNode[];
  persona: (account: OrgNode) => Persona;
}

export function lockoutGuard(input: LockoutInput): LockoutFinding[] {
  const { deployment } = input;
  const notes: LockoutNote[] = [];
  const checks = buildChecks(input, notes);
  const model = AttachmentModel.fromDeployed(deployment.tree, deployment.deployed);
  const chains = new ChainCache(input, model);
  const grouped = new Map<string, LockoutDenial>();
  // A deny at the root reaches every account: membership is kept in sets, not searched in lists.
  const accountsOf = new Map<LockoutDenial, Set<string>>();
  // A request does not change from one wave to the next: built once per check and account.
  const personas = checks.map(() => new Map<string, Persona>());
  for (const wave of input.waves) {
    for (const op of wave.steps) model.apply(op);
    chains.changed();
    const seen = new Map<string, LockoutDenial>();
    for (const [c, check] of checks.entries()) {
      for (const account of check.accounts) {
        const chain = chains.chainOf(model, account, check.type);
        let persona = personas[c]!.get(account.id!);
        if (!persona) personas[c]!.set(account.id!, (persona = check.persona(account)));
        const decided = chains.decisionsFor(chain, chains.projection(chain, persona));
        for (const action of check.actions) {
          const denial = chains.decide(chain, decided, account, action.id, persona);
          if (!denial) continue;
          const d = describeDenial(denial, check.type, chains);
          // One finding per statement, whichever copy of its policy (staged, pushed down) and level it is attached at.
          const statement = d.implicit ? 'implicit' : d.controls.length ? `${d.controls.map((c) => c.id).join(' ')} ${d.sid ?? d.statement}` : `${d.policy} ${d.statement}`;
          const key = [check.subject, check.direction, check.principal, action.name, check.type, statement, denial.certain].join('\u0000');
          let f = seen.get(key);
          if (!f) {
            f = grouped.get(key) ?? { kind: 'denial', wave: wave.name, waves: [], subject: check.subject, direction: check.direction, principal: check.principal, action: action.name, accounts: [], certain: denial.certain, denial: d, message: '' };
            if (!f.waves.includes(wave.name)) f.waves.push(wave.name);
            seen.set(key, f);
            grouped.set(key, f);
          }
          let members = accountsOf.get(f);
          if (!members) accountsOf.set(f, (members = new Set()));
          members.add(account.id!);
        }
      }
    }
  }
  const denials = [...grouped.values()];
  const order = new Map(deployment.tree.accounts.map((a, i) => [a.id!, i]));
  for (const f of denials) {
    f.accounts = [...accountsOf.get(f)!].sort((a, b) => order.get(a)! - order.get(b)!);
    f.message = messageOf(f, deployment);
  }
  return [...notes, ...denials];
}

function buildChecks(input: LockoutInput, notes: LockoutNote[]): Check[] {
  const { deployment, caller, reference } = input;
  const tree = deployment.tree;
  const org = deployment.state.organization.id;
  const members = tree.accounts.filter((a) => a.id && a.id !== deployment.managementAccount);
  const known = (names: readonly string[]) =>
    names.flatMap((name) => {
      const a = reference.action(name);
      return a ? [{ id: a.id, name: a.qualified }] : [];
    });
  const checks: Check[] = [];
  if (caller.account === deployment.managementAccount) {
    notes.push({ kind: 'note', message: `the rollout runs from the management account ${caller.account}, which organization policies (SCPs, RCPs) do not affect: the guard of its own access is moot` });
  } else {
    const home = tree.account(caller.account);
    if (!home) {
      notes.push({ kind: 'note', message: `the rollout runs as ${caller.arn}, whose account ${caller.account} is not in organization ${org}: its SCPs and RCPs do not apply to it` });
    } else {
      const principal = caller.roleArn ?? caller.arn;
      // CreatePolicy and TagResource carry the ownership tags; the other calls carry none.
      const tagging = ['organizations:CreatePolicy', 'organizations:TagResource'];
      for (const tags of [false, true]) {
        checks.push({
          subject: 'caller',
          principal,
          type: 'scp',
          actions: known(ROLLOUT_ORGANIZATIONS_ACTIONS.filter((a) => tagging.includes(a) === tags)),
          accounts: [home],
          direction: 'by',
          persona: (account) => persona(deployment, account, principal, { tags, resourceAccount: deployment.managementAccount }),
        });
      }
      if (caller.roleArn) {
        // Assuming its role: the caller's SCPs govern the call, and RCPs on sts the role's account.
        const assume = known(['sts:AssumeRole']);
        const onRole = (account: OrgNode) => persona(deployment, account, caller.roleArn!, { resource: caller.roleArn!, resourceAccount: caller.account });
        checks.push({ subject: 'caller', direction: 'by', principal, type: 'scp', actions: assume, accounts: [home], persona: onRole });
        checks.push({ subject: 'caller', direction: 'into', principal, type: 'rcp', actions: assume, accounts: [home], persona: onRole });
      } else {
        notes.push({ kind: 'note', message: `the rollout runs as ${caller.arn}, not a role session: no role to assume is checked` });
      }
    }
  }
  for (const rule of input.protect) {
    const accountField = rule.principal.split(':')[4] ?? '';
    const accounts = /^\d{12}$/.test(accountField) ? members.filter((a) => a.id === accountField) : members;
    if (accounts.length === 0) {
      notes.push({ kind: 'note', message: `protect ${rule.principal}: account ${accountField} is not a member account of organization ${org}; organization policies do not apply to it` });
      continue;
    }
    const actions = reference.expandList(rule.actions);
    const ids = actions.actions.toArray().map((id) => ({ id, name: reference.actions[id]!.qualified }));
    // What these roles do is administer their own account: the typical resource is one of it.
    checks.push({ subject: 'protect', direction: 'by', principal: rule.principal, type: 'scp', actions: ids, accounts, persona: (account) => persona(deployment, account, principalIn(rule.principal, account.id!), { resourceAccount: account.id! }) });
    // A protected role is how the management account gets into member accounts (OrganizationAccountAccessRole,
    // Control Tower's and LZA's pipelines): the RCPs of its account must let principals there assume it.
    const assume = reference.action('sts:AssumeRole');
    if (rule.principal.includes(':role/') && assume && actions.actions.has(assume.id)) {
      const fromManagement = `arn:aws:iam::${deployment.managementAccount}:role/*`;
      const home = tree.account(deployment.managementAccount);
      checks.push({
        subject: 'protect',
        direction: 'into',
        principal: rule.principal,
        type: 'rcp',
        actions: [{ id: assume.id, name: assume.qualified }],
        accounts,
        persona: (account) => {
          const role = principalIn(rule.principal, account.id!);
          return persona(deployment, home, fromManagement, { principalAccount: deployment.managementAccount, resourceAccount: account.id!, ...(/[*?]/.test(role) ? {} : { resource: role }) });
        },
      });
    }
  }
  return checks;
}

/** The principal ARN in one account: a wildcard account field becomes the account's id. */
function principalIn(arn: string, account: string): string {
  const parts = arn.split(':');
  if (parts.length < 6) return arn;
  parts[4] = account;
  return parts.join(':');
}

/**
 * A typical request of `principal` in `account`: what the guard knows of it. aws:PrincipalArn is known
 * only for a principal without wildcards (a protect rule such as role/AWSAccelerator-* stands for many).
 */
function persona(d: Deployment, account: OrgNode | undefined, principal: string, options: { tags?: boolean; resource?: string; resourceAccount?: string; principalAccount?: string }): Persona {
  const ctx = new RequestContext();
  const known = new Set<string>();
  const set = (key: string, value: string | boolean | string[] | undefined) => {
    known.add(key.toLowerCase());
    if (value !== undefined) ctx.set(key, value);
  };
  const concrete = !/[*?]/.test(principal);
  if (concrete) set('aws:PrincipalArn', principal);
  set('aws:PrincipalAccount', options.principalAccount ?? account!.id!);
  set('aws:PrincipalOrgID', d.state.organization.id);
  const orgPath = account && orgPathOf(d, account);
  if (orgPath) set('aws:PrincipalOrgPaths', [orgPath]);
  set('aws:PrincipalIsAWSService', false);
  set('aws:PrincipalServiceName', undefined);
  set('aws:PrincipalType', principal.includes(':user/') ? 'User' : principal.endsWith(':root') ? 'Account' : 'AssumedRole');
  set('aws:ViaAWSService', false);
  set('aws:CalledVia', undefined);
  set('aws:RequestedRegion', REGION);
  set('aws:SecureTransport', true);
  if (options.resourceAccount) {
    // The resource is the organization's own (its policies and roots, a role of a member account).
    set('aws:ResourceAccount', options.resourceAccount);
    const owner = d.tree.account(options.resourceAccount);
    if (owner) {
      set('aws:ResourceOrgID', d.state.organization.id);
      const ownerPath = orgPathOf(d, owner);
      if (ownerPath) set('aws:ResourceOrgPaths', [ownerPath]);
    }
  }
  // Tags on the request: none, except the ownership tags on the rollout's own CreatePolicy and TagResource.
  set('aws:TagKeys', options.tags ? [OWNER_TAG.key, CONTROLS_TAG, STAGING_OF_TAG] : undefined);
  if (options.tags) set(`aws:RequestTag/${OWNER_TAG.key}`, OWNER_TAG.value);
  const unknownTagValues = options.tags ? [`aws:requesttag/${CONTROLS_TAG}`, `aws:requesttag/${STAGING_OF_TAG}`] : [];
  return {
    context: ctx,
    known: (key) => known.has(key) || (key.startsWith('aws:requesttag/') && !unknownTagValues.includes(key)),
    ...(options.resource ? { resource: options.resource } : {}),
  };
}

function orgPathOf(d: Deployment, account: OrgNode): string | undefined {
  const ids: string[] = [];
  for (let n: OrgNode | undefined = account.parent; n; n = n.parent) {
    if (!n.id) return undefined;
    ids.unshift(n.id);
  }
  return `${d.state.organization.id}/${ids.join('/')}/`;
}

interface Chain {
  key: string;
  /** The policies at each level, root first. */
  policies: PreparedPolicy[][];
  /** Decisions by projection of the request (see ChainCache.projection), then by action. */
  decisions: Map<string, Map<number, ChainDenial | undefined>>;
  /** Every key the chain's conditions read (lower case): what a decision depends on. */
  reads: string[];
  /** Whether a statement names resources: the decision then depends on the resource too. */
  resourceLimited: boolean;
  /** Every condition on aws:PrincipalArn compares it with ARNs whose account is `*`. */
  anyAccountArns: boolean;
  /** For account-id keys compared only by equality with literal ids: those ids. */
  accountLiterals: Map<string, Set<string>>;
}

const ACCOUNT_KEYS = ['aws:principalaccount', 'aws:resourceaccount'];

/** How the chain's conditions read the principal's ARN and account ids (see ChainCache.projection). */
function analyseChain(policies: readonly PreparedPolicy[][]): Pick<Chain, 'reads' | 'resourceLimited' | 'anyAccountArns' | 'accountLiterals'> {
  const reads = new Set<string>();
  let resourceLimited = false;
  let anyAccountArns = true;
  const literals = new Map<string, Set<string> | null>();
  for (const ps of policies) {
    for (const p of ps) {
      for (const s of p.statements) {
        if (s.notResource || !(s.resource ?? ['*']).includes('*')) resourceLimited = true;
        for (const c of s.clauses) {
          for (const k of c.reads) reads.add(k);
          const key = c.key.toLowerCase();
          // Read through a variable (${aws:PrincipalAccount}), a key is compared with anything.
          for (const k of c.reads.slice(1)) {
            if (k === 'aws:principalarn') anyAccountArns = false;
            if (ACCOUNT_KEYS.includes(k)) literals.set(k, null);
          }
          if (key === 'aws:principalarn' && !c.values.every((v) => !v.includes('${') && v.split(':')[4] === '*')) anyAccountArns = false;
          if (ACCOUNT_KEYS.includes(key)) {
            const op = c.operator.replace(/^For(Any|All)Value:/, '').replace(/IfExists$/, '');
            const plain = (op === 'StringEquals' || op === 'StringNotEquals') && c.values.every((v) => /^\d{12}$/.test(v));
            const seen = literals.get(key);
            if (!plain || seen === null) literals.set(key, null);
            else literals.set(key, new Set([...(seen ?? []), ...c.values]));
          }
        }
      }
    }
  }
  const accountLiterals = new Map<string, Set<string>>();
  for (const [k, v] of literals) if (v) accountLiterals.set(k, v);
  // A key read but never compared with a literal id is not in the map: its value is kept as it is.
  return { reads: [...reads].sort(), resourceLimited, anyAccountArns, accountLiterals };
}

function pathOf(account: OrgNode): OrgNode[] {
  const path: OrgNode[] = [];
  for (let n: OrgNode | undefined = account; n; n = n.parent) path.unshift(n);
  return path;
}

function levelsOf(chain: Chain, account: OrgNode): ChainLevel[] {
  return pathOf(account).map((n, i) => ({ label: OrgTree.describe(n), policies: chain.policies[i]! }));
}

/** An ARN with its account field masked. */
function maskAccount(arn: string): string {
  const parts = arn.split(':');
  if (parts.length >= 6) parts[4] = '{account}';
  return parts.join(':');
}

const FULL_ACCESS: Record<PolicyType, string> = {
  scp: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
  rcp: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }),
};
const FULL_ACCESS_NAME: Record<PolicyType, string> = { scp: 'FullAWSAccess', rcp: 'RCPFullAWSAccess' };

/**
 * Prepared policies (by name, type and content), chains (by the policies at each level) and decisions
 * (by chain, action and what the request says of every key the chain's policies read).
 */
class ChainCache {
  private readonly byContent = new Map<string, PreparedPolicy>();
  private readonly byUid = new Map<number, { canonical: string; name: string; prepared: PreparedPolicy }>();
  private readonly chains = new Map<string, Chain>();
  private readonly origins = new Map<string, ControlOrigin[][]>();
  private readonly policyControls = new Map<number, ControlOrigin[]>();
  private readonly canonicalOf = new Map<number, string>();
  /** Per node and type, the key and policies of its chain, for the current state of the model. */
  private nodeChains = new Map<string, { key: string; policies: PreparedPolicy[][] }>();
  private accountChains = new Map<string, Chain>();
  /**
   * A policy type not enabled (no policy of it at the root) restricts nothing, and enabling it attaches
   * its AWS-managed full-access policy to every root, OU and account: such a type's chains are modelled
   * with that policy at every level, so they allow until a wave attaches a Deny.
   */
  private readonly implied: Record<PolicyType, PreparedPolicy | undefined>;

  constructor(
    private readonly input: LockoutInput,
    model: AttachmentModel,
  ) {
    for (const p of input.compiled ?? []) {
      const perStatement = p.statements.map((s) => {
        const byControl = new Map<string, ControlOrigin>();
        for (const o of s.origins) if (!byControl.has(o.draft.control.id)) byControl.set(o.draft.control.id, { id: o.draft.control.id, ...(o.draft.location ? { location: o.draft.location } : {}) });
        return [...byControl.values()];
      });
      this.origins.set(`${p.type}\n${canonicalPolicyText(p.text)}`, perStatement);
    }
    const root = input.deployment.tree.root.id!;
    const implied = (type: PolicyType) => (model.attachedAt(root, type).length ? undefined : this.preparedText(FULL_ACCESS_NAME[type], type, canonicalPolicyText(FULL_ACCESS[type]), FULL_ACCESS[type], []));
    this.implied = { scp: implied('scp'), rcp: implied('rcp') };
  }

  /** The model changed: chains are read again (policies and decisions stay). */
  changed(): void {
    this.nodeChains = new Map();
    this.accountChains = new Map();
  }

  chainOf(model: AttachmentModel, account: OrgNode, type: PolicyType): Chain {
    const memo = `${type}:${account.id}`;
    const seen = this.accountChains.get(memo);
    if (seen) return seen;
    const built = this.buildChainOf(model, account, type);
    this.accountChains.set(memo, built);
    return built;
  }

  private buildChainOf(model: AttachmentModel, account: OrgNode, type: PolicyType): Chain {
    const { key, policies } = this.nodeChain(model, account, type);
    let chain = this.chains.get(key);
    if (!chain) {
      chain = { key, policies, decisions: new Map(), ...analyseChain(policies) };
      this.chains.set(key, chain);
    }
    return chain;
  }

  /** A node's chain, built on its parent's. */
  private nodeChain(model: AttachmentModel, node: OrgNode, type: PolicyType): { key: string; policies: PreparedPolicy[][] } {
    const memo = `${type}:${node.id}`;
    let found = this.nodeChains.get(memo);
    if (found) return found;
    const above = node.parent ? this.nodeChain(model, node.parent, type) : { key: type, policies: [] };
    const here = model.attachedAt(node.id!, type).map((p) => this.prepared(p, type));
    const implied = this.implied[type];
    if (implied) here.push(implied);
    found = { key: `${above.key}/${here.map((p) => p.id).sort((a, b) => a - b).join(',')}`, policies: [...above.policies, here] };
    this.nodeChains.set(memo, found);
    return found;
  }

  /**
   * What a request says of the keys the chain reads, as far as the chain can tell requests apart: two
   * requests with the same projection get the same decision on it. An account id that no condition of
   * the chain names is just "another account", and a principal ARN only matched against patterns with a
   * wildcard account is the same in every account.
   */
  projection(chain: Chain, persona: Persona): string {
    const parts: string[] = [];
    for (const k of chain.reads) {
      if (!persona.known(k)) {
        parts.push('?');
        continue;
      }
      const values = persona.context.get(k)?.values;
      if (!values) parts.push('-');
      else if (k === 'aws:principalarn' && chain.anyAccountArns) parts.push(JSON.stringify(values.map(maskAccount)));
      else if (chain.accountLiterals.has(k)) {
        const named = chain.accountLiterals.get(k)!;
        parts.push(JSON.stringify(values.map((v) => (named.has(v) ? v : '(another)'))));
      } else parts.push(JSON.stringify(values));
    }
    if (chain.resourceLimited) parts.push(persona.resource ?? '?');
    return parts.join('|');
  }

  /** The decisions already made on the chain for requests of this projection, by action. */
  decisionsFor(chain: Chain, projection: string): Map<number, ChainDenial | undefined> {
    let byAction = chain.decisions.get(projection);
    if (!byAction) chain.decisions.set(projection, (byAction = new Map()));
    return byAction;
  }

  /** The decision for the account's request; its level is named as in this account's chain. */
  decide(chain: Chain, decided: Map<number, ChainDenial | undefined>, account: OrgNode, actionId: number, persona: Persona): ChainDenial | undefined {
    let d: ChainDenial | undefined;
    if (decided.has(actionId)) d = decided.get(actionId);
    else {
      d = chainDenial(levelsOf(chain, account), actionId, persona, this.input.reference);
      decided.set(actionId, d);
    }
    return d && { ...d, level: OrgTree.describe(pathOf(account)[d.levelIndex]!) };
  }

  controlsOf(policy: PreparedPolicy, type: PolicyType, statement: number | undefined): ControlOrigin[] {
    const perStatement = this.origins.get(`${type}\n${this.canonicalOf.get(policy.id)}`);
    if (perStatement && statement !== undefined && perStatement[statement]) return perStatement[statement]!;
    return this.policyControls.get(policy.id) ?? [];
  }

  private prepared(p: ModelPolicy, type: PolicyType): PreparedPolicy {
    // By uid first: comparing the (usually identical) canonical string is cheaper than hashing it.
    const known = this.byUid.get(p.uid);
    if (known && known.canonical === p.canonical && known.name === p.name) return known.prepared;
    const desired = this.input.deployment.desired.find((d) => d.type === type && d.name === p.name);
    const prepared = this.preparedText(p.name, type, p.canonical, p.content, (p.controls ?? desired?.controls ?? []).map((id) => ({ id })));
    this.byUid.set(p.uid, { canonical: p.canonical, name: p.name, prepared });
    return prepared;
  }

  private preparedText(name: string, type: PolicyType, canonical: string, content: string, controls: ControlOrigin[]): PreparedPolicy {
    const key = `${type}\n${name}\n${canonical}`;
    let prepared = this.byContent.get(key);
    if (prepared) return prepared;
    const id = this.byContent.size + 1;
    const read = statementsOf(content);
    prepared = read.ok ? { id, name, statements: read.statements.map((s, i) => prepareStatement(s, i, this.input.reference)) } : { id, name, statements: [], error: read.problem };
    this.byContent.set(key, prepared);
    this.canonicalOf.set(id, canonical);
    this.policyControls.set(id, controls);
    return prepared;
  }
}

function describeDenial(d: ChainDenial, type: PolicyType, cache: ChainCache): DenyingStatement {
  const out: DenyingStatement = { type, level: d.level, implicit: d.implicit, controls: [] };
  if (d.policy) {
    out.policy = d.policy.name;
    if (d.statement) {
      out.statement = d.statement.index + 1;
      if (d.statement.sid) out.sid = d.statement.sid;
    }
    out.controls = cache.controlsOf(d.policy, type, d.statement?.index);
  }
  if (d.implicit) out.attached = d.levelPolicies;
  if (d.depends) out.depends = d.depends;
  return out;
}

function messageOf(f: LockoutDenial, d: Deployment): string {
  const s = f.denial;
  const whose = f.subject === 'caller' ? `the rollout's own role ${f.principal}` : `protected ${f.principal}`;
  const who = f.direction === 'into' ? (f.subject === 'caller' ? `assuming ${whose}` : `principals of the management account assuming ${whose}`) : f.subject === 'caller' ? `the rollout's own principal ${f.principal}` : whose;
  const first = d.tree.account(f.accounts[0]!);
  const where = `${first ? OrgTree.describe(first) : `account ${f.accounts[0]}`}${f.accounts.length > 1 ? ` and ${f.accounts.length - 1} more account${f.accounts.length > 2 ? 's' : ''}` : ''}`;
  const when = f.waves.length > 1 ? `from wave ${f.wave} on (${f.waves.join(', ')})` : `at the end of wave ${f.wave}`;
  const TYPE = s.type.toUpperCase();
  const controls = s.controls.length ? ` (${s.controls.map((c) => `control ${c.id}${c.location ? ` at ${path.basename(c.location.file)}:${c.location.line}:${c.location.col}` : ''}`).join(', ')})` : '';
  const body = s.implicit
    ? `${f.certain ? `no ${TYPE} attached at ${s.level} (${s.attached?.join(', ') || 'none'}) allows` : `the ${TYPE}s attached at ${s.level} (${s.attached?.join(', ')}) may not allow`} ${f.action} for ${who} in ${where}`
    : `${TYPE} ${s.policy} statement ${s.sid ?? s.statement}${controls}, attached to ${s.level}, ${f.certain ? 'denies' : 'may deny'} ${f.action} to ${who} in ${where}`;
  const depends = f.certain ? '' : `: ${s.implicit ? 'the Allow there depends' : 'it depends'} on ${s.depends}, which the guard does not know`;
  return `${when}: ${body}${depends}`;
}
