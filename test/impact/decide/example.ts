/** The example organization's deployment (guardrails/, out/, org-snapshot.json) loaded in-process, and hand-written shapes. */
import * as path from 'node:path';
import { loadDeployment } from '../../../src/cli/deployment.js';
import type { Deployment } from '../../../src/plan/deployment.js';
import type { ReferenceIndex } from '../../../src/reference/index.js';
import type { ShapeRow } from '../../../src/impact/types.js';
import { compiledExampleRepo, type ExampleRepo } from '../../support/example-repo.js';

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
    eventType: 'AwsApiCall',
    eventCategory: 'Management',
    awsRegion: 'us-east-1',
    recipientAccountId: account,
    principalType: 'AssumedRole',
    principalArn: `arn:aws:iam::${account}:role/app`,
    principalAccount: account,
    principalId: null,
    sessionArn: null,
    invokedBy: null,
    sourceIp: null,
    vpcEndpointId: null,
    vpcEndpointAccountId: null,
    tlsVersion: '1.3',
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
    events: 10,
    firstSeen: '2026-10-08T10:00:00Z',
    lastSeen: '2026-11-05T10:00:00Z',
    exampleEventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    ...over,
  };
}
