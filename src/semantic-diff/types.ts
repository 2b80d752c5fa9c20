/** The values the semantic diff takes and gives, shared by its modules and by those that read its result. */
import type { SourceLocation } from '../diagnostics/index.js';
import type { OrgTree } from '../model/org-tree.js';
import type { PolicyType } from '../policy/index.js';
import type { AccessLevel } from '../reference/index.js';

/**
 * How an action's treatment changes. "Denied" means denied for every request of the persona; "under
 * conditions" means some statement denies it depending on what the persona leaves open (the Region,
 * TLS, tags, the resource).
 */
export type SemanticChangeKind = 'newly-denied' | 'newly-conditional' | 'newly-allowed' | 'now-conditional' | 'conditions-changed';

export const CHANGE_TITLES: Record<SemanticChangeKind, string> = {
  'newly-denied': 'become denied',
  'newly-conditional': 'become denied under conditions',
  'newly-allowed': 'become allowed',
  'now-conditional': 'become allowed except under conditions (were always denied)',
  'conditions-changed': 'change the conditions under which they are denied',
};

export interface ServiceCount {
  service: string;
  accessLevel: AccessLevel;
  count: number;
  /** Canonical names, at most MAX_LISTED; `more` says how many were left out. */
  actions: string[];
  more: number;
}

/**
 * Whether a change denies more (stricter: only requests allowed before are denied now), less (looser:
 * only requests denied before are allowed now), both (mixed), or the same requests in other words.
 */
export type Direction = 'stricter' | 'looser' | 'mixed' | 'same';

export interface SemanticChange {
  kind: SemanticChangeKind;
  count: number;
  services: ServiceCount[];
  /** For conditional outcomes: what may deny the actions, before and after. */
  before?: string[];
  after?: string[];
  direction: Direction;
  /** For a looser or mixed change: a request it allows that was denied (values of the keys that tell). */
  allowedExample?: string;
  /** The statements that make the change, on the side where they are (set by the semantic diff per group). */
  sources?: ChangeSource[];
  /** Per control among the sources: what its own statements' change does to these actions. */
  byControl?: ControlDirection[];
}

export interface ControlDirection {
  control: string;
  direction: Direction;
  allowedExample?: string;
}

/** Where a statement of a policy comes from: its control and the draft it was compiled from. */
export interface StatementOrigin {
  control: string;
  /** Where the control is declared; absent for a control the intent no longer has (a deployed policy's). */
  controlLocation?: SourceLocation;
  sid?: string;
  /** Where the statement's draft is written (the control, or the line of the pattern or condition). */
  location?: SourceLocation;
}

/** A statement that makes a change: removed (its denial is gone) or added (it denies now). */
export interface ChangeSource {
  side: 'removed' | 'added';
  policy: string;
  sid?: string;
  /** The statement's condition as the change shows it; absent when it denies unconditionally. */
  signature?: string;
  /** Empty when the policy records no control (a policy guardrails does not own). */
  origins: StatementOrigin[];
}

export interface SemanticGroup {
  type: PolicyType;
  /** Who asks: the personas with exactly this outcome on these accounts. */
  personas: string[];
  /** The accounts with exactly this outcome, and the fewest tree nodes that name them. */
  accounts: string[];
  targets: string[];
  changes: SemanticChange[];
}

export interface PersonaSpec {
  /** Accounts outside the organization the intent names: partners and trusted accounts. */
  partnerAccounts: string[];
}

/** A policy as the chain holds it: its text is what is evaluated. */
export interface AttachedPolicy {
  readonly name: string;
  readonly content: string;
}

/** The origins of each statement of a policy (by index in its Statement list), when they are known. */
export type OriginsOf = (policy: AttachedPolicy, type: PolicyType) => readonly (readonly StatementOrigin[])[] | undefined;

/** The policies attached directly to each node of the tree (a root, OU or account id). */
export interface PolicyAttachments {
  attachedAt(nodeId: string, type: PolicyType): readonly AttachedPolicy[];
  /** Equal for nodes that hold the very same policies directly (of every type), when known: their chains are found once. */
  attachmentKey?(nodeId: string): string;
}

/** What the semantic diff compares: the organization's attachments before the change and after it. */
export interface SemanticDiffInput {
  tree: OrgTree;
  managementAccount: string;
  organizationId: string;
  /** The policy types the organization has enabled; one that is not decides nothing before the change. */
  enabled: ReadonlySet<PolicyType>;
  before: PolicyAttachments;
  after: PolicyAttachments;
  /** Where each statement comes from, for attributing the changes to controls. */
  originsOf?: OriginsOf;
}

/** One control's part in a change, merged over the persona groups that show it. */
export interface ControlChange {
  type: PolicyType;
  kind: SemanticChangeKind;
  /** What this control's own statements do to the actions: its removed and added conditions swapped alone. */
  direction: Direction;
  /** The change in a reviewer's words where its conditions are of a known shape ("S3 TLS floor 1.1 -> 1.2"). */
  meaning?: string;
  count: number;
  services: ServiceCount[];
  /** This control's conditions that no longer deny, and that now deny (absent: unconditional). */
  removed: string[];
  added: string[];
  statements: { policy: string; sid?: string; location?: SourceLocation }[];
  personas: string[];
  accounts: string[];
  targets: string[];
  allowedExample?: string;
}

/** What one control's change does, for a reviewer: where it is written, which way it goes, whom it reaches. */
export interface ControlVerdict {
  control: string;
  /** Where the control is declared; absent for a control the intent no longer has. */
  location?: SourceLocation;
  verdict: Direction;
  accounts: string[];
  targets: string[];
  changes: ControlChange[];
}

/** A change that allows what was denied, merged over the persona groups that show it. */
export interface AllowedChange {
  type: PolicyType;
  kind: SemanticChangeKind;
  count: number;
  services: ServiceCount[];
  before?: string[];
  after?: string[];
  allowedExample?: string;
  controls: string[];
  personas: string[];
  accounts: string[];
  targets: string[];
}

export interface SemanticReview {
  verdicts: ControlVerdict[];
  /** Every change that allows something denied before (looser or mixed): empty when nothing becomes allowed. */
  allowed: AllowedChange[];
  /** Changes (or parts) no statement of a control makes: policies guardrails does not own, a type enabled. */
  unattributed: number;
}
