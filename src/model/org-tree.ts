/**
 * The organization as a tree of root, OUs and accounts. The intent declares it; later stages read it
 * from AWS Organizations or a snapshot file. Targets (in attach, exclude and waves) name nodes by OU
 * name, OU path (`Workloads/Prod`), account id or account name.
 */

export type OrgNodeKind = 'root' | 'ou' | 'account';

export interface OrgNode {
  readonly kind: OrgNodeKind;
  readonly name: string;
  /** AWS id (r-..., ou-..., or the 12-digit account id) when known. */
  readonly id: string | undefined;
  /** Names from the root down, joined by '/': `Root/Workloads/Prod`. */
  readonly path: string;
  readonly parent: OrgNode | undefined;
  readonly children: OrgNode[];
  readonly depth: number;
}

export type TargetResolution =
  | { ok: true; node: OrgNode }
  | { ok: false; reason: 'unknown' | 'ambiguous'; candidates: OrgNode[] };

export class OrgTree {
  readonly nodes: OrgNode[] = [];
  private readonly byPathLower = new Map<string, OrgNode>();
  private readonly byNameLower = new Map<string, OrgNode[]>();
  private readonly byAccountId = new Map<string, OrgNode>();
  private readonly byId = new Map<string, OrgNode>();
  readonly root: OrgNode;
  /** The nodes in pre-order and where each subtree ends in it, built on first use after a change. */
  private walk: { order: OrgNode[]; at: Map<OrgNode, number>; end: number[] } | undefined;

  constructor(rootName: string, rootId?: string) {
    this.root = this.add({ kind: 'root', name: rootName, id: rootId, parent: undefined });
  }

  /** Adds a node under `parent`. Returns the new node. */
  add(spec: { kind: OrgNodeKind; name: string; id: string | undefined; parent: OrgNode | undefined }): OrgNode {
    const path = spec.parent ? `${spec.parent.path}/${spec.name}` : spec.name;
    const node: OrgNode = { kind: spec.kind, name: spec.name, id: spec.id, path, parent: spec.parent, children: [], depth: spec.parent ? spec.parent.depth + 1 : 0 };
    spec.parent?.children.push(node);
    this.nodes.push(node);
    this.walk = undefined;
    if (spec.kind !== 'account') this.byPathLower.set(path.toLowerCase(), node);
    const list = this.byNameLower.get(spec.name.toLowerCase()) ?? [];
    list.push(node);
    this.byNameLower.set(spec.name.toLowerCase(), list);
    if (spec.kind === 'account' && spec.id) this.byAccountId.set(spec.id, node);
    if (spec.id) this.byId.set(spec.id, node);
    return node;
  }

  account(id: string): OrgNode | undefined {
    return this.byAccountId.get(id);
  }

  byAwsId(id: string): OrgNode | undefined {
    return this.byId.get(id);
  }

  /** The node an Organizations target id names: a root or OU id, or an account id. */
  node(targetId: string): OrgNode | undefined {
    return this.byId.get(targetId) ?? this.byAccountId.get(targetId);
  }

  get accounts(): OrgNode[] {
    return this.nodes.filter((n) => n.kind === 'account');
  }

  get ous(): OrgNode[] {
    return this.nodes.filter((n) => n.kind === 'ou');
  }

  /**
   * A target reference: an account id, an AWS id (r-, ou-), a path from the root (with or without the
   * root's name), or a unique OU or account name.
   */
  resolve(ref: string): TargetResolution {
    const direct = this.byAccountId.get(ref) ?? this.byId.get(ref);
    if (direct) return { ok: true, node: direct };
    const lower = ref.toLowerCase().replace(/^\/+|\/+$/g, '');
    const byPath = this.byPathLower.get(lower) ?? this.byPathLower.get(`${this.root.name.toLowerCase()}/${lower}`);
    if (byPath && lower.includes('/')) return { ok: true, node: byPath };
    const named = this.byNameLower.get(lower) ?? [];
    if (named.length === 1) return { ok: true, node: named[0]! };
    if (named.length > 1) return { ok: false, reason: 'ambiguous', candidates: named };
    if (byPath) return { ok: true, node: byPath };
    return { ok: false, reason: 'unknown', candidates: [] };
  }

  /** The strings a user may write for each node, for "did you mean" hints. */
  referenceNames(): string[] {
    const names = new Set<string>();
    for (const n of this.nodes) {
      names.add(n.name);
      if (n.id) names.add(n.id);
    }
    return [...names];
  }

  /**
   * The nodes from the root in pre-order: a node, then the subtree of each of its children in order
   * (the order of `descendants`). Built once and kept until a node is added.
   */
  get preOrder(): readonly OrgNode[] {
    return this.preOrderWalk().order;
  }

  /**
   * Where a node's subtree sits in `preOrder`: the node at `start`, its descendants up to `end`
   * (excluded). Undefined for a node not of this tree.
   */
  subtreeRange(node: OrgNode): { start: number; end: number } | undefined {
    const walk = this.preOrderWalk();
    const start = walk.at.get(node);
    return start === undefined ? undefined : { start, end: walk.end[start]! };
  }

  /** `OrgTree.contains` in constant time for nodes of this tree (either may be any node). */
  contains(a: OrgNode, b: OrgNode): boolean {
    const walk = this.preOrderWalk();
    const i = walk.at.get(a);
    const j = walk.at.get(b);
    if (i === undefined || j === undefined) return OrgTree.contains(a, b);
    return i <= j && j < walk.end[i]!;
  }

  private preOrderWalk(): { order: OrgNode[]; at: Map<OrgNode, number>; end: number[] } {
    if (this.walk) return this.walk;
    const order: OrgNode[] = [];
    const at = new Map<OrgNode, number>();
    const end: number[] = [];
    const stack: { node: OrgNode; child: number }[] = [{ node: this.root, child: 0 }];
    at.set(this.root, 0);
    order.push(this.root);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = top.node.children[top.child++];
      if (next) {
        at.set(next, order.length);
        order.push(next);
        stack.push({ node: next, child: 0 });
      } else {
        end[at.get(top.node)!] = order.length;
        stack.pop();
      }
    }
    this.walk = { order, at, end };
    return this.walk;
  }

  /** True when `a` is `b` or one of its ancestors. */
  static contains(a: OrgNode, b: OrgNode): boolean {
    for (let n: OrgNode | undefined = b; n; n = n.parent) if (n === a) return true;
    return false;
  }

  /** A node and every node below it, in pre-order. */
  static *descendants(node: OrgNode): IterableIterator<OrgNode> {
    yield* OrgTree.subtreeOf(node);
  }

  /** The accounts at or below a node, in pre-order. */
  static accountsUnder(node: OrgNode): OrgNode[] {
    return OrgTree.subtreeOf(node).filter((n) => n.kind === 'account');
  }

  /** A node's subtree in pre-order, walked with a stack (nested generators cost a step per level per node). */
  private static subtreeOf(node: OrgNode): OrgNode[] {
    const out: OrgNode[] = [];
    const stack: OrgNode[] = [node];
    while (stack.length) {
      const n = stack.pop()!;
      out.push(n);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
    return out;
  }

  static describe(node: OrgNode): string {
    if (node.kind === 'account') return `account ${node.id ?? node.name}${node.id && node.name !== node.id ? ` (${node.name})` : ''}`;
    if (node.kind === 'root') return `root ${node.name}`;
    return `OU ${node.path}`;
  }
}
