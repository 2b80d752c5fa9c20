/**
 * The accounts a set of attachment points reaches, minus excluded subtrees and the management
 * account, as simulations pick them: real accounts first, in the tree's pre-order, and for an
 * attachment point with none of those a stand-in (World.virtualAccountIn) in its first OU without
 * accounts.
 *
 * Generation asks, for every control, for the first account of its scope and whether the scopes of
 * the region-deny controls include it. Answering that from the tree's pre-order ranges instead of
 * listing every account keeps generation linear in the controls whatever the size of the tree.
 */
import { OrgTree, type OrgNode } from '../model/org-tree.js';

/** Where a node's subtree is in a pre-order list of nodes: order[start] to order[end - 1]. */
interface Span {
  order: readonly OrgNode[];
  start: number;
  end: number;
}

export class AccountScope implements Iterable<string> {
  /** Attachment points that reach at least one real account (the others gave `standIns`). */
  private readonly reaching: OrgNode[] = [];
  /** For each attachment point in order: true when it reaches real accounts, else its stand-in, if any. */
  private readonly perTarget: (true | string | undefined)[] = [];
  private readonly standIns = new Set<string>();

  /**
   * Stand-ins are created here, in the order of the attachment points: `virtualAccountIn` numbers
   * them by creation, so a scope must be built when its accounts were first asked for.
   */
  constructor(
    private readonly tree: OrgTree,
    private readonly nodes: readonly OrgNode[],
    private readonly exclude: readonly OrgNode[],
    private readonly managementAccount: string,
    virtualAccountIn: (ou: OrgNode) => string,
  ) {
    for (const n of nodes) {
      const span = this.spanOf(n);
      if (this.firstAccountIn(span) !== undefined) {
        this.reaching.push(n);
        this.perTarget.push(true);
      } else if (n.kind === 'account' && n.id && n.id !== managementAccount) {
        this.standIn(n.id);
      } else if (n.kind !== 'account') {
        const ou = this.firstOuWithoutAccounts(span);
        this.standIn(ou ? virtualAccountIn(ou) : undefined);
      } else {
        this.perTarget.push(undefined);
      }
    }
  }

  /** The first account, as simulations pick a representative one. */
  get first(): string | undefined {
    for (const a of this) return a;
    return undefined;
  }

  /** Every account, each once, in order. */
  get accounts(): string[] {
    return [...this];
  }

  has(account: string): boolean {
    if (this.standIns.has(account)) return true;
    const node = this.tree.account(account);
    return node !== undefined && this.counts(node) && this.reaching.some((n) => this.tree.contains(n, node));
  }

  *[Symbol.iterator](): IterableIterator<string> {
    const seen = new Set<string>();
    for (let i = 0; i < this.nodes.length; i++) {
      const t = this.perTarget[i];
      if (t === true) {
        const span = this.spanOf(this.nodes[i]!);
        for (let j = span.start; j < span.end; j++) {
          const a = span.order[j]!;
          if (a.kind !== 'account' || !this.counts(a) || seen.has(a.id!)) continue;
          seen.add(a.id!);
          yield a.id!;
        }
      } else if (t !== undefined && !seen.has(t)) {
        seen.add(t);
        yield t;
      }
    }
  }

  private standIn(id: string | undefined): void {
    this.perTarget.push(id);
    if (id !== undefined) this.standIns.add(id);
  }

  /** An account that has an id, is not the management account, and is not excluded. */
  private counts(a: OrgNode): boolean {
    return !!a.id && a.id !== this.managementAccount && !this.excluded(a);
  }

  private excluded(n: OrgNode): boolean {
    return this.exclude.some((x) => this.tree.contains(x, n));
  }

  private firstAccountIn(span: Span): OrgNode | undefined {
    for (let j = span.start; j < span.end; j++) {
      const a = span.order[j]!;
      if (a.kind === 'account' && this.counts(a)) return a;
    }
    return undefined;
  }

  private firstOuWithoutAccounts(span: Span): OrgNode | undefined {
    for (let j = span.start; j < span.end; j++) {
      const d = span.order[j]!;
      if (d.kind !== 'account' && d.children.every((c) => c.kind !== 'account') && !this.excluded(d)) return d;
    }
    return undefined;
  }

  private spanOf(n: OrgNode): Span {
    const range = this.tree.subtreeRange(n);
    if (range) return { order: this.tree.preOrder, ...range };
    const order = [...OrgTree.descendants(n)];
    return { order, start: 0, end: order.length };
  }
}
