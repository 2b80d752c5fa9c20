/**
 * ARNs in policies: their six components, and what AWS accepts in the Resource and NotResource
 * elements.
 *
 * What AWS rejects (MalformedPolicyDocument), from the IAM User Guide ("IAM JSON policy elements:
 * Resource": "You can't use a wildcard in the service segment that identifies the AWS product") and
 * AWS's own messages as moto reproduces them (moto/iam/policy_validation.py): a value that is neither
 * "*" nor an ARN ('Resource x must be in ARN format or "*"'), a partition that is not one
 * ('Partition "x" is not valid for resource ...', wildcards included), and a service that is empty or
 * has a wildcard ("Resource vendor must be fully qualified and cannot contain regexes"). An ARN with
 * fewer than six components is completed with `*` in identity policies; in an SCP only when its last
 * component ends in `*`, and never in an RCP: otherwise it is not valid for the policy type (the
 * differential test's oracle, @cloud-copilot/iam-simulate, resource.ts, policyTypeResourceSettings).
 * Those are errors. An ARN AWS accepts but no resource can have (a service the reference names no
 * resource ARN of) is a warning: the statement is valid and applies to nothing.
 */
import type { PolicyType } from './model.js';

/** The partitions of AWS, as the account ARNs of the intent spell them. */
export const PARTITIONS: readonly string[] = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'];

/** arn:partition:service:region:account:resource, the resource keeping its own colons; undefined when not an ARN. */
export function splitArn(arn: string): string[] | undefined {
  const parts: string[] = [];
  let rest = arn;
  for (let i = 0; i < 5; i++) {
    const at = rest.indexOf(':');
    if (at < 0) return undefined;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts[0] === 'arn' ? parts : undefined;
}

/** The colon-separated components of a policy value, a `${...}` variable (which may hold colons) kept whole. */
export function arnComponents(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('${', i)) {
      const close = value.indexOf('}', i + 2);
      i = close < 0 ? value.length : close + 1;
      continue;
    }
    if (value[i] === ':') {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  parts.push(value.slice(start));
  return parts;
}

export interface ResourceArnProblem {
  severity: 'error' | 'warning';
  code: 'bad-resource-arn' | 'resource-matches-nothing';
  message: string;
  hint?: string;
}

export interface ResourceArnOptions {
  /** Whether the service reference has resource ARNs in this service namespace (unknown: not checked). */
  knownArnService?: (service: string) => boolean;
}

const SHAPE = 'arn:partition:service:region:account:resource';
const hasWildcardOrVariable = (s: string) => s.includes('*') || s.includes('?') || s.includes('${');

/** What is wrong with one Resource or NotResource value of a policy of this type, if anything. */
export function resourceArnProblem(value: string, type: PolicyType, options: ResourceArnOptions = {}): ResourceArnProblem | undefined {
  if (value === '*') return undefined;
  const parts = arnComponents(value);
  const error = (message: string, hint?: string): ResourceArnProblem => (hint ? { severity: 'error', code: 'bad-resource-arn', message, hint } : { severity: 'error', code: 'bad-resource-arn', message });
  if (parts.length < 2 || parts[0] !== 'arn') return error(`"${value}" is neither "*" nor an ARN (${SHAPE}); AWS rejects the policy`, 'for example arn:aws:s3:::bucket/* or "*"');
  const [, partition, service] = parts as [string, string, string | undefined];
  if (!PARTITIONS.includes(partition)) return error(`"${value}": "${partition}" is not a partition; AWS rejects the policy (no wildcard there either)`, `partitions are ${PARTITIONS.join(', ')}`);
  if (!service || hasWildcardOrVariable(service)) return error(`"${value}": the service of a resource ARN must be named, without wildcards; AWS rejects the policy`, 'for example arn:aws:s3:::bucket/*; a statement about every service writes "*"');
  if (parts.length < 6) {
    const completed = type === 'scp' && parts[parts.length - 1]!.endsWith('*');
    if (!completed) {
      return error(
        `"${value}" has ${parts.length} of the six components of an ARN (${SHAPE}); ${type === 'rcp' ? 'an RCP takes only full ARNs' : 'an SCP takes a shorter one only when it ends in "*"'}`,
        `write all six, e.g. ${[...parts, ...Array<string>(6 - parts.length).fill('*')].join(':')}`,
      );
    }
  }
  if (options.knownArnService && !options.knownArnService(service)) {
    return { severity: 'warning', code: 'resource-matches-nothing', message: `"${value}" matches no resource: the service reference has no resource ARN of service "${service}"`, hint: 'check the service part of the ARN' };
  }
  return undefined;
}
