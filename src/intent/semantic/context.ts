import { closestNames, didYouMean, error, warning, type Diagnostic, type SourceLocation } from '../../diagnostics/index.js';
import { OrgTree, type OrgNode } from '../../model/org-tree.js';
import type { ReferenceIndex } from '../../reference/reference-index.js';
import type { Intent } from '../types.js';

export interface ResolvedTarget {
  node: OrgNode;
  index: number;
}

/** What every semantic check sees, and where it reports. */
export class CheckContext {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly intent: Intent,
    readonly reference: ReferenceIndex | undefined,
  ) {}

  get tree(): OrgTree | undefined {
    return this.intent.tree;
  }

  at(container: object | undefined, key?: string | number): SourceLocation | undefined {
    return this.intent.sources.locate(container, key);
  }

  atKey(container: object | undefined, key: string): SourceLocation | undefined {
    return this.intent.sources.locateKey(container, key);
  }

  error(code: string, message: string, location: SourceLocation | undefined, hint?: string): void {
    this.diagnostics.push(error(code, message, location, hint));
  }

  warn(code: string, message: string, location: SourceLocation | undefined, hint?: string): void {
    this.diagnostics.push(warning(code, message, location, hint));
  }

  /**
   * Resolves the target references of `list` against the tree, reporting unknown and ambiguous ones.
   * Returns the nodes that resolved, each with its position in the list (empty without a tree).
   */
  resolveTargets(list: unknown, what: string): ResolvedTarget[] {
    if (!this.tree || !Array.isArray(list)) return [];
    return list.map((_, i) => this.resolveOne(list, i, what)).filter((r): r is ResolvedTarget => r !== undefined);
  }

  /** Resolves `list[index]`, reporting an unknown or ambiguous reference where it is written. */
  resolveOne(list: unknown[], index: number, what: string): ResolvedTarget | undefined {
    const tree = this.tree;
    const ref = list[index];
    if (!tree || typeof ref !== 'string') return undefined;
    const r = tree.resolve(ref);
    if (r.ok) return { node: r.node, index };
    if (r.reason === 'ambiguous') {
      this.error('ambiguous-target', `${what}: "${ref}" names ${r.candidates.length} nodes of the tree`, this.at(list, index), `write a path: ${r.candidates.map((c) => c.path.split('/').slice(1).join('/')).join(' or ')}`);
    } else {
      this.error('unknown-target', `${what}: "${ref}" is not an OU, account or root of organization.tree`, this.at(list, index), didYouMean(closestNames(ref, tree.referenceNames())));
    }
    return undefined;
  }

  isManagementAccount(node: OrgNode): boolean {
    return node.kind === 'account' && node.id === this.intent.organization?.managementAccount;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function describeNodes(nodes: OrgNode[], max = 3): string {
  const shown = nodes.slice(0, max).map((n) => OrgTree.describe(n));
  return shown.join(', ') + (nodes.length > max ? ` and ${nodes.length - max} more` : '');
}
