/**
 * What the compile stages hand each other: the input, the controls placed in the tree, the policies as
 * packed and as written, and the result. Every module of the folder takes them from here, so none of
 * them imports compile.ts, which runs the stages.
 */
import type { Diagnostic } from '../diagnostics/index.js';
import type { Control, Intent } from '../intent/index.js';
import type { OrgNode } from '../model/org-tree.js';
import type { PolicyType, Quotas } from '../policy/index.js';
import type { ReferenceIndex, SnapshotManifest } from '../reference/index.js';
import type { ExpandedStatement } from './expand.js';
import type { MinimizeLevel } from './minimize/levels.js';
import type { MinimizedStatement } from './minimize/minimize-statements.js';
import type { OutManifest } from './out-manifest.js';

export interface CompileInput {
  intent: Intent;
  reference: ReferenceIndex;
  referenceManifest: SnapshotManifest;
  /** Paths in the manifest are written relative to this directory (the repository root). */
  root: string;
  /** The previous out/manifest.json: packing keeps its assignments where they still fit. */
  previous?: OutManifest;
  /** The previous out/'s policy texts by name (readOutPolicies): their spellings are kept where still exact. */
  previousTexts?: ReadonlyMap<string, string>;
  /**
   * out/ as read (manifest and policy texts): when it was compiled from these very inputs and checks
   * out against the intent, its policies are taken as they are and the packer does not run
   * (reuse-out.ts). Otherwise compile packs as without it.
   */
  out?: OutAsRead;
  /** False when only the diagnostics are wanted (validate): no manifest is built. */
  manifest?: boolean;
}

export interface OutAsRead {
  manifest: OutManifest;
  texts: ReadonlyMap<string, string>;
}

export interface ControlPlacement {
  control: Control;
  statements: ExpandedStatement[];
  /** Where its policies attach. */
  targets: OrgNode[];
}

export type PackedStatement = MinimizedStatement<ExpandedStatement>;

export interface PackedPolicy {
  name: string;
  type: PolicyType;
  /** Whether its target group kept the Sids (no merging) or dropped them (statements merged). */
  sids: 'keep' | 'drop';
  statements: PackedStatement[];
  controls: string[];
  targets: OrgNode[];
  /** Set for a policy that consolidation made for one target that ran out of slots. */
  consolidatedFor?: OrgNode;
  /** The level its target group needed (the highest among its statements' groups). */
  level: MinimizeLevel;
  /** Why the group could not stay at level 1: the quota that forced it, and by how much. */
  escalatedFor?: string;
}

export interface CompiledPolicy extends PackedPolicy {
  file: string;
  /** The canonical minified text: what is sent to AWS, and what its size quota counts. */
  text: string;
  /** Characters of `text`, as AWS counts them. */
  chars: number;
  maxChars: number;
  /** What out/<file> holds: the same policy laid out for review (renderPolicyFile). */
  fileText: string;
}

export interface CompileResult {
  ok: boolean;
  policies: CompiledPolicy[];
  placements: ControlPlacement[];
  quotas: Quotas;
  manifest: OutManifest | undefined;
  diagnostics: Diagnostic[];
  /** Given out/: whether its policies were taken as they are (no packing), and if not, why not. */
  reusedOut?: boolean;
  outNotReused?: string;
}
