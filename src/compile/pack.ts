/**
 * Placing statements into policies. One policy per control and policy type, attached to the control's
 * targets; a policy's name says what it holds, so changing one control never renames another's.
 */
import type { OrgNode } from '../model/org-tree.js';
import type { PolicyType } from '../policy/index.js';
import type { ControlPlacement } from './compile.js';
import type { ExpandedStatement } from './expand.js';

export interface PackedPolicy {
  name: string;
  type: PolicyType;
  statements: ExpandedStatement[];
  controls: string[];
  targets: OrgNode[];
}

export const POLICY_NAME_PREFIX = 'guardrails';

export function packPolicies(placements: readonly ControlPlacement[]): PackedPolicy[] {
  const policies: PackedPolicy[] = [];
  for (const p of placements) {
    if (p.targets.length === 0) continue;
    for (const type of ['scp', 'rcp'] as const) {
      const statements = p.statements.filter((s) => s.draft.type === type);
      if (statements.length === 0) continue;
      policies.push({ name: `${POLICY_NAME_PREFIX}-${type}-${p.control.id}`, type, statements, controls: [p.control.id], targets: p.targets });
    }
  }
  return policies.sort((a, b) => (a.name < b.name ? -1 : 1));
}
