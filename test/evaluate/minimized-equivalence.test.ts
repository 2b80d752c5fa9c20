/**
 * Property: a policy set and its minimized form decide every generated request identically.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { compile, minimizePolicy } from '../../src/compile/index.js';
import { authorize, buildRequest, compilePolicy, type CompiledPolicy } from '../../src/evaluate/index.js';
import { findIntentFiles, loadIntent } from '../../src/intent/index.js';
import { parseJsonWithPositions, readPolicyDocument, type Statement } from '../../src/policy/index.js';
import { World } from '../../src/simulate/index.js';
import type { ReferenceIndex } from '../../src/reference/index.js';
import { PREPROCESSOR_EXAMPLES, PROJECT_ROOT } from '../support/paths.js';
import { Random, randomRequest, resourceArnFor } from '../support/random-requests.js';
import { reference2026 } from '../support/reference.js';

let ref: ReferenceIndex;
beforeAll(async () => {
  ref = (await reference2026()).index;
});

const FULL: Statement = { effect: 'Allow', action: ['*'], resource: ['*'] };

describe('minimized policies decide like their source', () => {
  it('the SCP pre-processor example: exact expansion and minimized output decide every request alike', () => {
    const file = path.join(PREPROCESSOR_EXAMPLES, 'example.json');
    const sources = new SourceIndex();
    const doc = readPolicyDocument(parseJsonWithPositions(file, fs.readFileSync(file, 'utf8'), sources).value, sources, { ignoreKeys: ['Comment', 'Comments'] }).document!;
    // The source's meaning: every statement with its actions written out exactly.
    const exact: Statement[] = doc.statements.map((s) => {
      const list = ref.expandList((s.action ?? s.notAction)!).actions.toArray().map((id) => ref.actions[id]!.qualified);
      return { ...s, ...(s.action ? { action: list } : { notAction: list }) };
    });
    const minimized = minimizePolicy(doc, sources, ref, { type: 'scp', maxChars: 5120, maxPerTarget: 5, keepSids: false, mode: 'aggressive' });
    expect(minimized.ok).toBe(true);
    const source: CompiledPolicy[] = [compilePolicy('full', [FULL], ref), compilePolicy('source', exact, ref)];
    const target: CompiledPolicy[] = [compilePolicy('full', [FULL], ref), ...minimized.policies.map((p, i) => compilePolicy(`min${i}`, p.statements.map((s) => s.statement), ref))];
    const named = exact.flatMap((s) => ref.expandList((s.action ?? s.notAction)!).actions.toArray());
    const roles = ['arn:aws:iam::111122223333:role/AWSControlTowerExecution', 'arn:aws:iam::111122223333:role/stacksets-exec-1', 'arn:aws:iam::111122223333:role/dev', 'arn:aws:iam::111122223333:root'];
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...named), fc.integer({ min: 0, max: ref.size - 1 })),
        fc.constantFrom(...roles),
        fc.constantFrom('us-east-1', 'eu-central-1', 'ap-south-1'),
        fc.record({ team: fc.constantFrom('TeamA', 'TeamB', undefined), resourceTeam: fc.constantFrom('TeamA', undefined), seed: fc.nat() }),
        (a, principal, region, extra) => {
          const action = typeof a === 'number' ? ref.actions[a]!.qualified : ref.actions[a]!.qualified;
          const arn = resourceArnFor(ref, action, '111122223333', region, new Random(extra.seed + 1));
          const request = buildRequest(
            {
              principal: { id: principal, ...(extra.team ? { tags: { Team: extra.team } } : {}) },
              action,
              resource: { arn, account: '111122223333', ...(extra.resourceTeam ? { tags: { Team: extra.resourceTeam } } : {}) },
              region,
              context: { 'kms:GrantIsForAWSResource': extra.seed % 2 === 0, 's3:x-amz-acl': extra.seed % 3 === 0 ? 'bucket-owner-full-control' : 'private' },
            },
            ref,
          );
          const decide = (policies: CompiledPolicy[]) => authorize({ request, scp: { levels: [{ label: 'account', policies }] }, supportsRcp: () => false }).decision;
          expect(decide(target)).toBe(decide(source));
        },
      ),
      { numRuns: 3000, seed: 42 },
    );
  });

  it('the example organization compiled exact, and minimized as far as a tight quota forces, decides every generated request alike', async () => {
    const r = await reference2026();
    const files = await findIntentFiles(PROJECT_ROOT);
    // Exact at the real quotas; aggressive at quotas small enough that groups escalate past level 1.
    const settings = [
      { wildcards: 'exact', quotas: undefined },
      { wildcards: 'aggressive', quotas: { profile: 'aws-2026-05', scp: { maxChars: 1500, maxPerTarget: 4 }, rcp: { maxChars: 5120, maxPerTarget: 5 } } },
    ] as const;
    const worlds = await Promise.all(
      settings.map(async ({ wildcards, quotas }) => {
        const { intent } = await loadIntent({ cwd: PROJECT_ROOT, files });
        intent!.defaults.wildcards = wildcards;
        if (quotas) intent!.quotas = { profile: quotas.profile, scp: { ...quotas.scp }, rcp: { ...quotas.rcp } };
        const compiled = compile({ intent: intent!, reference: r.index, referenceManifest: r.manifest, root: PROJECT_ROOT });
        expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        return new World(intent!, intent!.tree!, compiled, r.index);
      }),
    );
    const [exact, compact] = worlds as [World, World];
    expect(exact.result.policies.map((p) => p.level)).toEqual(exact.result.policies.map(() => 1));
    expect(Math.max(...compact.result.policies.map((p) => p.level))).toBeGreaterThanOrEqual(3);
    const covered = r.index.emptySet();
    for (const p of exact.result.policies) for (const s of p.statements) if (s.element === 'Action') covered.addAll(s.intended);
    const population = {
      orgId: exact.orgId,
      managementAccount: exact.managementAccount,
      accounts: exact.tree.accounts.map((a) => a.id!).filter((id) => id !== exact.managementAccount),
      outsideAccounts: ['999999999999', '888888888801'],
      regions: ['us-east-1', 'eu-central-1', 'ap-southeast-2'],
      covered,
      tags: [{ key: 'partner-access-exception', value: 'trusted-partner' }, { key: 'dp:exclude:identity', value: 'true' }],
    };
    const random = new Random(7);
    for (let i = 0; i < 3000; i++) {
      const g = randomRequest(r.index, population, random);
      const decide = (w: World) => {
        const request = buildRequest(g.spec, r.index);
        return authorize({ request, managementAccount: w.managementAccount, scp: w.chain(request.principalAccount, 'scp'), rcp: w.chain(request.resourceAccount, 'rcp'), supportsRcp: (s) => r.index.supportsRcp(s) }).decision;
      };
      expect(decide(compact), JSON.stringify(g.spec)).toBe(decide(exact));
    }
  });
});
