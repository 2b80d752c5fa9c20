/**
 * Pathological wildcards (issue 11): patterns that make a backtracking regular expression take minutes
 * (`*?*?*?...*?Z`, thousands of stars) in every place that matches them: the real CLI on 10,000-character
 * patterns (the YAML cases of test/fixtures/hostile/matching-wildcards run the 12-pair shape through
 * validate, compile, simulate and minimize), and in process the right answer from the reference's
 * expansion, the compaction of a given pattern and the engine, against a plain filter of the names.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compactActions } from '../../src/compile/index.js';
import { authorize, buildRequest, compilePolicy } from '../../src/evaluate/index.js';
import type { Statement } from '../../src/policy/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { HAVE_STRACE, runHostile } from '../support/hostile.js';
import { reference2026 } from '../support/reference.js';

const ORG = `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  rootId: r-ab12
  tree:
    Root:
      accounts: ["111111111111"]
      Workloads:
        id: ou-ab12-work0001
        accounts: ["222222222222"]
`;

const PAIRS = '*?'.repeat(12);

describe.runIf(HAVE_STRACE)('10,000-character patterns through the real CLI', () => {
  it('validate: thousands of stars before a name match what the name alone matches; thousands of *? pairs match nothing, reported as such', async () => {
    const stars = '*'.repeat(9_992);
    const r = await runHostile({
      files: {
        'guardrails/org.yaml': ORG,
        'guardrails/long.yaml': `version: 1
controls:
  stars:
    kind: deny-actions
    actions: ["iam:${stars}User", "*:${stars}ReplicateTags"]
    attach: [Root]
  pairs:
    kind: deny-actions
    actions: ["iam:${'*?'.repeat(4_998)}User"]
    attach: [Root]
`,
      },
      args: ['validate', '--cache', '{cache}'],
      timeoutMs: 30_000,
    });
    const summary = `exit ${r.code} in ${r.ms} ms${r.timedOut ? ' TIMED OUT' : ''}\n${r.stderr.slice(0, 2000)}`;
    expect(r.timedOut, summary).toBe(false);
    expect(r.leaks, summary).toEqual([]);
    expect(r.outsideAccess, summary).toEqual([]);
    expect(r.code, summary).toBe(2);
    expect(r.stderr, summary).toContain('guardrails/long.yaml:9:15: error unknown-action: control pairs');
    expect(r.stderr, summary).toMatch(/invalid: 2 intent files, 2 controls, 0 tests: 1 error, 0 warnings/);
  });

  it('compile: a 10,000-character pattern compiles to a policy within the limits', async () => {
    const r = await runHostile({
      files: {
        'guardrails/org.yaml': ORG,
        'guardrails/long.yaml': `version: 1
controls:
  stars:
    kind: deny-actions
    actions: ["iam:${'*'.repeat(9_992)}User", "iam:${'*?'.repeat(12)}Policy"]
    attach: [Root]
`,
      },
      args: ['compile', '--cache', '{cache}'],
      timeoutMs: 30_000,
    });
    const summary = `exit ${r.code} in ${r.ms} ms${r.timedOut ? ' TIMED OUT' : ''}\n${r.stderr.slice(0, 2000)}`;
    expect(r.timedOut, summary).toBe(false);
    expect(r.leaks, summary).toEqual([]);
    expect(r.outsideAccess, summary).toEqual([]);
    expect(r.code, summary).toBe(0);
    expect(r.stdout).toMatch(/guardrails-scp-stars +SCP/);
  });
});

describe('pathological patterns get the right answer everywhere they are matched', () => {
  let ref: ReferenceIndex;
  beforeAll(async () => {
    ref = (await reference2026()).index;
  });

  /** What `service:` + `*?` x 12 + `end` means, by a plain filter: names of at least 12 characters before `end`. */
  const endingIn = (service: string | undefined, end: string) =>
    ref.actions.filter((a) => (!service || a.service === service) && a.name.length >= 12 + end.length && a.name.toLowerCase().endsWith(end.toLowerCase())).map((a) => a.qualified);

  it('expansion against the reference', () => {
    const got = ref.expandList([`iam:${PAIRS}Policy`, `*:${PAIRS}Tagging`]).actions.toArray().map((id) => ref.actions[id]!.qualified);
    expect(got.sort()).toEqual([...new Set([...endingIn('iam', 'Policy'), ...endingIn(undefined, 'Tagging')])].sort());
    expect(got.length).toBeGreaterThan(10);
  });

  it('compaction keeps the set a given pattern means', () => {
    const wanted = ref.expandList([`iam:${PAIRS}Policy`]).actions;
    for (const mode of ['exact', 'compact'] as const) {
      const list = compactActions(ref, wanted, { mode, given: [`iam:${PAIRS}Policy`] });
      expect(ref.expandList(list).actions.equals(wanted), `${mode}: ${list.join(', ')}`).toBe(true);
    }
  });

  it('the engine, with and without the reference, for actions, Resource and StringLike', () => {
    const statements: Statement[] = [
      { effect: 'Allow', action: ['*'], resource: ['*'] },
      { effect: 'Deny', action: [`iam:${PAIRS}Policy`], resource: ['*'] },
      { effect: 'Deny', action: ['s3:GetObject'], resource: [`arn:aws:s3:::${PAIRS}Z`] },
      { effect: 'Deny', action: ['s3:PutObject'], resource: ['*'], condition: { StringLike: { 'aws:PrincipalTag/team': [`${PAIRS}Z`] } } },
    ];
    const long = 'a'.repeat(60);
    const decide = (withReference: boolean, action: string, resource: string, team: string) => {
      const policy = compilePolicy('p', statements, withReference ? ref : undefined);
      const request = buildRequest({ principal: { id: 'arn:aws:iam::222222222222:role/app', tags: { team } }, action, resource: { arn: resource, account: '222222222222' } }, ref);
      return authorize({ request, managementAccount: '111111111111', supportsRcp: () => false, scp: { levels: [{ label: 'root', policies: [policy] }] } }).decision;
    };
    for (const withReference of [true, false]) {
      expect(decide(withReference, 'iam:GetAccountPasswordPolicy', '*', long)).toBe('explicit-deny');
      expect(decide(withReference, 'iam:PutRolePolicy', '*', long)).toBe('allow');
      expect(decide(withReference, 's3:GetObject', `arn:aws:s3:::bucket/${long}`, long)).toBe('allow');
      expect(decide(withReference, 's3:GetObject', `arn:aws:s3:::bucket/${long}Z`, long)).toBe('explicit-deny');
      expect(decide(withReference, 's3:PutObject', `arn:aws:s3:::bucket/key`, long)).toBe('allow');
      expect(decide(withReference, 's3:PutObject', `arn:aws:s3:::bucket/key`, `${long}Z`)).toBe('explicit-deny');
    }
  });
});
