/**
 * The issue's "done means": `guardrails impact` on the generated month of the example organization's
 * traffic (test/support/cloudtrail-traffic.ts) names exactly the requests the example change newly
 * denies, with their controls and counts, the planted already-denied and may-deny cases, and none of
 * the decoys. The month is written at a third of its default background to keep the file fast; the
 * planted cases are the same.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImpactFinding, ImpactReport } from '../../src/impact/index.js';
import { generateCloudTrail, type PlantedCount, type TrafficResult } from '../support/cloudtrail-traffic.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';

let repo: ExampleRepo;
let traffic: TrafficResult;
let report: ImpactReport;

/** A finding's row, and a planted case's: what is denied, where, for whom, how often. */
const rowOf = (f: ImpactFinding) => `${f.controls.map((c) => c.control).join('+')} ${f.account.id} ${f.principal.arn ?? `${f.principal.type}:${f.principal.account}`} ${f.action} ${f.events}`;
const plantedRow = (p: PlantedCount) => `${p.case.control} ${p.case.account} ${p.case.principalArn ?? `${p.case.principalType}:${p.case.principalAccount}`} ${p.case.action} ${p.decidingRecords}`;
const who = (account: string, principal: string, action: string) => `${account} ${principal} ${action}`;
const whoOfFinding = (f: ImpactFinding) => who(f.account.id, f.principal.arn ?? `${f.principal.type}:${f.principal.account}`, f.action);
const whoOfCase = (p: PlantedCount) => who(p.case.account, p.case.principalArn ?? `${p.case.principalType}:${p.case.principalAccount}`, p.case.action);
const planted = (...verdicts: string[]) => traffic.planted.filter((p) => verdicts.includes(p.case.verdict));

beforeAll(async () => {
  repo = await compiledExampleRepo();
  traffic = await generateCloudTrail(path.join(repo.dir, 'month'), { eventsPerDay: 450 });
  const run = await repo.cli(['impact', '--org', 'guardrails/org-snapshot.json', '--cloudtrail', 'month', '--since', traffic.window.since, '--until', traffic.window.until, '--json', '--quiet']);
  if (run.code !== 0) throw new Error(run.stderr);
  report = JSON.parse(run.stdout) as ImpactReport;
}, 60_000);

describe('guardrails impact on the generated month', () => {
  it('reads every record of the month: authorization events, others, malformed ones, none unmapped', () => {
    expect(report.totals.records).toBe(traffic.totals.records);
    expect(report.totals.notAuthorization).toBe(traffic.totals.notAuthorization);
    expect(Object.values(report.totals.malformed).reduce((a, b) => a + b, 0)).toBe(traffic.totals.malformed);
    expect(report.totals.authorizationEvents).toBe(traffic.totals.records - traffic.totals.notAuthorization - traffic.totals.malformed);
    expect(report.unmapped).toEqual([]);
    expect(report.window).toEqual({ since: '2026-10-07T00:00:00Z', until: '2026-11-06T00:00:00Z', source: 'directory', location: 'month' });
  });

  it('names exactly the planted newly denied requests, each with its control and count', () => {
    const expected = planted('newly-denied').map(plantedRow).sort();
    expect(report.findings.filter((f) => f.change === 'newly-denied').map(rowOf).sort()).toEqual(expected);
    expect(report.totals.newlyDenied).toBe(planted('newly-denied').reduce((n, p) => n + p.decidingRecords, 0));
    expect(report.totals.newlyAllowed).toBe(0);
  });

  it('counts the planted already-denied requests under their controls', () => {
    const byControl = new Map<string, number>();
    for (const p of planted('already-denied')) byControl.set(p.case.control, (byControl.get(p.case.control) ?? 0) + p.decidingRecords);
    expect(Object.fromEntries(report.alreadyDenied.byControl.map((c) => [c.control, c.events]))).toEqual(Object.fromEntries(byControl));
  });

  it('says the planted may-deny case may be denied, naming the key CloudTrail lacks; what may be denied on both sides is never newly denied', () => {
    const mayDeny = report.findings.filter((f) => f.change === 'may-deny');
    for (const p of planted('may-deny')) {
      const found = mayDeny.find((f) => whoOfFinding(f) === whoOfCase(p));
      expect(found, p.case.id).toBeDefined();
      expect(found!.events).toBe(p.decidingRecords);
      expect(found!.controls.map((c) => c.control)).toEqual([p.case.control]);
      for (const key of p.case.unknownKeys) expect(found!.unknownKeys).toContain(key);
    }
    // Every other "may deny" is a request the generator itself says may be denied before and after
    // (a new statement of only-org-principals reads aws:TagKeys): listed, never as newly denied.
    const bothSides = new Set(planted('may-deny-before-and-after').map(whoOfCase));
    const planted_ = new Set(planted('may-deny').map(whoOfCase));
    for (const f of mayDeny) expect(planted_.has(whoOfFinding(f)) || bothSides.has(whoOfFinding(f)), rowOf(f)).toBe(true);
  });

  it('names none of the decoys', () => {
    const decided = new Set(planted('newly-denied', 'already-denied', 'may-deny').map(whoOfCase));
    for (const decoy of planted('not-denied')) {
      // A decoy sharing account, principal and action with a planted case (TLS 1.2 beside TLS 1.1) is
      // excluded by the exact counts above; any other must be in no finding at all.
      if (decided.has(whoOfCase(decoy))) continue;
      expect(report.findings.filter((f) => whoOfFinding(f) === whoOfCase(decoy)).map(rowOf), decoy.case.id).toEqual([]);
    }
  });
});
