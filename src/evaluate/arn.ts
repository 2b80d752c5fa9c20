/**
 * ARN matching. ArnEquals and ArnLike compare the six colon-delimited components
 * (arn:partition:service:region:account:resource) separately, case-sensitively: "each of the six
 * colon-delimited components of the ARN is checked separately" (IAM User Guide, condition operators).
 * The Resource element is a glob over the whole ARN: a wildcard at the end of a segment "can expand to
 * match beyond the colon boundaries" (IAM User Guide, Resource element).
 */
import { splitArn } from '../policy/index.js';
import { globMatcher, type Matcher } from './glob.js';

/**
 * A matcher for an ARN condition value, compared component by component; `*` alone matches any
 * value. Undefined when the value is not an ARN of six components (`notarn`, `arn:aws:s3:*`): AWS
 * compares the six components separately, so such a value has no defined comparison (the oracle,
 * @cloud-copilot/iam-simulate, answers "Invalid ARN" and matches nothing, negated or not). A request
 * value that is not an ARN matches no pattern.
 */
export function arnPatternMatcher(pattern: string, wildcards = true): Matcher | undefined {
  if (pattern === '*') return () => true;
  const parts = splitArn(pattern);
  if (!parts) return undefined;
  const segments = parts.map((p) => (wildcards ? globMatcher(p, false) : (v: string) => v === p));
  return (value) => {
    const v = componentsOf(value);
    if (!v) return false;
    for (let i = 0; i < 6; i++) if (!segments[i]!(v[i]!)) return false;
    return true;
  };
}

/**
 * The components of a request's ARN, split once for the many patterns a condition compares it with
 * (a principal ARN against every excepted role of a statement). Read only.
 */
let lastValue: string | undefined;
let lastComponents: string[] | undefined;
function componentsOf(value: string): readonly string[] | undefined {
  if (value !== lastValue) {
    lastComponents = splitArn(value);
    lastValue = value;
  }
  return lastComponents;
}

/** A matcher for a Resource (or NotResource) entry: the whole ARN as one case-sensitive glob. */
export function resourceArnMatcher(pattern: string): Matcher {
  return globMatcher(pattern, false);
}
