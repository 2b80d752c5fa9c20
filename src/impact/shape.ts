/**
 * A record's fields -> the shape it is counted under: only what some policy before or after the change
 * can read survives the projection (types.ts), so requests differing in nothing a policy reads are one
 * shape. The rules are the contract's (types.ts): the principal is the role (sessions collapse unless
 * projection.session), object keys are erased unless a pattern looks inside a bucket, resources sorted
 * and de-duplicated, TLS as `1.2`.
 */
import { deniedByOf } from './access-denied.js';
import type { RecordFields } from './record.js';
import type { Projection, ShapeKeyFields } from './types.js';

/** The object part of an S3 object ARN: `arn:aws:s3:::bucket/any/key` -> `arn:aws:s3:::bucket/*`. */
const S3_OBJECT = /^(arn:[^:]+:s3:::[^/]+\/).+$/;

export function shapeOf(f: RecordFields, projection: Projection): ShapeKeyFields {
  const arns = new Set<string>();
  const accounts = new Set<string>();
  for (const r of f.resources) {
    arns.add(projection.objectKeys ? r.arn : r.arn.replace(S3_OBJECT, '$1*'));
    if (r.accountId !== null) accounts.add(r.accountId);
  }
  return {
    eventSource: f.eventSource,
    eventName: f.eventName,
    eventType: f.eventType,
    eventCategory: f.eventCategory,
    awsRegion: f.awsRegion,
    recipientAccountId: f.recipientAccountId,
    principalType: f.principalType,
    principalArn: f.principalArn,
    principalAccount: f.principalAccount,
    principalId: projection.session ? f.principalId : null,
    sessionArn: projection.session ? f.sessionArn : null,
    invokedBy: f.invokedBy,
    sourceIp: projection.sourceIp ? f.sourceIp : null,
    vpcEndpointId: projection.vpcEndpoint ? f.vpcEndpointId : null,
    vpcEndpointAccountId: projection.vpcEndpoint ? f.vpcEndpointAccountId : null,
    tlsVersion: projection.tlsVersion ? f.tlsVersion : null,
    userAgent: projection.userAgent ? f.userAgent : null,
    mfaAuthenticated: projection.mfa ? f.mfaAuthenticated : null,
    resourceArns: [...arns].sort(),
    // One account when the resources name several is the smallest: deterministic in every engine.
    resourceAccount: accounts.size === 0 ? null : [...accounts].sort()[0]!,
    modelId: f.modelId,
    inferenceRegion: f.inferenceRegion,
    passedRoleArn: f.passedRoleArn,
    errorCode: f.errorCode,
    ...deniedByOf(f.errorMessage),
  };
}

/** Every key field, in this order, makes the key: the order is fixed here, not by an object's insertion. */
const KEY_FIELDS = [
  'eventSource', 'eventName', 'eventType', 'eventCategory', 'awsRegion', 'recipientAccountId', 'principalType', 'principalArn',
  'principalAccount', 'principalId', 'sessionArn', 'invokedBy', 'sourceIp', 'vpcEndpointId', 'vpcEndpointAccountId', 'tlsVersion',
  'userAgent', 'mfaAuthenticated', 'resourceArns', 'resourceAccount', 'modelId', 'inferenceRegion', 'passedRoleArn', 'errorCode',
  'deniedBy', 'deniedByPolicy',
] as const satisfies readonly (keyof ShapeKeyFields)[];

// Every field of ShapeKeyFields is in the key: a field added to the contract and not here fails to compile.
type Missing = Exclude<keyof ShapeKeyFields, (typeof KEY_FIELDS)[number]>;
const _allFields: Missing extends never ? true : Missing = true;
void _allFields;

/** A stable text identifying the shape: equal exactly when every key field is equal. */
export function shapeKey(s: ShapeKeyFields): string {
  return JSON.stringify(KEY_FIELDS.map((k) => s[k]));
}

/** The key fields of a row (a ShapeRow carries its counts too). */
export function keyFieldsOf(row: ShapeKeyFields): ShapeKeyFields {
  const out = {} as Record<string, unknown>;
  for (const k of KEY_FIELDS) out[k] = row[k];
  return out as unknown as ShapeKeyFields;
}
