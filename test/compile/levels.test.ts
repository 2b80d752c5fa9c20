/**
 * Minimization levels on the real 2026-08-22 snapshot: readable by default, a target group escalates
 * only while it does not fit its quotas, one level at a time, and levels 3 and 4 stay out of statements
 * whose wildcards would reach every principal unless the intent allows them.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { maxLevelFor, reachesEveryPrincipal, wordBoundaryCover } from '../../src/compile/minimize/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { compileControls, errorsOf, ORG_HEADER } from '../support/compile.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

/** The test org with the readable default and a quota: `slots` counts FullAWSAccess (one taken on every target). */
function header(scp: { maxChars: number; maxPerTarget: number }, wildcards = 'readable'): string {
  return ORG_HEADER.replace('  wildcards: exact', `  wildcards: ${wildcards}`).replace('defaults:', `quotas: { profile: aws-2026-05, scp: { maxChars: ${scp.maxChars}, maxPerTarget: ${scp.maxPerTarget} } }\ndefaults:`);
}

// iam:{Write} is 74 actions: about 2,250 characters as exact names, 750 at level 2, 270 at level 3.
const keyPresent = `    conditions:\n      StringEquals: { "aws:PrincipalTag/team": [contractors] }\n`;
const keyAbsentTrue = `    conditions:\n      StringNotEquals: { "aws:PrincipalTag/team": [admins] }\n`;
const iamWrites = (condition: string, extra = '') => `  iam-writes:\n    kind: deny-actions\n    actions: ["iam:{Write}"]\n${condition}    attach: [Prod]\n${extra}`;
const small = `  no-bucket-delete: { kind: deny-actions, actions: [s3:DeleteBucket], attach: [Dev] }\n`;

const levels = (c: Awaited<ReturnType<typeof compileControls>>) => Object.fromEntries(c.result.manifest!.policies.map((p) => [p.name, [p.level, p.escalatedFor ?? null]]));

describe('levels in compile', () => {
  it('writes every statement as the intent wrote it when the policies fit: level 1, no wildcard compile wrote', async () => {
    const c = await compileControls(iamWrites(keyPresent) + small, {}, header({ maxChars: 10240, maxPerTarget: 10 }));
    expect(errorsOf(c)).toEqual([]);
    for (const p of c.result.manifest!.policies) {
      expect(p.level).toBe(1);
      for (const s of p.statements) expect(s.introduced).toEqual([]);
    }
    const action = c.policies.get('guardrails-scp-iam-writes')!.Statement[0]!.Action as string[];
    expect(action).toHaveLength(74);
    expect(action.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('a group that does not fit its target\'s slots escalates to level 2 and no further; the other group stays at 1', async () => {
    // 1,500 characters and one free slot on Prod: 2,250 characters of names need two policies.
    const c = await compileControls(iamWrites(keyPresent) + small, {}, header({ maxChars: 1500, maxPerTarget: 2 }));
    expect(errorsOf(c)).toEqual([]);
    expect(levels(c)).toEqual({
      'guardrails-scp-iam-writes': [2, 'slots: OU Root/Prod needs 3 SCPs and holds 2'],
      'guardrails-scp-no-bucket-delete': [1, null],
    });
    const action = c.policies.get('guardrails-scp-iam-writes')!.Statement[0]!.Action as string[];
    expect(action).toContain('iam:Create*Profile');
    // Level 2 is what fit: no substring pattern (a cut inside a word) and no warning.
    expect(c.result.diagnostics.filter((d) => d.code === 'unreadable-minimization')).toEqual([]);
    const introduced = c.result.manifest!.policies.find((p) => p.name === 'guardrails-scp-iam-writes')!.statements.flatMap((s) => s.introduced);
    expect(introduced.length).toBeGreaterThan(0);
    expect(introduced.sort()).toEqual(action.filter((a) => a.includes('*')).sort());
  });

  it('a group whose statement exceeds the size quota at level 2 too escalates to level 3, with a warning naming the policy', async () => {
    const c = await compileControls(iamWrites(keyPresent) + small, {}, header({ maxChars: 700, maxPerTarget: 2 }));
    expect(errorsOf(c)).toEqual([]);
    expect(levels(c)['guardrails-scp-iam-writes']![0]).toBe(3);
    expect(levels(c)['guardrails-scp-no-bucket-delete']).toEqual([1, null]);
    const warnings = c.result.diagnostics.filter((d) => d.code === 'unreadable-minimization');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.severity).toBe('warning');
    expect(warnings[0]!.message).toMatch(/^policy guardrails-scp-iam-writes \(SCP\) needed level 3 \(substring wildcards\) to fit, slots: OU Root\/Prod needs 3 SCPs/);
    expect(c.result.policies.find((p) => p.name === 'guardrails-scp-iam-writes')!.chars).toBeLessThanOrEqual(700);
  });

  it('drift-aware: a statement whose condition holds when its key is absent is not taken past level 2, unless wildcards: aggressive', async () => {
    const readable = await compileControls(iamWrites(keyAbsentTrue) + small, {}, header({ maxChars: 700, maxPerTarget: 2 }));
    expect(errorsOf(readable).map((e) => e.split(':')[0])).toEqual(['too-many-policies']);
    expect(readable.result.policies.flatMap((p) => p.statements.map((s) => s.level))).not.toContain(3);
    const aggressive = await compileControls(iamWrites(keyAbsentTrue) + small, {}, header({ maxChars: 700, maxPerTarget: 2 }, 'aggressive'));
    expect(errorsOf(aggressive)).toEqual([]);
    expect(levels(aggressive)['guardrails-scp-iam-writes']![0]).toBe(3);
    // The control's own setting allows it too.
    const perControl = await compileControls(iamWrites(keyAbsentTrue, '    wildcards: aggressive\n') + small, {}, header({ maxChars: 700, maxPerTarget: 2 }));
    expect(errorsOf(perControl)).toEqual([]);
    expect(levels(perControl)['guardrails-scp-iam-writes']![0]).toBe(3);
  });

  it('drift-aware: an RCP reaches every principal and is not taken past level 2, unless wildcards: aggressive', async () => {
    // s3:{Write}: about 1,800 characters as names, 800 at level 2, 280 at level 3; RCPFullAWSAccess takes one of two slots.
    const rcpHeader = (wildcards: string) => header({ maxChars: 10240, maxPerTarget: 10 }, wildcards).replace('scp: { maxChars: 10240, maxPerTarget: 10 }', 'rcp: { maxChars: 800, maxPerTarget: 2 }');
    const control = `  s3-writes:\n    kind: deny-actions\n    type: rcp\n    actions: ["s3:{Write}"]\n${keyPresent}    attach: [Prod]\n`;
    const readable = await compileControls(control, {}, rcpHeader('readable'));
    expect(errorsOf(readable).map((e) => e.split(':')[0])).toEqual(['too-many-policies']);
    const aggressive = await compileControls(control, {}, rcpHeader('aggressive'));
    expect(errorsOf(aggressive)).toEqual([]);
    expect(aggressive.result.manifest!.policies.map((p) => [p.type, p.level])).toEqual([['rcp', 3]]);
  });

  it('wildcards: exact never escalates: the quota error stands', async () => {
    const c = await compileControls(iamWrites(keyPresent) + small, {}, header({ maxChars: 1500, maxPerTarget: 2 }, 'exact'));
    expect(errorsOf(c).map((e) => e.split(':')[0])).toEqual(['too-many-policies']);
  });

  it('wildcards: compact (the former default) is the levelled default', async () => {
    const compact = await compileControls(iamWrites(keyPresent) + small, {}, header({ maxChars: 1500, maxPerTarget: 2 }, 'compact'));
    const readable = await compileControls(iamWrites(keyPresent) + small, {}, header({ maxChars: 1500, maxPerTarget: 2 }));
    expect(compact.result.policies.map((p) => p.text)).toEqual(readable.result.policies.map((p) => p.text));
    expect(levels(compact)['guardrails-scp-iam-writes']![0]).toBe(2);
  });
});

describe('level 2: word-boundary prefixes', () => {
  /** Words split independently of the code under test: an upper-case run, or a capital and its lower case. */
  const words = (name: string) => name.match(/[A-Z]+(?=[A-Z][a-z]|[0-9]|$)|[A-Z][a-z]*[0-9]*|[0-9]+|[a-z]+/g) ?? [];
  const wholeWords = (head: string, tail: string, name: string) => {
    const w = words(name);
    const cuts = Array.from({ length: w.length + 1 }, (_, j) => j);
    const heads = new Set(cuts.map((j) => w.slice(0, j).join('')));
    const tails = new Set(cuts.map((j) => w.slice(j).join('')));
    return heads.has(head) && tails.has(tail);
  };

  it('property: on random action sets of real services, the cover is exact and never cuts inside a CamelCase word', () => {
    const services = ref.services.filter((s) => s.endId - s.firstId >= 8);
    fc.assert(
      fc.property(fc.nat({ max: services.length - 1 }), fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom('Write', 'List', 'Read', 'random'), (k, seed, kind) => {
        const svc = services[k]!;
        const wanted = ref.emptySet();
        let x = seed;
        for (let id = svc.firstId; id < svc.endId; id++) {
          x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
          const a = ref.actions[id]!;
          if (kind === 'random' ? x % 3 === 0 : a.accessLevel === kind) wanted.add(id);
        }
        if (wanted.isEmpty() || wanted.size === svc.endId - svc.firstId) return;
        const cover = wordBoundaryCover(ref, wanted, []);
        expect(ref.expandList(cover).actions.equals(wanted)).toBe(true);
        for (const p of cover) {
          const body = p.slice(p.indexOf(':') + 1);
          if (!body.includes('*')) continue;
          expect(body.split('*').length, p).toBe(2);
          const [head, tail] = body.split('*') as [string, string];
          // A suffix alone is two whole words or more (`*AccessKey`).
          if (head === '') expect(words(tail).length, p).toBeGreaterThanOrEqual(2);
          for (const id of ref.expandList([p]).actions) expect(wholeWords(head, tail, ref.actions[id]!.name), `${p} on ${ref.actions[id]!.name}`).toBe(true);
        }
      }),
      { numRuns: 60, seed: 13 },
    );
  });

  it('writes the shapes reviewers read: guardduty:Disassociate*, s3:Put*Tagging, iam:*AccessKey', () => {
    const gd = ref.expandList(['guardduty:Disassociate*', 'guardduty:DeleteDetector']).actions;
    expect(wordBoundaryCover(ref, gd, [])).toEqual(['guardduty:DeleteDetector', 'guardduty:Disassociate*']);
    const tagging = ref.expandList(['s3:Put*Tagging']).actions;
    expect(wordBoundaryCover(ref, tagging, [])).toEqual(['s3:Put*Tagging']);
    const keys = ref.expandList(['iam:*AccessKey']).actions;
    expect(keys.size).toBeGreaterThan(2);
    expect(wordBoundaryCover(ref, keys, [])).toEqual(['iam:*AccessKey']);
  });

  it('never writes a suffix of one word alone: *Used says too little of what it captures', () => {
    // kms:GenerateMac and kms:VerifyMac end in one word, Mac; the cover names them or cuts on a longer line.
    const mac = ref.expandList(['kms:GenerateMac', 'kms:VerifyMac']).actions;
    const cover = wordBoundaryCover(ref, mac, []);
    expect(cover).not.toContain('kms:*Mac');
    expect(ref.expandList(cover).actions.equals(mac)).toBe(true);
  });
});

describe('which statements may reach levels 3 and 4', () => {
  it('conditions true when their key is absent reach every principal; one that needs its key does not', () => {
    expect(reachesEveryPrincipal(undefined)).toBe(true);
    expect(reachesEveryPrincipal({ StringNotEquals: { 'aws:PrincipalOrgID': ['o-1'] } })).toBe(true);
    expect(reachesEveryPrincipal({ StringEqualsIfExists: { 'aws:PrincipalTag/x': ['y'] } })).toBe(true);
    expect(reachesEveryPrincipal({ 'ForAllValues:StringLike': { 'aws:TagKeys': ['a*'] } })).toBe(true);
    expect(reachesEveryPrincipal({ Null: { 'aws:PrincipalTag/x': ['true'] } })).toBe(true);
    expect(reachesEveryPrincipal({ Null: { 'aws:PrincipalTag/x': ['false'] } })).toBe(false);
    expect(reachesEveryPrincipal({ StringEquals: { 'aws:PrincipalTag/x': ['y'] } })).toBe(false);
    expect(reachesEveryPrincipal({ StringNotEquals: { 'aws:PrincipalOrgID': ['o-1'] }, Bool: { 'aws:SecureTransport': ['false'] } })).toBe(false);
  });

  it('caps: exact, Allows and exemptions at 1; RCPs and statements reaching every principal at 2; aggressive allows 4', () => {
    const deny = { effect: 'Deny' as const, element: 'Action' as const, condition: { StringEquals: { 'aws:PrincipalTag/x': ['y'] } } };
    expect(maxLevelFor(deny, 'readable', 'scp')).toBe(4);
    expect(maxLevelFor(deny, 'compact', 'scp')).toBe(4);
    expect(maxLevelFor(deny, 'exact', 'scp')).toBe(1);
    expect(maxLevelFor(deny, 'readable', 'rcp')).toBe(2);
    expect(maxLevelFor({ effect: 'Deny', element: 'Action' }, 'readable', 'scp')).toBe(2);
    expect(maxLevelFor({ effect: 'Deny', element: 'Action' }, 'aggressive', 'rcp')).toBe(4);
    expect(maxLevelFor({ ...deny, element: 'NotAction' }, 'aggressive', 'scp')).toBe(1);
    expect(maxLevelFor({ ...deny, effect: 'Allow' }, 'aggressive', 'scp')).toBe(1);
  });
});
