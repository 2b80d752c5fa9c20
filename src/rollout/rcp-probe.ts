/**
 * RCP canary probes. IAM's simulator does not evaluate RCPs (REFERENCE.md section 4), so the RCPs
 * really deployed along the resource owner's chain (read from the live organization after the wave)
 * are evaluated with the project's engine instead: the closest thing to asking AWS, and labelled
 * `local` wherever it is reported. Only the RCPs are in the question: the principal's own policies and
 * the resource's policy are assumed to allow, so a denial here is the guardrails' and nobody else's.
 */
import { authorize, buildRequest, compilePolicy, type CompiledPolicy, type OrgChain } from '../evaluate/index.js';
import type { OrgNode } from '../model/org-tree.js';
import { treeOfState, type OrgState } from '../org/index.js';
import { readPolicyDocument } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import type { LocalDecider } from './canary.js';

export class RcpProbeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RcpProbeError';
  }
}

/** Decides RCP probes of `principal` on resources owned by `resourceAccount`, as `state` has its RCPs. */
export function deployedRcpDecider(state: OrgState, probe: { principal: string; resourceAccount: string }, reference: ReferenceIndex): LocalDecider {
  const chain = rcpChain(state, probe.resourceAccount, reference);
  const principalAccount = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(probe.principal)?.[1];
  const inOrg = principalAccount !== undefined && treeOfState(state).account(principalAccount) !== undefined;
  return (action, resource) => {
    const request = buildRequest(
      {
        principal: { id: probe.principal, ...(principalAccount ? { account: principalAccount } : {}), ...(inOrg ? { orgId: state.organization.id } : {}) },
        action,
        resource: { arn: resource, account: probe.resourceAccount, orgId: state.organization.id },
        // A well-behaved request of the principal, as a canary's real one would be: over TLS 1.3, in
        // us-east-1. Without them a TLS or transport guardrail would deny every probe, which says
        // nothing about what the wave changed.
        region: 'us-east-1',
        context: { 'aws:SecureTransport': true, 's3:TlsVersion': 1.3 },
      },
      reference,
    );
    const d = authorize({ request, rcp: chain, managementAccount: state.organization.managementAccount, supportsRcp: (s) => reference.supportsRcp(s) });
    const decision = d.decision === 'allow' ? 'allowed' : d.decision === 'explicit-deny' ? 'explicitDeny' : 'implicitDeny';
    return { allowedByOrganizations: d.decision === 'allow', decision, detail: d.reason };
  };
}

function rcpChain(state: OrgState, account: string, reference: ReferenceIndex): OrgChain {
  const tree = treeOfState(state);
  const node = tree.account(account);
  if (!node) throw new RcpProbeError(`RCP probe: account ${account} is not in the organization ${state.organization.id}; name an account of the wave as the canary's resource owner`);
  const path: OrgNode[] = [];
  for (let n: OrgNode | undefined = node; n; n = n.parent) path.unshift(n);
  return {
    levels: path.map((level) => ({
      label: level.kind === 'account' ? `account ${level.id}` : level.path,
      policies: state.policies.filter((p) => p.type === 'rcp' && level.id !== undefined && p.targets.includes(level.id)).map((p) => compiled(p.name, p.content, reference)),
    })),
  };
}

function compiled(name: string, content: string, reference: ReferenceIndex): CompiledPolicy {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    throw new RcpProbeError(`RCP probe: the deployed RCP ${name} is not JSON; it cannot be evaluated`);
  }
  const { document } = readPolicyDocument(value, undefined);
  if (!document) throw new RcpProbeError(`RCP probe: the deployed RCP ${name} is not a policy document the engine can read`);
  return compilePolicy(name, document.statements, reference);
}
