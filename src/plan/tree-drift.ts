/**
 * Tree drift: OUs and accounts that exist in AWS (the live organization, or the snapshot diffed
 * against) but not in the tree the policies were compiled for, or under another parent there. A policy
 * pushed down beside an excluded node was placed for the compiled tree: an account vended since, or
 * moved since, sits outside every such guardrail, and nothing else in the diff or the plan shows it.
 */
import type { OrgNode, OrgTree } from '../model/org-tree.js';

export interface TreeDriftEntry {
  /** `new`: in AWS, not in the compiled tree. `moved`: in both, under another parent in AWS. */
  change: 'new' | 'moved';
  kind: 'ou' | 'account';
  /** The AWS id: the 12-digit account id, or ou-... */
  id: string;
  name: string;
  /** The parent's path of names in AWS (`Root/Workloads`). */
  parent: string;
  /** `moved`: the parent's path in the compiled tree. */
  compiledParent?: string;
}

/** Where the compiled tree came from, as the fix must name it. */
export type CompiledTreeSource = { kind: 'declared' } | { kind: 'snapshot'; /** as the user would type it */ path: string; readAt: string };

export interface TreeDrift {
  /** The tree the policies were compiled for, in words: `organization.tree` or `org snapshot X (read T)`. */
  compiledFor: string;
  entries: TreeDriftEntry[];
  /** What makes the compiled tree the real one again: commands and edits, in order. */
  fix: string[];
}

/**
 * Every node of `deployed` missing from `compiled` or under another parent there. Accounts match by id;
 * OUs by id where the compiled tree knows it, else by path. The management account is left out: no
 * organization policy affects it, so it is no hole in a guardrail wherever the tree puts it.
 */
export function treeDrift(compiled: OrgTree, deployed: OrgTree, managementAccount: string, source: CompiledTreeSource): TreeDrift {
  const match = new Map<OrgNode, OrgNode | undefined>([[deployed.root, compiled.root]]);
  const entries: TreeDriftEntry[] = [];
  // Parents before children (nodes are added top-down), so a child's parent is matched first.
  for (const node of deployed.nodes) {
    if (node.kind === 'root') continue;
    const found = counterpart(compiled, node);
    match.set(node, found);
    if (node.kind === 'account' && node.id === managementAccount) continue;
    const kind = node.kind;
    const parent = node.parent!.path;
    if (!found) {
      entries.push({ change: 'new', kind, id: node.id ?? node.name, name: node.name, parent });
      continue;
    }
    const parentThere = match.get(node.parent!);
    if (parentThere !== found.parent) entries.push({ change: 'moved', kind, id: node.id ?? node.name, name: node.name, parent, compiledParent: found.parent?.path ?? '' });
  }
  return { compiledFor: describeSource(source), entries, fix: entries.length ? fixOf(source) : [] };
}

function counterpart(compiled: OrgTree, node: OrgNode): OrgNode | undefined {
  if (node.kind === 'account') return node.id ? compiled.account(node.id) : undefined;
  const byId = node.id ? compiled.byAwsId(node.id) : undefined;
  if (byId) return byId.kind === 'ou' ? byId : undefined;
  // A written tree may leave out OU ids: then the OU is the one at the same path without an id of its own.
  const rel = node.path.split('/').slice(1).join('/');
  const r = compiled.resolve(`${compiled.root.name}/${rel}`);
  return r.ok && r.node.kind === 'ou' && r.node.id === undefined && r.node.path.split('/').slice(1).join('/') === rel ? r.node : undefined;
}

function describeSource(source: CompiledTreeSource): string {
  return source.kind === 'declared' ? 'organization.tree' : `the org snapshot ${source.path} (read ${source.readAt})`;
}

function fixOf(source: CompiledTreeSource): string[] {
  if (source.kind === 'snapshot') return [`guardrails org export --out ${source.path}`, 'guardrails compile', `commit ${source.path} and out/ with the intent`];
  return [
    'add each OU and account to organization.tree where AWS has it, or take the tree from a snapshot: guardrails org export --out guardrails/org-snapshot.json, and organization.treeFrom: org-snapshot.json in place of tree',
    'guardrails compile',
    'commit out/ with the intent',
  ];
}
