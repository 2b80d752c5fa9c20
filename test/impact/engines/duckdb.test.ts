/**
 * The reduction query run for real on DuckDB over a small tree of .json.gz files laid out as CloudTrail
 * delivers them, against ShapeRows computed by hand from types.ts's rules.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { IP_LITERAL_PATTERN } from '../../../src/impact/sql/columns.js';
import { DuckDbError, loadDuckDb, reduceDirectoryWithDuckDb } from '../../../src/impact/sources/duckdb.js';
import { findLogFiles } from '../../../src/impact/sources/layout.js';
import type { Projection, ShapeRow } from '../../../src/impact/types.js';
import { tempDir } from '../../support/temp.js';
import { shapeRow } from '../../support/shape-row.js';

const NONE: Projection = { sourceIp: false, vpcEndpoint: false, userAgent: false, tlsVersion: false, mfa: false, objectKeys: false, session: false };
const ALL: Projection = { sourceIp: true, vpcEndpoint: true, userAgent: true, tlsVersion: true, mfa: true, objectKeys: true, session: true };
const WINDOW = { since: new Date('2026-10-07T00:00:00Z'), until: new Date('2026-10-09T00:00:00Z') };
const ORG = 'AWSLogs/o-exampleorg1';

let n = 0;
/** A record in AWS's format: an assumed role of a pathed role reading an S3 object over TLS 1.2. */
function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROAEXAMPLE:session-1',
      arn: 'arn:aws:sts::111111111111:assumed-role/app/session-1',
      accountId: '111111111111',
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLE', arn: 'arn:aws:iam::111111111111:role/team/app', accountId: '111111111111', userName: 'app' },
        attributes: { creationDate: '2026-10-07T00:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: '2026-10-07T10:00:00Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: 'us-east-1',
    sourceIPAddress: '192.0.2.10',
    userAgent: 'aws-cli/2.13.5',
    requestParameters: { bucketName: 'data', key: 'a/b.txt' },
    resources: [
      { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::data/a/b.txt' },
      { accountId: '111111111111', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::data' },
    ],
    eventID: `event-${String(n).padStart(4, '0')}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '111111111111',
    eventCategory: 'Data',
    tlsDetails: { tlsVersion: 'TLSv1.2', cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256', clientProvidedHostHeader: 'data.s3.amazonaws.com' },
    ...overrides,
  };
}

/** The shape of `record()` under the projection NONE. */
const BASE: ShapeRow = shapeRow({
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  eventCategory: 'Data',
  awsRegion: 'us-east-1',
  recipientAccountId: '111111111111',
  principalType: 'AssumedRole',
  principalArn: 'arn:aws:iam::111111111111:role/team/app',
  principalAccount: '111111111111',
  resourceArns: ['arn:aws:s3:::data', 'arn:aws:s3:::data/*'],
  resourceAccount: '111111111111',
  events: 1,
  firstSeen: '2026-10-07T10:00:00Z',
  lastSeen: '2026-10-07T10:00:00Z',
  exampleEventId: '',
});

function write(dir: string, relative: string, records: unknown): void {
  const file = path.join(dir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, zlib.gzipSync(typeof records === 'string' ? records : JSON.stringify({ Records: records })));
}

const day = (account: string, region: string, date: string) => `${ORG}/${account}/CloudTrail/${region}/${date}`;

describe('DuckDB reduction of a delivery tree', () => {
  let dir: string;
  const ids: Record<string, string> = {};
  const keep = (name: string, r: Record<string, unknown>) => {
    ids[name] = r.eventID as string;
    return r;
  };

  beforeAll(async () => {
    dir = await tempDir();
    // Same shape three times under NONE: sessions and IPs differ, which NONE drops.
    write(dir, `${day('111111111111', 'us-east-1', '2026/10/07')}/111111111111_CloudTrail_us-east-1_20261007T1000Z_a.json.gz`, [
      keep('s3-first', record({ eventTime: '2026-10-07T09:00:00Z' })),
      keep('s3-second', record({ userIdentity: { ...(record().userIdentity as object), arn: 'arn:aws:sts::111111111111:assumed-role/app/session-2', principalId: 'AROAEXAMPLE:session-2' }, sourceIPAddress: '198.51.100.7' })),
      // Duplicated and unsorted resources, another key in the same bucket: one shape.
      keep('s3-third', record({ eventTime: '2026-10-08T23:59:59Z', resources: [{ ARN: 'arn:aws:s3:::data' }, { ARN: 'arn:aws:s3:::data/z/other', accountId: '111111111111' }, { ARN: 'arn:aws:s3:::data' }], tlsDetails: { tlsVersion: 'TLSv1.3' } })),
      // An IAM user through the console, a DNS name as its source, no tlsDetails, no eventType (before 1.02).
      keep('iam', record({
        userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111111111111:user/Mary', accountId: '111111111111', invokedBy: 'signin.amazonaws.com' },
        eventSource: 'iam.amazonaws.com', eventName: 'GetUserPolicy', sourceIPAddress: 'signin.amazonaws.com', resources: undefined, eventType: undefined, eventCategory: undefined, tlsDetails: undefined,
      })),
      // A service principal: no principal ARN.
      keep('service', record({ userIdentity: { type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' }, eventSource: 's3.amazonaws.com', eventName: 'PutObject', sourceIPAddress: 'AWS Internal', resources: [{ ARN: 'arn:aws:s3:::logs/AWSLogs/x.json.gz', accountId: '111111111111' }] })),
      // The owner's copy of a cross-account call: AWSAccount, no ARN.
      keep('owner-copy', record({ userIdentity: { type: 'AWSAccount', principalId: 'AIDAQRSTUVWXYZEXAMPLE', accountId: '777788889999' }, eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole', resources: [{ ARN: 'arn:aws:iam::111111111111:role/EC2-dev', accountId: '111111111111', type: 'AWS::IAM::Role' }] })),
      // Denied by an SCP that AWS named; by an RCP it did not name; EC2's wrapped message.
      keep('scp', record({ eventSource: 'iam.amazonaws.com', eventName: 'ListRoles', resources: undefined, errorCode: 'AccessDenied', errorMessage: 'User: arn:aws:iam::123456789012:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/* with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd' })),
      keep('rcp', record({ eventName: 'PutObject', errorCode: 'AccessDenied', errorMessage: 'User: arn:aws:sts::111111111111:assumed-role/app/s is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::data/a/b.txt" with an explicit deny in a resource control policy' })),
      keep('ec2', record({ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', resources: undefined, errorCode: 'Client.UnauthorizedOperation', errorMessage: 'You are not authorized to perform this operation. User: arn:aws:sts::111111111111:assumed-role/app/s is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:eu-west-1:111111111111:instance/* with an explicit deny in a service control policy. Encoded authorization failure message: AbCd' })),
      // Bedrock through a profile; a role passed as roleArn (not an ARN) then role (an ARN).
      keep('bedrock', record({ eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', eventCategory: 'Management', resources: undefined, requestParameters: { modelId: 'apac.anthropic.claude-sonnet-4-6' }, additionalEventData: { inferenceRegion: 'ap-southeast-2' } })),
      keep('passrole', record({ eventSource: 'lambda.amazonaws.com', eventName: 'CreateFunction20150331', eventCategory: 'Management', resources: undefined, requestParameters: { roleArn: 'not-an-arn', role: 'arn:aws:iam::111111111111:role/exec', modelId: 7 } })),
    ]);
    // Not authorization events, one outside the window, malformed records.
    write(dir, `${day('111111111111', 'eu-west-1', '2026/10/08')}/111111111111_CloudTrail_eu-west-1_20261008T0000Z_b.json.gz`, [
      record({ eventType: 'AwsConsoleSignIn', eventSource: 'signin.amazonaws.com', eventName: 'ConsoleLogin' }),
      record({ eventType: 'AwsServiceEvent' }),
      record({ eventTime: '2026-10-09T00:00:00Z' }),
      record({ eventTime: '2026-10-06T23:59:59Z' }),
      record({ eventName: { not: 'a string' } }),
      record({ awsRegion: undefined }),
      record({ eventTime: 'yesterday' }),
      record({ resources: [{ ARN: 5 }] }),
      record({ resources: { ARN: 'arn:aws:s3:::data/a/b.txt' } }),
      record({ userAgent: 'x'.repeat(5000) }),
      'not an object',
    ]);
    // A file that is not gzip, a file whose Records is not a list.
    fs.writeFileSync(path.join(dir, day('111111111111', 'eu-west-1', '2026/10/08'), 'broken.json.gz'), 'plain text');
    write(dir, `${day('222222222222', 'us-east-1', '2026/10/08')}/c.json.gz`, '{"Records": 5}');
    // Skipped: a day folder outside the window (+1 day), a digest folder.
    write(dir, `${day('111111111111', 'us-east-1', '2026/10/01')}/old.json.gz`, [record()]);
    write(dir, `${ORG}/111111111111/CloudTrail-Digest/us-east-1/2026/10/07/d.json.gz`, [record()]);
  });

  test('reads the files the directory source reads: the window\'s days, no digests', () => {
    const files = findLogFiles(dir, WINDOW).files.map((f) => path.relative(dir, f.path)).sort();
    expect(files).toEqual([
      `${day('111111111111', 'eu-west-1', '2026/10/08')}/111111111111_CloudTrail_eu-west-1_20261008T0000Z_b.json.gz`,
      `${day('111111111111', 'eu-west-1', '2026/10/08')}/broken.json.gz`,
      `${day('111111111111', 'us-east-1', '2026/10/07')}/111111111111_CloudTrail_us-east-1_20261007T1000Z_a.json.gz`,
      `${day('222222222222', 'us-east-1', '2026/10/08')}/c.json.gz`,
    ]);
  });

  test('every rule of types.ts, without the optional fields', async () => {
    const reduction = await reduceDirectoryWithDuckDb(dir, { projection: NONE, ...WINDOW, threads: 1 });
    const expected: ShapeRow[] = [
      { ...BASE, events: 3, firstSeen: '2026-10-07T09:00:00Z', lastSeen: '2026-10-08T23:59:59Z', exampleEventId: ids['s3-first']! },
      { ...BASE, eventSource: 'iam.amazonaws.com', eventName: 'GetUserPolicy', eventType: null, eventCategory: null, principalType: 'IAMUser', principalArn: 'arn:aws:iam::111111111111:user/Mary', invokedBy: 'signin.amazonaws.com', resourceArns: [], resourceAccount: null, exampleEventId: ids.iam! },
      { ...BASE, eventName: 'PutObject', principalType: 'AWSService', principalArn: null, principalAccount: null, invokedBy: 'cloudtrail.amazonaws.com', resourceArns: ['arn:aws:s3:::logs/*'], exampleEventId: ids.service! },
      { ...BASE, eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole', principalType: 'AWSAccount', principalArn: null, principalAccount: '777788889999', resourceArns: ['arn:aws:iam::111111111111:role/EC2-dev'], exampleEventId: ids['owner-copy']! },
      { ...BASE, eventSource: 'iam.amazonaws.com', eventName: 'ListRoles', resourceArns: [], resourceAccount: null, errorCode: 'AccessDenied', deniedBy: 'scp', deniedByPolicy: 'p-2kgnabcd', exampleEventId: ids.scp! },
      { ...BASE, eventName: 'PutObject', errorCode: 'AccessDenied', deniedBy: 'rcp', exampleEventId: ids.rcp! },
      { ...BASE, eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', resourceArns: [], resourceAccount: null, errorCode: 'Client.UnauthorizedOperation', deniedBy: 'scp', exampleEventId: ids.ec2! },
      { ...BASE, eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', eventCategory: 'Management', resourceArns: [], resourceAccount: null, modelId: 'apac.anthropic.claude-sonnet-4-6', inferenceRegion: 'ap-southeast-2', exampleEventId: ids.bedrock! },
      { ...BASE, eventSource: 'lambda.amazonaws.com', eventName: 'CreateFunction20150331', eventCategory: 'Management', resourceArns: [], resourceAccount: null, passedRoleArn: 'arn:aws:iam::111111111111:role/exec', exampleEventId: ids.passrole! },
    ];
    expect(sortShapes(reduction.shapes)).toEqual(sortShapes(expected));
    expect(reduction.totals).toEqual({
      records: 11 + 11,
      authorizationEvents: 11,
      notAuthorization: 2,
      outsideWindow: 2,
      malformed: { eventName: 1, awsRegion: 1, eventTime: 1, resources: 2, 'too-long': 1, record: 1, Records: 1, file: 1 },
      files: 4,
    });
  });

  test('the projection keeps what the policies read', async () => {
    const reduction = await reduceDirectoryWithDuckDb(dir, { projection: ALL, ...WINDOW, threads: 2 });
    const s3 = reduction.shapes.filter((s) => s.eventName === 'GetObject' && s.eventSource === 's3.amazonaws.com');
    const session = { principalId: 'AROAEXAMPLE:session-1', sessionArn: 'arn:aws:sts::111111111111:assumed-role/app/session-1', userAgent: 'aws-cli/2.13.5', mfaAuthenticated: 'false' };
    expect(sortShapes(s3)).toEqual(
      sortShapes([
        { ...BASE, ...session, sourceIp: '192.0.2.10', tlsVersion: '1.2', resourceArns: ['arn:aws:s3:::data', 'arn:aws:s3:::data/a/b.txt'], firstSeen: '2026-10-07T09:00:00Z', lastSeen: '2026-10-07T09:00:00Z', exampleEventId: ids['s3-first']! },
        { ...BASE, ...session, principalId: 'AROAEXAMPLE:session-2', sessionArn: 'arn:aws:sts::111111111111:assumed-role/app/session-2', sourceIp: '198.51.100.7', tlsVersion: '1.2', resourceArns: ['arn:aws:s3:::data', 'arn:aws:s3:::data/a/b.txt'], exampleEventId: ids['s3-second']! },
        { ...BASE, ...session, sourceIp: '192.0.2.10', tlsVersion: '1.3', resourceArns: ['arn:aws:s3:::data', 'arn:aws:s3:::data/z/other'], firstSeen: '2026-10-08T23:59:59Z', lastSeen: '2026-10-08T23:59:59Z', exampleEventId: ids['s3-third']! },
      ]),
    );
    // A DNS name and `AWS Internal` are no IP; an IAM user's ARN is not a session's; no tlsDetails gives null.
    const iam = reduction.shapes.find((s) => s.eventName === 'GetUserPolicy')!;
    expect([iam.sourceIp, iam.sessionArn, iam.principalId, iam.tlsVersion]).toEqual([null, null, 'AIDAEXAMPLE', null]);
    expect(reduction.shapes.find((s) => s.principalType === 'AWSService')!.sourceIp).toBeNull();
    expect(reduction.totals.authorizationEvents).toBe(11);
  });

  test('nothing to read gives an empty reduction (DuckDB refuses an empty list)', async () => {
    const empty = await tempDir();
    fs.mkdirSync(path.join(empty, 'AWSLogs'));
    expect(await reduceDirectoryWithDuckDb(empty, { projection: NONE, ...WINDOW })).toEqual({
      shapes: [],
      totals: { records: 0, authorizationEvents: 0, notAuthorization: 0, outsideWindow: 0, malformed: {}, files: 0 },
      refused: [],
    });
  });
});

test('without the optional package, the error names it', async () => {
  await expect(loadDuckDb('@duckdb/node-api-not-installed')).rejects.toThrow(DuckDbError);
  await expect(loadDuckDb('@duckdb/node-api-not-installed')).rejects.toThrow(/needs the optional package @duckdb\/node-api, which is not installed: npm install @duckdb\/node-api@/);
});

test('the IP literal test is net.isIP, in JavaScript and in DuckDB', async () => {
  const inputs = ['192.0.2.0', '255.255.255.255', '256.1.1.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '::', '::1', '2001:db8::1', '2001:db8:0:0:0:0:2:1', '::ffff:192.0.2.1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', '2001:db8::g', 'dead.beef', 'cafe', 'signin.amazonaws.com', 'AWS Internal', '', ' 1.2.3.4'];
  const pattern = new RegExp(IP_LITERAL_PATTERN);
  for (const input of inputs) expect([input, pattern.test(input)]).toEqual([input, net.isIP(input) !== 0]);
  const duckdb = await loadDuckDb();
  const instance = await duckdb.DuckDBInstance.create(':memory:', { threads: '1', autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  const connection = await instance.connect();
  const result = await connection.runAndReadAll(`SELECT regexp_matches(unnest($inputs), $pattern)`, { inputs: duckdb.listValue(inputs), pattern: IP_LITERAL_PATTERN }, { inputs: duckdb.LIST(duckdb.VARCHAR), pattern: duckdb.VARCHAR });
  expect(result.getRows().map((r) => r[0])).toEqual(inputs.map((i) => net.isIP(i) !== 0));
});

function sortShapes(shapes: ShapeRow[]): ShapeRow[] {
  // By the text of each row with its keys in one order, whatever order its object was built in.
  const text = (s: ShapeRow) => JSON.stringify(s, Object.keys(s).sort());
  return [...shapes].sort((a, b) => (text(a) < text(b) ? -1 : 1));
}
