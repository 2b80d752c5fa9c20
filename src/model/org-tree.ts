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

  constructor(rootName: string, rootId?: string) {
    this.root = this.add({ kind: 'root', name: rootName, id: rootId, parent: undefined });
  }

  /** Adds a node under `parent`. Returns the new node. */
  add(spec: { kind: OrgNodeKind; name: string; id: string | undefined; parent: OrgNode | undefined }): OrgNode {
    const path = spec.parent ? `${spec.parent.path}/${spec.name}` : spec.name;
    const node: OrgNode = { kind: spec.kind, name: spec.name, id: spec.id, path, parent: spec.parent, children: [], depth: spec.parent ? spec.parent.depth + 1 : 0 };
    spec.parent?.children.push(node);
    this.nodes.push(node);
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

  /** True when `a` is `b` or one of its ancestors. */
  static contains(a: OrgNode, b: OrgNode): boolean {
    for (let n: OrgNode | undefined = b; n; n = n.parent) if (n === a) return true;
    return false;
  }

  static *descendants(node: OrgNode): IterableIterator<OrgNode> {
    yield node;
    for (const c of node.children) yield* OrgTree.descendants(c);
  }

  static accountsUnder(node: OrgNode): OrgNode[] {
    return [...OrgTree.descendants(node)].filter((n) => n.kind === 'account');
  }

  static describe(node: OrgNode): string {
    if (node.kind === 'account') return `account ${node.id ?? node.name}${node.id && node.name !== node.id ? ` (${node.name})` : ''}`;
    if (node.kind === 'root') return `root ${node.name}`;
    return `OU ${node.path}`;
  }
}
