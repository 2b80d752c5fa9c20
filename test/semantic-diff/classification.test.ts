/**
 * How two classifications of the action universe differ (Classifier.changes), against a brute force
 * that decides every action on its own: denied or not before and after, and the signatures of the
 * block holding it on each side.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { classifyActions, partialStatement, prepareStatement, RequestContext, type ActionClassification, type PartialRequest } from '../../src/evaluate/index.js';
import type { Statement } from '../../src/policy/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { byService, Classifier } from '../../src/semantic-diff/classification.js';
import { universesOf } from '../../src/semantic-diff/prepared-policies.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

const request: PartialRequest = { context: new RequestContext().set('aws:PrincipalAccount', '222222222222'), known: new Set(['aws:principalaccount']) };
const allowAll: Statement = { effect: 'Allow', action: ['*'], resource: ['*'] };
const deny = (action: string[], key?: string, value = 'x'): Statement => ({ effect: 'Deny', action, resource: ['*'], ...(key ? { condition: { StringNotEquals: { [key]: [value] } } } : {}) });

function classify(...statements: Statement[]): ActionClassification {
  const universe = ref.allActions();
  return classifyActions([{ label: '', statements: statements.flatMap((s) => partialStatement(prepareStatement(s, ref, universe), request)) }], universe);
}

/** Each action decided on its own, counted by kind and the signatures removed and added. */
function bruteForce(old: ActionClassification, now: ActionClassification): Map<string, number> {
  const signaturesOf = (c: ActionClassification) => {
    const out = new Map<number, string[]>();
    for (const b of c.blocks) for (const id of b.actions) out.set(id, b.signatures);
    return out;
  };
  const before = signaturesOf(old);
  const after = signaturesOf(now);
  const counts = new Map<string, number>();
  const count = (kind: string, removed?: string[], added?: string[]) => {
    const key = `${kind}|${JSON.stringify(removed ?? null)}|${JSON.stringify(added ?? null)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  for (let id = 0; id < ref.size; id++) {
    const wasDenied = old.denied.has(id);
    const isDenied = now.denied.has(id);
    const was = before.get(id) ?? [];
    const is = after.get(id) ?? [];
    if (!wasDenied && isDenied) count('newly-denied');
    else if (wasDenied && !isDenied) {
      if (is.length) count('now-conditional', undefined, is);
      else count('newly-allowed');
    } else if (!wasDenied && !isDenied) {
      const removed = was.filter((x) => !is.includes(x));
      const added = is.filter((x) => !was.includes(x));
      if (!removed.length && !added.length) continue;
      if (!was.length) count('newly-conditional', undefined, added);
      else if (!is.length) count('newly-allowed', removed);
      else count('conditions-changed', removed, added);
    }
  }
  return counts;
}

describe('the changes between two classifications', () => {
  it('count every action as deciding it alone would, whichever blocks and the actions in none of them it falls in', () => {
    const region = 'aws:RequestedRegion';
    const old = classify(allowAll, deny(['ec2:*'], region), deny(['ec2:Run*', 's3:Get*'], 'aws:PrincipalTag/team'), deny(['iam:CreateUser', 'kms:*']), deny(['sqs:*'], region, 'us-east-1'), deny(['sns:*'], 'aws:SourceVpc'));
    const now = classify(allowAll, deny(['ec2:*', 's3:*'], region), deny(['ec2:RunInstances', 'lambda:*'], 'aws:PrincipalTag/team'), deny(['sqs:*']), deny(['iam:*'], 'aws:SourceVpc'));
    const changes = new Classifier(ref, universesOf(ref)).changes(old, now, 'scp');
    const found = new Map(changes.map((c) => [`${c.kind}|${JSON.stringify(c.before ?? null)}|${JSON.stringify(c.after ?? null)}`, c.count]));
    const expected = bruteForce(old, now);
    expect(found).toEqual(expected);
    expect(new Set(changes.map((c) => c.kind))).toEqual(new Set(['newly-denied', 'newly-conditional', 'conditions-changed', 'now-conditional', 'newly-allowed']));
  });
});

describe('a set of actions by service and access level', () => {
  /** Action by action, each group keyed by its service and access level, sorted by them. */
  function grouped(ids: number[]) {
    const groups = new Map<string, { service: string; accessLevel: string; count: number; actions: string[]; more: number }>();
    for (const id of ids) {
      const a = ref.actions[id]!;
      const key = `${a.service}|${a.accessLevel}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { service: a.service, accessLevel: a.accessLevel, count: 0, actions: [], more: 0 }));
      g.count++;
      if (g.actions.length < 100) g.actions.push(a.qualified);
      else g.more++;
    }
    return [...groups.values()].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.accessLevel < b.accessLevel ? -1 : 1));
  }

  it('counts every action once, lists the first hundred of each group by id, and orders the groups by service, then access level', () => {
    const every = ref.allActions();
    const sparse = ref.emptySet();
    for (let id = 0; id < ref.size; id += 97) sparse.add(id);
    const ec2 = ref.serviceActions(ref.service('ec2')!);
    for (const set of [every, sparse, ec2, ref.emptySet()]) {
      const got = byService(set, ref);
      expect(got).toEqual(grouped(set.toArray()));
      expect(got.reduce((n, g) => n + g.count, 0)).toBe(set.size);
    }
    expect(byService(ec2, ref).some((g) => g.more > 0)).toBe(true);
  });
});
