/**
 * Who asks, in the semantic diff: a principal of the organization (for SCPs, a role in the account; for
 * RCPs also one outside the organization and each partner or trusted account the intent names), each
 * asking about one account. A persona's request fixes who asks and whose resource it is; everything
 * else (the Region, TLS, tags, the resource) stays unknown to partial evaluation.
 */
import { buildRequest, RequestContext, type PartialRequest } from '../evaluate/index.js';
import type { OrgNode } from '../model/org-tree.js';
import type { PolicyType } from '../policy/index.js';
import type { PersonaSpec } from './types.js';

export interface Persona {
  type: PolicyType;
  label: string;
  /** Lower-case keys whose value (or absence) the persona's requests know, for every account. */
  known: ReadonlySet<string>;
  /**
   * Lower-case keys whose value depends on the account asked about (its id, where it sits in the
   * tree). A condition that reads none of them decides alike for every account.
   */
  varying: ReadonlySet<string>;
  request(account: OrgNode): PartialRequest;
}

const OUTSIDE_ACCOUNT = '999999999999';
/**
 * The role every persona asks as. Controls except principals by ARN pattern (role/BreakGlass,
 * role/SecurityAdmin, role/guardrails-*, role/AWSReservedSSO_*, role/*Admin*), and a persona a Deny
 * excepts would hide that Deny from the diff: the name is one no control would except, and names
 * neither this tool, nor AWS, nor an administrator.
 */
const PERSONA_ROLE = 'ordinary-role';
/** What AWS sets for an IAM role is known, and so is what it leaves out. */
const PRINCIPAL_KEYS = ['aws:PrincipalArn', 'aws:PrincipalAccount', 'aws:PrincipalOrgID', 'aws:PrincipalOrgPaths', 'aws:PrincipalIsAWSService', 'aws:PrincipalType', 'aws:PrincipalServiceName', 'aws:PrincipalServiceNamesList', 'aws:username'].map((k) => k.toLowerCase());
const RESOURCE_KEYS = ['aws:ResourceAccount', 'aws:ResourceOrgID', 'aws:ResourceOrgPaths'].map((k) => k.toLowerCase());

interface PersonaDraft {
  type: PolicyType;
  label: string;
  known: ReadonlySet<string>;
  context(account: OrgNode): RequestContext;
}

export function buildPersonas(orgId: string, spec: PersonaSpec): Persona[] {
  // Siblings share their OU path: it is built once per parent.
  const paths = new Map<OrgNode | undefined, string[]>();
  const pathsOf = (account: OrgNode) => {
    let found = paths.get(account.parent);
    if (!found) {
      const ids: string[] = [];
      for (let n = account.parent; n; n = n.parent) ids.unshift(n.id!);
      paths.set(account.parent, (found = [`${orgId}/${ids.join('/')}/`]));
    }
    return found;
  };
  const principal = (arn: string, account: string, org: string | undefined, orgPaths: string[] | undefined): RequestContext =>
    buildRequest({ principal: { id: arn, account, ...(org ? { orgId: org } : {}), ...(orgPaths ? { orgPaths } : {}) }, action: 'sts:GetCallerIdentity', resource: { arn: '*' } }).context;
  const resource = (ctx: RequestContext, account: OrgNode) => ctx.set('aws:ResourceAccount', account.id!).set('aws:ResourceOrgID', orgId).set('aws:ResourceOrgPaths', pathsOf(account));
  const asPrincipal = new Set(PRINCIPAL_KEYS);
  const asBoth = new Set([...PRINCIPAL_KEYS, ...RESOURCE_KEYS]);
  const drafts: PersonaDraft[] = [
    { type: 'scp', label: 'a role in the account', known: asPrincipal, context: (a) => principal(`arn:aws:iam::${a.id}:role/${PERSONA_ROLE}`, a.id!, orgId, pathsOf(a)) },
    { type: 'rcp', label: 'a role of the organization', known: asBoth, context: (a) => resource(principal(`arn:aws:iam::${a.id}:role/${PERSONA_ROLE}`, a.id!, orgId, pathsOf(a)), a) },
    { type: 'rcp', label: `a role outside the organization (${OUTSIDE_ACCOUNT})`, known: asBoth, context: (a) => resource(principal(`arn:aws:iam::${OUTSIDE_ACCOUNT}:role/${PERSONA_ROLE}`, OUTSIDE_ACCOUNT, undefined, undefined), a) },
  ];
  for (const partner of [...new Set(spec.partnerAccounts)].sort()) {
    drafts.push({ type: 'rcp', label: `a role of partner or trusted account ${partner}`, known: asBoth, context: (a) => resource(principal(`arn:aws:iam::${partner}:role/${PERSONA_ROLE}`, partner, undefined, undefined), a) });
  }
  return drafts.map((p) => ({ type: p.type, label: p.label, known: p.known, varying: varyingKeys(p), request: (a) => ({ context: p.context(a), known: p.known }) }));
}

/**
 * The keys whose values differ between two accounts that share nothing (neither id nor any OU): read
 * off the persona's own requests, so a key it derives from the account later is found without a list
 * to keep in step.
 */
function varyingKeys(p: PersonaDraft): Set<string> {
  const probe = (accountId: string, ouId: string): OrgNode => {
    const root: OrgNode = { kind: 'root', name: 'Root', id: `r-${ouId}`, path: 'Root', parent: undefined, children: [], depth: 0 };
    const ou: OrgNode = { kind: 'ou', name: ouId, id: `ou-${ouId}`, path: `Root/${ouId}`, parent: root, children: [], depth: 1 };
    return { kind: 'account', name: accountId, id: accountId, path: `Root/${ouId}/${accountId}`, parent: ou, children: [], depth: 2 };
  };
  const [a, b] = [p.context(probe('000000000001', 'probea')), p.context(probe('000000000002', 'probeb'))];
  const out = new Set<string>();
  for (const key of new Set([...a.keys(), ...b.keys()])) if (JSON.stringify(a.get(key)) !== JSON.stringify(b.get(key))) out.add(key);
  return out;
}
