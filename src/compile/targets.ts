/**
 * Where a control's policies attach. Organization policies inherit down the tree, so a control that
 * attaches to an OU but excludes a part of it is attached instead to the siblings along the way down
 * to the excluded part (and to the accounts directly in those OUs). The management account is never a
 * target: organization policies do not affect it.
 */
import { OrgTree, type OrgNode } from '../model/org-tree.js';

export interface AttachmentRequest {
  attach: OrgNode[];
  exclude: OrgNode[];
  managementAccount: string;
}

export function attachmentPoints(req: AttachmentRequest): OrgNode[] {
  const points: OrgNode[] = [];
  const excluded = (n: OrgNode) => req.exclude.some((x) => OrgTree.contains(x, n));
  const exclusionBelow = (n: OrgNode) => req.exclude.some((x) => x !== n && OrgTree.contains(n, x));
  const place = (n: OrgNode) => {
    if (excluded(n)) return;
    if (n.kind === 'account' && n.id === req.managementAccount) return;
    if (!exclusionBelow(n)) {
      points.push(n);
      return;
    }
    for (const child of n.children) place(child);
  };
  // A target inside another target adds nothing: the outer one's policies already reach it.
  const roots = req.attach.filter((a) => !req.attach.some((b) => b !== a && OrgTree.contains(b, a)));
  // The management account as a direct target is skipped here; validation warns about it where it is written.
  for (const a of roots) place(a);
  return [...new Set(points)];
}
