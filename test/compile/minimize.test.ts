import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { compactActions, describeProofFailure, listCost, minimizePolicy, minimizeStatements, proveEquivalence, reachesEveryPrincipal, splitStatement, type IntendedStatement, type MinimizeLevelMode, type MinimizePolicyResult } from '../../src/compile/index.js';
import { parseJsonWithPositions, readPolicyDocument, type Condition, type PolicyDocument, type Statement } from '../../src/policy/index.js';
import { ActionSet, type ReferenceIndex } from '../../src/reference/index.js';
import { PREPROCESSOR_EXAMPLES } from '../support/paths.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

function readPolicy(file: string): { doc: PolicyDocument; sources: SourceIndex; text: string } {
  const sources = new SourceIndex();
  const text = fs.readFileSync(file, 'utf8');
  const parsed = parseJsonWithPositions(file, text, sources);
  return { doc: readPolicyDocument(parsed.value, sources, { ignoreKeys: ['Comment', 'Comments'] }).document!, sources, text };
}

/** Everything but the actions, canonical: statements with equal keys apply under the same circumstances. */
function circumstances(s: Record<string, unknown>): string {
  const sortList = (v: unknown) => (v === undefined ? null : [v].flat().map(String).sort());
  const cond: Record<string, Record<string, string[]>> = {};
  for (const [op, keys] of Object.entries((s.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
    cond[op] = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k.toLowerCase(), sortList(v)!]).sort());
  }
  return JSON.stringify([s.Effect, sortList(s.Resource), sortList(s.NotResource), Object.fromEntries(Object.entries(cond).sort()), s.NotAction ? 'not' : 'action']);
}

/** Per circumstance, the union of what the statements' action elements mean within the reference. */
function meaning(statements: Record<string, unknown>[]): Map<string, ActionSet> {
  const out = new Map<string, ActionSet>();
  for (const s of statements) {
    const key = circumstances(s);
    const set = ref.expandList([(s.Action ?? s.NotAction) as string | string[]].flat()).actions;
    out.set(key, (out.get(key) ?? ref.emptySet()).union(set));
  }
  return out;
}

/** The proof of these emitted statements against these input statements, in one scope. */
function prove(inputs: readonly IntendedStatement<unknown>[], outputs: readonly Statement[]) {
  return proveEquivalence(
    inputs.map((i, k) => ({ ...i, scopes: ['p'], label: `input ${k + 1}` })),
    outputs.map((statement, k) => ({ scopes: ['p'], statement, label: `output ${k + 1}` })),
    ref,
  );
}

/** Minimizes a policy given as JSON text (plain IAM). */
function minimizeText(json: unknown, options: { type?: 'scp' | 'rcp'; maxChars?: number; maxPerTarget?: number; keepSids?: boolean; mode?: MinimizeLevelMode } = {}) {
  const sources = new SourceIndex();
  const text = JSON.stringify(json);
  const parsed = parseJsonWithPositions('/virtual/policy.json', text, sources);
  const doc = readPolicyDocument(parsed.value, sources).document!;
  return minimizePolicy(doc, sources, ref, { type: options.type ?? 'scp', maxChars: options.maxChars ?? 10240, maxPerTarget: options.maxPerTarget ?? 5, keepSids: options.keepSids ?? false, mode: options.mode ?? 'readable' });
}

describe('merging', () => {
  it('never merges across a condition block whose keys differ only in case (AWS evaluates both)', () => {
    const both = { 'aws:PrincipalTag/Team': ['A'], 'aws:principaltag/team': ['B'] };
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { StringNotEquals: both } },
        { Effect: 'Deny', Action: 's3:PutObject', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/Team': 'B' } } },
      ],
    };
    const result = minimizeText(policy);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const out = result.policies.flatMap((p) => (JSON.parse(p.text) as { Statement: Record<string, unknown>[] }).Statement);
    expect(out).toHaveLength(2);
    // PutObject is still denied to Team=B... under its own single-key condition, not under the two-key block.
    const means = (s: Record<string, unknown>, name: string) => ref.expandList([s.Action as string | string[]].flat()).actions.has(ref.action(name)!.id);
    const put = out.find((s) => means(s, 's3:PutObject'))!;
    expect(put.Condition).toEqual({ StringNotEquals: { 'aws:PrincipalTag/Team': 'B' } });
    const get = out.find((s) => means(s, 's3:GetObject'))!;
    expect(means(get, 's3:PutObject')).toBe(false);
    expect(get.Condition).toEqual({ StringNotEquals: { 'aws:PrincipalTag/Team': 'A', 'aws:principaltag/team': 'B' } });
  });
});

describe('the equivalence proof (independent of the minimizer)', () => {
  const set = (...names: string[]) => {
    const out = ref.emptySet();
    for (const n of names) out.add(ref.action(n)!.id);
    return out;
  };
  const deny = (actions: ActionSet, condition?: Record<string, Record<string, string[]>>): IntendedStatement<unknown> => ({ effect: 'Deny', element: 'Action', actions, given: [], maxLevel: 4, resources: ['*'], origin: 0, ...(condition ? { condition } : {}) });
  const teamA = { StringNotEquals: { 'aws:PrincipalTag/Team': ['A'] } };
  const teamB = { StringNotEquals: { 'aws:PrincipalTag/Team': ['B'] } };

  it('fails a merge across different conditions, naming the statements and the actions', () => {
    const inputs = [deny(set('s3:GetObject'), teamA), deny(set('s3:PutObject'), teamB)];
    const merged: Statement = { effect: 'Deny', action: ['s3:GetObject', 's3:PutObject'], resource: ['*'], condition: teamA };
    const failures = prove(inputs, [merged]);
    expect(failures.map((f) => [f.inputs.map((i) => i.label), f.outputs.map((o) => o.label), f.missing, f.extra])).toEqual([
      [['input 1'], ['output 1'], [], ['s3:PutObject']],
      [['input 2'], [], ['s3:PutObject'], []],
    ]);
    expect(describeProofFailure(failures[1]!)).toBe('no emitted Action statement at p has the elements of input 2: missing s3:PutObject; extra none');
  });

  it('fails a dropped statement and an exemption list that changed, and passes a rewrite to NotAction', () => {
    const exempt: IntendedStatement<unknown> = { ...deny(set('iam:GetUser')), element: 'NotAction' };
    expect(prove([deny(set('s3:GetObject')), exempt], [{ effect: 'Deny', notAction: ['iam:GetUser'], resource: ['*'] }])).toMatchObject([{ missing: ['s3:GetObject'] }]);
    expect(prove([exempt], [{ effect: 'Deny', notAction: ['iam:GetUser', 'iam:GetRole'], resource: ['*'] }])).toMatchObject([{ element: 'NotAction', missing: ['iam:GetRole'] }]);
    const nearlyAll = ref.allActions().minus(set('iam:GetUser'));
    expect(prove([deny(nearlyAll)], [{ effect: 'Deny', notAction: ['iam:GetUser'], resource: ['*'] }])).toEqual([]);
  });

  it('proves each class of targets that see the same statements once, and says how many others share a failure', () => {
    const inputs = [deny(set('s3:GetObject')), deny(set('s3:PutObject'))];
    // Targets a1..a3 see both statements but get only the first; b sees only the first and gets it.
    const failures = proveEquivalence(
      [
        { ...inputs[0]!, scopes: ['a1', 'a2', 'a3', 'b'], label: 'input 1' },
        { ...inputs[1]!, scopes: ['a1', 'a2', 'a3'], label: 'input 2' },
      ],
      [{ scopes: ['a1', 'a2', 'a3', 'b'], statement: { effect: 'Deny', action: ['s3:GetObject'], resource: ['*'] }, label: 'output 1' }],
      ref,
    );
    expect(failures.map((f) => [f.scope, f.missing, f.alsoAt])).toEqual([['a1', ['s3:PutObject'], 2]]);
    expect(describeProofFailure(failures[0]!)).toBe('output 1 at a1 and 2 other targets with the same statements does not mean what input 1; input 2 intends (Action): missing s3:PutObject; extra none');
  });
});

/** The output statements of a minimize result, as JSON. */
function outputOf(result: MinimizePolicyResult): Record<string, unknown>[] {
  return result.policies.flatMap((p) => (JSON.parse(p.text) as { Statement: Record<string, unknown>[] }).Statement);
}

describe('minimize on the SCP pre-processor example (22 Deny statements, 10,727 characters)', () => {
  const file = path.join(PREPROCESSOR_EXAMPLES, 'example.json');
  const run = (mode: MinimizeLevelMode, maxChars: number, maxPerTarget: number, keepSids = false) => {
    const { doc, sources } = readPolicy(file);
    return minimizePolicy(doc, sources, ref, { type: 'scp', maxChars, maxPerTarget, keepSids, mode });
  };

  /** Every input statement still denies every one of its actions under its own circumstances, and nothing more. */
  function expectEveryGuardrailKept(result: MinimizePolicyResult) {
    const input = JSON.parse(fs.readFileSync(file, 'utf8')).Statement as Record<string, unknown>[];
    expect(input).toHaveLength(22);
    const before = meaning(input);
    const after = meaning(outputOf(result));
    for (const s of input) {
      const key = circumstances(s);
      const set = ref.expandList([(s.Action ?? s.NotAction) as string | string[]].flat()).actions;
      expect(after.has(key) && set.isSubsetOf(after.get(key)!), String(s.Sid)).toBe(true);
    }
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, set] of after) expect(set.equals(before.get(key)!), key).toBe(true);
  }

  // Readable by default: level 1 fits both profiles' five policies per target, so nothing is shortened.
  // --aggressive is today's smallest (the pre-processor reaches 7,425 only by losing 4 of the 22 guardrails).
  it.each([
    { profile: 'aws-legacy', mode: 'readable', maxChars: 5120, level: 1, policies: 4, introduced: 'none' },
    { profile: 'aws-2026-05', mode: 'readable', maxChars: 10240, level: 1, policies: 2, introduced: 'none' },
    { profile: 'aws-legacy', mode: 'exact', maxChars: 5120, level: 1, policies: 4, introduced: 'none' },
    // No NotAction complement is shorter for these statements: level 3 (level 4 only writes one).
    { profile: 'aws-legacy', mode: 'aggressive', maxChars: 5120, level: 3, policies: 2, introduced: 'some' },
    { profile: 'aws-2026-05', mode: 'aggressive', maxChars: 10240, level: 3, policies: 1, introduced: 'some' },
  ] as const)('$profile, $mode: level $level, $policies policies, every one of the 22 guardrails kept', ({ mode, maxChars, level, policies, introduced }) => {
    const result = run(mode, maxChars, 5);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.level).toBe(level);
    expect(result.escalatedFor).toBeUndefined();
    expect(result.policies).toHaveLength(policies);
    for (const p of result.policies) expect(p.chars).toBeLessThanOrEqual(maxChars);
    const wildcards = result.policies.flatMap((p) => p.statements.flatMap((s) => s.introduced));
    if (introduced === 'none') expect(wildcards).toEqual([]);
    else expect(wildcards.length).toBeGreaterThan(0);
    expectEveryGuardrailKept(result);
  });

  it('--aggressive is the smallest: under the pre-processor\'s 7,425 characters, and below the readable output', () => {
    const aggressive = run('aggressive', 5120, 5);
    const readable = run('readable', 5120, 5);
    const total = (r: MinimizePolicyResult) => r.policies.reduce((n, p) => n + p.chars, 0);
    expect(total(aggressive)).toBeLessThan(7425);
    expect(total(aggressive)).toBeLessThan(total(readable));
    expect(aggressive.diagnostics.map((d) => d.code)).not.toContain('unreadable-minimization');
  });

  // Fewer policies per target (a target that already holds others) force the levels one at a time:
  // each stops at the first level that fits, and says which quota forced it.
  it.each([
    { maxPerTarget: 3, level: 2, policies: 2, why: 'the per-target quota: 4 policies at level 1, 3 fit', warned: false },
    // The figure: AWS's example in two policies of 5,120 characters at level 2, every guardrail kept.
    { maxPerTarget: 2, level: 2, policies: 2, why: 'the per-target quota: 4 policies at level 1, 2 fit', warned: false },
  ])('aws-legacy with $maxPerTarget policies per target: level $level, $policies policies', ({ maxPerTarget, level, policies, why, warned }) => {
    const result = run('readable', 5120, maxPerTarget);
    expect(result.ok).toBe(true);
    expect(result.level).toBe(level);
    expect(result.escalatedFor).toBe(why);
    expect(result.policies).toHaveLength(policies);
    for (const p of result.policies) expect(p.chars).toBeLessThanOrEqual(5120);
    expect(result.diagnostics.some((d) => d.code === 'unreadable-minimization')).toBe(warned);
    expectEveryGuardrailKept(result);
    // Statements whose condition holds when their keys are absent (ArnNotLikeIfExists) reach every
    // principal, and with them any action a wildcard captures later: they stay at level 2 at most.
    const reaching = result.policies.flatMap((p) => p.statements.filter((m) => m.statement.effect === 'Deny' && reachesEveryPrincipal(m.statement.condition)));
    expect(reaching.length).toBeGreaterThan(0);
    for (const m of reaching) expect(m.level).toBeLessThanOrEqual(2);
  });

  it('when no readable level fits, writes the smallest it reached and counts the statements --aggressive would shorten', () => {
    const result = run('readable', 5120, 1);
    expect(result.ok).toBe(true);
    expect(result.policies.length).toBeGreaterThan(1);
    // Level 4 wrote no NotAction complement, so level 3 stands, and says what forced it.
    expect(result.level).toBe(3);
    expect(result.escalatedFor).toBe('the per-target quota: 2 policies at level 2, 1 fit');
    expect(result.diagnostics.some((d) => d.code === 'unreadable-minimization')).toBe(true);
    expect(result.policies.some((p) => p.statements.some((m) => m.level === 3 && m.introduced.length > 0))).toBe(true);
    // What reaches every principal stayed at level 2: that is what --aggressive would shorten.
    for (const m of result.policies.flatMap((p) => p.statements.filter((x) => x.statement.effect === 'Deny' && reachesEveryPrincipal(x.statement.condition)))) expect(m.level).toBeLessThanOrEqual(2);
    expect(result.capped).toBeGreaterThan(0);
    expect(run('aggressive', 5120, 1).capped).toBe(0);
  });

  it('keeps every statement and its Sid with --keep-sids (no merging)', () => {
    const { doc } = readPolicy(file);
    const result = run('readable', 10240, 5, true);
    expect(result.ok).toBe(true);
    const sids = outputOf(result).map((s) => s.Sid);
    expect(sids.sort()).toEqual(doc.statements.map((s) => s.sid).sort());
  });

  it('never gives an exemption list (NotAction in a Deny) a wildcard of its own, even with --aggressive', () => {
    const result = run('aggressive', 10240, 5);
    const exemptions = result.policies.flatMap((p) => p.statements.filter((s) => s.element === 'NotAction'));
    expect(exemptions).toHaveLength(1);
    expect(exemptions[0]!.introduced).toEqual([]);
  });
});

describe('minimize levels on plain policies', () => {
  const s3 = (prefix: string) => ref.expandList([`s3:${prefix}*`]).actions.toArray().map((id) => ref.actions[id]!.qualified);
  // Every s3 Get and Put action by name but the object reads and writes themselves: ~190 names.
  let names: string[];
  beforeAll(() => {
    names = [...s3('Get'), ...s3('Put')].filter((n) => n !== 's3:GetObject' && n !== 's3:PutObject');
  });

  it('a policy that fits at level 1 keeps its names and patterns as written: no wildcard the input did not have', () => {
    // iam:CreateUser is also matched by iam:Create*: the shortest exact list would drop it, as written it stays.
    const written = ['sts:AssumeRoleWithWebIdentity', 'organizations:LeaveOrganization', 'iam:Create*', 'iam:CreateUser', 'cloudtrail:StopLogging', 'cloudtrail:DeleteTrail'];
    const result = minimizeText({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: written, Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/Team': 'admin' } } }] });
    expect(result.ok).toBe(true);
    expect(result.level).toBe(1);
    expect(outputOf(result)[0]!.Action).toEqual([...written].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
    // --aggressive respells the same list (the one that would be unreadable by default).
    const aggressive = minimizeText({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: written, Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalTag/Team': 'admin' } } }] }, { mode: 'aggressive' });
    expect(aggressive.policies[0]!.statements[0]!.introduced.length).toBeGreaterThan(0);
  });

  it.each([
    { what: 'an SCP Deny under StringNotEqualsIfExists', type: 'scp' as const, statement: { Condition: { StringNotEqualsIfExists: { 'aws:PrincipalTag/Team': 'admin' } } } },
    { what: 'an RCP Deny (every principal, whatever its condition)', type: 'rcp' as const, statement: { Principal: '*', Condition: { StringEquals: { 'aws:ResourceTag/Protected': 'true' } } } },
  ])('$what never goes past level 2 without --aggressive', ({ type, statement }) => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: names, Resource: '*', ...statement }] };
    // One policy of 2,048 characters: level 1 needs several, level 2 is the highest allowed.
    const readable = minimizeText(policy, { type, maxChars: 2048, maxPerTarget: 1 });
    expect(readable.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(readable.level).toBe(2);
    expect(readable.escalatedFor).toMatch(/^the per-target quota: \d+ policies at level 1, 1 fit$/);
    expect(readable.policies.flatMap((p) => p.statements.map((m) => m.level))).not.toContain(3);
    expect(readable.capped).toBeGreaterThan(0);
    // Word-boundary patterns only: each cut of a pattern falls between two CamelCase words (a suffix
    // alone is two words or more: `s3:*AccessBlock`).
    for (const pattern of readable.policies.flatMap((p) => p.statements.flatMap((m) => m.introduced))) expect(pattern, pattern).toMatch(/^s3:([A-Z][A-Za-z]*\*([A-Z][A-Za-z]*)?|\*[A-Z][a-z]+[A-Z][A-Za-z]*)$/);
    const aggressive = minimizeText(policy, { type, maxChars: 2048, maxPerTarget: 1, mode: 'aggressive' });
    expect(aggressive.ok).toBe(true);
    expect(aggressive.level).toBe(3);
    const total = (r: MinimizePolicyResult) => r.policies.reduce((n, p) => n + p.chars, 0);
    expect(total(aggressive)).toBeLessThan(total(readable));
  });

  it('an exemption list (NotAction) too large for one policy fails: it is never shortened nor split', () => {
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', NotAction: names, Resource: '*' }] };
    for (const mode of ['readable', 'aggressive'] as const) {
      const result = minimizeText(policy, { maxChars: 2048, mode });
      expect(result.ok).toBe(false);
      const tooLarge = result.diagnostics.find((d) => d.code === 'statement-too-large');
      expect(tooLarge?.message).toMatch(/^a statement from input statement 1 is [\d,]+ characters, over the 2,009 one policy of 2,048 holds, and a NotAction list cannot be split$/);
      expect(tooLarge?.hint).toBeUndefined();
    }
  });
});

describe('compaction', () => {
  const names = (set: ActionSet) => set.toArray().map((id) => ref.actions[id]!.qualified);

  it('property: random action sets compact to patterns that expand back to exactly the same set', () => {
    const services = ref.services.filter((s) => s.endId - s.firstId >= 3);
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: services.length - 1 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom<'exact' | 'compact'>('exact', 'compact'),
        (picked, seed, mode) => {
          const wanted = ref.emptySet();
          let x = seed;
          for (const i of picked) {
            const svc = services[i]!;
            for (let id = svc.firstId; id < svc.endId; id++) {
              x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
              if (x % 3 === 0) wanted.add(id);
            }
          }
          if (wanted.isEmpty()) wanted.add(services[picked[0]!]!.firstId);
          const patterns = compactActions(ref, wanted, { mode });
          const back = ref.expandList(patterns).actions;
          expect(names(back)).toEqual(names(wanted));
          if (mode === 'exact') expect(patterns.every((p) => !p.includes('*') && !p.includes('?'))).toBe(true);
        },
      ),
      { numRuns: 150, seed: 20261122 },
    );
  });

  it('property: merged, compacted and split statements prove equivalent, and a tampered one does not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ref.services.length - 1 }), fc.integer({ min: 1, max: 5 }), (svcIndex, step) => {
        const svc = ref.services[svcIndex]!;
        const a = ref.emptySet();
        const b = ref.emptySet();
        for (let id = svc.firstId; id < svc.endId; id++) (id % (step + 1) === 0 ? a : b).add(id);
        if (a.isEmpty() || b.isEmpty()) return;
        const base = { effect: 'Deny' as const, element: 'Action' as const, given: [], maxLevel: 4 as const, resources: ['*'] };
        const minimized = minimizeStatements([{ ...base, actions: a, origin: 1 }, { ...base, actions: b, origin: 2 }], ref, { merge: true, keepSids: false, policyType: 'scp', level: 4 });
        expect(minimized).toHaveLength(1);
        const parts = splitStatement(minimized[0]!, 200) ?? [minimized[0]!];
        const inputs = [{ ...base, actions: a, origin: 1 }, { ...base, actions: b, origin: 2 }];
        expect(prove(inputs, parts.map((p) => p.statement))).toEqual([]);
        const tampered = parts.map((p, i) => (i === 0 ? { ...p.statement, action: p.statement.action!.slice(1) } : p.statement));
        // Compacted lists hold no redundant pattern: losing any one changes the meaning.
        expect(prove(inputs, tampered).length).toBeGreaterThan(0);
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('writes a whole exempt service as svc:* in the NotAction complement, and records it as introduced', () => {
    const wanted = ref.allActions().minus(ref.serviceActions(ref.service('s3')!));
    wanted.delete(ref.action('iam:GetUser')!.id);
    const [m] = minimizeStatements([{ effect: 'Deny', element: 'Action', actions: wanted, given: [], maxLevel: 4, resources: ['*'], origin: 0 }], ref, { merge: true, keepSids: false, policyType: 'scp', level: 4 });
    expect(m!.statement.notAction).toEqual(['iam:GetUser', 's3:*']);
    expect(m!.introduced).toEqual(['s3:*']);
    expect(prove([{ effect: 'Deny', element: 'Action', actions: wanted, given: [], maxLevel: 4, resources: ['*'], origin: 0 }], [m!.statement])).toEqual([]);
  });

  it('property: in exact mode, an exact written list is never lengthened', () => {
    const pool = ['s3:Get*', 's3:GetObject', 'ec2:Describe*', 'ec2:DescribeVpcs', 'iam:*User*', 'iam:CreateUser', 'kms:*', '*:GetResourcePolicy', 'lambda:?etFunction', 'sns:Publish', 'dynamodb:*Item'];
    fc.assert(
      fc.property(fc.subarray(pool, { minLength: 1 }), (given) => {
        const wanted = ref.expandList(given).actions;
        const out = compactActions(ref, wanted, { mode: 'exact', given });
        expect(ref.expandList(out).actions.equals(wanted)).toBe(true);
        expect(listCost(out)).toBeLessThanOrEqual(listCost(given));
        expect(out.filter((p) => p.includes('*') || p.includes('?')).every((p) => given.some((g) => g.toLowerCase() === p.toLowerCase()))).toBe(true);
      }),
      { numRuns: 40, seed: 5 },
    );
  });

  it('keeps a cross-service wildcard the intent wrote (`*:Describe*`) instead of writing out every action', () => {
    const given = ['*:Describe*', 's3:GetObject'];
    const wanted = ref.expandList(given).actions;
    expect(wanted.size).toBeGreaterThan(1000);
    expect(compactActions(ref, wanted, { mode: 'exact', given })).toEqual(['*:Describe*', 's3:GetObject']);
    const compact = compactActions(ref, wanted, { mode: 'compact', given });
    expect(compact[0]).toBe('*:Describe*');
    expect(ref.expandList(compact).actions.equals(wanted)).toBe(true);
  });

  it('drops a cross-service wildcard that does not match exactly the wanted actions', () => {
    const wanted = ref.expandList(['ec2:Describe*']).actions;
    expect(compactActions(ref, wanted, { mode: 'exact', given: ['*:Describe*', 'ec2:Describe*'] })).toEqual(['ec2:Describe*']);
  });

  it('property: random statements (given patterns, conditions, resources, NotAction) minimize to statements the proof accepts', () => {
    const services = ref.services.filter((x) => x.endId - x.firstId >= 3 && x.endId - x.firstId <= 400);
    const givenPool = ['s3:Get*', 'ec2:Describe*', 'iam:*User*', 'kms:*', 'lambda:?etFunction', 'sns:Publish', '*:GetResourcePolicy', 'dynamodb:*Item'];
    const conditions: (Condition | undefined)[] = [undefined, { StringNotEquals: { 'aws:PrincipalTag/Team': ['A'] } }, { StringNotEquals: { 'aws:principaltag/team': ['A'] } }, { StringNotEquals: { 'aws:PrincipalTag/Team': ['A'], 'aws:principaltag/team': ['B'] } }, { Bool: { 'aws:SecureTransport': ['false'] } }];
    const resources = [['*'], ['arn:aws:s3:::b/*'], ['arn:aws:s3:::b/*', 'arn:aws:s3:::c']];
    const statement = fc.record({
      svc: fc.nat({ max: services.length - 1 }),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      given: fc.subarray(givenPool, { maxLength: 2 }),
      condition: fc.nat({ max: conditions.length - 1 }),
      resource: fc.nat({ max: resources.length - 1 }),
      kind: fc.constantFrom('Action', 'Action', 'Action', 'NotAction', 'nearly-all'),
      mode: fc.constantFrom<'exact' | 'compact'>('exact', 'compact', 'compact'),
    });
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.constantFrom(600, 10240), (drafts, merge, maxChars) => {
        const inputs: IntendedStatement<number>[] = drafts.map((d, k) => {
          const svc = services[d.svc]!;
          const actions = ref.expandList(d.given).actions;
          let x = d.seed;
          for (let id = svc.firstId; id < svc.endId; id++) {
            x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
            if (x % 3 === 0) actions.add(id);
          }
          if (actions.isEmpty()) actions.add(svc.firstId);
          const nearlyAll = d.kind === 'nearly-all';
          const condition = conditions[d.condition];
          return {
            effect: 'Deny',
            element: d.kind === 'NotAction' ? 'NotAction' : 'Action',
            actions: nearlyAll ? ref.allActions().minus(actions) : actions,
            given: nearlyAll ? [] : d.given,
            maxLevel: d.mode === 'exact' ? 1 : 4,
            resources: resources[d.resource]!,
            ...(condition ? { condition } : {}),
            origin: k,
          };
        });
        const minimized = minimizeStatements(inputs, ref, { merge, keepSids: !merge, policyType: 'scp', level: 4 });
        const parts = minimized.flatMap((m) => splitStatement(m, maxChars) ?? [m]);
        expect(prove(inputs, parts.map((p) => p.statement))).toEqual([]);
        for (const m of minimized) {
          const levels = m.origins.map((o) => inputs[o]!.maxLevel);
          if (levels.includes(1)) expect([m.introduced, m.introducedNotAction]).toEqual([[], false]);
          if (m.introducedNotAction) expect(m.origins.map((o) => inputs[o]!.element)).not.toContain('NotAction');
        }
      }),
      { numRuns: 40, seed: 20260822 },
    );
  });

  it('uses NotAction for an SCP Deny of nearly everything, exact within the reference', () => {
    const wanted = ref.allActions();
    const keep = ['iam:GetUser', 's3:ListAllMyBuckets'].map((n) => ref.action(n)!.id);
    for (const id of keep) wanted.delete(id);
    const [m] = minimizeStatements([{ effect: 'Deny', element: 'Action', actions: wanted, given: [], maxLevel: 4, resources: ['*'], origin: 0 }], ref, { merge: true, keepSids: false, policyType: 'scp', level: 4 });
    expect(m!.element).toBe('NotAction');
    expect(m!.introducedNotAction).toBe(true);
    expect(m!.statement.notAction).toEqual(['iam:GetUser', 's3:ListAllMyBuckets']);
    // Exact mode never trades the listed actions for a NotAction (it would deny what AWS adds later).
    const [exact] = minimizeStatements([{ effect: 'Deny', element: 'Action', actions: wanted, given: [], maxLevel: 1, resources: ['*'], origin: 0 }], ref, { merge: true, keepSids: false, policyType: 'scp', level: 4 });
    expect([exact!.element, exact!.introducedNotAction]).toEqual(['Action', false]);
    expect(prove([{ effect: 'Deny', element: 'Action', actions: wanted, given: [], maxLevel: 4, resources: ['*'], origin: 0 }], [m!.statement])).toEqual([]);
  });
});
