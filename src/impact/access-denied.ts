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
