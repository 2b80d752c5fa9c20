/**
 * The waves a plan walks: the intent's, with their targets found in the deployed tree, and a last one
 * the planner adds for what they do not reach.
 */
import { error, warning, type Diagnostic } from '../diagnostics/index.js';
import type { Intent } from '../intent/index.js';
import { OrgTree, type OrgNode } from '../model/org-tree.js';
import { findDeployedNode } from './deployment.js';
import type { Leaf, Leaves } from './leaves.js';

export interface WaveSpec {
  name: string;
  description?: string;
  targets: OrgNode[];
  /** Added by the planner to reach what no declared wave reaches. */
  implicit?: boolean;
}

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

/**
 * The declared waves, then a last wave at the root when they leave some of `pending` (the leaves the
 * change still has to reach) unreached, or when there are none and the change still has something to
 * do. Warns about a wave that can change nothing and about what the declared waves miss.
 */
export function completeWaves(declared: readonly WaveSpec[], pending: ReadonlySet<Leaf>, changes: boolean, leaves: Leaves): { waves: WaveSpec[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  for (const w of declared) {
    // Organization policies do not affect the management account, so a wave of it alone reaches nothing.
    if (w.targets.length && w.targets.every((t) => leaves.isManagement(t))) {
      diagnostics.push(warning('wave-reaches-nothing', `wave ${w.name} targets only the management account ${w.targets[0]!.id}: organization policies do not affect it, so the wave changes nothing`, undefined, 'target the OUs or member accounts the wave is meant to roll out to'));
    }
  }
  const waves = [...declared];
  const reached = leaves.union(declared.flatMap((w) => w.targets));
  const unreached = [...pending].filter((l) => !reached.has(l));
  if (unreached.length || (!declared.length && changes)) {
    waves.push({ name: declared.length ? 'rest' : 'all', description: 'what no declared wave reaches', targets: [leaves.tree.root], implicit: true });
  }
  if (unreached.length && declared.length) {
    const accounts = unreached.filter((l) => leaves.isAccount(l)).length;
    const what = accounts
      ? `${accounts} account(s) that this change affects`
      : `the accounts that will be created in or moved to ${describeFutureLeaves(unreached, leaves)}, which this change affects (policies attached there reach them)`;
    diagnostics.push(warning('waves-incomplete', `the declared waves do not reach ${what}; a last wave "rest" (the root) is added`, undefined, 'end the waves with one that targets the root'));
  }
  return { waves, diagnostics };
}

function describeFutureLeaves(unreached: readonly Leaf[], leaves: Leaves): string {
  const nodes = unreached.map((l) => leaves.node(l)).filter((n): n is OrgNode => n !== undefined);
  const names = nodes.map((n) => OrgTree.describe(n)).sort();
  const shown = names.slice(0, 5).join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

function deployedResolve(tree: OrgTree, ref: string): OrgNode | undefined {
  const r = tree.resolve(ref);
  return r.ok ? r.node : undefined;
}
