/**
 * What a policy reaches, as sets of leaves: every account (the management account aside: organization
 * policies do not affect it) and, for the root and each OU, a stand-in for the accounts that will be
 * created in or moved to it later. A policy attached to an OU reaches those future accounts too; one
 * attached to each of the OU's accounts does not, and the stand-in is how the planner tells them apart.
 */
import { OrgTree, type OrgNode } from '../model/org-tree.js';

export type Leaf = string;

export class Leaves {
  private readonly memo = new Map<OrgNode, Set<Leaf>>();
  private readonly nodeOfLeaf = new Map<Leaf, OrgNode>();
  readonly all: ReadonlySet<Leaf>;

  constructor(
    readonly tree: OrgTree,
    readonly managementAccount: string,
  ) {
    this.all = this.under(tree.root);
  }

  static futureLeaf(node: OrgNode): Leaf {
    return `future-accounts-of:${node.id ?? node.path}`;
  }

  isManagement(node: OrgNode): boolean {
    return node.kind === 'account' && node.id === this.managementAccount;
  }

  /** The leaves of a subtree. */
  under(node: OrgNode): Set<Leaf> {
    let set = this.memo.get(node);
    if (set) return set;
    set = new Set();
    if (node.kind === 'account') {
      if (!this.isManagement(node)) {
        set.add(node.id!);
        this.nodeOfLeaf.set(node.id!, node);
      }
    } else {
      const own = Leaves.futureLeaf(node);
      set.add(own);
      this.nodeOfLeaf.set(own, node);
      for (const c of node.children) for (const l of this.under(c)) set.add(l);
    }
    this.memo.set(node, set);
    return set;
  }

  union(nodes: Iterable<OrgNode>): Set<Leaf> {
    const out = new Set<Leaf>();
    for (const n of nodes) for (const l of this.under(n)) out.add(l);
    return out;
  }

  /** The node a leaf stands for: an account, or the OU/root of a future-accounts leaf. */
  node(leaf: Leaf): OrgNode | undefined {
    return this.nodeOfLeaf.get(leaf);
  }

  isAccount(leaf: Leaf): boolean {
    return !leaf.startsWith('future-accounts-of:');
  }

  /**
   * The fewest attachment points that reach exactly the leaves of `wanted` and nothing else: a node is
   * used when all its leaves are wanted. A future-accounts leaf that cannot be reached without reaching
   * an unwanted leaf is left out and reported, so the caller can say so.
   */
  cover(wanted: ReadonlySet<Leaf>): { nodes: OrgNode[]; unreachable: OrgNode[] } {
    const nodes: OrgNode[] = [];
    const unreachable: OrgNode[] = [];
    const visit = (n: OrgNode) => {
      if (this.isManagement(n)) return;
      const leaves = this.under(n);
      let inside = 0;
      for (const l of leaves) if (wanted.has(l)) inside++;
      if (inside === 0) return;
      if (inside === leaves.size) {
        nodes.push(n);
        return;
      }
      if (n.kind !== 'account' && wanted.has(Leaves.futureLeaf(n))) unreachable.push(n);
      for (const c of n.children) visit(c);
    };
    visit(this.tree.root);
    return { nodes, unreachable };
  }

  /** The accounts (real ones, management aside) under a node. */
  accountsUnder(node: OrgNode): OrgNode[] {
    return OrgTree.accountsUnder(node).filter((a) => !this.isManagement(a));
  }
}
