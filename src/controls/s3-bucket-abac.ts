/**
 * S3 bucket tags reach aws:ResourceTag (and s3:BucketTag) only where ABAC is enabled on the bucket,
 * which is off by default: "By default, ABAC is disabled for all Amazon S3 general purpose buckets"
 * (Amazon S3 User Guide, "Enabling ABAC in general purpose buckets",
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/buckets-tagging-enable-abac.html). On a bucket
 * without it the request carries no tag, so a statement that reads bucket tags treats every such
 * bucket and its objects as untagged: a tag exception opens nothing there, a deny on a tag does not
 * apply. Nothing in the intent says which buckets have ABAC, so compile warns, once per control.
 */
import { warning } from '../diagnostics/index.js';
import type { ControlContext, StatementDraft } from './draft.js';

const BUCKET_TAG_KEY = /^(aws:ResourceTag|s3:BucketTag)\//i;
const S3_RESOURCE = /^(\*|arn:[^:]*:s3:::.*|arn:[^:]*:[^:]*[*?].*)$/;

export function warnBucketTagConditions(drafts: readonly StatementDraft[], ctx: ControlContext): void {
  for (const d of drafts) {
    const keys = [...new Set(Object.values(d.condition ?? {}).flatMap((block) => Object.keys(block).filter((k) => BUCKET_TAG_KEY.test(k))))];
    if (keys.length === 0) continue;
    if (d.resources && !d.resources.some((r) => S3_RESOURCE.test(r))) continue;
    const actions = bucketActions(d, ctx);
    if (actions.length === 0) continue;
    ctx.diagnostics.push(
      warning(
        'bucket-tags-need-abac',
        `control ${d.control.id}: ${keys.join(', ')} on S3 buckets and their objects (${actions.length} action${actions.length === 1 ? '' : 's'}, e.g. ${example(actions)}) ${keys.length === 1 ? 'counts' : 'count'} only on buckets with ABAC enabled (s3:PutBucketAbac; off by default): on other buckets the request carries no tag, so this statement treats them as untagged`,
        d.location,
        'enable ABAC on the buckets whose tags must count; simulate models it per test request (bucketAbac: true, default false)',
      ),
    );
    return; // once per control: its other statements read the same tags
  }
}

/** A well-known action of the list to name in the message. */
function example(actions: readonly string[]): string {
  return ['s3:GetObject', 's3:PutObject', 's3:ListBucket'].find((a) => actions.includes(a)) ?? actions[0]!;
}

/** The statement's S3 actions on general purpose buckets or their objects. */
function bucketActions(d: StatementDraft, ctx: ControlContext): string[] {
  const ref = ctx.reference;
  const onBuckets = (id: number) => {
    const a = ref.actions[id]!;
    return a.service === 's3' && a.resourceTypes.some((t) => t === 'bucket' || t === 'object');
  };
  const s3 = ref.service('s3');
  if (!s3) return [];
  const out: string[] = [];
  if (d.actions) {
    for (const id of ref.expandList(d.actions.patterns).actions) if (onBuckets(id)) out.push(ref.actions[id]!.qualified);
  } else if (d.notActions) {
    const excluded = ref.expandList(d.notActions.patterns).actions;
    for (let id = s3.firstId; id < s3.endId; id++) if (!excluded.has(id) && onBuckets(id)) out.push(ref.actions[id]!.qualified);
  }
  return out;
}
