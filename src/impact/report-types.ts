/** What `guardrails impact` reports (design 6.3): the values the renderers (src/report) turn into text. */
import type { Diagnostic, SourceLocation } from '../diagnostics/index.js';
import type { PolicyType } from '../policy/index.js';
import type { ReductionTotals, UnmappedEvents } from './types.js';

/**
 * What the change does to a request: denied after and allowed before (newly denied), allowed after and
 * not before (newly allowed), allowed before and perhaps denied after, depending on a key CloudTrail
 * does not record or on an action the call only sometimes needs (may deny).
 */
export type ImpactChange = 'newly-denied' | 'newly-allowed' | 'may-deny';

export interface ImpactControl {
  control: string;
  location?: SourceLocation;
}

/** A statement that decides: its policy, its Sid; `implicit` when a level of the chain allows nothing. */
export interface ImpactStatement {
  type: PolicyType;
  policy: string;
  sid?: string;
  implicit?: boolean;
}

export interface ImpactFinding {
  change: ImpactChange;
  controls: ImpactControl[];
  statements: ImpactStatement[];
  action: string;
  /** The first (eventSource, eventName) seen for the finding's shapes. */
  operation: { eventSource: string; eventName: string };
  principal: { arn: string | null; type: string; account: string | null };
  /** The account whose policies decide (the copy's account: the caller's for SCPs, the resource's for RCPs). */
  account: { id: string; name?: string; path?: string };
  resource: { arns: string[]; account: string | null };
  regions: string[];
  /** For may-deny: the keys CloudTrail does not record that decide it (or the action the call may need). */
  unknownKeys: string[];
  events: number;
  shapes: number;
  firstSeen: string;
  lastSeen: string;
  exampleEventId: string;
  /** Events of these shapes that failed already (errorCode set). */
  alreadyFailing: number;
}

export interface ControlImpact {
  control: string;
  newlyDenied: { events: number; accounts: string[]; principals: number };
  mayDeny: { events: number; keys: string[] };
  newlyAllowed: { events: number };
}

export interface ImpactReport {
  format: 1;
  window: { since: string | null; until: string | null; source: string; location: string };
  /**
   * What the report decided against. `policies`: `sha256:` and outDigest (plan/plan-file.ts) of the
   * compiled policies, names, contents and targets: `diff --impact` tells by it a report of another
   * change (absent in reports written before it was recorded).
   */
  inputs: { policies?: string; orgSnapshot: { source: string; readAt: string }; reference: string };
  totals: ReductionTotals & { shapes: number; unmapped: number; newlyDenied: number; mayDeny: number; newlyAllowed: number; dataEvents: boolean };
  unmapped: UnmappedEvents[];
  findings: ImpactFinding[];
  alreadyDenied: { events: number; shapes: number; byControl: { control: string; events: number }[] };
  byControl: ControlImpact[];
  warnings: Diagnostic[];
}
