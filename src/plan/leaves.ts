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
  private readonly accountsMemo = new Map<OrgNode, readonly OrgNode[]>();
  private readonly unionMemo = new Map<string, ReadonlySet<Leaf>>();
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

  /** The leaves under any of `nodes`; read-only (one node's own set is returned as it is, not copied). */
  union(nodes: Iterable<OrgNode>): ReadonlySet<Leaf> {
    const list = [...nodes];
    if (list.length === 1) return this.under(list[0]!);
    // Kept by the set of nodes: a policy that does not move reaches, as deployed and as compiled, the same set.
    const key = list.map((n) => n.id ?? n.path).sort().join('\n');
    let out = this.unionMemo.get(key);
    if (out) return out;
    const set = new Set<Leaf>();
    for (const n of list) for (const l of this.under(n)) set.add(l);
    this.unionMemo.set(key, (out = set));
    return out;
  }

  /** The node a leaf stands for: an account, or the OU/root of a future-accounts leaf. */
  node(leaf: Leaf): OrgNode | undefined {
    return this.nodeOfLeaf.get(leaf);
  }

  isAccount(leaf: Leaf): boolean {
    return !leaf.startsWith('future-accounts-of:');
  }

  /** Whether `nodes` together reach exactly the leaves of `wanted`, without building their union when they are disjoint. */
  reachExactly(nodes: readonly OrgNode[], wanted: ReadonlySet<Leaf>): boolean {
    const set = new Set(nodes);
    const nested = nodes.some((n) => {
      for (let p = n.parent; p; p = p.parent) if (set.has(p)) return true;
      return false;
    });
    if (nested || set.size !== nodes.length) return sameLeaves(this.union(nodes), wanted);
    let size = 0;
    for (const n of nodes) size += this.under(n).size;
    if (size !== wanted.size) return false;
    for (const n of nodes) for (const l of this.under(n)) if (!wanted.has(l)) return false;
    return true;
  }

  /**
   * The fewest attachment points that reach exactly the leaves of `wanted` and nothing else: a node is
   * used when all its leaves are wanted. A future-accounts leaf that cannot be reached without reaching
   * an unwanted leaf is left out and reported, so the caller can say so.
   */
  cover(wanted: ReadonlySet<Leaf>): { nodes: OrgNode[]; unreachable: OrgNode[] } {
    const nodes: OrgNode[] = [];
    const unreachable: OrgNode[] = [];
    // How many wanted leaves each node has below it, counted up from the wanted leaves (not down from every node).
    const inside = new Map<OrgNode, number>();
    for (const l of wanted) {
      for (let n = this.nodeOfLeaf.get(l); n; n = n.parent) inside.set(n, (inside.get(n) ?? 0) + 1);
    }
    const visit = (n: OrgNode) => {
      if (this.isManagement(n)) return;
      const leaves = this.under(n);
      const count = inside.get(n) ?? 0;
      if (count === 0) return;
      if (count === leaves.size) {
        nodes.push(n);
        return;
      }
      if (n.kind !== 'account' && wanted.has(Leaves.futureLeaf(n))) unreachable.push(n);
      for (const c of n.children) visit(c);
    };
    visit(this.tree.root);
    return { nodes, unreachable };
  }

  /** The accounts (real ones, management aside) under a node; read-only (kept per node: the invariants ask for them at every step). */
  accountsUnder(node: OrgNode): readonly OrgNode[] {
    let list = this.accountsMemo.get(node);
    if (!list) this.accountsMemo.set(node, (list = OrgTree.accountsUnder(node).filter((a) => !this.isManagement(a))));
    return list;
  }
}

function sameLeaves(a: ReadonlySet<Leaf>, b: ReadonlySet<Leaf>): boolean {
  if (a.size !== b.size) return false;
  for (const x of b) if (!a.has(x)) return false;
  return true;
}
