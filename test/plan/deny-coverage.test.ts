/** "The new version denies everything the old one did": what it proves, and what it must refuse to. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deniesEverythingOf, globInside } from '../../src/plan/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

const doc = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const deny = (action: string | string[], extra: object = {}) => ({ Effect: 'Deny', Action: action, Resource: '*', ...extra });

describe('glob inclusion', () => {
  it.each([
    ['s3:GetObject', 's3:*', true],
    ['s3:Get*', 's3:G*', true],
    ['cloudtrail:D*il', 'cloudtrail:*D*il', true],
    ['s3:?etObject', 's3:*etObject', true],
    ['s3:GetObject', 's3:Get?bject', true],
    ['s3:*', 's3:Get*', false],
    ['s3:Get*', 's3:GetObject', false],
    ['s3:G?t*', 's3:Get*', false],
    ['guardduty:U*rs', 'guardduty:*oc*', false],
  ])('%s inside %s: %s', (inner, outer, expected) => {
    expect(globInside(inner, outer, true)).toBe(expected);
  });

  it('answers as the search over every way the wildcards may stand, for names and patterns of a few letters and wildcards', () => {
    // The inclusion search, pair of positions by pair of positions: what globInside answered for every pair before names took a plain match.
    const searched = (p: string, q: string): boolean => {
      const go = (i: number, j: number): boolean => {
        if (i === q.length) return j === p.length;
        if (q[i] === '*') return go(i + 1, j) || (j < p.length && go(i, j + 1));
        if (j === p.length || p[j] === '*') return false;
        if (q[i] === '?') return go(i + 1, j + 1);
        return p[j] !== '?' && p[j] === q[i] && go(i + 1, j + 1);
      };
      return q === '*' || p === q || go(0, 0);
    };
    const alphabet = ['a', 'b', '*', '?'];
    const all: string[] = [''];
    for (let length = 1; length <= 4; length++) for (const s of all.filter((x) => x.length === length - 1)) for (const c of alphabet) all.push(s + c);
    const differing: string[] = [];
    let inside = 0;
    for (const p of all) {
      for (const q of all) {
        const expected = searched(p, q);
        if (expected) inside++;
        if (globInside(p, q, false) !== expected) differing.push(`${p} inside ${q}: ${expected}`);
      }
    }
    expect(differing).toEqual([]);
    expect(inside).toBeGreaterThan(1000);
  });
});

describe('the new version denies everything the old one did', () => {
  const cases: [string, string, string, boolean][] = [
    ['the same policy', doc(deny('s3:DeleteBucket')), doc(deny('s3:DeleteBucket')), true],
    ['one more action', doc(deny('s3:DeleteBucket')), doc(deny(['s3:DeleteBucket', 's3:PutBucketPolicy'])), true],
    ['one more statement', doc(deny('s3:DeleteBucket')), doc(deny('s3:DeleteBucket'), deny('iam:CreateUser')), true],
    ['a wider wildcard', doc(deny('s3:Delete*')), doc(deny('s3:*')), true],
    ['one action less', doc(deny(['s3:DeleteBucket', 's3:PutBucketPolicy'])), doc(deny('s3:DeleteBucket')), false],
    ['a narrower wildcard', doc(deny('s3:*')), doc(deny('s3:Delete*')), false],
    ['a condition added', doc(deny('s3:*')), doc(deny('s3:*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })), false],
    ['a condition dropped', doc(deny('s3:*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })), doc(deny('s3:*')), true],
    ['fewer exempted principals', doc(deny('s3:*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/A', 'arn:aws:iam::*:role/B'] } } })), doc(deny('s3:*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/A' } } })), true],
    ['more exempted principals', doc(deny('s3:*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/A' } } })), doc(deny('s3:*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/A', 'arn:aws:iam::*:role/B'] } } })), false],
    ['a narrower exempted ARN pattern', doc(deny('s3:*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } } })), doc(deny('s3:*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Admin*' } } })), true],
    ['a wider exempted ARN pattern', doc(deny('s3:*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Admin*' } } })), doc(deny('s3:*', { Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } } })), false],
    ['a higher TLS minimum', doc(deny('s3:*', { Condition: { NumericLessThan: { 's3:TlsVersion': '1.1' } } })), doc(deny('s3:*', { Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } })), true],
    ['a lower TLS minimum', doc(deny('s3:*', { Condition: { NumericLessThan: { 's3:TlsVersion': '1.2' } } })), doc(deny('s3:*', { Condition: { NumericLessThan: { 's3:TlsVersion': '1.1' } } })), false],
    ['fewer allowed Regions', doc(deny('ec2:*', { Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } } })), doc(deny('ec2:*', { Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } } })), true],
    ['more allowed Regions', doc(deny('ec2:*', { Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1'] } } })), doc(deny('ec2:*', { Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } } })), false],
    ['a policy variable changed', doc(deny('s3:*', { Condition: { StringNotEquals: { 'aws:PrincipalTag/team': '${aws:ResourceTag/team}' } } })), doc(deny('s3:*', { Condition: { StringNotEquals: { 'aws:PrincipalTag/team': '${aws:ResourceTag/owner}' } } })), false],
    ['NotAction excepting less', doc({ Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*' }), doc({ Effect: 'Deny', NotAction: ['iam:*'], Resource: '*' }), true],
    ['NotAction excepting more', doc({ Effect: 'Deny', NotAction: ['iam:*'], Resource: '*' }), doc({ Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*' }), false],
    ['a narrower resource', doc(deny('s3:*')), doc({ Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::logs-*' }), false],
    ['an Allow in the old version', doc({ Effect: 'Allow', Action: '*', Resource: '*' }), doc(deny('s3:*')), false],
    ['an Allow in the new version', doc(deny('s3:*')), doc(deny('s3:*'), { Effect: 'Allow', Action: '*', Resource: '*' }), false],
  ];
  it.each(cases)('%s', (_name, older, newer, expected) => {
    const answer = deniesEverythingOf(newer, older);
    expect(answer.covers, JSON.stringify(answer)).toBe(expected);
    if (!answer.covers) expect(answer.why).toMatch(/\w/);
  });

  it('with the reference, counts the actions compact wildcards match today', () => {
    // iam:CreateUser is the only iam:C*ser of the reference; iam:Create* matches it and more.
    const older = doc(deny('iam:C*ser'));
    expect(deniesEverythingOf(doc(deny(['iam:CreateUser'])), older).covers).toBe(false);
    expect(deniesEverythingOf(doc(deny(['iam:CreateUser'])), older, ref).covers).toBe(ref.match(parse('iam:C*ser')).toArray().length === 1);
    expect(deniesEverythingOf(doc(deny('iam:Create*')), older, ref).covers).toBe(true);
    expect(deniesEverythingOf(doc(deny('iam:CreateRole')), older, ref).covers).toBe(false);
  });

  it('says which old statement is not covered', () => {
    const answer = deniesEverythingOf(doc(deny('s3:DeleteBucket')), doc({ Sid: 'NoDelete', ...deny(['s3:DeleteBucket', 's3:DeleteObject']) }));
    expect(answer).toEqual({ covers: false, statement: 0, why: 'statement NoDelete of the old version denies s3:DeleteObject, which the new version does not deny under the same conditions' });
  });

  it("judges the example organization's change: the TLS minimum raised and new protections added are additive", () => {
    const snapshot = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'guardrails', 'org-snapshot.json'), 'utf8')) as { policies: { name: string; content: string }[] };
    const old = (name: string) => snapshot.policies.find((p) => p.name === name)!.content;
    const tls = (v: string) => doc({ Effect: 'Deny', Principal: '*', Action: ['kms:*', 's3:*', 'secretsmanager:*', 'sqs:*', 'sts:*'], Resource: '*', Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } }, Sid: 'TlsMinimumSecureTransport' }, { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { NumericLessThan: { 's3:TlsVersion': v } }, Sid: 'TlsMinimumS3TlsVersion' });
    expect(deniesEverythingOf(tls('1.2'), old('guardrails-rcp-tls-minimum'), ref).covers).toBe(true);
    expect(deniesEverythingOf(tls('1.0'), old('guardrails-rcp-tls-minimum'), ref).covers).toBe(false);
  });
});

function parse(text: string) {
  return { kind: 'include' as const, text, service: text.split(':')[0]!, name: text.split(':')[1]! };
}
