/**
 * Confused-deputy protection covers every sts action once the perimeter covers sts, as AWS's
 * data-perimeter example does: a service acting for another organization's account is denied
 * sts:SetSourceIdentity and sts:TagSession on the organization's roles too, which the perimeter's own
 * seven sts actions leave out.
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

const test = (name: string, action: string, sourceAccount: string, sourceOrg: string, expect: 'allow' | 'deny') => `  - name: "${name}"
    request:
      principal: ec2.amazonaws.com
      principalIsAwsService: true
      action: ${action}
      resource: "arn:aws:iam::222222222222:role/app"
      region: us-east-1
      context: { "aws:SourceAccount": "${sourceAccount}", "aws:SourceOrgID": "${sourceOrg}" }
    expect: ${expect}
`;

describe('confused-deputy protection over sts', () => {
  it('denies a service acting for another organization every sts action on the organization\'s roles, and lets it act for the organization', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'intent.yaml');
    fs.writeFileSync(
      file,
      `${ORG_HEADER}controls:
  perimeter:
    kind: identity-perimeter
    services: [s3]
    actions: [sts:AssumeRole, sts:DecodeAuthorizationMessage, sts:GetAccessKeyInfo, sts:GetFederationToken, sts:GetServiceBearerToken, sts:GetSessionToken, sts:SetContext]
    confusedDeputy: true
    attach: [Root]
waves:
  - { name: all, targets: [Root] }
tests:
${test('for another organization: AssumeRole', 'sts:AssumeRole', '999999999999', 'o-zzzzzzzzzz', 'deny')}${test('for another organization: SetSourceIdentity', 'sts:SetSourceIdentity', '999999999999', 'o-zzzzzzzzzz', 'deny')}${test('for another organization: TagSession', 'sts:TagSession', '999999999999', 'o-zzzzzzzzzz', 'deny')}${test('for the organization: SetSourceIdentity', 'sts:SetSourceIdentity', '333333333333', 'o-abcdefghij', 'allow')}${test('for the organization: TagSession', 'sts:TagSession', '333333333333', 'o-abcdefghij', 'allow')}`,
    );
    const ref = await reference2026();
    const { intent, diagnostics } = await loadIntent({ cwd: dir, files: [file] });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const compiled = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: dir });
    expect(compiled.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const results = simulate(intent!, compiled, ref.index, { generated: false }).results;
    expect(results).toHaveLength(5);
    expect(results.filter((r) => !r.pass).map((r) => `${r.scenario.name}: ${r.decision.decision} (${r.decision.reason})`)).toEqual([]);
  });
});
