import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { canonicalPolicyText } from '../../src/policy/index.js';
import { detectDrift, driftExpectationOf, type DriftExpectation } from '../../src/rollout/drift.js';
import { OWNER_TAG, isOwned, type OrgState } from '../../src/org/index.js';
import { denyPolicy, fullAccessEverywhere, owned, stateOf } from '../support/org-state.js';

const TREE = { Workloads: { ous: { Prod: { accounts: ['333333333333'] }, NonProd: { accounts: ['444444444444'] } } } };
const DENY_IAM = denyPolicy(['iam:CreateUser']);
const RCP_TEXT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] });

/** The organization as the rollout left it: an owned SCP on NonProd, an owned RCP on the root. */
function baseline(): OrgState {
  return stateOf(TREE, [fullAccessEverywhere(TREE), owned('guardrails-scp-deny-iam', DENY_IAM, ['ou-nonprod']), owned('guardrails-rcp-tls', RCP_TEXT, ['r-test'], 'rcp')]);
}

/** Written out by hand (not with driftExpectationOf, which is tested against it below). */
function expectationOf(state: OrgState): DriftExpectation {
  return {
    ownedPolicies: state.policies.filter(isOwned).map((p) => ({ id: p.id, name: p.name, type: p.type, digest: createHash('sha256').update(canonicalPolicyText(p.content)).digest('hex'), targets: [...p.targets] })),
    waveTargets: [{ id: 'ou-nonprod', type: 'scp', policies: state.policies.filter((p) => p.type === 'scp' && p.targets.includes('ou-nonprod')).map((p) => p.name), parent: 'ou-workloads' }],
  };
}

const SCP = 'SCP guardrails-scp-deny-iam (p-guardrails-scp-deny-iam)';
const policy = (s: OrgState, name: string) => s.policies.find((p) => p.name === name)!;

const cases: { name: string; change: (s: OrgState) => void; lines: string[] }[] = [
  { name: 'nothing changed', change: () => {}, lines: [] },
  { name: 'the same policy re-indented (as moto and the console return it)', change: (s) => void (policy(s, 'guardrails-scp-deny-iam').content = JSON.stringify(JSON.parse(DENY_IAM), null, 4)), lines: [] },
  { name: 'content changed', change: (s) => void (policy(s, 'guardrails-scp-deny-iam').content = denyPolicy(['iam:CreateUser', 'iam:DeleteUser'])), lines: [`${SCP}: its content was changed`] },
  { name: 'renamed', change: (s) => void (policy(s, 'guardrails-scp-deny-iam').name = 'guardrails-scp-renamed'), lines: [`${SCP} was renamed to guardrails-scp-renamed`] },
  { name: 'deleted', change: (s) => void s.policies.splice(s.policies.indexOf(policy(s, 'guardrails-scp-deny-iam')), 1), lines: [`${SCP} was deleted`] },
  { name: 'attached elsewhere', change: (s) => void policy(s, 'guardrails-scp-deny-iam').targets.push('ou-prod'), lines: [`${SCP} was attached to Prod (ou-prod)`] },
  {
    name: 'detached from the wave target (told once)',
    change: (s) => void (policy(s, 'guardrails-scp-deny-iam').targets = []),
    lines: [`${SCP} was detached from NonProd (ou-nonprod)`],
  },
  { name: 'the ownership tag removed', change: (s) => void delete policy(s, 'guardrails-scp-deny-iam').tags[OWNER_TAG.key], lines: [`${SCP} no longer carries the ownership tag managed-by=guardrails: the next plan will not own it`] },
  {
    name: "a foreign SCP attached to a wave target (Control Tower's guardrails)",
    change: (s) => void s.policies.push({ id: 'p-ct', name: 'aws-guardrails-abcdef', type: 'scp', description: '', awsManaged: false, tags: {}, content: DENY_IAM, targets: ['ou-nonprod'] }),
    lines: ['NonProd (ou-nonprod): SCP aws-guardrails-abcdef was attached'],
  },
  {
    name: 'FullAWSAccess detached from a wave target',
    change: (s) => void (policy(s, 'FullAWSAccess').targets = policy(s, 'FullAWSAccess').targets.filter((t) => t !== 'ou-nonprod')),
    lines: ['NonProd (ou-nonprod): SCP FullAWSAccess was detached'],
  },
  {
    name: 'an RCP attached to an SCP wave target is not the SCP target\'s drift',
    change: (s) => void s.policies.push({ id: 'p-team-rcp', name: 'team-rcp', type: 'rcp', description: '', awsManaged: false, tags: {}, content: RCP_TEXT, targets: ['ou-nonprod'] }),
    lines: [],
  },
  {
    name: 'the owned RCP detached from the root',
    change: (s) => void (policy(s, 'guardrails-rcp-tls').targets = []),
    lines: ['RCP guardrails-rcp-tls (p-guardrails-rcp-tls) was detached from Root (r-test)'],
  },
  {
    name: 'a wave target removed from the organization',
    change: (s) => {
      s.root.ous[0]!.ous = s.root.ous[0]!.ous.filter((o) => o.id !== 'ou-nonprod');
      for (const p of s.policies) p.targets = p.targets.filter((t) => t !== 'ou-nonprod');
    },
    lines: [`${SCP} was detached from ou-nonprod`, 'wave target ou-nonprod is no longer in the organization (closed, removed or deleted)'],
  },
  {
    name: 'a wave target moved to another parent',
    change: (s) => {
      const workloads = s.root.ous[0]!;
      const nonprod = workloads.ous.find((o) => o.id === 'ou-nonprod')!;
      workloads.ous = workloads.ous.filter((o) => o !== nonprod);
      s.root.ous.push(nonprod);
    },
    lines: ['NonProd (ou-nonprod) was moved from Workloads (ou-workloads) to Root (r-test)'],
  },
  {
    name: 'an owned-looking policy created by someone else',
    change: (s) => void s.policies.push(owned('guardrails-scp-extra', DENY_IAM, ['ou-prod'])),
    lines: ['SCP guardrails-scp-extra (p-guardrails-scp-extra) carrying the ownership tag was created and attached to Prod (ou-prod)'],
  },
  {
    name: 'several changes at once, each one line',
    change: (s) => {
      policy(s, 'guardrails-scp-deny-iam').content = denyPolicy(['s3:*']);
      policy(s, 'guardrails-scp-deny-iam').targets.push('444444444444');
      policy(s, 'guardrails-rcp-tls').name = 'guardrails-rcp-tls-2';
    },
    lines: [`${SCP}: its content was changed`, `${SCP} was attached to acct-444444444444 (444444444444)`, 'RCP guardrails-rcp-tls (p-guardrails-rcp-tls) was renamed to guardrails-rcp-tls-2'],
  },
];

describe('detectDrift', () => {
  it.each(cases)('$name', ({ change, lines }) => {
    const expected = expectationOf(baseline());
    const now = baseline();
    change(now);
    expect(detectDrift(expected, now)).toEqual(lines);
  });

  it('driftExpectationOf reads the expectation from the verified state', () => {
    const state = baseline();
    expect(driftExpectationOf(state, [{ id: 'ou-nonprod', type: 'scp' }])).toEqual(expectationOf(state));
    expect(driftExpectationOf(state, [{ id: 'r-test', type: 'rcp' }]).waveTargets).toEqual([{ id: 'r-test', type: 'rcp', policies: ['guardrails-rcp-tls'] }]);
    expect(driftExpectationOf(state, [{ id: '444444444444', type: 'scp' }]).waveTargets[0]!.parent).toBe('ou-nonprod');
  });

  it('does not change the expectation or the state it reads', () => {
    const expected = expectationOf(baseline());
    const now = baseline();
    policy(now, 'guardrails-scp-deny-iam').targets.push('ou-prod');
    const [e, n] = [JSON.stringify(expected), JSON.stringify(now)];
    detectDrift(expected, now);
    expect([JSON.stringify(expected), JSON.stringify(now)]).toEqual([e, n]);
  });
});
