/** A one-OU organization with one deny-actions control, for tests that need a quota to force a level. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** An organization of one OU with one deny-actions control of the given exact action names. */
export function smallOrganization(repo: string, actions: readonly string[], quota: { maxChars: number; wildcards: string }): void {
  fs.mkdirSync(path.join(repo, 'guardrails'), { recursive: true });
  fs.writeFileSync(
    path.join(repo, 'guardrails', 'organization.yaml'),
    `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  rootId: r-ab12
  tree:
    Root:
      accounts: ["111111111111"]
      Prod:
        id: ou-ab12-prod0001
        accounts: ["222222222222"]
quotas: { profile: aws-2026-05, scp: { maxChars: ${quota.maxChars}, maxPerTarget: 2 } }
defaults:
  wildcards: ${quota.wildcards}
controls:
  changes:
    kind: deny-actions
    actions: [${actions.join(', ')}]
    conditions:
      StringEquals: { "aws:PrincipalTag/team": [contractors] }
    attach: [Prod]
`,
  );
}

/** smallOrganization as deployed before guardrails: FullAWSAccess everywhere, nothing else. */
export function deployedNothing(): unknown {
  const full = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';
  return {
    format: 1,
    source: 'AWS Organizations',
    readAt: '2026-11-20T09:00:00.000Z',
    organization: { id: 'o-abcdefghij', managementAccount: '111111111111' },
    root: { id: 'r-ab12', name: 'Root', ous: [{ id: 'ou-ab12-prod0001', name: 'Prod', ous: [], accounts: [{ id: '222222222222', name: 'prod' }] }], accounts: [{ id: '111111111111', name: 'management' }] },
    policies: [{ id: 'p-FullAWSAccess', name: 'FullAWSAccess', type: 'scp', description: 'Allows access to every operation', awsManaged: true, tags: {}, content: full, targets: ['r-ab12', 'ou-ab12-prod0001', '111111111111', '222222222222'] }],
  };
}
