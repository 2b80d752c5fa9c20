/**
 * Which deployed policies guardrails owns. Only those are ever changed; every other policy
 * (FullAWSAccess, RCPFullAWSAccess, Control Tower's aws-guardrails-*, a team's own) is respected and
 * counts toward the slots of the targets it is attached to.
 *
 * A policy is ours when it carries the tag managed-by=guardrails AND its name starts with
 * "guardrails-": the tag alone could be copied onto a foreign policy by mistake, and the name alone
 * could be chosen by someone else.
 */
import { createHash } from 'node:crypto';
import type { DeployedPolicy } from './state.js';

export const OWNER_TAG = { key: 'managed-by', value: 'guardrails' } as const;
/**
 * The controls a policy carries, space-separated (tag values allow letters, digits, spaces and
 * + - = . _ : / @ only): the planner's guardrail-level invariants read it.
 */
export const CONTROLS_TAG = 'guardrails:controls';
/**
 * On a staged copy, the stable name of the policy it is the next version of. The name alone cannot
 * always say so: a long name loses its end to fit the staging suffix (see stagingName).
 */
export const STAGING_OF_TAG = 'guardrails:staging-of';
export const OWNED_NAME_PREFIX = 'guardrails-';
/**
 * During a staged rollout the new version of a policy lives beside the old one under this suffix,
 * and takes the stable name once the old one is gone.
 */
export const STAGING_SUFFIX = '.next';
/** AWS Organizations refuses longer policy names and longer tag values. */
export const MAX_POLICY_NAME = 128;
export const MAX_TAG_VALUE = 256;

/** Tags are read only for policies whose name could be ours (one call per policy saved on the rest). */
export function mayBeOwned(name: string, awsManaged: boolean): boolean {
  return !awsManaged && name.startsWith(OWNED_NAME_PREFIX);
}

export function isOwned(p: Pick<DeployedPolicy, 'name' | 'awsManaged' | 'tags'>): boolean {
  return mayBeOwned(p.name, p.awsManaged) && p.tags[OWNER_TAG.key] === OWNER_TAG.value;
}

/** The stable name a policy name stands for, read from the name alone (the fallback of stableNameOf). */
export function lineageOf(name: string): string {
  return name.endsWith(STAGING_SUFFIX) ? name.slice(0, -STAGING_SUFFIX.length) : name;
}

/**
 * The stable name of a policy, whether it is the policy itself or its staged next version: the
 * staging-of tag where the policy has one (a shortened staging name cannot be read back), else the name.
 */
export function stableNameOf(p: { name: string; tags: Readonly<Record<string, string>> }): string {
  return p.tags[STAGING_OF_TAG] || lineageOf(p.name);
}

/**
 * The name the next version of `name` is staged under: `<name>.next`, or, when that would be longer
 * than AWS allows, the name shortened and followed by a hash of the whole name (so two long names
 * with the same beginning still stage under different names).
 */
export function stagingName(name: string): string {
  const plain = `${name}${STAGING_SUFFIX}`;
  if (plain.length <= MAX_POLICY_NAME) return plain;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_POLICY_NAME - STAGING_SUFFIX.length - hash.length - 1)}-${hash}${STAGING_SUFFIX}`;
}

/**
 * The value of the controls tag, or undefined when the joined list is longer than a tag value may be:
 * the tag is then left out, and the planner checks that policy's continuity by lineage only.
 */
export function controlsTagValue(controls: readonly string[]): string | undefined {
  const value = controls.join(' ');
  return value.length <= MAX_TAG_VALUE ? value : undefined;
}

export function controlsOf(p: Pick<DeployedPolicy, 'tags'>): string[] | undefined {
  const v = p.tags[CONTROLS_TAG];
  return v === undefined ? undefined : parseControlsTag(v);
}

export function parseControlsTag(value: string): string[] {
  return value.split(/[,\s]+/).filter(Boolean);
}
