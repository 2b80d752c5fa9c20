/**
 * Which deployed policies guardrails owns. Only those are ever changed; every other policy
 * (FullAWSAccess, RCPFullAWSAccess, Control Tower's aws-guardrails-*, a team's own) is respected and
 * counts toward the slots of the targets it is attached to.
 *
 * A policy is ours when it carries the tag managed-by=guardrails AND its name starts with
 * "guardrails-": the tag alone could be copied onto a foreign policy by mistake, and the name alone
 * could be chosen by someone else.
 */
import type { DeployedPolicy } from './state.js';

export const OWNER_TAG = { key: 'managed-by', value: 'guardrails' } as const;
/**
 * The controls a policy carries, space-separated (tag values allow letters, digits, spaces and
 * + - = . _ : / @ only): the planner's guardrail-level invariants read it.
 */
export const CONTROLS_TAG = 'guardrails:controls';
export const OWNED_NAME_PREFIX = 'guardrails-';
/**
 * During a staged rollout the new version of a policy lives beside the old one under this suffix,
 * and takes the stable name once the old one is gone.
 */
export const STAGING_SUFFIX = '.next';

/** Tags are read only for policies whose name could be ours (one call per policy saved on the rest). */
export function mayBeOwned(name: string, awsManaged: boolean): boolean {
  return !awsManaged && name.startsWith(OWNED_NAME_PREFIX);
}

export function isOwned(p: Pick<DeployedPolicy, 'name' | 'awsManaged' | 'tags'>): boolean {
  return mayBeOwned(p.name, p.awsManaged) && p.tags[OWNER_TAG.key] === OWNER_TAG.value;
}

/** The stable name of a policy, whether it is the policy itself or its staged next version. */
export function lineageOf(name: string): string {
  return name.endsWith(STAGING_SUFFIX) ? name.slice(0, -STAGING_SUFFIX.length) : name;
}

export function stagingName(name: string): string {
  return `${name}${STAGING_SUFFIX}`;
}

export function controlsOf(p: Pick<DeployedPolicy, 'tags'>): string[] | undefined {
  const v = p.tags[CONTROLS_TAG];
  return v === undefined ? undefined : parseControlsTag(v);
}

export function parseControlsTag(value: string): string[] {
  return value.split(/[,\s]+/).filter(Boolean);
}
