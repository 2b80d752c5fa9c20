/**
 * Where a control's policies attach. Organization policies inherit down the tree, so a control that
 * attaches to an OU but excludes a part of it is attached instead to the siblings along the way down
 * to the excluded part (and to the accounts directly in those OUs). The management account is never a
 * target: organization policies do not affect it.
 */
import type { Intent } from '../intent/index.js';
import type { OrgNode, OrgTree } from '../model/org-tree.js';
import type { PolicyType } from '../policy/index.js';

export interface AttachmentRequest {
  attach: OrgNode[];
  exclude: OrgNode[];
  managementAccount: string;
}

export function attachmentPoints(req: AttachmentRequest): OrgNode[] {
  const points: OrgNode[] = [];
  // Sets and a walk up from each excluded node, so that a control excluding one account in each of a
  // thousand OUs costs the size of the tree, not the tree times the exclusions.
  const exclude = new Set(req.exclude);
  const above = new Set<OrgNode>();
  for (const x of exclude) for (let n = x.parent; n && !above.has(n); n = n.parent) above.add(n);
  const place = (n: OrgNode) => {
    if (exclude.has(n)) return;
    if (n.kind === 'account' && n.id === req.managementAccount) return;
    if (!above.has(n)) {
      points.push(n);
      return;
    }
    for (const child of n.children) place(child);
  };
  // A target inside another target adds nothing: the outer one's policies already reach it.
  const attached = new Set(req.attach);
  const insideAnother = (a: OrgNode) => {
    for (let n = a.parent; n; n = n.parent) if (attached.has(n)) return true;
    return false;
  };
  const roots = [...attached].filter((a) => !insideAnother(a) && !excludedAbove(a, exclude));
  // The management account as a direct target is skipped here; validation warns about it where it is written.
  for (const a of roots) place(a);
  return [...new Set(points)];
}

/** Whether an attachment lies inside an excluded node (place only sees exclusions at or below it). */
function excludedAbove(a: OrgNode, exclude: ReadonlySet<OrgNode>): boolean {
  for (let n = a.parent; n; n = n.parent) if (exclude.has(n)) return true;
  return false;
}

/** Foreign policies attached directly to a node: the intent's list, or AWS's defaults. */
export function foreignPoliciesAt(intent: Intent, tree: OrgTree, node: OrgNode, type: PolicyType): string[] {
  const out: string[] = [];
  if (type === 'rcp') out.push('RCPFullAWSAccess');
  const declared = intent.foreignPolicies.filter((f) => f.type === type);
  if (type === 'scp' && !declared.some((f) => f.name === 'FullAWSAccess')) out.push('FullAWSAccess');
  for (const f of declared) {
    if (f.name === 'RCPFullAWSAccess') continue;
    if (f.targets.some((t) => {
      const r = tree.resolve(t);
      return r.ok && r.node === node;
    })) out.push(f.name);
  }
  return out;
}
