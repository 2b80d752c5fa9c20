/** The intent's waves, with their targets found in the deployed tree. */
import { error, type Diagnostic } from '../diagnostics/index.js';
import type { Intent } from '../intent/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { findDeployedNode } from './deployment.js';
import type { WaveSpec } from './planner.js';

export function wavesOf(intent: Intent, deployedTree: OrgTree): { waves: WaveSpec[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const waves: WaveSpec[] = [];
  for (const w of intent.waves) {
    const targets: OrgNode[] = [];
    for (const [i, ref] of w.targets.entries()) {
      const where = intent.sources.locate(w.targets, i);
      const inIntent = intent.tree?.resolve(ref);
      const node = inIntent?.ok ? findDeployedNode(deployedTree, inIntent.node) : deployedResolve(deployedTree, ref);
      if (node) targets.push(node);
      else diagnostics.push(error('unknown-deployed-target', `wave ${w.name}: target "${ref}" is not in the deployed organization`, where, 'the intent tree and the organization differ'));
    }
    waves.push({ name: w.name, ...(w.description ? { description: w.description } : {}), targets });
  }
  return { waves, diagnostics };
}

function deployedResolve(tree: OrgTree, ref: string): OrgNode | undefined {
  const r = tree.resolve(ref);
  return r.ok ? r.node : undefined;
}
