/** Everything `guardrails diff` reports, as one value the renderers (src/report) turn into text. */
import { warning, type Diagnostic } from '../diagnostics/index.js';
import type { Intent } from '../intent/index.js';
import { AWS_POLICY_TYPE, enabledPolicyTypes } from '../org/index.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { semanticDiff, type PersonaSpec, type SemanticDiffStats, type SemanticGroup } from '../semantic-diff/index.js';
import type { Deployment } from './deployment.js';
import { endStates, structuralDiff, type EndStates, type StructuralDiff } from './diff.js';
import type { TreeDrift } from './tree-drift.js';

export interface DiffReport {
  organization: string;
  /** Where the deployed state came from, and when it was read. */
  deployed: { source: string; readAt: string };
  reference: string;
  quotas: Quotas;
  changed: boolean;
  structural: StructuralDiff;
  semantic: SemanticGroup[];
  /** What the reviewer must know before the change can be applied (a policy type not enabled). */
  warnings: Diagnostic[];
  /** OUs and accounts in AWS that the tree the policies were compiled for lacks or places elsewhere. */
  treeDrift: TreeDrift;
}

const NO_DRIFT: TreeDrift = { compiledFor: '', entries: [], fix: [] };

export function buildDiffReport(d: Deployment, reference: ReferenceIndex, personas: PersonaSpec, drift: TreeDrift = NO_DRIFT): DiffReport {
  const ends = endStates(d);
  const structural = structuralDiff(d, reference, ends);
  const semantic = deploymentSemanticDiff(d, reference, personas, { ends });
  const c = structural.counts;
  return {
    organization: d.state.organization.id,
    deployed: { source: d.state.source, readAt: d.state.readAt },
    reference: reference.snapshotId,
    quotas: d.quotas,
    changed: c.create + c.update + c.delete + c.attach + c.detach > 0,
    structural,
    semantic,
    warnings: policyTypeWarnings(d),
    treeDrift: drift,
  };
}

/** The semantic diff of a deployment: the deployed chains against the chains once every owned policy is what compile wants. */
export function deploymentSemanticDiff(d: Deployment, reference: ReferenceIndex, personas: PersonaSpec, options: { ends?: EndStates; stats?: SemanticDiffStats } = {}): SemanticGroup[] {
  const { before, after } = options.ends ?? endStates(d);
  return semanticDiff({ tree: d.tree, managementAccount: d.managementAccount, organizationId: d.state.organization.id, enabled: enabledPolicyTypes(d.state), before, after }, reference, personas, options.stats);
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
