/** Controls that contradict each other where both reach, and attachments that overlap within one control. */
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp.js';
import { validateText } from '../support/intent.js';

const HEAD = `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  tree:
    Root:
      accounts: ["111111111111"]
      Workloads:
        Prod:
          accounts: ["222222222222"]
        Dev:
          accounts: ["333333333333"]
      Sandbox:
        accounts: ["444444444444"]
waves:
  - { name: all, targets: [Root] }
controls:
`;

async function diagnosticsOf(controls: string) {
  const { diagnostics } = await validateText(HEAD + controls, await tempDir());
  return diagnostics.map((d) => ({ severity: d.severity, code: d.code, line: d.location?.line, col: d.location?.col, message: d.message }));
}

describe('region-deny controls on one node', () => {
  it('disjoint allowedRegions where both reach: an error naming both controls and the node', async () => {
    const d = await diagnosticsOf(`  eu: { kind: region-deny, allowedRegions: [eu-central-1], attach: [Root] }
  us: { kind: region-deny, allowedRegions: [us-east-1], attach: [Prod] }
`);
    expect(d).toEqual([expect.objectContaining({ severity: 'error', code: 'contradicting-controls', line: 19 })]);
    expect(d[0]!.message).toMatch(/control us and control eu \(intent\.yaml:18:\d+\) both apply to OU .*Prod/);
    expect(d[0]!.message).toContain('every regional action is denied there');
  });

  it('names only the highest nodes both reach, not the OUs and accounts below them', async () => {
    const d = await diagnosticsOf(`  eu: { kind: region-deny, allowedRegions: [eu-central-1], attach: [Root], exclude: [Dev] }
  us: { kind: region-deny, allowedRegions: [us-east-1], attach: [Workloads, Sandbox] }
`);
    expect(d).toEqual([expect.objectContaining({ code: 'exclusion-pushes-down' }), expect.objectContaining({ code: 'contradicting-controls' })]);
    const where = d[1]!.message.slice(d[1]!.message.indexOf('both apply to'), d[1]!.message.indexOf(':', d[1]!.message.indexOf('both apply to')));
    expect(where).toBe('both apply to OU Root/Workloads, OU Root/Sandbox');
  });

  it('disjoint allowedRegions on nodes apart: no contradiction', async () => {
    expect(await diagnosticsOf(`  eu: { kind: region-deny, allowedRegions: [eu-central-1], attach: [Sandbox] }
  us: { kind: region-deny, allowedRegions: [us-east-1], attach: [Workloads] }
`)).toEqual([]);
  });

  it('an exclusion that keeps them apart: no contradiction', async () => {
    expect(await diagnosticsOf(`  eu: { kind: region-deny, allowedRegions: [eu-central-1], attach: [Root], exclude: [Prod] }
  us: { kind: region-deny, allowedRegions: [us-east-1], attach: [Prod] }
`)).toEqual([expect.objectContaining({ code: 'exclusion-pushes-down' })]);
  });

  it('a disabled control contradicts nothing', async () => {
    expect(await diagnosticsOf(`  eu: { kind: region-deny, allowedRegions: [eu-central-1], attach: [Root], enabled: false }
  us: { kind: region-deny, allowedRegions: [us-east-1], attach: [Prod] }
`)).toEqual([]);
  });

  it('lists that only overlap: a warning with the Regions left', async () => {
    const d = await diagnosticsOf(`  a: { kind: region-deny, allowedRegions: [eu-central-1, eu-west-1], attach: [Workloads] }
  b: { kind: region-deny, allowedRegions: [eu-west-1, us-east-1], attach: [Workloads] }
`);
    expect(d).toEqual([expect.objectContaining({ severity: 'warning', code: 'narrowed-regions', line: 19 })]);
    expect(d[0]!.message).toContain('only eu-west-1 is allowed there, not eu-central-1, us-east-1');
  });

  it('one list inside the other is a deliberate narrowing: silent', async () => {
    expect(await diagnosticsOf(`  org: { kind: region-deny, allowedRegions: [eu-central-1, eu-west-1, us-east-1], attach: [Root] }
  prod: { kind: region-deny, allowedRegions: [eu-central-1], attach: [Prod] }
`)).toEqual([]);
  });
});

describe('attachments within one control', () => {
  it('a target under another target of the same control: a warning at the inner one', async () => {
    const d = await diagnosticsOf('  no-users: { kind: deny-actions, actions: [iam:CreateUser], attach: [Workloads, Prod] }\n');
    expect(d).toEqual([expect.objectContaining({ severity: 'warning', code: 'overlapping-attach', line: 18, col: 82 })]);
    expect(d[0]!.message).toMatch(/Prod is under OU .*Workloads/);
  });

  it('an exclusion between the two: the outer target does not reach the inner one, no overlap', async () => {
    const d = await diagnosticsOf('  no-users: { kind: deny-actions, actions: [iam:CreateUser], attach: [Root, Prod], exclude: [Workloads] }\n');
    expect(d.map((x) => x.code)).not.toContain('overlapping-attach');
  });

  it('targets side by side: silent', async () => {
    expect(await diagnosticsOf('  no-users: { kind: deny-actions, actions: [iam:CreateUser], attach: [Prod, Dev] }\n')).toEqual([]);
  });
});

describe('partner exceptions that share a tag', () => {
  const partner = (accounts: string, scope: string, tag = 'trusted') =>
    `      - { tag: { key: partner-access-exception, value: ${tag} }, accounts: ["${accounts}"], adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"], ${scope} }\n`;
  const perimeter = (partners: string) => `  perimeter:\n    kind: identity-perimeter\n    services: [sqs, kms]\n    partnerExceptions:\n${partners}    attach: [Root]\n`;

  it('on scopes apart: each partner keeps its own actions, silent', async () => {
    expect(await diagnosticsOf(perimeter(partner('555555555555', 'services: [sqs]') + partner('666666666666', 'services: [kms]')))).toEqual([]);
  });

  it('with a tag value each: silent (the perimeter compiles both)', async () => {
    expect(await diagnosticsOf(perimeter(partner('555555555555', 'services: [sqs]', 'alpha') + partner('666666666666', 'actions: ["sqs:Get*"]', 'beta')))).toEqual([]);
  });

  it('a tag key differing only in case is the same tag', async () => {
    const d = await diagnosticsOf(perimeter(partner('555555555555', 'services: [sqs]') + partner('666666666666', 'actions: ["sqs:Get*"]').replace('key: partner-access-exception', 'key: Partner-Access-Exception')));
    expect(d).toEqual([expect.objectContaining({ severity: 'error', code: 'contradicting-partner-exceptions' })]);
    expect(d[0]!.message).toMatch(/^control perimeter: the partner exception for 666666666666 uses the tag .* of the partner exception for 555555555555 \(intent\.yaml:\d+:\d+\) on \d+ common actions/);
  });

  it('across partner-tag-exception controls that reach a common node', async () => {
    const control = (id: string, accounts: string, attach: string) =>
      `  ${id}: { kind: partner-tag-exception, tag: { key: p, value: "yes" }, accounts: ["${accounts}"], adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"], services: [sqs], attach: [${attach}] }\n`;
    expect(await diagnosticsOf(control('alpha', '555555555555', 'Prod') + control('beta', '666666666666', 'Sandbox'))).toEqual([]);
    const d = await diagnosticsOf(control('alpha', '555555555555', 'Workloads') + control('beta', '666666666666', 'Prod'));
    expect(d).toEqual([expect.objectContaining({ severity: 'error', code: 'contradicting-partner-exceptions', line: 19 })]);
  });

  describe("a perimeter's partner exception and a partner-tag-exception control", () => {
    const standalone = (accounts: string, attach: string) =>
      `  px: { kind: partner-tag-exception, tag: { key: partner-access-exception, value: trusted }, accounts: ["${accounts}"], adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"], actions: ["sqs:SendMessage"], attach: [${attach}] }\n`;
    const inPerimeter = perimeter(partner('555555555555', 'services: [sqs]'));

    it('that reach a common node: an error at the later one naming the other', async () => {
      const d = await diagnosticsOf(inPerimeter + standalone('666666666666', 'Prod'));
      expect(d).toEqual([expect.objectContaining({ severity: 'error', code: 'contradicting-partner-exceptions', line: 24, col: 43 })]);
      expect(d[0]!.message).toMatch(/^control px: the partner exception for 666666666666 uses the tag partner-access-exception=trusted of the partner exception for 555555555555 in control perimeter \(intent\.yaml:22:16\) on 1 common action \(sqs:SendMessage\)/);
    });

    it('for the same partner accounts, or with a tag value each: silent', async () => {
      expect(await diagnosticsOf(inPerimeter + standalone('555555555555', 'Prod'))).toEqual([]);
      expect(await diagnosticsOf(inPerimeter + standalone('666666666666', 'Prod').replace('value: trusted', 'value: other'))).toEqual([]);
    });
  });
});
