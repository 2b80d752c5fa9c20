/** The values the semantic diff takes and gives, shared by its modules and by those that read its result. */
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

export interface SemanticChange {
  kind: SemanticChangeKind;
  count: number;
  services: ServiceCount[];
  /** For conditional outcomes: what may deny the actions, before and after. */
  before?: string[];
  after?: string[];
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

/** The policies attached directly to each node of the tree (a root, OU or account id). */
export interface PolicyAttachments {
  attachedAt(nodeId: string, type: PolicyType): readonly AttachedPolicy[];
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
}
