/** Everything `guardrails diff` reports, as one value the renderers (src/report) turn into text. */
import { warning, type Diagnostic } from '../diagnostics/index.js';
import type { Intent } from '../intent/index.js';
import { AWS_POLICY_TYPE, enabledPolicyTypes } from '../org/index.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import { semanticDiff, semanticReview, statementsOf, type PersonaSpec, type SemanticDiffStats, type SemanticGroup, type SemanticReview, type StatementOrigin } from '../semantic-diff/index.js';
import { deniesEverythingOf, type DenyCoverage } from './deny-coverage.js';
import type { ModelPolicy } from './attachment-model.js';
import type { Deployment } from './deployment.js';
import { endStates, structuralDiff, type EndStates, type StructuralDiff } from './diff.js';
import type { TreeDrift } from './tree-drift.js';
import { deploymentOrigins } from './statement-origins.js';

export interface DiffReport {
  organization: string;
  /** Where the deployed state came from, and when it was read. */
  deployed: { source: string; readAt: string };
  reference: string;
  quotas: Quotas;
  changed: boolean;
  structural: StructuralDiff;
  semantic: SemanticGroup[];
  /** The semantic diff per control: its verdict, where it is written, what becomes allowed. */
  review: SemanticReview;
  /**
   * Changed or deleted policies whose new version is not proven to deny everything the old one did,
   * statement by statement (deny-coverage.ts): what may become allowed for principals the semantic
   * diff does not ask as (an excepted role, an AWS service).
   */
  unproven: UnprovenPolicy[];
  /** What the reviewer must know before the change can be applied (a policy type not enabled). */
  warnings: Diagnostic[];
  /** OUs and accounts in AWS that the tree the policies were compiled for lacks or places elsewhere. */
  treeDrift: TreeDrift;
}

export interface UnprovenPolicy {
  policy: string;
  type: PolicyType;
  why: string;
  /** The old version's statement found not covered, and the controls it came from. */
  sid?: string;
  controls: string[];
}

const NO_DRIFT: TreeDrift = { compiledFor: '', entries: [], fix: [] };

export function buildDiffReport(d: Deployment, reference: ReferenceIndex, personas: PersonaSpec, drift: TreeDrift = NO_DRIFT): DiffReport {
  const ends = endStates(d);
  const structural = structuralDiff(d, reference, ends);
  const semantic = deploymentSemanticDiff(d, reference, personas, { ends });
  const c = structural.counts;
  const unproven = unprovenPolicies(d, ends, reference);
  return {
    organization: d.state.organization.id,
    deployed: { source: d.state.source, readAt: d.state.readAt },
    reference: reference.snapshotId,
    quotas: d.quotas,
    changed: c.create + c.update + c.delete + c.attach + c.detach > 0,
    structural,
    semantic,
    review: semanticReview(semantic, d.tree, d.managementAccount, reference),
    unproven,
    warnings: policyTypeWarnings(d),
    treeDrift: drift,
  };
}

/** The semantic diff of a deployment: the deployed chains against the chains once every owned policy is what compile wants. */
export function deploymentSemanticDiff(d: Deployment, reference: ReferenceIndex, personas: PersonaSpec, options: { ends?: EndStates; stats?: SemanticDiffStats } = {}): SemanticGroup[] {
  const { before, after } = options.ends ?? endStates(d);
  return semanticDiff({ tree: d.tree, managementAccount: d.managementAccount, organizationId: d.state.organization.id, enabled: enabledPolicyTypes(d.state), before, after, originsOf: deploymentOrigins(d) }, reference, personas, options.stats);
}

/**
 * The owned policies that change or go whose new version is not proven to deny all the old one did.
 * A deleted policy's denials are all gone; a policy guardrails does not own never changes.
 */
function unprovenPolicies(d: Deployment, ends: EndStates, reference: ReferenceIndex): UnprovenPolicy[] {
  const out: UnprovenPolicy[] = [];
  const origins = deploymentOrigins(d);
  for (const old of ends.before.all()) {
    if (!old.owned) continue;
    const now = ends.after.find(old.type, old.name);
    if (now && now.canonical === old.canonical) continue;
    const coverage = now ? deniesEverythingOf(now.content, old.content, reference) : deletedCoverage(old, ends, reference);
    if (coverage.covers) continue;
    const statementOrigins: readonly (readonly StatementOrigin[])[] = origins(old, old.type) ?? [];
    const index = coverage.statement;
    const found = index === undefined ? undefined : statementsOf(old.content);
    const sid = found?.ok ? found.statements[index!]?.sid : undefined;
    const controls = index === undefined ? (old.controls ?? []) : [...new Set((statementOrigins[index] ?? []).map((o) => o.control))];
    out.push({ policy: old.name, type: old.type, why: coverage.why, ...(sid ? { sid } : {}), controls: controls.length ? controls : (old.controls ?? []) });
  }
  return out;
}

/**
 * A deleted policy is covered when the new policies of its type attached where it was (a control's
 * statements moved to a policy of another name) deny all it did, taken together.
 */
function deletedCoverage(old: ModelPolicy, ends: EndStates, reference: ReferenceIndex): DenyCoverage {
  const created = ends.after.all().filter((p) => p.owned && p.type === old.type && !ends.before.find(p.type, p.name) && [...old.targets].every((t) => p.targets.has(t)));
  const statements = created.flatMap((p) => {
    const read = statementsOf(p.content);
    return read.ok ? (JSON.parse(p.content) as { Statement: unknown }).Statement : [];
  });
  if (!statements.length) return { covers: false, why: 'the policy is deleted, and no new policy is attached where it was' };
  const together = JSON.stringify({ Version: '2012-10-17', Statement: statements.flatMap((s) => (Array.isArray(s) ? s : [s])) });
  const coverage = deniesEverythingOf(together, old.content, reference);
  return coverage.covers ? coverage : { ...coverage, why: `the policy is deleted, and the new ones attached where it was do not cover it: ${coverage.why.replace('the new version', 'they')}` };
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
