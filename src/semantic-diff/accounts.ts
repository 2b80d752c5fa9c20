/** The accounts the semantic diff reports on, and the fewest tree nodes that name a set of them. */
import { OrgTree, type OrgNode } from '../model/org-tree.js';

export class Accounts {
  /** Every account but the management account (organization policies do not affect it), in tree order. */
  readonly all: OrgNode[] = [];
  private readonly under = new Map<OrgNode, number>();

  constructor(private readonly tree: OrgTree, managementAccount: string) {
    const count = (n: OrgNode): number => {
      let total = 0;
      if (n.kind === 'account') {
        if (n.id !== managementAccount) {
          this.all.push(n);
          total = 1;
        }
      }
      for (const c of n.children) total += count(c);
      this.under.set(n, total);
      return total;
    };
    count(tree.root);
  }

  /** The fewest nodes of the tree whose accounts are exactly `accounts` (an OU with no account is never named). */
  name(accounts: readonly OrgNode[]): string[] {
    const inside = new Map<OrgNode, number>();
    for (const a of accounts) for (let n: OrgNode | undefined = a; n; n = n.parent) inside.set(n, (inside.get(n) ?? 0) + 1);
    const out: string[] = [];
    const visit = (n: OrgNode) => {
      const held = inside.get(n) ?? 0;
      if (held === 0) return;
      if (held === this.under.get(n)) {
        out.push(OrgTree.describe(n));
        return;
      }
      for (const c of n.children) visit(c);
    };
    visit(this.tree.root);
    return out;
  }
}
