/**
 * The equivalence proof on every compile (minimize/prove.ts): per policy type and target, what the
 * controls mean after expansion and what the packed policies say must be the same actions under the
 * same circumstances. Its failures are errors naming the target.
 */
import * as path from 'node:path';
import { error, type Diagnostic } from '../diagnostics/index.js';
import { OrgTree } from '../model/org-tree.js';
import type { ReferenceIndex } from '../reference/index.js';
import { describeProofFailure, proveEquivalence, type ProofInput, type ProofOutput } from './minimize/prove.js';
import type { ControlPlacement, PackedPolicy } from './types.js';

/** The equivalence proof's failures (see prove.ts), as errors naming the target. */
export function proofErrors(placements: readonly ControlPlacement[], packed: readonly PackedPolicy[], tree: OrgTree, root: string, reference: ReferenceIndex): Diagnostic[] {
  const scope = (s: string) => {
    const [type, target] = [s.slice(0, s.indexOf(' ')), s.slice(s.indexOf(' ') + 1)];
    const node = tree.nodes.find((n) => n.path === target);
    return `${node ? OrgTree.describe(node) : target} (${type.toUpperCase()})`;
  };
  return proveEquivalence(proofInputs(placements, root), proofOutputs(packed), reference).map((f) =>
    error('proof-failed', `internal error: ${describeProofFailure(f, scope)}`, f.inputs[0]?.location, 'please report this with the intent; compile with wildcards: exact to work around it'),
  );
}

/** What the controls mean, per policy type and target: the proof's input. */
export function proofInputs(placements: readonly ControlPlacement[], root: string): ProofInput[] {
  return placements.flatMap((p) =>
    p.statements.map((e) => {
      const d = e.draft;
      const where = d.location ? ` (${path.relative(root, d.location.file).split(path.sep).join('/')}:${d.location.line}:${d.location.col})` : '';
      const input: ProofInput = {
        scopes: p.targets.map((t) => `${d.type} ${t.path}`),
        effect: d.effect,
        element: e.actions ? 'Action' : 'NotAction',
        actions: (e.actions ?? e.notActions)!.set,
        label: `control ${d.control.id} statement ${d.sid}${where}`,
        location: d.location,
      };
      if (d.principal) input.principal = d.principal;
      if (d.resources) input.resources = d.resources;
      if (d.notResources) input.notResources = d.notResources;
      if (d.condition) input.condition = d.condition;
      return input;
    }),
  );
}

/** What the packed policies say, per policy type and target: the proof's output. */
export function proofOutputs(packed: readonly PackedPolicy[]): ProofOutput[] {
  return packed.flatMap((p) =>
    p.statements.map((s, j) => ({
      scopes: p.targets.map((t) => `${p.type} ${t.path}`),
      statement: s.statement,
      label: `policy ${p.name} statement ${j + 1}${s.statement.sid ? ` (Sid ${s.statement.sid})` : ''}`,
    })),
  );
}
