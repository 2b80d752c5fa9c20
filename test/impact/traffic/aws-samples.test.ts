/**
 * AWS's documented sample records (test/fixtures/cloudtrail/aws-doc-samples.json) against the
 * generator: generated records use the field names and identity shapes AWS's records have.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Random, record, type Principal, type RequestSpec } from '../../support/cloudtrail-traffic.js';
import { PROJECT_ROOT } from '../../support/paths.js';

interface Sample {
  id: string;
  source: { repository: string; path: string; commit: string };
  licence: string;
  record?: Record<string, any>;
  file?: { Records: Record<string, any>[] };
}
const FIXTURE = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/cloudtrail/aws-doc-samples.json'), 'utf8')) as { about: string[]; samples: Sample[] };
const samples = FIXTURE.samples.flatMap((s) => (s.record ? [s.record] : s.file!.Records));

/**
 * Top-level fields of "CloudTrail record contents for management, data, and network activity events"
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)
 * that the generator writes and the samples (older records) lack.
 */
const DOCUMENTED_SINCE = ['readOnly', 'managementEvent', 'eventCategory', 'tlsDetails', 'additionalEventData'];

const spec = (principal: Principal, extra: Partial<RequestSpec> = {}): RequestSpec => ({ principal, eventSource: 's3.amazonaws.com', eventName: 'GetObject', region: 'us-east-1', recipient: '333333333301', category: 'Data', readOnly: true, requestParameters: { bucketName: 'b', key: 'k' }, resources: [{ ARN: 'arn:aws:s3:::b/k', type: 'AWS::S3::Object' }], tls: 'TLSv1.3', sharedEventID: 'bEXAMPLE-efea-4a70-b951-19a88EXAMPLE', errorCode: 'AccessDenied', errorMessage: 'denied', additionalEventData: { x: 1 }, ...extra });

describe("AWS's sample records", () => {
  it('are attributed: each names its repository, commit and licence', () => {
    expect(FIXTURE.samples.map((s) => s.id)).toEqual(['cloudtrail-update-trail-error', 'iam-get-user-policy-console', 'sts-assume-role-cross-account-caller', 'sts-assume-role-cross-account-owner']);
    for (const s of FIXTURE.samples) {
      expect(s.source.repository).toMatch(/^awsdocs\//);
      expect(s.source.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(s.licence).toMatch(/MIT-0|CC BY-SA 4\.0/);
    }
    expect(FIXTURE.about.join(' ')).toContain('CC BY-SA 4.0');
  });

  it('have every top-level field the generator writes, or the record-contents page documents it', () => {
    const known = new Set([...samples.flatMap((r) => Object.keys(r)), ...DOCUMENTED_SINCE]);
    const generated = record(spec({ kind: 'role', account: '333333333301', name: 'app', path: '/', session: 's' }), '2026-10-07T00:00:00Z', new Random(1));
    expect(Object.keys(generated).filter((k) => !known.has(k))).toEqual([]);
  });

  it("give the identities the generator's have: an IAM user's fields, and the owner's copy of a cross-account call without an ARN", () => {
    const rnd = new Random(1);
    const user = record(spec({ kind: 'user', account: '333333333333', name: 'ci-legacy' }), '2026-10-07T00:00:00Z', rnd).userIdentity as Record<string, unknown>;
    const awsUser = samples.find((r) => r.eventName === 'UpdateTrail')!.userIdentity;
    expect(Object.keys(user).sort()).toEqual(Object.keys(awsUser).sort());
    const owner = record(spec({ kind: 'account', account: '777777777701', role: 'log-shipper' }), '2026-10-07T00:00:00Z', rnd).userIdentity as Record<string, unknown>;
    const awsOwner = samples.find((r) => r.userIdentity.type === 'AWSAccount')!.userIdentity;
    expect(Object.keys(owner).sort()).toEqual(Object.keys(awsOwner).sort());
    // The two copies of AWS's cross-account request share their sharedEventID, as the generator's do.
    const copies = samples.filter((r) => r.sharedEventID);
    expect(copies.map((r) => r.userIdentity.type)).toEqual(['IAMUser', 'AWSAccount']);
    expect(new Set(copies.map((r) => r.sharedEventID)).size).toBe(1);
  });
});
