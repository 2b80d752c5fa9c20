/**
 * A month of CloudTrail traffic for the example organization (guardrails/ and its org-snapshot.json),
 * with known answers for the example change (`guardrails diff --org guardrails/org-snapshot.json`).
 *
 * Records follow AWS's record format (eventVersion 1.11; "CloudTrail record contents",
 * https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html)
 * and are written as an organization trail delivers them to S3 ("Finding your CloudTrail log files",
 * "CloudTrail log file examples"):
 *   AWSLogs/<o-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
 * holding `{"Records":[...]}`, plus CloudTrail-Digest/ files beside them (a reader skips those).
 *
 * Everything is drawn from one seeded generator: the same options give the same bytes. Background
 * traffic keeps to requests the change does not touch (each family says why below); the planted cases
 * (PLANTED) carry the verdicts, and `generateCloudTrail` returns how many events of each it wrote, so
 * tests compare a report with what is in the files, never with a hand-kept number.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { PROJECT_ROOT } from './paths.js';

const gzip = promisify(zlib.gzip);

// ---------------------------------------------------------------------------------------------------
// The organization, as org-snapshot.json gives it (read at run time) and the roles its OUs use.
// ---------------------------------------------------------------------------------------------------

export interface TrafficAccount {
  id: string;
  name: string;
  /** The OU path below Root (`Workloads/Prod`), '' for the management account. */
  ou: string;
}

export interface ExampleOrganization {
  orgId: string;
  managementAccount: string;
  accounts: TrafficAccount[];
}

interface SnapshotOu {
  name: string;
  ous: SnapshotOu[];
  accounts: { id: string; name: string }[];
}

/** The accounts of the example organization's snapshot, with their OU paths. */
export function exampleOrganization(snapshotFile = path.join(PROJECT_ROOT, 'guardrails', 'org-snapshot.json')): ExampleOrganization {
  const s = JSON.parse(fs.readFileSync(snapshotFile, 'utf8')) as { organization: { id: string; managementAccount: string }; root: SnapshotOu };
  const accounts: TrafficAccount[] = [];
  const walk = (ou: SnapshotOu, at: string) => {
    for (const a of ou.accounts) accounts.push({ id: a.id, name: a.name, ou: at });
    for (const child of ou.ous) walk(child, at ? `${at}/${child.name}` : child.name);
  };
  walk(s.root, '');
  accounts.sort((a, b) => (a.id < b.id ? -1 : 1));
  return { orgId: s.organization.id, managementAccount: s.organization.managementAccount, accounts };
}

/** Partners of guardrails/data-perimeter.yaml: a trusted account, and an account of a partner-tag exception. */
export const TRUSTED_PARTNER = '777777777701';
export const TAG_PARTNER = '888888888801';
/** Models approved by guardrails/genai.yaml's approved-bedrock-models. */
export const APPROVED_MODELS = ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'amazon.titan-text-express-v1'];
export const UNAPPROVED_MODEL = 'meta.llama3-70b-instruct-v1:0';
/** allowed-regions of guardrails/baseline.yaml. */
export const ALLOWED_REGIONS = ['us-east-1', 'us-west-2', 'eu-central-1'];

/** A principal as a record's userIdentity names it. `arn` is the IAM ARN (a role with its path). */
export type Principal =
  | { kind: 'role'; account: string; name: string; path: string; session: string; mfa?: boolean }
  | { kind: 'user'; account: string; name: string }
  | { kind: 'root'; account: string }
  | { kind: 'service'; service: string }
  /** The resource owner's copy of a cross-account call: the caller's account and principal id, no ARN. */
  | { kind: 'account'; account: string; role: string };

export function principalArn(p: Principal): string | null {
  switch (p.kind) {
    case 'role':
      return `arn:aws:iam::${p.account}:role${p.path}${p.name}`;
    case 'user':
      return `arn:aws:iam::${p.account}:user/${p.name}`;
    case 'root':
      return `arn:aws:iam::${p.account}:root`;
    default:
      return null;
  }
}

const role = (account: string, name: string, rolePath = '/', session = 'session'): Principal => ({ kind: 'role', account, name, path: rolePath, session });
const SSO_PATH = '/aws-reserved/sso.amazonaws.com/';
const sso = (account: string, set: string, user: string): Principal => role(account, `AWSReservedSSO_${set}_${hex8(account + set)}a1b2c3d4`, SSO_PATH, user);

function hex8(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * Who works in an account, by its OU. Background traffic is drawn from these; the planted cases name
 * their principals themselves, and none of them is here: a report's rows (account, principal, action)
 * for a planted case hold only that case's events. No background principal is BreakGlass,
 * SecurityAdmin or GenAIPlatformAdmin (the change's exceptions).
 */
export function backgroundPrincipals(a: TrafficAccount): Principal[] {
  const top = a.ou.split('/')[0];
  const people = [sso(a.id, 'ReadOnlyAccess', 'maria.garcia@example.com')];
  switch (top) {
    case 'Workloads':
      return [role(a.id, 'service', '/', 'i-0a1b2c3d4e5f60718'), role(a.id, 'deployer', '/ci/', 'github-actions-run'), role(a.id, 'batch', '/', 'nightly'), ...people, ...(a.name === 'payments-dev' ? [{ kind: 'user' as const, account: a.id, name: 'ci-legacy' }] : [])];
    case 'GenAI':
    case 'Sandbox':
      return [role(a.id, 'notebook', '/', 'i-0f9e8d7c6b5a40312'), role(a.id, 'developer', '/', 'dev-session'), ...people, ...(top === 'Sandbox' ? [{ kind: 'root' as const, account: a.id }] : [])];
    case 'Security':
      return [role(a.id, 'log-reader', '/security/', 'siem-ingest'), ...people];
    case 'PublicData':
      return [role(a.id, 'dataset-sync', '/', 'sync'), ...people];
    default:
      return [role(a.id, 'org-reporting', '/', 'reporting'), ...people];
  }
}

/** The two Regions an account's background traffic uses (both allowed by allowed-regions). */
export function homeRegions(a: TrafficAccount, index: number): [string, string] {
  return ['us-east-1', index % 2 === 0 ? 'eu-central-1' : 'us-west-2'];
}

const bucketOf = (a: TrafficAccount) => `${a.name}-data-${a.id.slice(-4)}`;

// ---------------------------------------------------------------------------------------------------
// Seeded randomness.
// ---------------------------------------------------------------------------------------------------

/** sfc32: small, fast, and the same sequence on every machine for the same seed. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.next() % xs.length]!;
  }
  hex(chars: number): string {
    let s = '';
    while (s.length < chars) s += this.next().toString(16).padStart(8, '0');
    return s.slice(0, chars);
  }
  uuid(): string {
    const h = this.hex(32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  upper(chars: number): string {
    const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    let s = '';
    for (let i = 0; i < chars; i++) s += A[this.next() & 31];
    return s;
  }
}

// ---------------------------------------------------------------------------------------------------
// Records.
// ---------------------------------------------------------------------------------------------------

export type CloudTrailRecord = Record<string, unknown>;

export interface RequestSpec {
  principal: Principal;
  eventSource: string;
  eventName: string;
  region: string;
  /** The account whose copy this is (the caller's, or the resource owner's). */
  recipient: string;
  category: 'Management' | 'Data';
  readOnly: boolean;
  requestParameters?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  resources?: { ARN: string; accountId?: string; type: string }[];
  /** `TLSv1.2`; null: the record has no tlsDetails. */
  tls: string | null;
  sourceIp?: string;
  userAgent?: string;
  errorCode?: string;
  errorMessage?: string;
  sharedEventID?: string;
  eventType?: string;
}

const CIPHER: Record<string, string> = {
  'TLSv1': 'ECDHE-RSA-AES128-SHA',
  'TLSv1.1': 'ECDHE-RSA-AES128-SHA',
  'TLSv1.2': 'ECDHE-RSA-AES128-GCM-SHA256',
  'TLSv1.3': 'TLS_AES_128_GCM_SHA256',
};

const USER_AGENTS = [
  'aws-cli/2.27.50 md/awscrt#0.26.1 ua/2.1 os/linux#6.1.141 md/arch#x86_64 lang/python#3.13.4 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe sid/12345678 md/prompt#off',
  'Boto3/1.39.4 md/Botocore#1.39.4 ua/2.1 os/linux#5.10.238-231.953.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.11 md/pyimpl#CPython exec-env/AWS_ECS_FARGATE cfg/retry-mode#legacy Botocore/1.39.4',
  'aws-sdk-java/2.31.77 Linux/5.10.238 OpenJDK_64-Bit_Server_VM/21.0.7+6-LTS Java/21.0.7 vendor/Amazon.com_Inc. exec-env/AWS_Lambda_java21 io/sync http/Apache cfg/retry-mode/legacy',
];

function userIdentity(p: Principal, rnd: Random, eventTime: string): Record<string, unknown> {
  switch (p.kind) {
    case 'role': {
      const roleId = `AROA${hex8(p.account + p.name).toUpperCase()}EXAMPLE`;
      return {
        type: 'AssumedRole',
        principalId: `${roleId}:${p.session}`,
        arn: `arn:aws:sts::${p.account}:assumed-role/${p.name}/${p.session}`,
        accountId: p.account,
        accessKeyId: `ASIA${rnd.upper(16)}`,
        sessionContext: {
          sessionIssuer: { type: 'Role', principalId: roleId, arn: principalArn(p), accountId: p.account, userName: p.name },
          attributes: { creationDate: `${eventTime.slice(0, 11)}00:00:00Z`, mfaAuthenticated: p.mfa ? 'true' : 'false' },
        },
      };
    }
    case 'user':
      return { type: 'IAMUser', principalId: `AIDA${hex8(p.account + p.name).toUpperCase()}EXAMPLE`, arn: principalArn(p), accountId: p.account, accessKeyId: `AKIA${hex8(p.name).toUpperCase()}EXAMPLE`, userName: p.name };
    case 'root':
      return { type: 'Root', principalId: p.account, arn: principalArn(p), accountId: p.account, accessKeyId: `ASIA${rnd.upper(16)}`, sessionContext: { attributes: { creationDate: `${eventTime.slice(0, 11)}00:00:00Z`, mfaAuthenticated: 'true' } } };
    case 'service':
      return { type: 'AWSService', invokedBy: p.service };
    case 'account':
      return { type: 'AWSAccount', principalId: `AROA${hex8(p.account + p.role).toUpperCase()}EXAMPLE:${p.role}`, accountId: p.account };
  }
}

/** One record, fields in the order AWS writes them. */
export function record(spec: RequestSpec, eventTime: string, rnd: Random): CloudTrailRecord {
  return { eventVersion: '1.11', userIdentity: userIdentity(spec.principal, rnd, eventTime), ...recordBody(spec, eventTime, rnd) };
}

/**
 * The same record as JSON text, with the userIdentity's text made once per principal and day (its
 * session's access key id and creation date hold for the day): most of a record's bytes, and most of
 * the time JSON.stringify took, at a million records.
 */
export function recordText(spec: RequestSpec, eventTime: string, rnd: Random, identities: Map<string, string>): string {
  const k = `${principalKey(spec.principal)}|${eventTime.slice(0, 10)}`;
  let identity = identities.get(k);
  if (identity === undefined) identities.set(k, (identity = JSON.stringify(userIdentity(spec.principal, rnd, eventTime))));
  return `{"eventVersion":"1.11","userIdentity":${identity},${JSON.stringify(recordBody(spec, eventTime, rnd)).slice(1)}`;
}

function principalKey(p: Principal): string {
  switch (p.kind) {
    case 'role':
      return `r|${p.account}|${p.path}${p.name}|${p.session}|${p.mfa === true}`;
    case 'user':
      return `u|${p.account}|${p.name}`;
    case 'root':
      return `x|${p.account}`;
    case 'service':
      return `s|${p.service}`;
    case 'account':
      return `a|${p.account}|${p.role}`;
  }
}

function recordBody(spec: RequestSpec, eventTime: string, rnd: Random): CloudTrailRecord {
  const r: CloudTrailRecord = {
    eventTime,
    eventSource: spec.eventSource,
    eventName: spec.eventName,
    awsRegion: spec.region,
    sourceIPAddress: spec.sourceIp ?? (spec.principal.kind === 'service' ? spec.principal.service : `198.51.100.${1 + rnd.int(250)}`),
    userAgent: spec.userAgent ?? (spec.principal.kind === 'service' ? spec.principal.service : rnd.pick(USER_AGENTS)),
  };
  if (spec.errorCode) {
    r.errorCode = spec.errorCode;
    r.errorMessage = spec.errorMessage;
  }
  r.requestParameters = spec.requestParameters ?? null;
  r.responseElements = null;
  if (spec.additionalEventData) r.additionalEventData = spec.additionalEventData;
  r.requestID = rnd.upper(16);
  r.eventID = rnd.uuid();
  r.readOnly = spec.readOnly;
  if (spec.resources) r.resources = spec.resources;
  r.eventType = spec.eventType ?? 'AwsApiCall';
  r.managementEvent = spec.category === 'Management';
  r.recipientAccountId = spec.recipient;
  if (spec.sharedEventID) r.sharedEventID = spec.sharedEventID;
  r.eventCategory = spec.category;
  if (spec.tls) r.tlsDetails = { tlsVersion: spec.tls, cipherSuite: CIPHER[spec.tls] ?? 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: hostOf(spec) };
  return r;
}

function hostOf(spec: RequestSpec): string {
  const service = spec.eventSource.replace(/\.amazonaws\.com$/, '');
  if (service === 's3' && spec.requestParameters && typeof spec.requestParameters.bucketName === 'string') return `${spec.requestParameters.bucketName}.s3.${spec.region}.amazonaws.com`;
  if (service === 'iam' || service === 'signin') return `${service}.amazonaws.com`;
  if (service === 'bedrock') return `bedrock-runtime.${spec.region}.amazonaws.com`;
  return `${service}.${spec.region}.amazonaws.com`;
}

function s3Object(principal: Principal, recipient: string, owner: string, bucket: string, key: string, eventName: 'GetObject' | 'PutObject', region: string, tls: string, extra: Partial<RequestSpec> = {}): RequestSpec {
  return {
    principal,
    eventSource: 's3.amazonaws.com',
    eventName,
    region,
    recipient,
    category: 'Data',
    readOnly: eventName === 'GetObject',
    requestParameters: { bucketName: bucket, Host: `${bucket}.s3.${region}.amazonaws.com`, key },
    additionalEventData: { SignatureVersion: 'SigV4', CipherSuite: CIPHER[tls], bytesTransferredIn: eventName === 'PutObject' ? 48213 : 0, AuthenticationMethod: 'AuthHeader', 'x-amz-id-2': 'EXAMPLE+id2/a1b2c3d4e5f6=', bytesTransferredOut: eventName === 'GetObject' ? 48213 : 0 },
    resources: [
      { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
      { accountId: owner, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
    ],
    tls,
    ...extra,
  };
}

const api = (principal: Principal, recipient: string, eventSource: string, eventName: string, region: string, readOnly: boolean, requestParameters: Record<string, unknown> | null, tls = 'TLSv1.3', extra: Partial<RequestSpec> = {}): RequestSpec => ({
  principal,
  eventSource,
  eventName,
  region,
  recipient,
  category: 'Management',
  readOnly,
  requestParameters,
  tls,
  ...extra,
});

// ---------------------------------------------------------------------------------------------------
// Background traffic: neutral to the example change.
// ---------------------------------------------------------------------------------------------------

/**
 * The background families. Each is neutral: decided the same (allowed) by the deployed and the
 * compiled policies, and decidable from the record (no unknown key a changed statement reads):
 * - Every record carries tlsDetails at TLS 1.2 or 1.3: aws:SecureTransport is true and s3:TlsVersion is
 *   at or above both floors (tls-minimum moves 1.1 -> 1.2). A record without tlsDetails would leave
 *   s3:TlsVersion unknown, which the change does touch.
 * - Only actions whose requests never carry aws:TagKeys (the service reference gives none of these the
 *   key): only-org-principals' SCP denies `*` on aws:TagKeys before and after, so a tagging request
 *   would be "may deny" on both sides. No s3 tagging (PutBucketTagging is newly denied), no iam:Create*,
 *   no bedrock (approved-bedrock-models, allowed-regions' Bedrock statement), no security-service writes.
 * - Only allowed Regions (allowed-regions is unchanged outside Bedrock, but a request outside them
 *   would be "already denied").
 * - Principals of the organization in their own account (or, for S3, cross-account inside the
 *   organization: aws:PrincipalOrgID is the org's), and outsiders only in PublicData, which
 *   only-org-principals excludes; no partner, no service principal (planted instead).
 * - Console sign-ins and a KMS key rotation service event: not authorization events at all.
 */
const principalsOf = new Map<string, Principal[]>();

function backgroundRequest(a: TrafficAccount, region: string, org: ExampleOrganization, rnd: Random): RequestSpec | RequestSpec[] {
  let principals = principalsOf.get(a.id);
  if (!principals) principalsOf.set(a.id, (principals = backgroundPrincipals(a)));
  const p = rnd.pick(principals);
  const tls = rnd.int(3) === 0 ? 'TLSv1.2' : 'TLSv1.3';
  const roll = rnd.int(100);
  const bucket = bucketOf(a);
  if (roll < 34) return s3Object(p, a.id, a.id, bucket, `${rnd.pick(['reports', 'exports', 'raw', 'tmp'])}/2026/${rnd.hex(8)}.json`, rnd.int(3) === 0 ? 'PutObject' : 'GetObject', region, tls);
  if (roll < 40) {
    // Cross-account inside the organization: the caller's copy and the owner's copy share an id.
    const others = org.accounts.filter((o) => o.id !== a.id && o.ou.split('/')[0] === a.ou.split('/')[0]);
    if (others.length > 0 && p.kind === 'role') {
      const owner = rnd.pick(others);
      const shared = rnd.uuid();
      const key = `shared/${rnd.hex(8)}.parquet`;
      return [
        s3Object(p, a.id, owner.id, bucketOf(owner), key, 'GetObject', region, tls, { sharedEventID: shared }),
        s3Object({ kind: 'account', account: a.id, role: p.session }, owner.id, owner.id, bucketOf(owner), key, 'GetObject', region, tls, { sharedEventID: shared }),
      ];
    }
  }
  if (roll < 48) return s3ListObjects(p, a, region, tls);
  if (roll < 56) return api(p, a.id, 'ec2.amazonaws.com', 'DescribeInstances', region, true, { instancesSet: {}, filterSet: {} }, tls);
  if (roll < 62) return api(p, a.id, 'sts.amazonaws.com', 'GetCallerIdentity', region, true, null, tls);
  if (roll < 68) return kmsDecrypt(p, a, region, tls);
  if (roll < 74) return dynamo(p, a, region, tls, rnd.int(2) === 0 ? 'GetItem' : 'PutItem');
  if (roll < 79) return sqsSend(p, a, region, tls);
  if (roll < 84) return api(p, a.id, 'lambda.amazonaws.com', 'Invoke', region, false, { functionName: `arn:aws:lambda:${region}:${a.id}:function:worker` }, tls, { category: 'Data', resources: [{ accountId: a.id, type: 'AWS::Lambda::Function', ARN: `arn:aws:lambda:${region}:${a.id}:function:worker` }] });
  if (roll < 88) return api(p, a.id, 'monitoring.amazonaws.com', 'PutMetricData', region, false, { namespace: 'App', metricData: [{ metricName: 'Latency' }] }, tls);
  if (roll < 92) return api(p, a.id, 'ssm.amazonaws.com', 'GetParameter', region, true, { name: '/app/config', withDecryption: false }, tls);
  if (roll < 95) return api(p, a.id, 'ecr.amazonaws.com', 'BatchGetImage', region, true, { repositoryName: 'app', registryId: a.id, imageIds: [{ imageTag: 'latest' }] }, tls, { resources: [{ accountId: a.id, ARN: `arn:aws:ecr:${region}:${a.id}:repository/app`, type: 'AWS::ECR::Repository' }] });
  if (roll < 98) return consoleLogin(a, rnd);
  return kmsRotation(a, region);
}

const s3ListObjects = (p: Principal, a: TrafficAccount, region: string, tls: string): RequestSpec => {
  const bucket = bucketOf(a);
  return { principal: p, eventSource: 's3.amazonaws.com', eventName: 'ListObjects', region, recipient: a.id, category: 'Data', readOnly: true, requestParameters: { bucketName: bucket, Host: `${bucket}.s3.${region}.amazonaws.com`, prefix: 'reports/', 'list-type': '2' }, resources: [{ accountId: a.id, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` }], tls };
};

const kmsDecrypt = (p: Principal, a: TrafficAccount, region: string, tls: string): RequestSpec => {
  const key = `arn:aws:kms:${region}:${a.id}:key/${hex8(a.id + region)}-1111-4222-8333-${hex8(region + a.id)}abcd`;
  return api(p, a.id, 'kms.amazonaws.com', 'Decrypt', region, true, { encryptionAlgorithm: 'SYMMETRIC_DEFAULT' }, tls, { resources: [{ accountId: a.id, type: 'AWS::KMS::Key', ARN: key }] });
};

const dynamo = (p: Principal, a: TrafficAccount, region: string, tls: string, op: 'GetItem' | 'PutItem'): RequestSpec => {
  const table = `arn:aws:dynamodb:${region}:${a.id}:table/orders`;
  return api(p, a.id, 'dynamodb.amazonaws.com', op, region, op === 'GetItem', { tableName: 'orders', key: { pk: 'HIDDEN_DUE_TO_SECURITY_REASONS' } }, tls, { category: 'Data', resources: [{ accountId: a.id, type: 'AWS::DynamoDB::Table', ARN: table }] });
};

const sqsSend = (p: Principal, a: TrafficAccount, region: string, tls: string): RequestSpec => {
  const queue = `arn:aws:sqs:${region}:${a.id}:events`;
  return api(p, a.id, 'sqs.amazonaws.com', 'SendMessage', region, false, { queueUrl: `https://sqs.${region}.amazonaws.com/${a.id}/events` }, tls, { category: 'Data', resources: [{ accountId: a.id, type: 'AWS::SQS::Queue', ARN: queue }] });
};

/** AwsConsoleSignIn: global, logged in us-east-1; not an authorization event. */
const consoleLogin = (a: TrafficAccount, rnd: Random): RequestSpec => ({
  principal: sso(a.id, 'ReadOnlyAccess', 'maria.garcia@example.com'),
  eventSource: 'signin.amazonaws.com',
  eventName: 'ConsoleLogin',
  region: 'us-east-1',
  recipient: a.id,
  category: 'Management',
  readOnly: false,
  requestParameters: null,
  additionalEventData: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: rnd.int(2) === 0 ? 'Yes' : 'No' },
  tls: 'TLSv1.3',
  eventType: 'AwsConsoleSignIn',
});

/** An AwsServiceEvent (KMS rotates a key): AWS acting on its own, not an authorization event. */
const kmsRotation = (a: TrafficAccount, region: string): RequestSpec => ({
  principal: { kind: 'service', service: 'kms.amazonaws.com' },
  eventSource: 'kms.amazonaws.com',
  eventName: 'RotateKey',
  region,
  recipient: a.id,
  category: 'Management',
  readOnly: false,
  requestParameters: null,
  additionalEventData: { keyId: `${hex8(a.id)}-1111-4222-8333-${hex8(region)}abcd` },
  resources: [{ accountId: a.id, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:${region}:${a.id}:key/${hex8(a.id)}-1111-4222-8333-${hex8(region)}abcd` }],
  tls: null,
  sourceIp: 'AWS Internal',
  userAgent: 'AWS Internal',
  eventType: 'AwsServiceEvent',
});

// ---------------------------------------------------------------------------------------------------
// Planted cases: the known answers for the example change.
// ---------------------------------------------------------------------------------------------------

/** How one side (deployed or compiled policies) decides a request: `may-deny` when it depends on `keys`. */
export type SideDecision = 'allow' | 'deny' | 'may-deny';

/**
 * The verdict of a planted case, from its two sides: deny after and not before -> newly-denied
 * (`may-deny` before counts as not denied: the deny is certain only now); deny on both ->
 * already-denied; may-deny after and allow before -> may-deny; may-deny on both sides, through the
 * same unknown key -> may-deny-before-and-after (never newly denied; whether a report lists it is the
 * report's choice); allow on both -> not-denied (a decoy).
 */
export type Verdict = 'newly-denied' | 'newly-allowed' | 'may-deny' | 'already-denied' | 'not-denied' | 'may-deny-before-and-after';

/** What the engine is asked to check a case with (test/impact/traffic/known-answers.test.ts). */
export interface EngineQuestion {
  /** The principal as buildRequest takes it: a role's IAM ARN (with its path), a user, root, or a service principal. */
  principal: string;
  principalAccount?: string;
  isAwsService?: boolean;
  action: string;
  /** Every resource the request is authorized against (a Bedrock profile call: the profile, then the model). */
  resources: string[];
  resourceAccount?: string;
  region: string;
  context: Record<string, string | number | boolean | string[]>;
  /** Keys CloudTrail does not carry: the case is decided for each of these values (absent among them). */
  unknown?: { key: string; values: (string | string[])[] };
}

export interface PlantedCase {
  id: string;
  verdict: Verdict;
  /** The control whose change the case exercises (for a decoy, the control it stays clear of). */
  control: string;
  /** Which policies decide: the principal's SCPs or the resource owner's RCPs. */
  policyType: 'scp' | 'rcp';
  /** The account the finding is in: the principal's for an SCP, the resource owner's for an RCP. */
  account: string;
  /** aws:PrincipalArn as a reader derives it (sessionIssuer.arn), or null when the deciding copy has none (AWSAccount, AWSService). */
  principalArn: string | null;
  principalType: string;
  principalAccount: string | null;
  action: string;
  eventSource: string;
  eventName: string;
  region: string;
  before: SideDecision;
  after: SideDecision;
  /** The keys a may-deny depends on (on either side). */
  unknownKeys: string[];
  why: string;
  /** What tells this case's records from another case of the same account, principal, event and Region. */
  match?: { tlsVersion?: string[]; modelId?: string[] };
  engine: EngineQuestion;
  /** Whether the case fires on day `d` (0-based) and how many times. */
  perDay: (day: number) => number;
  /** The copies of one request (one, or the caller's and the owner's for a cross-account call). */
  copies: (rnd: Random, n: number) => RequestSpec[];
}

const GENAI_LAB = '444444444401';
const SANDBOX = '666666666601';
const PAYMENTS_PROD = '333333333301';
const WEB_PROD = '333333333302';
const PAYMENTS_DEV = '333333333333';
const WEB_DEV = '333333333334';
const LOG_ARCHIVE = '222222222202';
const OPEN_DATASETS = '555555555501';
const MANAGEMENT = '111111111111';
const ORG_ID = 'o-exmpl12345';
const TAG_KEYS = { key: 'aws:TagKeys', values: [[], ['dp:exclude:identity'], ['partner-access-exception'], ['team']] };
const daily = (n: number) => () => n;
const every = (days: number, n = 1) => (d: number) => (d % days === 0 ? n : 0);

const bedrockModelArn = (region: string, model: string) => `arn:aws:bedrock:${region}::foundation-model/${model}`;
const profileArn = (region: string, account: string, profile: string) => `arn:aws:bedrock:${region}:${account}:inference-profile/${profile}`;

function invokeModel(p: Principal, account: string, region: string, modelId: string, inferenceRegion?: string): RequestSpec {
  return api(p, account, 'bedrock.amazonaws.com', 'InvokeModel', region, true, { modelId }, 'TLSv1.3', inferenceRegion ? { additionalEventData: { inferenceRegion } } : {});
}

/** The engine question of an InvokeModel: direct (the model), or through a profile (the profile, then the model where it runs). */
function invokeQuestion(principal: string, account: string, region: string, modelId: string, inferenceRegion?: string): EngineQuestion {
  const profile = /^(us|eu|apac|global|au|jp|ca)\./.exec(modelId);
  const model = profile ? modelId.slice(profile[0].length) : modelId;
  const resources = profile ? [profileArn(region, account, modelId), bedrockModelArn(inferenceRegion ?? region, model)] : [bedrockModelArn(region, model)];
  const context: EngineQuestion['context'] = { 'aws:SecureTransport': true };
  if (profile) context['bedrock:InferenceProfileArn'] = profileArn(region, account, modelId);
  return { principal, action: 'bedrock:InvokeModel', resources, region, context, unknown: TAG_KEYS };
}

function s3Question(principal: string, action: string, resource: string, owner: string, region: string, tls: string, extra: Partial<EngineQuestion> = {}): EngineQuestion {
  return { principal, action, resources: [resource], resourceAccount: owner, region, context: { 'aws:SecureTransport': true, 's3:TlsVersion': Number(tls.replace('TLSv', '').replace(/^1$/, '1.0')) }, ...extra };
}

const scpDeniedMessage = (sessionArn: string, action: string, resource: string, policyId: string | null) =>
  `User: ${sessionArn} is not authorized to perform: ${action} on resource: ${resource} with an explicit deny in a service control policy${policyId ? `: arn:aws:organizations::${MANAGEMENT}:policy/${ORG_ID}/service_control_policy/${policyId}` : ''}`;
const rcpDeniedMessage = (sessionArn: string, action: string, resource: string, policyId: string | null) =>
  `User: ${sessionArn} is not authorized to perform: ${action} on resource: "${resource}" with an explicit deny in a resource control policy${policyId ? `: arn:aws:organizations::${MANAGEMENT}:policy/${ORG_ID}/resource_control_policy/${policyId}` : ''}`;
const sessionArnOf = (p: Principal & { kind: 'role' }) => `arn:aws:sts::${p.account}:assumed-role/${p.name}/${p.session}`;

function caseFor(c: Omit<PlantedCase, 'principalArn' | 'principalType' | 'principalAccount'> & { principal: Principal }): PlantedCase {
  const { principal, ...rest } = c;
  const type = { role: 'AssumedRole', user: 'IAMUser', root: 'Root', service: 'AWSService', account: 'AWSAccount' }[principal.kind];
  const account = principal.kind === 'service' ? null : principal.account;
  return { ...rest, principalArn: principalArn(principal), principalType: type, principalAccount: account };
}

const legacyEtl = role(PAYMENTS_PROD, 'legacy-etl', '/', 'etl-nightly');
const publisher = role(OPEN_DATASETS, 'data-publisher', '/', 'publisher');
const genaiApp = (account: string) => role(account, 'genai-app', '/', 'i-0f9e8d7c6b5a40312');
const webDevPowerUser = sso(WEB_DEV, 'PowerUserAccess', 'li.wei@example.com');
const pathedBreakGlass = role(PAYMENTS_PROD, 'BreakGlass', '/emergency/', 'incident-4711');
const breakGlass = (account: string) => role(account, 'BreakGlass', '/', 'incident-4711');
const devApp = role(PAYMENTS_DEV, 'app', '/', 'i-0a1b2c3d4e5f60718');
const webProdApp = role(WEB_PROD, 'app', '/', 'i-0a1b2c3d4e5f60718');
const platformAdmin = role(GENAI_LAB, 'GenAIPlatformAdmin', '/', 'model-eval');
const managementAutomation = role(MANAGEMENT, 'platform-automation', '/', 'automation');
const macieSlr = role(PAYMENTS_PROD, 'AWSServiceRoleForAmazonMacie', '/aws-service-role/macie.amazonaws.com/', 'macie-classification');
const partnerShipper: Principal = { kind: 'account', account: TRUSTED_PARTNER, role: 'log-shipper' };
const LOG_BUCKET = 'log-archive-data-2202';
const keyOf = (rnd: Random) => `in/2026/${rnd.hex(12)}.csv`;

/**
 * Each case from the example change's diff (guardrails/org-snapshot.json against out/), checked with
 * the engine in test/impact/traffic/known-answers.test.ts. InvokeModel carries aws:TagKeys in the
 * service reference, and only-org-principals' SCP denies `*` on aws:TagKeys before and after the
 * change: every InvokeModel in GenAI and Sandbox may be denied on both sides through that key.
 */
export const PLANTED: PlantedCase[] = [
  caseFor({
    id: 'tls-1.1-legacy-etl-payments-prod', verdict: 'newly-denied', control: 'tls-minimum', policyType: 'rcp', account: PAYMENTS_PROD, principal: legacyEtl,
    action: 's3:GetObject', eventSource: 's3.amazonaws.com', eventName: 'GetObject', region: 'us-east-1', before: 'allow', after: 'deny', unknownKeys: [],
    why: 'S3 over TLS 1.1: the floor moves from 1.1 to 1.2 (TlsMinimumS3TlsVersion)',
    match: { tlsVersion: ['TLSv1.1'] },
    engine: s3Question(principalArn(legacyEtl)!, 's3:GetObject', 'arn:aws:s3:::payments-prod-data-3301/in/x.csv', PAYMENTS_PROD, 'us-east-1', 'TLSv1.1'),
    perDay: daily(6),
    copies: (rnd) => [s3Object(legacyEtl, PAYMENTS_PROD, PAYMENTS_PROD, 'payments-prod-data-3301', keyOf(rnd), 'GetObject', 'us-east-1', 'TLSv1.1')],
  }),
  caseFor({
    id: 'tls-1.1-publisher-public-data', verdict: 'newly-denied', control: 'tls-minimum', policyType: 'rcp', account: OPEN_DATASETS, principal: publisher,
    action: 's3:PutObject', eventSource: 's3.amazonaws.com', eventName: 'PutObject', region: 'us-east-1', before: 'allow', after: 'deny', unknownKeys: [],
    why: 'tls-minimum is attached at Root: PublicData, outside the identity perimeter, has the TLS floor too',
    engine: s3Question(principalArn(publisher)!, 's3:PutObject', 'arn:aws:s3:::open-datasets-data-5501/in/x.csv', OPEN_DATASETS, 'us-east-1', 'TLSv1.1'),
    perDay: daily(2),
    copies: (rnd) => [s3Object(publisher, OPEN_DATASETS, OPEN_DATASETS, 'open-datasets-data-5501', keyOf(rnd), 'PutObject', 'us-east-1', 'TLSv1.1')],
  }),
  caseFor({
    id: 'tls-1.1-trusted-partner-into-log-archive', verdict: 'newly-denied', control: 'tls-minimum', policyType: 'rcp', account: LOG_ARCHIVE, principal: partnerShipper,
    action: 's3:PutObject', eventSource: 's3.amazonaws.com', eventName: 'PutObject', region: 'us-east-1', before: 'allow', after: 'deny', unknownKeys: [],
    why: 'the trusted partner (only-org-principals lets it through) writes over TLS 1.1; only the owner\'s copy reaches the organization trail, with no ARN',
    engine: s3Question(`arn:aws:iam::${TRUSTED_PARTNER}:role/log-shipper`, 's3:PutObject', `arn:aws:s3:::${LOG_BUCKET}/in/x.csv`, LOG_ARCHIVE, 'us-east-1', 'TLSv1.1'),
    perDay: daily(3),
    copies: (rnd) => [s3Object(partnerShipper, LOG_ARCHIVE, LOG_ARCHIVE, LOG_BUCKET, keyOf(rnd), 'PutObject', 'us-east-1', 'TLSv1.1')],
  }),
  caseFor({
    id: 'unapproved-model-genai-lab', verdict: 'newly-denied', control: 'approved-bedrock-models', policyType: 'scp', account: GENAI_LAB, principal: genaiApp(GENAI_LAB),
    action: 'bedrock:InvokeModel', eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', region: 'us-east-1', before: 'may-deny', after: 'deny', unknownKeys: ['aws:TagKeys'],
    why: `a model not on the list (${UNAPPROVED_MODEL}), called directly: the new approved-bedrock-models denies it`,
    match: { modelId: [UNAPPROVED_MODEL] },
    engine: invokeQuestion(principalArn(genaiApp(GENAI_LAB))!, GENAI_LAB, 'us-east-1', UNAPPROVED_MODEL),
    perDay: daily(4),
    copies: () => [invokeModel(genaiApp(GENAI_LAB), GENAI_LAB, 'us-east-1', UNAPPROVED_MODEL)],
  }),
  caseFor({
    id: 'unapproved-model-sandbox', verdict: 'newly-denied', control: 'approved-bedrock-models', policyType: 'scp', account: SANDBOX, principal: genaiApp(SANDBOX),
    action: 'bedrock:InvokeModel', eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', region: 'us-west-2', before: 'may-deny', after: 'deny', unknownKeys: ['aws:TagKeys'],
    why: 'the same unapproved model from the Sandbox OU, which approved-bedrock-models reaches too',
    engine: invokeQuestion(principalArn(genaiApp(SANDBOX))!, SANDBOX, 'us-west-2', UNAPPROVED_MODEL),
    perDay: daily(2),
    copies: () => [invokeModel(genaiApp(SANDBOX), SANDBOX, 'us-west-2', UNAPPROVED_MODEL)],
  }),
  caseFor({
    id: 'apac-profile-from-ap-southeast-2', verdict: 'newly-denied', control: 'allowed-regions', policyType: 'scp', account: GENAI_LAB, principal: genaiApp(GENAI_LAB),
    action: 'bedrock:InvokeModel', eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', region: 'ap-southeast-2', before: 'may-deny', after: 'deny', unknownKeys: ['aws:TagKeys'],
    why: 'an approved model through an apac. profile called in ap-southeast-2: AllowedRegionsBedrockCrossRegionInference now exempts only us. and eu. profiles',
    engine: invokeQuestion(principalArn(genaiApp(GENAI_LAB))!, GENAI_LAB, 'ap-southeast-2', `apac.${APPROVED_MODELS[0]}`, 'ap-northeast-1'),
    perDay: daily(1),
    copies: () => [invokeModel(genaiApp(GENAI_LAB), GENAI_LAB, 'ap-southeast-2', `apac.${APPROVED_MODELS[0]}`, 'ap-northeast-1')],
  }),
  caseFor({
    id: 'service-specific-credential-web-dev', verdict: 'newly-denied', control: 'no-long-term-credentials', policyType: 'scp', account: WEB_DEV, principal: webDevPowerUser,
    action: 'iam:CreateServiceSpecificCredential', eventSource: 'iam.amazonaws.com', eventName: 'CreateServiceSpecificCredential', region: 'us-east-1', before: 'allow', after: 'deny', unknownKeys: [],
    why: 'added to no-long-term-credentials; the caller is an IAM Identity Center role (pathed AWSReservedSSO_*)',
    engine: { principal: principalArn(webDevPowerUser)!, action: 'iam:CreateServiceSpecificCredential', resources: [`arn:aws:iam::${WEB_DEV}:user/svc-codecommit`], region: 'us-east-1', context: { 'aws:SecureTransport': true } },
    perDay: every(7),
    copies: () => [api(webDevPowerUser, WEB_DEV, 'iam.amazonaws.com', 'CreateServiceSpecificCredential', 'us-east-1', false, { userName: 'svc-codecommit', serviceName: 'codecommit.amazonaws.com' })],
  }),
  caseFor({
    id: 'service-specific-credential-pathed-breakglass', verdict: 'newly-denied', control: 'no-long-term-credentials', policyType: 'scp', account: PAYMENTS_PROD, principal: pathedBreakGlass,
    action: 'iam:CreateServiceSpecificCredential', eventSource: 'iam.amazonaws.com', eventName: 'CreateServiceSpecificCredential', region: 'us-east-1', before: 'allow', after: 'deny', unknownKeys: [],
    why: 'role/emergency/BreakGlass is not role/BreakGlass: the exception names the unpathed role, so a reader must keep the path (sessionIssuer.arn)',
    engine: { principal: principalArn(pathedBreakGlass)!, action: 'iam:CreateServiceSpecificCredential', resources: [`arn:aws:iam::${PAYMENTS_PROD}:user/svc-codecommit`], region: 'us-east-1', context: { 'aws:SecureTransport': true } },
    perDay: every(10),
    copies: () => [api(pathedBreakGlass, PAYMENTS_PROD, 'iam.amazonaws.com', 'CreateServiceSpecificCredential', 'us-east-1', false, { userName: 'svc-codecommit', serviceName: 'codecommit.amazonaws.com' })],
  }),
  caseFor({
    id: 'put-bucket-tagging-payments-dev', verdict: 'newly-denied', control: 'only-org-principals', policyType: 'scp', account: PAYMENTS_DEV, principal: devApp,
    action: 's3:PutBucketTagging', eventSource: 's3.amazonaws.com', eventName: 'PutBucketTagging', region: 'us-east-1', before: 'allow', after: 'deny', unknownKeys: [],
    why: 'PutBucketTagging carries no aws:TagKeys, so the new OnlyOrgPrincipalsProtectExceptionTagUnconstrained (SCP) and ...UnconstrainedRcp (RCP) reserve it to SecurityAdmin',
    engine: s3Question(principalArn(devApp)!, 's3:PutBucketTagging', 'arn:aws:s3:::payments-dev-data-3333', PAYMENTS_DEV, 'us-east-1', 'TLSv1.3'),
    perDay: every(3),
    copies: () => [api(devApp, PAYMENTS_DEV, 's3.amazonaws.com', 'PutBucketTagging', 'us-east-1', false, { bucketName: 'payments-dev-data-3333', Host: 'payments-dev-data-3333.s3.us-east-1.amazonaws.com', tagging: '', Tagging: { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/', TagSet: { Tag: { Key: 'cost-center', Value: 'payments' } } } }, 'TLSv1.3', { resources: [{ accountId: PAYMENTS_DEV, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::payments-dev-data-3333' }] })],
  }),
  caseFor({
    id: 'tls-1.0-web-prod-app', verdict: 'already-denied', control: 'tls-minimum', policyType: 'rcp', account: WEB_PROD, principal: webProdApp,
    action: 's3:GetObject', eventSource: 's3.amazonaws.com', eventName: 'GetObject', region: 'us-east-1', before: 'deny', after: 'deny', unknownKeys: [],
    why: 'TLS 1.0 is below both floors; the records carry the RCP AccessDenied message, half of them naming the policy (p-00000003)',
    engine: s3Question(principalArn(webProdApp)!, 's3:GetObject', 'arn:aws:s3:::web-prod-data-3302/in/x.csv', WEB_PROD, 'us-east-1', 'TLSv1'),
    perDay: daily(2),
    copies: (rnd, n) => {
      const key = keyOf(rnd);
      return [s3Object(webProdApp, WEB_PROD, WEB_PROD, 'web-prod-data-3302', key, 'GetObject', 'us-east-1', 'TLSv1', { errorCode: 'AccessDenied', errorMessage: rcpDeniedMessage(sessionArnOf(webProdApp as Principal & { kind: 'role' }), 's3:GetObject', `arn:aws:s3:::web-prod-data-3302/${key}`, n % 2 === 0 ? null : 'p-00000003') })];
    },
  }),
  caseFor({
    id: 'run-instances-eu-west-1', verdict: 'already-denied', control: 'allowed-regions', policyType: 'scp', account: PAYMENTS_DEV, principal: devApp,
    action: 'ec2:RunInstances', eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', region: 'eu-west-1', before: 'deny', after: 'deny', unknownKeys: [],
    why: 'eu-west-1 is outside allowed-regions before and after; EC2 wraps the SCP message with an encoded authorization failure, half of them naming the policy (p-00000004)',
    engine: { principal: principalArn(devApp)!, action: 'ec2:RunInstances', resources: [`arn:aws:ec2:eu-west-1:${PAYMENTS_DEV}:instance/*`], region: 'eu-west-1', context: { 'aws:SecureTransport': true }, unknown: TAG_KEYS },
    perDay: daily(1),
    copies: (rnd, n) => [
      api(devApp, PAYMENTS_DEV, 'ec2.amazonaws.com', 'RunInstances', 'eu-west-1', false, { instancesSet: { items: [{ imageId: 'ami-0abcdef1234567890', minCount: 1, maxCount: 1 }] }, instanceType: 't3.micro' }, 'TLSv1.3', {
        errorCode: 'Client.UnauthorizedOperation',
        errorMessage: `You are not authorized to perform this operation. ${scpDeniedMessage(sessionArnOf(devApp as Principal & { kind: 'role' }), 'ec2:RunInstances', `arn:aws:ec2:eu-west-1:${PAYMENTS_DEV}:instance/*`, n % 2 === 0 ? null : 'p-00000004')}. Encoded authorization failure message: ${rnd.hex(64)}`,
      }),
    ],
  }),
  caseFor({
    id: 'management-tags-member-queue', verdict: 'may-deny', control: 'only-org-principals', policyType: 'rcp', account: PAYMENTS_PROD, principal: { kind: 'account', account: MANAGEMENT, role: 'automation' },
    action: 'sqs:TagQueue', eventSource: 'sqs.amazonaws.com', eventName: 'TagQueue', region: 'us-east-1', before: 'allow', after: 'may-deny', unknownKeys: ['aws:TagKeys'],
    why: 'the management account (no SCP applies) tags a queue of payments-prod: the new OnlyOrgPrincipalsProtectResourceExceptionTagRcp denies it if the tag keys include dp:exclude:identity, which CloudTrail does not say; two copies share a sharedEventID, the owner\'s decides the RCP',
    engine: { principal: principalArn(managementAutomation)!, action: 'sqs:TagQueue', resources: [`arn:aws:sqs:us-east-1:${PAYMENTS_PROD}:events`], resourceAccount: PAYMENTS_PROD, region: 'us-east-1', context: { 'aws:SecureTransport': true }, unknown: TAG_KEYS },
    perDay: daily(1),
    copies: (rnd) => {
      const shared = rnd.uuid();
      const params = { queueUrl: `https://sqs.us-east-1.amazonaws.com/${PAYMENTS_PROD}/events`, tags: { team: 'payments' } };
      const resources = [{ accountId: PAYMENTS_PROD, type: 'AWS::SQS::Queue', ARN: `arn:aws:sqs:us-east-1:${PAYMENTS_PROD}:events` }];
      return [
        api(managementAutomation, MANAGEMENT, 'sqs.amazonaws.com', 'TagQueue', 'us-east-1', false, params, 'TLSv1.3', { sharedEventID: shared, resources }),
        api({ kind: 'account', account: MANAGEMENT, role: 'automation' }, PAYMENTS_PROD, 'sqs.amazonaws.com', 'TagQueue', 'us-east-1', false, params, 'TLSv1.3', { sharedEventID: shared, resources }),
      ];
    },
  }),
  caseFor({
    id: 'decoy-tls-1.2-legacy-etl', verdict: 'not-denied', control: 'tls-minimum', policyType: 'rcp', account: PAYMENTS_PROD, principal: legacyEtl,
    action: 's3:GetObject', eventSource: 's3.amazonaws.com', eventName: 'GetObject', region: 'us-east-1', before: 'allow', after: 'allow', unknownKeys: [],
    why: 'the same principal and bucket as the TLS 1.1 case, at TLS 1.2 (and 1.3): at the new floor',
    match: { tlsVersion: ['TLSv1.2', 'TLSv1.3'] },
    engine: s3Question(principalArn(legacyEtl)!, 's3:GetObject', 'arn:aws:s3:::payments-prod-data-3301/in/x.csv', PAYMENTS_PROD, 'us-east-1', 'TLSv1.2'),
    perDay: daily(4),
    copies: (rnd, n) => [s3Object(legacyEtl, PAYMENTS_PROD, PAYMENTS_PROD, 'payments-prod-data-3301', keyOf(rnd), 'GetObject', 'us-east-1', n % 2 === 0 ? 'TLSv1.2' : 'TLSv1.3')],
  }),
  caseFor({
    id: 'decoy-management-account-tls-1.1', verdict: 'not-denied', control: 'tls-minimum', policyType: 'rcp', account: MANAGEMENT, principal: managementAutomation,
    action: 's3:GetObject', eventSource: 's3.amazonaws.com', eventName: 'GetObject', region: 'us-east-1', before: 'allow', after: 'allow', unknownKeys: [],
    why: "RCPs do not apply to the management account's resources (nor SCPs to its principals)",
    engine: s3Question(principalArn(managementAutomation)!, 's3:GetObject', 'arn:aws:s3:::management-data-1111/in/x.csv', MANAGEMENT, 'us-east-1', 'TLSv1.1'),
    perDay: daily(2),
    copies: (rnd) => [s3Object(managementAutomation, MANAGEMENT, MANAGEMENT, 'management-data-1111', keyOf(rnd), 'GetObject', 'us-east-1', 'TLSv1.1')],
  }),
  caseFor({
    id: 'decoy-service-linked-role-tls-1.1', verdict: 'not-denied', control: 'tls-minimum', policyType: 'rcp', account: PAYMENTS_PROD, principal: macieSlr,
    action: 's3:GetObject', eventSource: 's3.amazonaws.com', eventName: 'GetObject', region: 'us-east-1', before: 'allow', after: 'allow', unknownKeys: [],
    why: 'RCPs do not apply to calls by service-linked roles (role/aws-service-role/...)',
    engine: s3Question(principalArn(macieSlr)!, 's3:GetObject', 'arn:aws:s3:::payments-prod-data-3301/in/x.csv', PAYMENTS_PROD, 'us-east-1', 'TLSv1.1'),
    perDay: every(2),
    copies: (rnd) => [s3Object(macieSlr, PAYMENTS_PROD, PAYMENTS_PROD, 'payments-prod-data-3301', keyOf(rnd), 'GetObject', 'us-east-1', 'TLSv1.1', { userAgent: 'macie.amazonaws.com', sourceIp: 'macie.amazonaws.com' })],
  }),
  caseFor({
    id: 'decoy-breakglass-eu-west-1', verdict: 'not-denied', control: 'allowed-regions', policyType: 'scp', account: PAYMENTS_PROD, principal: breakGlass(PAYMENTS_PROD),
    action: 'ec2:DescribeInstances', eventSource: 'ec2.amazonaws.com', eventName: 'DescribeInstances', region: 'eu-west-1', before: 'allow', after: 'allow', unknownKeys: [],
    why: 'role/BreakGlass is excepted from allowed-regions, before and after',
    engine: { principal: principalArn(breakGlass(PAYMENTS_PROD))!, action: 'ec2:DescribeInstances', resources: ['*'], region: 'eu-west-1', context: { 'aws:SecureTransport': true } },
    perDay: every(5, 2),
    copies: () => [api(breakGlass(PAYMENTS_PROD), PAYMENTS_PROD, 'ec2.amazonaws.com', 'DescribeInstances', 'eu-west-1', true, { instancesSet: {}, filterSet: {} })],
  }),
  caseFor({
    id: 'decoy-breakglass-service-specific-credential', verdict: 'not-denied', control: 'no-long-term-credentials', policyType: 'scp', account: WEB_DEV, principal: breakGlass(WEB_DEV),
    action: 'iam:CreateServiceSpecificCredential', eventSource: 'iam.amazonaws.com', eventName: 'CreateServiceSpecificCredential', region: 'us-east-1', before: 'allow', after: 'allow', unknownKeys: [],
    why: 'role/BreakGlass is excepted from no-long-term-credentials',
    engine: { principal: principalArn(breakGlass(WEB_DEV))!, action: 'iam:CreateServiceSpecificCredential', resources: [`arn:aws:iam::${WEB_DEV}:user/svc-codecommit`], region: 'us-east-1', context: { 'aws:SecureTransport': true } },
    perDay: every(15),
    copies: () => [api(breakGlass(WEB_DEV), WEB_DEV, 'iam.amazonaws.com', 'CreateServiceSpecificCredential', 'us-east-1', false, { userName: 'svc-codecommit', serviceName: 'codecommit.amazonaws.com' })],
  }),
  caseFor({
    id: 'decoy-approved-model-direct', verdict: 'may-deny-before-and-after', control: 'approved-bedrock-models', policyType: 'scp', account: GENAI_LAB, principal: genaiApp(GENAI_LAB),
    action: 'bedrock:InvokeModel', eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', region: 'us-east-1', before: 'may-deny', after: 'may-deny', unknownKeys: ['aws:TagKeys'],
    why: 'an approved model, directly: approved-bedrock-models lets it through; only the aws:TagKeys statements of only-org-principals may deny, on both sides',
    match: { modelId: APPROVED_MODELS },
    engine: invokeQuestion(principalArn(genaiApp(GENAI_LAB))!, GENAI_LAB, 'us-east-1', APPROVED_MODELS[0]!),
    perDay: daily(8),
    copies: (_rnd, n) => [invokeModel(genaiApp(GENAI_LAB), GENAI_LAB, 'us-east-1', APPROVED_MODELS[n % 2]!)],
  }),
  caseFor({
    id: 'decoy-approved-model-us-profile', verdict: 'may-deny-before-and-after', control: 'allowed-regions', policyType: 'scp', account: SANDBOX, principal: genaiApp(SANDBOX),
    action: 'bedrock:InvokeModel', eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', region: 'us-east-1', before: 'may-deny', after: 'may-deny', unknownKeys: ['aws:TagKeys'],
    why: 'an approved model through a us. profile routed to us-west-2: allowed-regions still exempts us. profiles',
    engine: invokeQuestion(principalArn(genaiApp(SANDBOX))!, SANDBOX, 'us-east-1', `us.${APPROVED_MODELS[0]}`, 'us-west-2'),
    perDay: daily(3),
    copies: () => [invokeModel(genaiApp(SANDBOX), SANDBOX, 'us-east-1', `us.${APPROVED_MODELS[0]}`, 'us-west-2')],
  }),
  caseFor({
    id: 'decoy-eu-profile-from-eu-west-1', verdict: 'may-deny-before-and-after', control: 'allowed-regions', policyType: 'scp', account: GENAI_LAB, principal: genaiApp(GENAI_LAB),
    action: 'bedrock:InvokeModel', eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', region: 'eu-west-1', before: 'may-deny', after: 'may-deny', unknownKeys: ['aws:TagKeys'],
    why: 'an eu. profile called from eu-west-1 (not an allowed Region) stays exempt: the new exemption keeps eu.',
    engine: invokeQuestion(principalArn(genaiApp(GENAI_LAB))!, GENAI_LAB, 'eu-west-1', `eu.${APPROVED_MODELS[1]}`, 'eu-central-1'),
    perDay: every(2),
    copies: () => [invokeModel(genaiApp(GENAI_LAB), GENAI_LAB, 'eu-west-1', `eu.${APPROVED_MODELS[1]}`, 'eu-central-1')],
  }),
  caseFor({
    id: 'decoy-platform-admin-any-model', verdict: 'may-deny-before-and-after', control: 'approved-bedrock-models', policyType: 'scp', account: GENAI_LAB, principal: platformAdmin,
    action: 'bedrock:InvokeModel', eventSource: 'bedrock.amazonaws.com', eventName: 'InvokeModel', region: 'us-east-1', before: 'may-deny', after: 'may-deny', unknownKeys: ['aws:TagKeys'],
    why: 'GenAIPlatformAdmin is excepted from approved-bedrock-models: an unapproved model stays as it was',
    engine: invokeQuestion(principalArn(platformAdmin)!, GENAI_LAB, 'us-east-1', UNAPPROVED_MODEL),
    perDay: daily(1),
    copies: () => [invokeModel(platformAdmin, GENAI_LAB, 'us-east-1', UNAPPROVED_MODEL)],
  }),
  caseFor({
    id: 'cloudtrail-service-into-log-archive', verdict: 'may-deny-before-and-after', control: 'only-org-principals', policyType: 'rcp', account: LOG_ARCHIVE, principal: { kind: 'service', service: 'cloudtrail.amazonaws.com' },
    action: 's3:PutObject', eventSource: 's3.amazonaws.com', eventName: 'PutObject', region: 'us-east-1', before: 'may-deny', after: 'may-deny', unknownKeys: ['aws:SourceAccount'],
    why: 'CloudTrail (a service principal) delivers into log-archive; OnlyOrgPrincipalsConfusedDeputy reads aws:SourceAccount, which the record does not carry, on both sides alike',
    engine: { principal: 'cloudtrail.amazonaws.com', isAwsService: true, action: 's3:PutObject', resources: [`arn:aws:s3:::${LOG_BUCKET}/AWSLogs/x.json.gz`], resourceAccount: LOG_ARCHIVE, region: 'us-east-1', context: { 'aws:SecureTransport': true, 's3:TlsVersion': 1.2 }, unknown: { key: 'aws:SourceAccount', values: [[], '999999999999'] } },
    perDay: daily(12),
    copies: (rnd) => [s3Object({ kind: 'service', service: 'cloudtrail.amazonaws.com' }, LOG_ARCHIVE, LOG_ARCHIVE, LOG_BUCKET, `AWSLogs/${ORG_ID}/${PAYMENTS_PROD}/CloudTrail/us-east-1/2026/${rnd.hex(8)}.json.gz`, 'PutObject', 'us-east-1', 'TLSv1.2')],
  }),
];

// ---------------------------------------------------------------------------------------------------
// Malformed records: read, counted, never thrown on.
// ---------------------------------------------------------------------------------------------------

/** Records with fields of the wrong type, each planted `perDay` times a day in payments-dev, us-east-1. */
export const MALFORMED: { id: string; field: string; perDay: number; make: (good: CloudTrailRecord) => unknown }[] = [
  { id: 'event-time-not-a-string', field: 'eventTime', perDay: 1, make: (r) => ({ ...r, eventTime: 1767225600 }) },
  { id: 'user-identity-not-an-object', field: 'userIdentity', perDay: 1, make: (r) => ({ ...r, userIdentity: 'arn:aws:iam::333333333333:role/app' }) },
  { id: 'event-name-not-a-string', field: 'eventName', perDay: 1, make: (r) => ({ ...r, eventName: ['GetObject'] }) },
  { id: 'resources-not-an-array', field: 'resources', perDay: 1, make: (r) => ({ ...r, resources: { ARN: 'arn:aws:s3:::x' } }) },
  { id: 'record-not-an-object', field: 'Records[]', perDay: 1, make: () => null },
];

// ---------------------------------------------------------------------------------------------------
// Writing the month.
// ---------------------------------------------------------------------------------------------------

export interface TrafficOptions {
  seed?: number;
  /** Days of traffic from `start` (default 30). */
  days?: number;
  /** Background records a day over the whole organization (default 1,330: about 40,000 in 30 days). */
  eventsPerDay?: number;
  /** The first day, YYYY-MM-DD (default 2026-10-07). */
  start?: string;
  /** Only these accounts' folders are written (planted cases whose copies are elsewhere are dropped). */
  accounts?: string[];
  /** Delivery windows a day per account and Region (default 4: a file every 6 hours). */
  filesPerDay?: number;
  /** gzip level (default 1: readers do not care, and writing is not what tests measure). */
  gzipLevel?: number;
  /** Whether to plant the malformed records (default true). */
  malformed?: boolean;
}

export interface PlantedCount {
  case: PlantedCase;
  /** Requests planted (each counted once, whatever its copies). */
  events: number;
  /** Records written for them (a cross-account request has one per account folder written). */
  records: number;
  /** Records of the copy that decides the case (recipientAccountId == the case's account). */
  decidingRecords: number;
  firstSeen: string | null;
  lastSeen: string | null;
}

export interface TrafficResult {
  /** The folder holding AWSLogs/. */
  dir: string;
  orgId: string;
  /** Log files written (relative to dir), sorted; digests not included. */
  files: string[];
  digestFiles: string[];
  planted: PlantedCount[];
  malformed: { id: string; field: string; records: number }[];
  totals: {
    /** Every entry of every Records array. */
    records: number;
    /** Records whose eventType is not AwsApiCall (console sign-ins, service events). */
    notAuthorization: number;
    malformed: number;
    /** Records with eventCategory Data. */
    dataEvents: number;
  };
  window: { since: string; until: string };
}

const DAY_MS = 86_400_000;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** YYYYMMDDTHHmmZ, as CloudTrail names its files. */
function fileStamp(ms: number): string {
  const s = new Date(ms).toISOString();
  return `${s.slice(0, 4)}${s.slice(5, 7)}${s.slice(8, 10)}T${s.slice(11, 13)}${s.slice(14, 16)}Z`;
}

interface Slot {
  account: string;
  region: string;
  window: number;
  records: { time: number; text: string }[];
}

/**
 * Writes the traffic under `dir` (AWSLogs/<o-id>/...) and returns what it wrote. Files are compressed
 * on libuv's thread pool (zlib's asynchronous gzip), a day at a time, so memory stays at one day.
 */
export async function generateCloudTrail(dir: string, options: TrafficOptions = {}): Promise<TrafficResult> {
  const seed = options.seed ?? 1;
  const days = options.days ?? 30;
  const perDay = options.eventsPerDay ?? 1330;
  const filesPerDay = options.filesPerDay ?? 4;
  const level = options.gzipLevel ?? 1;
  const start = Date.parse(`${options.start ?? '2026-10-07'}T00:00:00Z`);
  if (!Number.isFinite(start)) throw new Error(`bad start date: ${options.start}`);
  const org = exampleOrganization();
  const keep = options.accounts ? new Set(options.accounts) : undefined;
  const accounts = org.accounts.filter((a) => !keep || keep.has(a.id));
  const written = (account: string) => !keep || keep.has(account);
  const windowMs = DAY_MS / filesPerDay;
  const rnd = new Random(seed);
  const madeDirs = new Set<string>();
  const identities = new Map<string, string>();

  const files: string[] = [];
  const digestFiles: string[] = [];
  const counts = PLANTED.map((c): PlantedCount => ({ case: c, events: 0, records: 0, decidingRecords: 0, firstSeen: null, lastSeen: null }));
  const malformed = MALFORMED.map((m) => ({ id: m.id, field: m.field, records: 0 }));
  const totals = { records: 0, notAuthorization: 0, malformed: 0, dataEvents: 0 };
  const homes = new Map(org.accounts.map((a, i) => [a.id, homeRegions(a, i)]));

  for (let day = 0; day < days; day++) {
    const dayStart = start + day * DAY_MS;
    const slots = new Map<string, Slot>();
    const put = (spec: RequestSpec, time: number, override?: (r: CloudTrailRecord) => unknown): boolean => {
      if (!written(spec.recipient)) return false;
      const window = Math.floor((time - dayStart) / windowMs);
      const k = `${spec.recipient}|${spec.region}|${window}`;
      let slot = slots.get(k);
      if (!slot) slots.set(k, (slot = { account: spec.recipient, region: spec.region, window, records: [] }));
      const text = override ? JSON.stringify(override(record(spec, iso(time), rnd))) : recordText(spec, iso(time), rnd, identities);
      slot.records.push({ time, text });
      totals.records++;
      if (override) totals.malformed++;
      else {
        if (spec.eventType && spec.eventType !== 'AwsApiCall') totals.notAuthorization++;
        if (spec.category === 'Data') totals.dataEvents++;
      }
      return true;
    };
    const timeIn = () => dayStart + rnd.int(DAY_MS / 1000) * 1000;

    // Background: spread over the accounts and their two Regions.
    for (let i = 0; i < perDay; i++) {
      const a = accounts[i % accounts.length]!;
      const region = homes.get(a.id)![rnd.int(2)]!;
      const specs = backgroundRequest(a, region, org, rnd);
      const t = timeIn();
      for (const s of Array.isArray(specs) ? specs : [specs]) put(s, t);
    }
    // Planted cases.
    counts.forEach((count) => {
      const n = count.case.perDay(day);
      for (let i = 0; i < n; i++) {
        const t = timeIn();
        const copies = count.case.copies(rnd, count.events);
        let any = false;
        for (const spec of copies) {
          if (!put(spec, t)) continue;
          any = true;
          count.records++;
          if (spec.recipient === count.case.account) count.decidingRecords++;
        }
        if (!any) continue;
        count.events++;
        const at = iso(t);
        if (count.firstSeen === null || at < count.firstSeen) count.firstSeen = at;
        if (count.lastSeen === null || at > count.lastSeen) count.lastSeen = at;
      }
    });
    // Malformed records, in payments-dev's us-east-1 files.
    if (options.malformed !== false) {
      MALFORMED.forEach((m, i) => {
        for (let j = 0; j < m.perDay; j++) {
          const spec = s3Object(devApp, PAYMENTS_DEV, PAYMENTS_DEV, 'payments-dev-data-3333', keyOf(rnd), 'GetObject', 'us-east-1', 'TLSv1.3');
          if (put(spec, timeIn(), m.make)) malformed[i]!.records++;
        }
      });
    }

    // One file per slot, named for its delivery time (5 to 14 minutes after its window closes, so
    // the last window of a day is delivered in the next day's folder, as CloudTrail does).
    const ordered = [...slots.values()].sort((x, y) => (x.account + x.region + String(x.window).padStart(4, '0') < y.account + y.region + String(y.window).padStart(4, '0') ? -1 : 1));
    const jobs: Promise<void>[] = [];
    for (const slot of ordered) {
      slot.records.sort((x, y) => x.time - y.time);
      const delivered = dayStart + (slot.window + 1) * windowMs + (5 + rnd.int(10)) * 60_000;
      const folder = `AWSLogs/${org.orgId}/${slot.account}/CloudTrail/${slot.region}/${new Date(delivered).toISOString().slice(0, 10).replace(/-/g, '/')}`;
      const name = `${slot.account}_CloudTrail_${slot.region}_${fileStamp(delivered)}_${rnd.upper(16).replace(/[^A-Za-z0-9]/g, 'x')}.json.gz`;
      const rel = `${folder}/${name}`;
      files.push(rel);
      const text = `{"Records":[${slot.records.map((r) => r.text).join(',')}]}`;
      jobs.push(writeGz(path.join(dir, rel), text, level, madeDirs));
    }
    // A digest per account a day, in us-east-1's digest folder (CloudTrail writes them hourly per
    // Region; a few are enough for a reader to show it skips them): not log files.
    for (const a of accounts) {
      const at = dayStart + DAY_MS - 60_000;
      const rel = `AWSLogs/${org.orgId}/${a.id}/CloudTrail-Digest/us-east-1/${new Date(at).toISOString().slice(0, 10).replace(/-/g, '/')}/${a.id}_CloudTrail-Digest_us-east-1_organization-trail_us-east-1_${fileStamp(at).replace('Z', '00Z')}.json.gz`;
      digestFiles.push(rel);
      const digest = { awsAccountId: a.id, digestStartTime: iso(dayStart), digestEndTime: iso(at), digestS3Bucket: 'org-trail-logs', digestS3Object: rel, logFiles: [], digestPublicKeyFingerprint: rnd.hex(32), digestSignatureAlgorithm: 'SHA256withRSA' };
      jobs.push(writeGz(path.join(dir, rel), JSON.stringify(digest), level, madeDirs));
    }
    await Promise.all(jobs);
  }
  files.sort();
  digestFiles.sort();
  return { dir, orgId: org.orgId, files, digestFiles, planted: counts, malformed, totals, window: { since: iso(start), until: iso(start + days * DAY_MS) } };
}

async function writeGz(file: string, text: string, level: number, madeDirs: Set<string>): Promise<void> {
  const folder = path.dirname(file);
  if (!madeDirs.has(folder)) {
    fs.mkdirSync(folder, { recursive: true });
    madeDirs.add(folder);
  }
  const body = await gzip(text, { level });
  await fs.promises.writeFile(file, body);
}
