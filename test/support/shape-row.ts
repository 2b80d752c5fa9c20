import type { ShapeRow } from '../../src/impact/types.js';

/** The fields of a shape a record may leave out, left out: each test sets the ones it is about. */
export const ABSENT_FIELDS = {
  eventType: 'AwsApiCall',
  eventCategory: 'Management',
  principalId: null,
  sessionArn: null,
  invokedBy: null,
  sourceIp: null,
  vpcEndpointId: null,
  vpcEndpointAccountId: null,
  tlsVersion: null,
  userAgent: null,
  mfaAuthenticated: null,
  resourceArns: [],
  resourceAccount: null,
  modelId: null,
  inferenceRegion: null,
  passedRoleArn: null,
  errorCode: null,
  deniedBy: null,
  deniedByPolicy: null,
} as const satisfies Partial<ShapeRow>;

type Required = 'eventSource' | 'eventName' | 'awsRegion' | 'recipientAccountId' | 'principalType' | 'principalArn' | 'principalAccount' | 'events' | 'firstSeen' | 'lastSeen' | 'exampleEventId';

/** A ShapeRow from the fields that identify the request and its counts; the rest absent unless given. */
export function shapeRow(fields: Partial<ShapeRow> & Pick<ShapeRow, Required>): ShapeRow {
  return { ...ABSENT_FIELDS, resourceArns: [], ...fields };
}
