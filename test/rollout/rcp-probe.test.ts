import { beforeAll, describe, expect, it } from 'vitest';
import { probeCanary, type IamApi } from '../../src/rollout/canary.js';
import { deployedRcpDecider, RcpProbeError } from '../../src/rollout/rcp-probe.js';
import type { DeployedPolicy } from '../../src/org/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { owned, stateOf } from '../support/org-state.js';
import { reference2026 } from '../support/reference.js';

let reference: ReferenceIndex;
beforeAll(async () => {
  reference = (await reference2026()).index;
});

const TREE = { Workloads: { ous: { Prod: { accounts: ['333333333333'] }, NonProd: { accounts: ['444444444444'] } } } };
const RCP_FULL: DeployedPolicy = {
  id: 'p-RCPFullAWSAccess',
  name: 'RCPFullAWSAccess',
  type: 'rcp',
  description: '',
  awsManaged: true,
  tags: {},
  content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }),
  targets: ['r-test', 'ou-workloads', 'ou-prod', 'ou-nonprod', '333333333333', '444444444444', '111111111111'],
};
/** Denies principals outside the organization access to S3 objects (an identity perimeter). */
const PERIMETER = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'Perimeter', Effect: 'Deny', Principal: '*', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*', Condition: { StringNotEqualsIfExists: { 'aws:PrincipalOrgID': 'o-test000000' } } }],
});
const OUTSIDER = 'arn:aws:iam::999999999999:role/partner';
const INSIDER = 'arn:aws:iam::444444444444:role/app';
const OBJECT = 'arn:aws:s3:::nonprod-data/key';

/** After the wave: the perimeter RCP attached to NonProd only. */
const afterWave = () => stateOf(TREE, [RCP_FULL, owned('guardrails-rcp-perimeter', PERIMETER, ['ou-nonprod'], 'rcp')]);

describe('RCP probes with the project\'s engine over the deployed RCPs', () => {
  it('denies an outsider the actions the RCP newly denies in the wave\'s account, and leaves others and other accounts alone', () => {
    const decide = deployedRcpDecider(afterWave(), { principal: OUTSIDER, resourceAccount: '444444444444' }, reference);
    expect(decide('s3:GetObject', OBJECT)).toMatchObject({ allowedByOrganizations: false, decision: 'explicitDeny' });
    expect(decide('s3:ListBucket', 'arn:aws:s3:::nonprod-data')).toMatchObject({ allowedByOrganizations: true, decision: 'allowed' });
    const prod = deployedRcpDecider(afterWave(), { principal: OUTSIDER, resourceAccount: '333333333333' }, reference);
    expect(prod('s3:GetObject', 'arn:aws:s3:::prod-data/key')).toMatchObject({ allowedByOrganizations: true });
    const inside = deployedRcpDecider(afterWave(), { principal: INSIDER, resourceAccount: '444444444444' }, reference);
    expect(inside('s3:GetObject', OBJECT)).toMatchObject({ allowedByOrganizations: true });
  });

  it('feeds probeCanary as local probes, labelled so, none of them sent to IAM', async () => {
    const sent: unknown[] = [];
    const iam: IamApi = { send: async (c) => (sent.push(c), { EvaluationResults: [], IsTruncated: false }) };
    const decide = deployedRcpDecider(afterWave(), { principal: OUTSIDER, resourceAccount: '444444444444' }, reference);
    const passed = await probeCanary(iam, { principal: OUTSIDER, mustBeDenied: [], mustStillWork: [], resources: [OBJECT], local: { mustBeDenied: ['s3:GetObject', 's3:PutObject'], mustStillWork: [], decide } });
    expect(passed.ok).toBe(true);
    expect(passed.results.map((r) => [r.action, r.engine, r.decision])).toEqual([
      ['s3:GetObject', 'local', 'explicitDeny'],
      ['s3:PutObject', 'local', 'explicitDeny'],
    ]);
    expect(sent).toEqual([]);
    // Before the wave the RCP is not there: the same probe fails and says which engine said so.
    const before = deployedRcpDecider(stateOf(TREE, [RCP_FULL]), { principal: OUTSIDER, resourceAccount: '444444444444' }, reference);
    const failed = await probeCanary(iam, { principal: OUTSIDER, mustBeDenied: [], mustStillWork: [], resources: [OBJECT], local: { mustBeDenied: ['s3:GetObject'], mustStillWork: [], decide: before } });
    expect(failed.problems).toEqual([`${OUTSIDER}: s3:GetObject should now be denied by the guardrails, but the local engine (RCP) says Organizations policies still allow it`]);
  });

  it('refuses an account outside the organization and a deployed RCP it cannot read', () => {
    expect(() => deployedRcpDecider(afterWave(), { principal: OUTSIDER, resourceAccount: '555555555555' }, reference)).toThrow(RcpProbeError);
    const broken = stateOf(TREE, [RCP_FULL, owned('guardrails-rcp-broken', '{not json', ['ou-nonprod'], 'rcp')]);
    expect(() => deployedRcpDecider(broken, { principal: OUTSIDER, resourceAccount: '444444444444' }, reference)).toThrow('the deployed RCP guardrails-rcp-broken is not JSON');
  });
});
