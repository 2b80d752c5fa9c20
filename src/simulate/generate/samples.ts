/** Sample principals, actions and resources the generated scenarios are written with. */
import type { ActionSet, ReferenceIndex } from '../../reference/index.js';
import { DEFAULT_REGION } from '../from-tests.js';

/** An account outside the organization, and an organization that is not ours. */
export const OUTSIDE_ACCOUNT = '999999999999';
export const OUTSIDE_ORG = 'o-outsider000';

/** A concrete ARN an ARN pattern matches: wildcards in Region and account filled in, the rest sampled. */
export function concreteArn(pattern: string, account: string, region = DEFAULT_REGION): string | undefined {
  const parts = pattern.split(':');
  if (parts.length < 6) return undefined;
  if (parts[3] === '*') parts[3] = region;
  if (parts[4] === '*') parts[4] = account;
  return parts.join(':').replace(/\*/g, 'sample').replace(/\?/g, 'a');
}

/** Sample actions per service of a set: its first Read actions (the data decides), else its first actions. */
export function sampleActions(ref: ReferenceIndex, set: ActionSet, perService = 1): string[] {
  const reads = new Map<string, string[]>();
  const any = new Map<string, string[]>();
  for (const id of set) {
    const a = ref.actions[id]!;
    const pick = (m: Map<string, string[]>) => {
      const list = m.get(a.service) ?? [];
      if (list.length < perService) list.push(a.qualified);
      m.set(a.service, list);
    };
    pick(any);
    if (a.accessLevel === 'Read') pick(reads);
  }
  return [...any.keys()].flatMap((service) => reads.get(service) ?? any.get(service)!);
}

/** A resource ARN for a service's action in an account (RCP statements here name "Resource": "*"). */
export function sampleResource(service: string, account: string, region = DEFAULT_REGION): string {
  if (service === 's3') return `arn:aws:s3:::bucket-${account}/object`;
  if (service === 'sts' || service === 'iam') return `arn:aws:iam::${account}:role/sample-role`;
  return `arn:aws:${service}:${region}:${account}:sample`;
}
