/**
 * What the rooms of a rollout share: the plan it applies (as `plan --json` writes it), the journal's
 * records, the outcome of a step and of a wave. The rollout reads plan/ and org/; nothing below it
 * imports from here.
 */
import type { OrgOperation } from '../org/index.js';
import type { PlanDigests } from '../plan/index.js';
import type { PolicyType } from '../policy/index.js';

/** How an Organizations error is handled (errors.ts decides). */
export type ErrorClass =
  /** Throttling, 5xx, network, ConcurrentModification, PolicyChangesInProgress, PolicyTypeNotEnabled just after enabling: wait and try again, within budgets. */
  | 'retry'
  /** DuplicatePolicyAttachment, PolicyNotAttached, PolicyNotFound on our delete, DuplicatePolicy on our create: done already, once a read confirms it. */
  | 'already-done'
  /** ConstraintViolation, DuplicatePolicy on a rename, PolicyInUse, TargetNotFound, AccessDenied, MalformedPolicyDocument: stop, read again, plan again. */
  | 'halt';

// The saved plan's shapes live with the planner that writes them (plan/ never imports rollout/).
export type { ExpectedPolicy, ExpectedTarget, PlanDigests, PlanFile, PlanWaveFile } from '../plan/index.js';

/** One record of the append-only JSONL journal. Every record carries the run id and a time. */
export type JournalRecord =
  | { kind: 'run-start'; run: string; at: string; command: string; caller: string; organization: string; digests: PlanDigests; waves: string[]; snapshot: OwnedPolicySnapshot[]; intentAt?: { ref: string; commit: string } }
  | { kind: 'wave-start'; run: string; at: string; wave: string; steps: number; leastSeconds: number }
  | { kind: 'step-start'; run: string; at: string; wave: string; index: number; op: OrgOperation; text: string }
  | { kind: 'step-end'; run: string; at: string; wave: string; index: number; result: 'done' | 'already-done' | 'halted' | 'failed'; attempts: number; requestId?: string; errorClass?: ErrorClass; error?: string; retries: Record<string, number>; ms: number }
  | { kind: 'verify'; run: string; at: string; wave: string; ok: boolean; polls: number; ms: number; differences: string[] }
  | { kind: 'signal'; run: string; at: string; wave: string; signal: 'canary' | 'drift' | 'check' | 'access-denied'; ok: boolean; detail: string }
  | { kind: 'wave-end'; run: string; at: string; wave: string; result: 'done' | 'skipped' | 'halted' | 'interrupted'; calls: number; ms: number }
  | { kind: 'run-end'; run: string; at: string; result: 'done' | 'stopped' | 'halted' | 'refused' | 'interrupted'; exitCode: number; reason?: string };

/** An owned policy before the run: the source of `--revert`. */
export interface OwnedPolicySnapshot {
  name: string;
  type: PolicyType;
  content: string;
  description: string;
  tags: Record<string, string>;
  targets: string[];
}
