/**
 * Two partner exceptions of one perimeter whose scopes overlap: each partner keeps its whole scope on
 * resources tagged for it, and nothing more. Before, the overlapping actions were carved out for the
 * first partner's tag only, so beta, granted sqs:Get*, was denied them on its own tagged queues.
 * (SQS queue tags always reach aws:ResourceTag; S3 bucket tags need bucket ABAC.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile/index.js';
import { loadIntent } from '../../src/intent/index.js';
import { simulate } from '../../src/simulate/index.js';
import { ORG_HEADER } from '../support/compile.js';
import { reference2026 } from '../support/reference.js';
import { tempDir } from '../support/temp.js';

const ALPHA = '555555555555';
const BETA = '666666666666';

function request(name: string, who: 'alpha' | 'beta' | 'org', action: string, tag: 'alpha' | 'beta' | 'none', expect: 'allow' | 'deny', tags: { alpha: [string, string]; beta: [string, string] }): string {
  const principal = who === 'org' ? 'arn:aws:iam::222222222222:role/app' : `arn:aws:iam::${who === 'alpha' ? ALPHA : BETA}:role/${who}`;
  const resourceTags = tag === 'none' ? '' : `\n      resourceTags: { ${tags[tag][0]}: ${tags[tag][1]} }`;
  return `  - name: ${name}
    request:
      principal: "${principal}"
      principalOrgId: ${who === 'org' ? 'o-abcdefghij' : 'o-zzzzzzzzzz'}
      action: ${action}
      resource: "arn:aws:sqs:us-east-1:222222222222:${tag}-queue"
      region: us-east-1${resourceTags}
    expect: ${expect}
`;
}

async function simulateOverlap(tags: { alpha: [string, string]; beta: [string, string] }) {
  const dir = await tempDir();
  const t = (name: string, who: 'alpha' | 'beta' | 'org', action: string, tag: 'alpha' | 'beta' | 'none', e: 'allow' | 'deny') => request(name, who, action, tag, e, tags);
  const text = `${ORG_HEADER}controls:
  perimeter:
    kind: identity-perimeter
    services: [sqs]
    partnerExceptions:
      - tag: { key: ${tags.alpha[0]}, value: ${tags.alpha[1]} }
        accounts: ["${ALPHA}"]
        adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"]
        services: [sqs]
      - tag: { key: ${tags.beta[0]}, value: ${tags.beta[1]} }
        accounts: ["${BETA}"]
        adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"]
        actions: ["sqs:Get*"]
    attach: [Root]
waves:
  - { name: all, targets: [Root] }
tests:
${[
  t('beta reads its own queue', 'beta', 'sqs:GetQueueAttributes', 'beta', 'allow'),
  t('beta cannot write its own queue, outside its scope', 'beta', 'sqs:SendMessage', 'beta', 'deny'),
  t('beta cannot read alpha queue', 'beta', 'sqs:GetQueueAttributes', 'alpha', 'deny'),
  t('beta cannot read an untagged queue', 'beta', 'sqs:GetQueueAttributes', 'none', 'deny'),
  t('alpha reads its own queue', 'alpha', 'sqs:GetQueueAttributes', 'alpha', 'allow'),
  t('alpha writes its own queue', 'alpha', 'sqs:SendMessage', 'alpha', 'allow'),
  t('alpha cannot read beta queue', 'alpha', 'sqs:GetQueueAttributes', 'beta', 'deny'),
  t('alpha cannot write beta queue', 'alpha', 'sqs:SendMessage', 'beta', 'deny'),
  t('alpha cannot write an untagged queue', 'alpha', 'sqs:SendMessage', 'none', 'deny'),
  t('the organization reads beta queue', 'org', 'sqs:GetQueueAttributes', 'beta', 'allow'),
  t('the organization writes alpha queue', 'org', 'sqs:SendMessage', 'alpha', 'allow'),
].join('')}`;
  const file = path.join(dir, 'intent.yaml');
  fs.writeFileSync(file, text);
  const ref = await reference2026();
  const { intent, diagnostics } = await loadIntent({ cwd: dir, files: [file] });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const compiled = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: dir });
  expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return { compiled, intent: intent!, ref, results: simulate(intent!, compiled, ref.index, { generated: false }).results, generated: simulate(intent!, compiled, ref.index).results.filter((r) => r.scenario.origin === 'generated') };
}

describe('overlapping partner exceptions of one perimeter', () => {
  it.each([
    ['one tag key, a value per partner', { alpha: ['partner', 'alpha'], beta: ['partner', 'beta'] }],
    ['a tag key per partner', { alpha: ['partner-alpha', 'trusted'], beta: ['partner-beta', 'trusted'] }],
  ] as const)('%s: each partner reaches its whole scope on its own tagged resources, and nothing more', async (_, tags) => {
    const { results } = await simulateOverlap({ alpha: [...tags.alpha], beta: [...tags.beta] });
    expect(results).toHaveLength(11);
    const wrong = results.filter((r) => !r.pass).map((r) => `${r.scenario.name}: ${r.decision.decision} (${r.decision.reason})`);
    expect(wrong).toEqual([]);
  });

  it('a resource tagged for both partners is restricted by both statements: the organization only', async () => {
    const { compiled, intent, ref } = await simulateOverlap({ alpha: ['partner-alpha', 'trusted'], beta: ['partner-beta', 'trusted'] });
    const both = (name: string, who: string, org: string, e: 'allow' | 'deny') => ({
      name,
      request: { principal: who, principalOrgId: org, action: 'sqs:GetQueueAttributes', resource: 'arn:aws:sqs:us-east-1:222222222222:shared-queue', region: 'us-east-1', resourceTags: { 'partner-alpha': 'trusted', 'partner-beta': 'trusted' } },
      expect: e,
    });
    const tests = [
      both('alpha on a queue tagged for both', `arn:aws:iam::${ALPHA}:role/alpha`, 'o-zzzzzzzzzz', 'deny'),
      both('beta on a queue tagged for both', `arn:aws:iam::${BETA}:role/beta`, 'o-zzzzzzzzzz', 'deny'),
      both('the organization on a queue tagged for both', 'arn:aws:iam::222222222222:role/app', 'o-abcdefghij', 'allow'),
    ];
    const results = simulate({ ...intent, tests: tests as typeof intent.tests }, compiled, ref.index, { generated: false }).results;
    expect(results.map((r) => `${r.scenario.name}: ${r.pass ? 'pass' : `fail (${r.decision.decision})`}`)).toEqual(tests.map((t) => `${t.name}: pass`));
  });

  it('the scenarios generated for the perimeter pass too', async () => {
    const { generated } = await simulateOverlap({ alpha: ['partner', 'alpha'], beta: ['partner', 'beta'] });
    expect(generated.length).toBeGreaterThan(0);
    expect(generated.filter((r) => !r.pass).map((r) => `${r.scenario.name}: ${r.decision.decision}`)).toEqual([]);
  });

  it('the actions both partners hold carve out both tags; the rest of alpha\'s scope only alpha\'s', async () => {
    const { compiled } = await simulateOverlap({ alpha: ['partner-alpha', 'trusted'], beta: ['partner-beta', 'trusted'] });
    const statements = compiled.policies.flatMap((p) => p.statements.flatMap((s) => s.origins.map((o) => ({ role: o.draft.role, condition: o.draft.condition }))));
    const both = statements.find((s) => s.role === 'perimeter-partner-scope-1-2')!;
    expect(both.condition!.StringNotEqualsIfExists).toMatchObject({ 'aws:ResourceTag/partner-alpha': ['trusted'], 'aws:ResourceTag/partner-beta': ['trusted'] });
    const alphaOnly = statements.find((s) => s.role === 'perimeter-partner-scope')!;
    expect(Object.keys(alphaOnly.condition!.StringNotEqualsIfExists!)).not.toContain('aws:ResourceTag/partner-beta');
  });
});
