/**
 * What moto does not do: AWS-side failures and paging, with aws-sdk-client-mock (which replaces the
 * client's send for every instance, so it lives apart from the moto tests).
 */
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { OrgAccessError, readOrganization } from '../../src/org/index.js';

describe('AWS-side failures (aws-sdk-client-mock)', () => {
  const mock = mockClient(OrganizationsClient);
  const client = () => new OrganizationsClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });

  function minimalOrg() {
    mock.reset();
    mock.on(DescribeOrganizationCommand).resolves({ Organization: { Id: 'o-aaaaaaaaaa', MasterAccountId: '111111111111' } });
    mock.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-aaaa', Name: 'Root' }] });
    mock.on(ListOrganizationalUnitsForParentCommand).resolves({ OrganizationalUnits: [] });
    mock.on(ListAccountsForParentCommand).resolves({ Accounts: [{ Id: '111111111111', Name: 'management' }] });
  }

  it('follows pages of targets, and skips RCPs when the organization has not enabled them', async () => {
    minimalOrg();
    const notEnabled = Object.assign(new Error('This operation can be performed only for enabled policy types.'), { name: 'PolicyTypeNotEnabledException' });
    mock.on(ListPoliciesCommand, { Filter: 'SERVICE_CONTROL_POLICY' }).resolves({ Policies: [{ Id: 'p-1', Name: 'FullAWSAccess', AwsManaged: true }] });
    mock.on(ListPoliciesCommand, { Filter: 'RESOURCE_CONTROL_POLICY' }).rejects(notEnabled);
    mock.on(DescribePolicyCommand).resolves({ Policy: { Content: '{}' } });
    mock.on(ListTargetsForPolicyCommand, { PolicyId: 'p-1' }).resolves({ Targets: [{ TargetId: 'r-aaaa' }], NextToken: 'more' });
    mock.on(ListTargetsForPolicyCommand, { PolicyId: 'p-1', NextToken: 'more' }).resolves({ Targets: [{ TargetId: '111111111111' }] });
    const { state, calls } = await readOrganization(client());
    expect(state.policies.map((p) => [p.name, p.targets])).toEqual([['FullAWSAccess', ['111111111111', 'r-aaaa']]]);
    expect(calls.ListTargetsForPolicy).toBe(2);
    expect(mock.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  });

  it('turns access denied into one clear error naming the operation and what is needed', async () => {
    mock.reset();
    mock.on(DescribeOrganizationCommand).rejects(Object.assign(new Error('You don’t have permissions to access this resource.'), { name: 'AccessDeniedException' }));
    await expect(readOrganization(client())).rejects.toThrow(OrgAccessError);
    await expect(readOrganization(client())).rejects.toThrow(/^DescribeOrganization failed: AccessDeniedException: .*\(read the organization from the management account or a delegated administrator/);
  });

  it('reports throttling that outlasted the retries, with what to do', async () => {
    minimalOrg();
    mock.on(ListPoliciesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }));
    await expect(readOrganization(client())).rejects.toThrow('ListPolicies failed: TooManyRequestsException: Rate exceeded (throttled even after retries; try --concurrency 1)');
  });
});
