/**
 * One parsed CloudTrail record (untrusted: whoever writes the log files writes anything) -> the fields a
 * shape is made of. Every field is type-checked and length-capped; a record that does not fit is
 * `malformed` with a stable reason (counted per reason, never thrown, never half-read). Fields a shape
 * identifies a request by (ARNs, accounts, names) are refused past their cap rather than clipped, since a
 * clipped ARN would be another principal; free text read only approximately (userAgent) is clipped.
 * Field meanings: CloudTrail record contents (eventVersion 1.x) and the userIdentity element.
 */
import { isIP } from 'node:net';
import type { ShapeKeyFields } from './types.js';

/**
 * A record's fields before the projection: the shape's own (types.ts says what each is), with the record's
 * time and id, every resource with its account, and the error message still to be read.
 */
export interface RecordFields extends Omit<ShapeKeyFields, 'mfaAuthenticated' | 'resourceArns' | 'resourceAccount' | 'deniedBy' | 'deniedByPolicy'> {
  /** As recorded (ISO 8601, UTC), and in milliseconds since the epoch. */
  eventTime: string;
  eventTimeMs: number;
  eventId: string;
  mfaAuthenticated: 'true' | 'false' | null;
  resources: { arn: string; accountId: string | null }[];
  errorMessage: string | null;
}

export type RecordRead = { kind: 'event'; fields: RecordFields } | { kind: 'not-authorization' } | { kind: 'malformed'; reason: string };

/** Caps: far above what AWS writes (an ARN is at most 2048 characters), far below what would hurt. */
const CAP = { arn: 2048, name: 256, id: 256, message: 16_384, userAgent: 1024, resources: 1000 } as const;

const EVENT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const ACCOUNT = /^\d{12}$/;
/** `TLSv1.2`; `TLSv1` is TLS 1.0 (OpenSSL's name for it, which CloudTrail writes). */
const TLS_VERSION = /^TLSv(\d(?:\.\d)?)$/;
const SESSION_TYPES = new Set(['AssumedRole', 'FederatedUser']);
const NO_PRINCIPAL_ARN = new Set(['AWSAccount', 'AWSService']);

class Malformed {
  constructor(readonly reason: string) {}
}

/**
 * The record's fields. `pathAccount` is the account of the folder the log file was delivered to
 * (`AWSLogs/[o-id/]<account>/CloudTrail/...`): the owner's copy of a cross-account request may lack
 * recipientAccountId, and the folder says whose copy it is.
 */
export function readRecord(raw: unknown, pathAccount?: string): RecordRead {
  try {
    return read(raw, pathAccount);
  } catch (e) {
    if (e instanceof Malformed) return { kind: 'malformed', reason: e.reason };
    throw e;
  }
}

function read(raw: unknown, pathAccount: string | undefined): RecordRead {
  if (!isObject(raw)) throw new Malformed('not-an-object');
  const version = str(raw, 'eventVersion', CAP.id);
  if (version === null) throw new Malformed('missing:eventVersion');
  if (!/^1(?:\.\d+)?$/.test(version)) throw new Malformed('eventVersion-not-1');
  const eventType = str(raw, 'eventType', CAP.name);
  if (eventType !== null && eventType !== 'AwsApiCall') return { kind: 'not-authorization' };
  const eventTime = required(raw, 'eventTime', 64);
  const eventTimeMs = EVENT_TIME.test(eventTime) ? Date.parse(eventTime) : NaN;
  if (Number.isNaN(eventTimeMs)) throw new Malformed('invalid:eventTime');
  const identity = raw.userIdentity;
  if (!isObject(identity)) throw new Malformed(identity === undefined ? 'missing:userIdentity' : 'wrong-type:userIdentity');
  const principalType = required(identity, 'type', CAP.name, 'userIdentity.');
  const sessionContext = obj(identity, 'sessionContext', 'userIdentity.');
  const issuer = sessionContext && obj(sessionContext, 'sessionIssuer', 'userIdentity.sessionContext.');
  const attributes = sessionContext && obj(sessionContext, 'attributes', 'userIdentity.sessionContext.');
  const arn = str(identity, 'arn', CAP.arn, 'userIdentity.');
  const issuerArn = issuer && str(issuer, 'arn', CAP.arn, 'userIdentity.sessionContext.sessionIssuer.');
  const issuerType = issuer && str(issuer, 'type', CAP.name, 'userIdentity.sessionContext.sessionIssuer.');
  const recipient = str(raw, 'recipientAccountId', CAP.id) ?? pathAccount ?? null;
  if (recipient === null) throw new Malformed('missing:recipientAccountId');
  if (!ACCOUNT.test(recipient)) throw new Malformed('invalid:recipientAccountId');
  const principalAccount = str(identity, 'accountId', CAP.id, 'userIdentity.');
  const mfa = attributes ? str(attributes, 'mfaAuthenticated', 16, 'userIdentity.sessionContext.attributes.') : null;
  const tls = obj(raw, 'tlsDetails');
  const tlsVersion = tls ? str(tls, 'tlsVersion', 32, 'tlsDetails.') : null;
  const sourceAddress = str(raw, 'sourceIPAddress', CAP.name);
  const userAgent = clipped(raw, 'userAgent', CAP.userAgent);
  const parameters = obj(raw, 'requestParameters');
  const additional = obj(raw, 'additionalEventData');
  const passed = parameters ? (loose(parameters, 'roleArn', CAP.arn) ?? loose(parameters, 'role', CAP.arn)) : null;
  return {
    kind: 'event',
    fields: {
      eventSource: required(raw, 'eventSource', CAP.name),
      eventName: required(raw, 'eventName', CAP.name),
      eventType,
      eventCategory: str(raw, 'eventCategory', CAP.name),
      eventTime,
      eventTimeMs,
      eventId: required(raw, 'eventID', CAP.id),
      awsRegion: required(raw, 'awsRegion', CAP.name),
      recipientAccountId: recipient,
      principalType,
      principalArn: NO_PRINCIPAL_ARN.has(principalType) ? null : issuerType === 'Role' && issuerArn ? issuerArn : arn,
      principalAccount,
      principalId: str(identity, 'principalId', CAP.arn, 'userIdentity.'),
      sessionArn: SESSION_TYPES.has(principalType) ? arn : null,
      invokedBy: str(identity, 'invokedBy', CAP.name, 'userIdentity.'),
      sourceIp: sourceAddress !== null && isIP(sourceAddress) !== 0 ? sourceAddress : null,
      vpcEndpointId: str(raw, 'vpcEndpointId', CAP.name),
      vpcEndpointAccountId: str(raw, 'vpcEndpointAccountId', CAP.id),
      tlsVersion: tlsVersion === null ? null : tlsVersionOf(tlsVersion),
      userAgent,
      mfaAuthenticated: mfa === 'true' || mfa === 'false' ? mfa : null,
      resources: resourcesOf(raw),
      modelId: parameters ? loose(parameters, 'modelId', CAP.arn) : null,
      inferenceRegion: additional ? loose(additional, 'inferenceRegion', CAP.name) : null,
      passedRoleArn: passed !== null && passed.startsWith('arn:') ? passed : null,
      errorCode: str(raw, 'errorCode', CAP.name),
      errorMessage: clipped(raw, 'errorMessage', CAP.message),
    },
  };
}

function resourcesOf(raw: Record<string, unknown>): RecordFields['resources'] {
  const list = raw.resources;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Malformed('wrong-type:resources');
  if (list.length > CAP.resources) throw new Malformed('too-many:resources');
  const out: RecordFields['resources'] = [];
  for (const r of list) {
    if (!isObject(r)) throw new Malformed('wrong-type:resources[]');
    const arn = str(r, 'ARN', CAP.arn, 'resources[].');
    // Some services list a resource by type and account only: nothing to match a pattern against.
    if (arn !== null) out.push({ arn, accountId: str(r, 'accountId', CAP.id, 'resources[].') });
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string field, null when absent (or JSON null); the wrong type or past its cap is malformed. */
function str(o: Record<string, unknown>, key: string, cap: number, at = ''): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new Malformed(`wrong-type:${at}${key}`);
  if (v.length > cap) throw new Malformed(`too-long:${at}${key}`);
  return v;
}

function required(o: Record<string, unknown>, key: string, cap: number, at = ''): string {
  const v = str(o, key, cap, at);
  if (v === null || v === '') throw new Malformed(`missing:${at}${key}`);
  return v;
}

function obj(o: Record<string, unknown>, key: string, at = ''): Record<string, unknown> | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw new Malformed(`wrong-type:${at}${key}`);
  return v;
}

/** Free text read approximately: clipped, never refused. */
function clipped(o: Record<string, unknown>, key: string, cap: number): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new Malformed(`wrong-type:${key}`);
  return v.length > cap ? v.slice(0, cap) : v;
}

/**
 * A value inside requestParameters or additionalEventData: arbitrary JSON per API, so a value of
 * another type, or past its cap, says nothing (null) rather than making the record malformed.
 */
function loose(o: Record<string, unknown>, key: string, cap: number): string | null {
  const v = o[key];
  return typeof v === 'string' && v.length <= cap && v !== '' ? v : null;
}

function tlsVersionOf(raw: string): string | null {
  const v = TLS_VERSION.exec(raw)?.[1];
  return v === undefined ? null : v.includes('.') ? v : `${v}.0`;
}
