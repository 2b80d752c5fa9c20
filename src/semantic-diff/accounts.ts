/**
 * The accounts the semantic diff reports on, and the fewest tree nodes that name a set of them.
 *
 * A set of them is an AccountSet: one bit per account, by its place in tree order. The review merges
 * the accounts of many changes and names each merged set, and at 10,000 accounts a set of id strings
 * (hashed into, copied, sorted) and a walk from each account up to the root per naming cost it more
 * than the semantic diff itself. In tree order the accounts under a node are consecutive, so how many
 * of a set a node holds is a difference of two running counts.
 */
import { OrgTree, type OrgNode } from '../model/org-tree.js';

export class Accounts {
  /** Every account but the management account (organization policies do not affect it), in tree order. */
  readonly all: OrgNode[] = [];
  /** Where each node's accounts start in `all`, and how many it holds. */
  private readonly first = new Map<OrgNode, number>();
  private readonly under = new Map<OrgNode, number>();
  private readonly indexOfId = new Map<string, number>();
  /** Places in `all`, ordered by account id as a default sort orders strings. */
  private byIdOrder: Int32Array | undefined;

  constructor(private readonly tree: OrgTree, managementAccount: string) {
    const count = (n: OrgNode): number => {
      this.first.set(n, this.all.length);
      let total = 0;
      if (n.kind === 'account') {
        if (n.id !== managementAccount) {
          if (n.id !== undefined && !this.indexOfId.has(n.id)) this.indexOfId.set(n.id, this.all.length);
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

  /** An empty set of these accounts. */
  emptySet(): AccountSet {
    return AccountSet.empty(this.all.length);
  }

  /** The set of the accounts with these ids; an id of no account here is left out. */
  setOfIds(ids: Iterable<string>): AccountSet {
    const set = this.emptySet();
    for (const id of ids) {
      const i = this.indexOfId.get(id);
      if (i !== undefined) set.add(i);
    }
    return set;
  }

  /** The ids of a set's accounts, sorted as strings sort by default. */
  sortedIds(set: AccountSet): string[] {
    if (!this.byIdOrder) {
      const ids = this.all.map((a) => a.id ?? '');
      const order = Int32Array.from(ids.keys());
      order.sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : a - b));
      this.byIdOrder = order;
    }
    const out: string[] = [];
    for (const i of this.byIdOrder) if (set.has(i)) out.push(this.all[i]!.id!);
    return out;
  }

  /** The fewest nodes of the tree whose accounts are exactly `accounts`, each of `all` once (an OU with no account is never named). */
  name(accounts: readonly OrgNode[]): string[] {
    const set = this.emptySet();
    for (const a of accounts) {
      const i = this.first.get(a);
      if (i !== undefined && a.kind === 'account' && this.under.get(a) === 1) set.add(i);
    }
    return this.nameSet(set);
  }

  /** The fewest nodes of the tree whose accounts are exactly those of `set`. */
  nameSet(set: AccountSet): string[] {
    // held[i]: how many of the set are among the first i accounts.
    const held = new Int32Array(this.all.length + 1);
    for (let i = 0; i < this.all.length; i++) held[i + 1] = held[i]! + (set.has(i) ? 1 : 0);
    const out: string[] = [];
    const visit = (n: OrgNode) => {
      const start = this.first.get(n)!;
      const total = this.under.get(n)!;
      const inside = held[start + total]! - held[start]!;
      if (inside === 0) return;
      if (inside === total) {
        out.push(OrgTree.describe(n));
        return;
      }
      for (const c of n.children) visit(c);
    };
    visit(this.tree.root);
    return out;
  }
}

/** Accounts by their place in Accounts.all, one bit each. */
export class AccountSet {
  private constructor(private readonly words: Uint32Array) {}

  static empty(size: number): AccountSet {
    return new AccountSet(new Uint32Array((size + 31) >>> 5));
  }

  add(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }

  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  addAll(other: AccountSet): this {
    for (let w = 0; w < this.words.length; w++) this.words[w]! |= other.words[w]!;
    return this;
  }

  clone(): AccountSet {
    return new AccountSet(this.words.slice());
  }
}
