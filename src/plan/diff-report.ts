/** Everything `guardrails diff` reports, as one value the renderers (src/report) turn into text. */
import type { Diagnostic } from '../diagnostics/index.js';
import type { Quotas } from '../policy/index.js';
import type { ReferenceIndex } from '../reference/index.js';
import type { Deployment } from './deployment.js';
import { structuralDiff, type StructuralDiff } from './diff.js';
import type { TreeDrift } from './tree-drift.js';
import { policyTypeWarnings, semanticDiff, type PersonaSpec, type SemanticGroup } from './semantic-diff.js';

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
  const structural = structuralDiff(d, reference);
  const semantic = semanticDiff(d, reference, personas);
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
