import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/evaluate/index.js';
import { shortActual, type ScenarioResult } from '../../src/simulate/index.js';

function result(actual: string, decision: Partial<Decision>): ScenarioResult {
  return {
    scenario: { name: 's', origin: 'test', request: { principal: { id: 'x' }, action: 'a:b', resource: { arn: '*' } }, expect: { kind: 'deny' } },
    decision: { decision: 'explicit-deny', denies: [], reason: '', errors: [], scp: true, rcp: true, ...decision },
    engine: 'local',
    pass: true,
    actual,
  };
}

describe('the table shortens the deciding statement and keeps its level', () => {
  const d = { kind: 'scp' as const, policy: 'guardrails-scp-allowed-regions+no-long-term-credentials+protect-security-services', statement: 3, sid: 'AllowedRegionsDenyOutsideTheApprovedRegionsForWorkloads', level: 'Root/Workloads/Prod/Payments' };
  const actual = `deny by allowed-regions (SCP ${d.policy} statement ${d.sid} at ${d.level})`;

  it.each([110, 90, 80])('to %i characters', (max) => {
    const short = shortActual(result(actual, { decidedBy: d }), max);
    expect(actual.length).toBeGreaterThan(max);
    expect(short.length).toBeLessThanOrEqual(max);
    expect(short).toMatch(/^deny by .* \(SCP .*\.\.\..* statement .* at Root\/Workloads\/Prod\/Payments\)$/);
    if (max >= 110) expect(short.startsWith('deny by allowed-regions (SCP ')).toBe(true);
  });

  it('leaves a short text alone and cuts one without a deciding statement in the middle', () => {
    expect(shortActual(result('deny by x (SCP p statement 1 at Root)', { decidedBy: { kind: 'scp', policy: 'p', statement: 0, level: 'Root' } }))).toBe('deny by x (SCP p statement 1 at Root)');
    const error = `error: cannot evaluate ${'x'.repeat(200)} at the end`;
    const short = shortActual(result(error, { decision: 'error' }), 60);
    expect(short).toHaveLength(60);
    expect(short.endsWith('at the end')).toBe(true);
  });
});
