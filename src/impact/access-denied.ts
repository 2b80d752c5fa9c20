/**
 * What an AccessDenied errorMessage says about organization policies. IAM's messages (IAM User Guide,
 * "Troubleshoot access denied error messages") end `... because no <type> policy allows the <action>
 * action` or `... with an explicit deny in a <type> policy`, and, in the same account or organization,
 * name the policy: `... in a service control policy: arn:aws:organizations::987654321098:policy/
 * o-qv5af4abcd/service_control_policy/p-2kgnabcd` (Security blog, "Enhanced access denied error
 * messages with policy ARNs"). EC2 wraps the same sentence: `You are not authorized to perform this
 * operation. User: ... with an explicit deny in a service control policy. Encoded authorization failure
 * message: ...`. A message is untrusted (whoever writes the log files can write anything): it is read
 * only up to a bounded length, and a named policy counts as ours only when its organization is ours.
 */

import type { ShapeRow } from './types.js';

/** Messages are a few hundred characters; EC2's encoded part can be a few thousand. */
const MAX_MESSAGE = 16_384;

const TYPE_PHRASE = /(?:with an explicit deny in an?|because no) (service control|resource control) polic(?:y|ies)/;
const POLICY_ARN = /^:\s*arn:aws[a-z-]{0,16}:organizations::(\d{12}):policy\/(o-[a-z0-9]{10,32})\/(service|resource)_control_policy\/(p-[a-z0-9]{8,128})(?![a-z0-9])/;

export interface OrganizationDenial {
  type: 'scp' | 'rcp';
  /** Whether the message says an explicit Deny (else: no policy of the type allowed the action). */
  explicit: boolean;
  /** The policy the message names, when AWS named one (and its ARN's type agrees with the sentence). */
  policy?: { id: string; organizationId: string; managementAccount: string };
}

/** The organization policy type (and policy) an errorMessage blames, or undefined when it blames none. */
export function parseAccessDenied(message: string): OrganizationDenial | undefined {
  const text = message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) : message;
  const m = TYPE_PHRASE.exec(text);
  if (!m) return undefined;
  const type = m[1] === 'service control' ? 'scp' : 'rcp';
  const explicit = m[0].startsWith('with');
  const arn = explicit ? POLICY_ARN.exec(text.slice(m.index + m[0].length)) : null;
  const named = arn && (arn[3] === 'service') === (type === 'scp') ? { id: arn[4]!, organizationId: arn[2]!, managementAccount: arn[1]! } : undefined;
  return named ? { type, explicit, policy: named } : { type, explicit };
}

/** ShapeRow's deniedBy and deniedByPolicy of a record's errorMessage (null when it has none). */
export function deniedByOf(message: string | null): { deniedBy: 'scp' | 'rcp' | null; deniedByPolicy: string | null } {
  const denial = message === null ? undefined : parseAccessDenied(message);
  return { deniedBy: denial?.type ?? null, deniedByPolicy: denial?.policy?.id ?? null };
}

/**
 * The id of the policy a denial names when it is one of `owned` in our organization: a message naming
 * another organization's policy (or a forged one) never counts against a policy guardrails owns.
 */
export function ownedPolicyNamed(denial: OrganizationDenial | undefined, organizationId: string, owned: ReadonlySet<string>): string | undefined {
  const policy = denial?.policy;
  return policy && policy.organizationId === organizationId && owned.has(policy.id) ? policy.id : undefined;
}

/**
 * The rollout's `access-denied` counts over reduced shapes (deniedBy, deniedByPolicy): events in
 * `accounts` whose message names one of `owned`, and SCP or RCP denials naming no policy. A message
 * naming a policy that is not ours counts in neither: AWS names a policy only to its own organization,
 * so such a name in our accounts' logs was not written by AWS, or is another organization's policy.
 */
export function accessDeniedCounts(rows: readonly Pick<ShapeRow, 'recipientAccountId' | 'deniedBy' | 'deniedByPolicy' | 'events'>[], accounts: ReadonlySet<string>, owned: ReadonlySet<string>): { ownedNamed: number; unnamed: number; policies: string[] } {
  let ownedNamed = 0;
  let unnamed = 0;
  const policies = new Set<string>();
  for (const r of rows) {
    if (!r.deniedBy || !accounts.has(r.recipientAccountId)) continue;
    if (r.deniedByPolicy === null) unnamed += r.events;
    else if (owned.has(r.deniedByPolicy)) {
      ownedNamed += r.events;
      policies.add(r.deniedByPolicy);
    }
  }
  return { ownedNamed, unnamed, policies: [...policies].sort() };
}
