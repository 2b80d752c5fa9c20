/**
 * The semantic diff: what the change does, computed with the evaluation engine over every action of
 * the pinned reference. For each account (as principal for SCPs, as resource owner for RCPs) and each
 * persona (a principal of the organization; for RCPs also one outside it and each partner or trusted
 * account the intent names), the deployed chain and the compiled chain are partially evaluated
 * (evaluate/partial.ts) and compared: which actions become denied, denied under conditions, allowed,
 * or denied under other conditions. Accounts with the same outcome are reported together, grouped by
 * service and access level. This is what a reviewer reads first.
 */
import { warning, type Diagnostic } from '../diagnostics/index.js';
import { buildRequest, classifyActions, partialStatement, prepareStatement, RequestContext, type ActionClassification, type PartialLevel, type PartialRequest, type PartialStatement, type PreparedStatement } from '../evaluate/index.js';
import type { Intent } from '../intent/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { AWS_POLICY_TYPE, enabledPolicyTypes } from '../org/index.js';
import type { PolicyType, Statement } from '../policy/index.js';
import type { AccessLevel, ActionSet, ReferenceIndex } from '../reference/index.js';
import type { AttachmentModel, ModelPolicy } from './attachment-model.js';
import { statementsOf } from './deployed-policies.js';
import type { Deployment } from './deployment.js';
import { endStates } from './diff.js';
import { Leaves } from './leaves.js';

/**
 * How an action's treatment changes. "Denied" means denied for every request of the persona; "under
 * conditions" means some statement denies it depending on what the persona leaves open (the Region,
 * TLS, tags, the resource).
 */
export type SemanticChangeKind = 'newly-denied' | 'newly-conditional' | 'newly-allowed' | 'now-conditional' | 'conditions-changed';

export const CHANGE_TITLES: Record<SemanticChangeKind, string> = {
  'newly-denied': 'become denied',
  'newly-conditional': 'become denied under conditions',
  'newly-allowed': 'become allowed',
  'now-conditional': 'become allowed except under conditions (were always denied)',
  'conditions-changed': 'change the conditions under which they are denied',
};

export interface ServiceCount {
  service: string;
  accessLevel: AccessLevel;
  count: number;
  /** Canonical names, at most MAX_LISTED; `more` says how many were left out. */
  actions: string[];
  more: number;
}

export interface SemanticChange {
  kind: SemanticChangeKind;
  count: number;
  services: ServiceCount[];
  /** For conditional outcomes: what may deny the actions, before and after. */
  before?: string[];
  after?: string[];
}

export interface SemanticGroup {
  type: PolicyType;
  /** Who asks: the personas with exactly this outcome on these accounts. */
  personas: string[];
  /** The accounts with exactly this outcome, and the fewest tree nodes that name them. */
  accounts: string[];
  targets: string[];
  changes: SemanticChange[];
}

export interface PersonaSpec {
  /** Accounts outside the organization the intent names: partners and trusted accounts. */
  partnerAccounts: string[];
}

/** The accounts outside the organization the intent names (partners, trusted accounts): the RCP personas. */
export function partnerAccountsOf(intent: Intent): string[] {
  const out = new Set<string>();
  for (const c of intent.controls) {
    if (c.kind === 'identity-perimeter') {
      for (const a of c.trustedAccounts ?? []) out.add(a);
      for (const p of c.partnerExceptions ?? []) for (const a of p.accounts) out.add(a);
    } else if (c.kind === 'partner-tag-exception') for (const a of c.accounts) out.add(a);
  }
  return [...out];
}

const MAX_LISTED = 100;
const OUTSIDE_ACCOUNT = '999999999999';
/**
 * The role every persona asks as. Controls except principals by ARN pattern (role/BreakGlass,
 * role/SecurityAdmin, role/guardrails-*, role/AWSReservedSSO_*, role/*Admin*), and a persona a Deny
 * excepts would hide that Deny from the diff: the name is one no control would except, and names
 * neither this tool, nor AWS, nor an administrator.
 */
const PERSONA_ROLE = 'ordinary-role';

interface Persona {
  type: PolicyType;
  label: string;
  request(account: OrgNode): PartialRequest;
}

export function semanticDiff(d: Deployment, reference: ReferenceIndex, spec: PersonaSpec): SemanticGroup[] {
  const { before, after } = endStates(d);
  const leaves = new Leaves(d.tree, d.managementAccount);
  const orgId = d.state.organization.id;
  const pathsOf = (account: OrgNode) => {
    const ids: string[] = [];
    for (let n = account.parent; n; n = n.parent) ids.unshift(n.id!);
    return [`${orgId}/${ids.join('/')}/`];
  };
  const personas = buildPersonas(orgId, pathsOf, spec);
  const universes: Record<PolicyType, ActionSet> = { scp: reference.allActions(), rcp: rcpUniverse(reference) };
  // A policy the engine cannot read (checkDeployedPolicies stops the CLI before this) fails closed: it
  // counts as a Deny of every action that may apply, "cannot be evaluated", so no action it might deny
  // is reported as allowed, while what other policies change still shows.
  const prepared = new Map<string, { statements: PreparedStatement[]; unreadable?: PartialStatement }>();
  const prepare = (p: ModelPolicy, type: PolicyType) => {
    // The content, not the canonical text: canonicalizing drops the statements it cannot read.
    const key = `${type}\n${p.content}`;
    let entry = prepared.get(key);
    if (!entry) {
      const read = statementsOf(p.content);
      entry = read.ok
        ? { statements: read.statements.map((s) => prepareStatement(s, reference, universes[type])) }
        : { statements: [], unreadable: { effect: 'Deny', actions: universes[type], condition: 'maybe', residual: {}, resources: 'all', error: `${p.name}: ${read.problem}` } };
      prepared.set(key, entry);
    }
    return entry;
  };
  // A policy type the organization has not enabled does not apply: before, its chain decides nothing;
  // after, it is what enabling it does (the AWS-managed full-access policy on the root and every OU and
  // account) with the compiled policies attached.
  const enabled = enabledPolicyTypes(d.state);
  const fullAccess: Record<PolicyType, PreparedStatement[]> = {
    scp: [prepareStatement(FULL_ACCESS.scp, reference, universes.scp)],
    rcp: [prepareStatement(FULL_ACCESS.rcp, reference, universes.rcp)],
  };
  const classified = new Map<string, ActionClassification>();
  const classify = (model: AttachmentModel, account: OrgNode, persona: Persona): ActionClassification => {
    const applies = enabled.has(persona.type);
    if (!applies && model === before) {
      const key = `${persona.type}\nnot enabled`;
      let c = classified.get(key);
      if (!c) classified.set(key, (c = classifyActions([], universes[persona.type])));
      return c;
    }
    const request = persona.request(account);
    const levels: PartialLevel[] = [];
    const keyParts: string[] = [];
    const path: OrgNode[] = [];
    for (let n: OrgNode | undefined = account; n; n = n.parent) path.unshift(n);
    for (const node of path) {
      const attached = model.attachedAt(node.id!, persona.type).map((p) => prepare(p, persona.type));
      const statements = [
        ...(applies ? [] : fullAccess[persona.type]).flatMap((s) => partialStatement(s, request)),
        ...attached.flatMap((a) => [...a.statements.flatMap((s) => partialStatement(s, request)), ...(a.unreadable ? [a.unreadable] : [])]),
      ];
      levels.push({ label: node.path, statements });
      // Two chains whose statements evaluate alike classify alike: the key is what classification reads.
      keyParts.push(statements.map((s) => `${s.effect}${s.condition}${s.resources}|${JSON.stringify(s.residual)}|${JSON.stringify(s.resourceElement ?? null)}|${s.error ?? ''}#${actionKey(s.actions)}`).join(','));
    }
    const key = `${persona.type}\n${keyParts.join('\n')}`;
    let c = classified.get(key);
    if (!c) classified.set(key, (c = classifyActions(levels, universes[persona.type])));
    return c;
  };

  const compared = new Map<ActionClassification, Map<ActionClassification, SemanticChange[]>>();
  const compareOnce = (old: ActionClassification, now: ActionClassification, type: PolicyType) => {
    let row = compared.get(old);
    if (!row) compared.set(old, (row = new Map()));
    let changes = row.get(now);
    if (!changes) row.set(now, (changes = compare(old, now, universes[type], reference)));
    return changes;
  };
  const byPersona = new Map<string, { persona: Persona; accounts: string[]; changes: SemanticChange[]; key: string }>();
  for (const account of leaves.accountsUnder(d.tree.root)) {
    for (const persona of personas) {
      const changes = compareOnce(classify(before, account, persona), classify(after, account, persona), persona.type);
      if (!changes.length) continue;
      const key = JSON.stringify(changes);
      const g = byPersona.get(`${persona.type}|${persona.label}|${key}`);
      if (g) g.accounts.push(account.id!);
      else byPersona.set(`${persona.type}|${persona.label}|${key}`, { persona, accounts: [account.id!], changes, key });
    }
  }
  // Personas with the same outcome on the same accounts are reported once.
  const groups = new Map<string, SemanticGroup>();
  for (const g of byPersona.values()) {
    const key = `${g.persona.type}|${g.accounts.join(',')}|${g.key}`;
    const existing = groups.get(key);
    if (existing) existing.personas.push(g.persona.label);
    else groups.set(key, { type: g.persona.type, personas: [g.persona.label], accounts: g.accounts, targets: nameAccounts(d.tree, leaves, new Set(g.accounts)), changes: g.changes });
  }
  return [...groups.values()];
}

/** What enabling a policy type attaches everywhere: FullAWSAccess, RCPFullAWSAccess. */
const FULL_ACCESS: Record<PolicyType, Statement> = {
  scp: { effect: 'Allow', action: ['*'], resource: ['*'] },
  rcp: { effect: 'Allow', principal: '*', action: ['*'], resource: ['*'] },
};

const TYPE_NAMES: Record<PolicyType, { plural: string; fullAccess: string }> = {
  scp: { plural: 'SCPs', fullAccess: 'FullAWSAccess' },
  rcp: { plural: 'RCPs', fullAccess: 'RCPFullAWSAccess' },
};

/** The compiled policy types the organization has not enabled: nothing of them applies until it is. */
export function policyTypeWarnings(d: Deployment): Diagnostic[] {
  const enabled = enabledPolicyTypes(d.state);
  const out: Diagnostic[] = [];
  for (const type of ['scp', 'rcp'] as const) {
    const compiled = d.desired.filter((p) => p.type === type).length;
    if (!compiled || enabled.has(type)) continue;
    const { plural, fullAccess } = TYPE_NAMES[type];
    out.push(
      warning(
        'policy-type-not-enabled',
        `${plural} are not enabled in organization ${d.state.organization.id} (${d.state.source}): the ${compiled} compiled ${compiled === 1 ? `${plural.slice(0, -1)} applies` : `${plural} apply`} only once the policy type is enabled on root ${d.state.root.id}, which attaches ${fullAccess} to the root and every OU and account; the diff shows what enabling it and attaching them does`,
        undefined,
        `enable the policy type first: aws organizations enable-policy-type --root-id ${d.state.root.id} --policy-type ${AWS_POLICY_TYPE[type]}`,
      ),
    );
  }
  return out;
}

function buildPersonas(orgId: string, pathsOf: (account: OrgNode) => string[], spec: PersonaSpec): Persona[] {
  const principal = (ctx: RequestContext, known: Set<string>, arn: string, account: string, org: string | undefined, paths: string[] | undefined) => {
    const built = buildRequest({ principal: { id: arn, account, ...(org ? { orgId: org } : {}), ...(paths ? { orgPaths: paths } : {}) }, action: 'sts:GetCallerIdentity', resource: { arn: '*' } });
    for (const k of built.context.keys()) {
      const e = built.context.get(k)!;
      ctx.set(k, e.multivalued ? e.values : e.values[0]!);
    }
    // What AWS sets for an IAM role is known, and so is what it leaves out.
    for (const k of ['aws:PrincipalArn', 'aws:PrincipalAccount', 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths', 'aws:PrincipalIsAWSService', 'aws:PrincipalType', 'aws:PrincipalServiceName', 'aws:PrincipalServiceNamesList', 'aws:username']) known.add(k.toLowerCase());
  };
  const resource = (ctx: RequestContext, known: Set<string>, account: OrgNode) => {
    ctx.set('aws:ResourceAccount', account.id!).set('aws:ResourceOrgID', orgId).set('aws:ResourceOrgPaths', pathsOf(account));
    for (const k of ['aws:ResourceAccount', 'aws:ResourceOrgID', 'aws:ResourceOrgPaths']) known.add(k.toLowerCase());
  };
  const personas: Persona[] = [
    {
      type: 'scp',
      label: 'a role in the account',
      request: (a) => {
        const context = new RequestContext();
        const known = new Set<string>();
        principal(context, known, `arn:aws:iam::${a.id}:role/${PERSONA_ROLE}`, a.id!, orgId, pathsOf(a));
        return { context, known };
      },
    },
    {
      type: 'rcp',
      label: 'a role of the organization',
      request: (a) => {
        const context = new RequestContext();
        const known = new Set<string>();
        principal(context, known, `arn:aws:iam::${a.id}:role/${PERSONA_ROLE}`, a.id!, orgId, pathsOf(a));
        resource(context, known, a);
        return { context, known };
      },
    },
    {
      type: 'rcp',
      label: `a role outside the organization (${OUTSIDE_ACCOUNT})`,
      request: (a) => {
        const context = new RequestContext();
        const known = new Set<string>();
        principal(context, known, `arn:aws:iam::${OUTSIDE_ACCOUNT}:role/${PERSONA_ROLE}`, OUTSIDE_ACCOUNT, undefined, undefined);
        resource(context, known, a);
        return { context, known };
      },
    },
  ];
  for (const partner of [...new Set(spec.partnerAccounts)].sort()) {
    personas.push({
      type: 'rcp',
      label: `a role of partner or trusted account ${partner}`,
      request: (a) => {
        const context = new RequestContext();
        const known = new Set<string>();
        principal(context, known, `arn:aws:iam::${partner}:role/${PERSONA_ROLE}`, partner, undefined, undefined);
        resource(context, known, a);
        return { context, known };
      },
    });
  }
  return personas;
}

function compare(old: ActionClassification, now: ActionClassification, universe: ActionSet, reference: ReferenceIndex): SemanticChange[] {
  const parts = (c: ActionClassification) => {
    const rest = universe.clone();
    for (const b of c.blocks) rest.removeAll(b.actions);
    return [...c.blocks, { actions: rest, signatures: [] as string[] }];
  };
  const found = new Map<string, SemanticChange & { set: ActionSet }>();
  const add = (kind: SemanticChangeKind, set: ActionSet, before?: string[], after?: string[]) => {
    if (set.isEmpty()) return;
    const key = `${kind}|${JSON.stringify(before ?? null)}|${JSON.stringify(after ?? null)}`;
    const existing = found.get(key);
    if (existing) existing.set.addAll(set);
    else found.set(key, { kind, count: 0, services: [], ...(before ? { before } : {}), ...(after ? { after } : {}), set: set.clone() });
  };
  for (const bo of parts(old)) {
    for (const bn of parts(now)) {
      const both = bo.actions.intersect(bn.actions);
      if (both.isEmpty()) continue;
      for (const wasDenied of [true, false]) {
        for (const isDenied of [true, false]) {
          const set = both.intersect(wasDenied ? old.denied : universe.minus(old.denied)).intersect(isDenied ? now.denied : universe.minus(now.denied));
          if (set.isEmpty()) continue;
          if (!wasDenied && isDenied) add('newly-denied', set);
          else if (wasDenied && !isDenied) {
            if (bn.signatures.length) add('now-conditional', set, undefined, bn.signatures);
            else add('newly-allowed', set);
          } else if (!wasDenied && !isDenied) {
            const removed = bo.signatures.filter((x) => !bn.signatures.includes(x));
            const added = bn.signatures.filter((x) => !bo.signatures.includes(x));
            if (!removed.length && !added.length) continue;
            if (!bo.signatures.length) add('newly-conditional', set, undefined, added);
            else if (!bn.signatures.length) add('newly-allowed', set, removed);
            else add('conditions-changed', set, removed, added);
          }
        }
      }
    }
  }
  const order: SemanticChangeKind[] = ['newly-denied', 'newly-conditional', 'conditions-changed', 'now-conditional', 'newly-allowed'];
  return [...found.values()]
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || b.set.size - a.set.size)
    .map(({ set, ...change }) => ({ ...change, count: set.size, services: byService(set, reference) }));
}

function byService(set: ActionSet, reference: ReferenceIndex): ServiceCount[] {
  const groups = new Map<string, ServiceCount>();
  for (const id of set.toArray()) {
    const a = reference.actions[id]!;
    const key = `${a.service}|${a.accessLevel}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { service: a.service, accessLevel: a.accessLevel, count: 0, actions: [], more: 0 }));
    g.count++;
    if (g.actions.length < MAX_LISTED) g.actions.push(a.qualified);
    else g.more++;
  }
  return [...groups.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.accessLevel < b.accessLevel ? -1 : 1));
}

function rcpUniverse(reference: ReferenceIndex): ActionSet {
  const set = reference.emptySet();
  for (const s of reference.services) if (s.supportsRcp) set.addAll(reference.serviceActions(s));
  const retire = reference.action('kms:RetireGrant');
  // RCPs do not apply to kms:RetireGrant (REFERENCE.md section 2).
  if (retire) set.delete(retire.id);
  return set;
}

/** The fewest nodes of the tree whose accounts are exactly `accounts` (an OU with no account is never named). */
function nameAccounts(tree: OrgTree, leaves: Leaves, accounts: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const visit = (n: OrgNode) => {
    const under = leaves.accountsUnder(n);
    if (!under.length) return;
    const inside = under.filter((a) => accounts.has(a.id!)).length;
    if (inside === 0) return;
    if (inside === under.length) {
      out.push(OrgTree.describe(n));
      return;
    }
    for (const c of n.children) visit(c);
  };
  visit(tree.root);
  return out;
}

const actionKeys = new WeakMap<ActionSet, string>();
let nextActionKey = 0;
/** Statements share action sets (prepared once per policy text), so identity is a cheap, exact key. */
function actionKey(set: ActionSet): string {
  let k = actionKeys.get(set);
  if (k === undefined) actionKeys.set(set, (k = String(nextActionKey++)));
  return k;
}
