/**
 * Region restrictions written by hand (custom statements, imported files) and region-deny controls
 * compose by intersection where both apply: no Region in common denies every regional action there.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileControls, errorsOf } from '../support/compile.js';

const denyOutside = (op: string, regions: string[], extra = '') =>
  `{ Effect: Deny, NotAction: ["iam:*", "organizations:*", "sts:*"], Resource: "*", Condition: { ${op}: { "aws:RequestedRegion": [${regions.join(', ')}] }${extra} } }`;

describe('hand-written Region restrictions against each other and against region-deny', () => {
  it('a custom statement and a region-deny with no Region in common where both apply: an error at the later one', async () => {
    const c = await compileControls(`  legacy-regions:
    kind: custom
    type: scp
    statements:
      - ${denyOutside('StringNotEquals', ['us-east-1', 'us-west-2'])}
    attach: [Root]
  eu-only: { kind: region-deny, allowedRegions: [eu-west-1], attach: [Prod] }
`);
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^contradicting-controls: control eu-only and control legacy-regions \(intent\.yaml:\d+:\d+\) both deny every request outside their Regions at OU Root\/Prod: \[eu-west-1\] and \[us-east-1, us-west-2\]/)]);
  });

  it('an imported region deny with patterns: the error is located in the file', async () => {
    const policy = `{
  "Version": "2012-10-17",
  "Statement": [
    { "Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*", "Condition": { "StringNotLike": { "aws:RequestedRegion": ["eu-*"] } } }
  ]
}
`;
    const c = await compileControls(`  us-only: { kind: region-deny, allowedRegions: [us-east-1], attach: [Dev] }\n  legacy: { kind: import, type: scp, file: legacy.json, attach: [Root] }\n`, { 'legacy.json': policy });
    const d = c.result.diagnostics.filter((x) => x.code === 'contradicting-controls');
    expect(d).toHaveLength(1);
    expect(path.basename(d[0]!.location!.file)).toBe('legacy.json');
    expect(d[0]!.message).toMatch(/control legacy and control us-only .* at OU Root\/Dev: \[eu-/);
  });

  it('Regions in common, other nodes, or a restriction that applies only to some requests: no error', async () => {
    const overlap = await compileControls(`  legacy: { kind: custom, type: scp, statements: [${denyOutside('StringNotEquals', ['eu-west-1'])}], attach: [Root] }
  org: { kind: region-deny, allowedRegions: [eu-west-1, us-east-1], attach: [Root] }
`);
    expect(errorsOf(overlap)).toEqual([]);
    const apart = await compileControls(`  legacy: { kind: custom, type: scp, statements: [${denyOutside('StringNotEquals', ['us-east-1'])}], attach: [Dev] }
  eu: { kind: region-deny, allowedRegions: [eu-west-1], attach: [Prod] }
`);
    expect(errorsOf(apart)).toEqual([]);
    const someRequests = await compileControls(`  legacy: { kind: custom, type: scp, statements: [${denyOutside('StringNotEquals', ['us-east-1'], ', StringEquals: { "aws:PrincipalTag/team": red }')}], attach: [Root] }
  eu: { kind: region-deny, allowedRegions: [eu-west-1], attach: [Prod] }
`);
    expect(errorsOf(someRequests)).toEqual([]);
  });

  it('two region-deny controls are reported once, by validate', async () => {
    const c = await compileControls(`  eu: { kind: region-deny, allowedRegions: [eu-west-1], attach: [Root] }\n  us: { kind: region-deny, allowedRegions: [us-east-1], attach: [Prod] }\n`);
    expect(errorsOf(c)).toEqual([expect.stringMatching(/^contradicting-controls: control us and control eu .* both apply to OU Root\/Prod/)]);
  });
});
