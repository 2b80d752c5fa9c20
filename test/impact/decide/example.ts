/** The example organization's deployment (guardrails/, out/, org-snapshot.json) loaded in-process, and hand-written shapes. */
import * as path from 'node:path';
import { loadDeployment } from '../../../src/cli/deployment.js';
import type { Deployment } from '../../../src/plan/deployment.js';
import type { ReferenceIndex } from '../../../src/reference/index.js';
import type { ShapeRow } from '../../../src/impact/types.js';
import { compiledExampleRepo, type ExampleRepo } from '../../support/example-repo.js';
import { ABSENT_FIELDS } from '../../support/shape-row.js';

/** The example compiled in a repository of its own (out/ is not committed), and its deployment as `diff` loads it. */
export async function exampleDeployment(): Promise<{ repo: ExampleRepo; deployment: Deployment; reference: ReferenceIndex }> {
  const repo = await compiledExampleRepo();
  let stderr = '';
  const io = { stdout: { write: () => true }, stderr: { write: (s: string) => ((stderr += s), true) }, env: { CI: 'true' }, cwd: repo.dir, now: () => Date.parse('2026-11-21T09:00:00Z') };
  const loaded = await loadDeployment([], { cache: repo.cache, out: 'out', org: path.join('guardrails', 'org-snapshot.json'), quiet: true }, io as never, 'impact');
  if (typeof loaded === 'number') throw new Error(stderr);
  return { repo, deployment: loaded.deployment, reference: loaded.ws.reference!.index };
}

let seq = 0;
/** A shape with the fields a call by a role in its own account has; `over` sets the rest. */
export function shape(over: Partial<ShapeRow> & Pick<ShapeRow, 'eventSource' | 'eventName'>): ShapeRow {
  const account = over.recipientAccountId ?? '333333333301';
  seq++;
  return {
    ...ABSENT_FIELDS,
    awsRegion: 'us-east-1',
    recipientAccountId: account,
    principalType: 'AssumedRole',
    principalArn: `arn:aws:iam::${account}:role/app`,
    principalAccount: account,
    tlsVersion: '1.3',
    resourceArns: [],
    events: 10,
    firstSeen: '2026-10-08T10:00:00Z',
    lastSeen: '2026-11-05T10:00:00Z',
    exampleEventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    ...over,
  };
}

const S3 = 's3.amazonaws.com';
const BEDROCK = 'bedrock.amazonaws.com';
const bucket = (account: string, name: string) => ({ resourceArns: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`], resourceAccount: account, recipientAccountId: account, eventCategory: 'Data' });

/** Planted shapes, by what the change must do to them. */
export const PLANTED: Record<string, ShapeRow> = {
  tls11Payments: shape({ eventSource: S3, eventName: 'GetObject', tlsVersion: '1.1', ...bucket('333333333301', 'payments-prod-data'), principalArn: 'arn:aws:iam::333333333301:role/legacy-etl', events: 1200 }),
  tls11PublicData: shape({ eventSource: S3, eventName: 'GetObject', tlsVersion: '1.1', ...bucket('555555555501', 'open-datasets'), principalArn: 'arn:aws:iam::555555555501:role/app', principalAccount: '555555555501', events: 40 }),
  partnerPutTls11: shape({ eventSource: S3, eventName: 'PutObject', tlsVersion: '1.1', ...bucket('222222222202', 'log-archive-access-logs'), principalType: 'AWSAccount', principalArn: null, principalAccount: '777777777701', events: 25 }),
  unapprovedModelGenai: shape({ eventSource: BEDROCK, eventName: 'InvokeModel', recipientAccountId: '444444444401', principalArn: 'arn:aws:iam::444444444401:role/genai-app', principalAccount: '444444444401', modelId: 'meta.llama3-70b-instruct-v1:0', events: 7 }),
  unapprovedModelSandbox: shape({ eventSource: BEDROCK, eventName: 'InvokeModel', recipientAccountId: '666666666601', principalArn: 'arn:aws:iam::666666666601:role/genai-app', principalAccount: '666666666601', modelId: 'meta.llama3-70b-instruct-v1:0', events: 3 }),
  apacProfile: shape({ eventSource: BEDROCK, eventName: 'InvokeModel', recipientAccountId: '444444444401', awsRegion: 'ap-southeast-2', principalArn: 'arn:aws:iam::444444444401:role/genai-app', principalAccount: '444444444401', modelId: 'apac.anthropic.claude-3-5-sonnet-20240620-v1:0', inferenceRegion: 'ap-northeast-1', events: 3 }),
  serviceCredential: shape({ eventSource: 'iam.amazonaws.com', eventName: 'CreateServiceSpecificCredential', recipientAccountId: '333333333334', principalArn: 'arn:aws:iam::333333333334:role/app', principalAccount: '333333333334', events: 4 }),
  putBucketTagging: shape({ eventSource: S3, eventName: 'PutBucketTagging', ...bucket('333333333301', 'payments-prod-data'), eventCategory: 'Management', events: 2 }),
  // Decoys: nothing changes for them.
  breakGlassCredential: shape({ eventSource: 'iam.amazonaws.com', eventName: 'CreateServiceSpecificCredential', recipientAccountId: '333333333334', principalArn: 'arn:aws:iam::333333333334:role/BreakGlass', principalAccount: '333333333334', events: 1 }),
  managementCredential: shape({ eventSource: 'iam.amazonaws.com', eventName: 'CreateServiceSpecificCredential', recipientAccountId: '111111111111', principalArn: 'arn:aws:iam::111111111111:role/app', principalAccount: '111111111111', events: 1 }),
  serviceLinkedRole: shape({ eventSource: 'iam.amazonaws.com', eventName: 'CreateServiceSpecificCredential', recipientAccountId: '333333333334', principalArn: 'arn:aws:iam::333333333334:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS', principalAccount: '333333333334', events: 1 }),
  tls12: shape({ eventSource: S3, eventName: 'GetObject', tlsVersion: '1.2', ...bucket('333333333301', 'payments-prod-data'), events: 900 }),
  approvedUsProfile: shape({ eventSource: BEDROCK, eventName: 'InvokeModel', recipientAccountId: '444444444401', principalArn: 'arn:aws:iam::444444444401:role/genai-app', principalAccount: '444444444401', modelId: 'us.anthropic.claude-3-5-sonnet-20240620-v1:0', inferenceRegion: 'us-west-2', events: 50 }),
  serviceIntoLogArchive: shape({ eventSource: S3, eventName: 'PutObject', ...bucket('222222222202', 'log-archive-trail'), principalType: 'AWSService', principalArn: null, principalAccount: null, invokedBy: 'cloudtrail.amazonaws.com', events: 500 }),
  // Already denied before the change.
  tls10: shape({ eventSource: S3, eventName: 'GetObject', tlsVersion: '1.0', ...bucket('333333333301', 'payments-prod-data'), errorCode: 'AccessDenied', deniedBy: 'rcp', events: 6 }),
  runInstancesEuWest1: shape({ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances', awsRegion: 'eu-west-1', errorCode: 'Client.UnauthorizedOperation', deniedBy: 'scp', events: 5 }),
  // May deny: the request may name the protected tag key dp:exclude:identity, which CloudTrail does not record.
  createTags: shape({ eventSource: 'ec2.amazonaws.com', eventName: 'CreateTags', events: 8 }),
};

