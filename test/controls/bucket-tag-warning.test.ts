/**
 * S3 bucket tags count only on buckets with ABAC enabled (off by default): a control whose statement
 * reads aws:ResourceTag (or s3:BucketTag) for S3 bucket or object actions is warned about, located at
 * the statement, whatever its kind; one that does not touch S3 buckets is not.
 */
import { describe, expect, it } from 'vitest';
import { compileControls, errorsOf, ORG_HEADER } from '../support/compile.js';

/** The line of the first control: after the organization header and `controls:`. */
const FIRST_CONTROL_LINE = ORG_HEADER.split('\n').length + 1;

const warnings = (c: Awaited<ReturnType<typeof compileControls>>) => c.result.diagnostics.filter((d) => d.code === 'bucket-tags-need-abac');

describe('bucket-tags-need-abac', () => {
  it('deny-actions with a condition on aws:ResourceTag over s3 actions, located at the control', async () => {
    const c = await compileControls(`  no-prod-deletes:
    kind: deny-actions
    actions: [s3:DeleteObject, s3:DeleteBucket]
    conditions: { StringEquals: { "aws:ResourceTag/env": prod } }
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const [w, ...more] = warnings(c);
    expect(more).toEqual([]);
    expect(w).toMatchObject({ severity: 'warning', location: { line: FIRST_CONTROL_LINE, col: 3 } });
    expect(w!.message).toContain('control no-prod-deletes: aws:ResourceTag/env on S3 buckets and their objects (2 actions, e.g. s3:DeleteBucket) counts only on buckets with ABAC enabled (s3:PutBucketAbac; off by default)');
  });

  it('a custom statement, located at the statement', async () => {
    const c = await compileControls(`  custom-tags:
    kind: custom
    type: scp
    statements:
      - Effect: Deny
        Action: ["s3:GetObject"]
        Resource: ["arn:aws:s3:::data-*/*"]
        Condition: { StringNotEquals: { "s3:BucketTag/classification": public } }
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    const [w] = warnings(c);
    expect(w!.message).toContain('s3:BucketTag/classification');
    expect(w!.location!.line).toBe(FIRST_CONTROL_LINE + 4);
  });

  it('a partner exception on S3 (identity perimeter)', async () => {
    const c = await compileControls(`  perimeter:
    kind: identity-perimeter
    services: [s3]
    partnerExceptions:
      - accounts: ["888888888801"]
        tag: { key: partner-access-exception, value: trusted-partner }
        adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"]
        allowUnconstrainedTagging: [s3*:*Object*Tagging, s3:ReplicateTags]
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    expect(warnings(c).map((w) => w.message.split(' on S3')[0])).toEqual(['control perimeter: aws:ResourceTag/partner-access-exception']);
  });

  it('no warning for tags on other services, or for S3 resources that are not buckets', async () => {
    const c = await compileControls(`  sqs-prod:
    kind: deny-actions
    actions: [sqs:DeleteQueue]
    conditions: { StringEquals: { "aws:ResourceTag/env": prod } }
    attach: [Root]
  s3-jobs:
    kind: deny-actions
    actions: [s3:DeleteJobTagging]
    conditions: { StringEquals: { "aws:ResourceTag/env": prod } }
    attach: [Root]
`);
    expect(errorsOf(c)).toEqual([]);
    expect(warnings(c)).toEqual([]);
  });
});
