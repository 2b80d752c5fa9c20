/**
 * Known answers on the example organization (design 6.6), each checked against what `guardrails diff`
 * says the example change does: the TLS floor 1.1 -> 1.2 (tls-minimum, RCP at the root), the new
 * approved-bedrock-models SCP on GenAI and Sandbox, allowed-regions' cross-Region exemption narrowed to
 * us. and eu. profiles, iam:CreateServiceSpecificCredential added to no-long-term-credentials, and the
 * protected tag keys of only-org-principals (s3:PutBucketTagging and three more become denied outright
 * for everyone but SecurityAdmin; actions that carry aws:TagKeys become denied when a request names
 * dp:exclude:identity, which CloudTrail does not record: may deny).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { impact, type ImpactReport } from '../../../src/impact/index.js';
import { prefixesOfEventSources } from '../../../src/impact/event-sources.js';
import { mapEvent } from '../../../src/impact/operations.js';
import { loadOperationsFromCache } from '../../../src/reference/load-operations.js';
import { readCachedManifest } from '../../../src/reference/load-services.js';
import { exampleDeployment, PLANTED } from './example.js';

let report: ImpactReport;
beforeAll(async () => {
  const { deployment, reference, repo } = await exampleDeployment();
  const shapes = Object.values(PLANTED);
  const manifest = await readCachedManifest(repo.cache, 'current', { cwd: repo.dir });
  const operations = await loadOperationsFromCache(repo.cache, manifest, prefixesOfEventSources(shapes.map((s) => s.eventSource)), { cwd: repo.dir });
  const records = shapes.reduce((n, s) => n + s.events, 0);
  report = impact({ deployment, reference, reduction: { shapes, totals: { records, authorizationEvents: records, notAuthorization: 0, outsideWindow: 0, malformed: {}, files: 1 } }, eventActions: (row) => mapEvent(operations, row.eventSource, row.eventName), window: { since: null, until: null, source: 'test', location: 'planted' } });
}, 60_000);

const rowsOf = (change: string) => report.findings.filter((f) => f.change === change).map((f) => `${f.controls.map((c) => c.control).join('+')} ${f.account.id} ${f.principal.arn ?? `${f.principal.type}:${f.principal.account}`} ${f.action} ${f.events}`);

describe('impact on the example change', () => {
  it('names exactly the planted requests the change newly denies, with their control and counts', () => {
    expect(rowsOf('newly-denied').sort()).toEqual(
      [
        'tls-minimum 333333333301 arn:aws:iam::333333333301:role/legacy-etl s3:GetObject 1200',
        'tls-minimum 555555555501 arn:aws:iam::555555555501:role/app s3:GetObject 40',
        'tls-minimum 222222222202 AWSAccount:777777777701 s3:PutObject 25',
        'approved-bedrock-models 444444444401 arn:aws:iam::444444444401:role/genai-app bedrock:InvokeModel 7',
        'approved-bedrock-models 666666666601 arn:aws:iam::666666666601:role/genai-app bedrock:InvokeModel 3',
        'allowed-regions 444444444401 arn:aws:iam::444444444401:role/genai-app bedrock:InvokeModel 3',
        'no-long-term-credentials 333333333334 arn:aws:iam::333333333334:role/app iam:CreateServiceSpecificCredential 4',
        'only-org-principals 333333333301 arn:aws:iam::333333333301:role/app s3:PutBucketTagging 2',
      ].sort(),
    );
    expect(report.totals.newlyDenied).toBe(1200 + 40 + 25 + 7 + 3 + 3 + 4 + 2);
    expect(report.byControl.find((c) => c.control === 'tls-minimum')?.newlyDenied).toEqual({ events: 1265, accounts: ['222222222202', '333333333301', '555555555501'], principals: 3 });
  });

  it('names the deciding statements and where the control is written', () => {
    const tls = report.findings.find((f) => f.change === 'newly-denied' && f.action === 's3:PutObject')!;
    expect(tls.statements).toEqual([{ type: 'rcp', policy: 'guardrails-rcp-tls-minimum', sid: 'TlsMinimumS3TlsVersion' }]);
    expect(tls.controls[0]!.location?.file).toMatch(/data-perimeter\.yaml$/);
    expect(tls.account).toEqual({ id: '222222222202', name: 'log-archive', path: 'Root/Security/log-archive' });
  });

  it('leaves the decoys alone: BreakGlass, the management account, a service-linked role, TLS 1.2, an approved model through a us. profile, a service principal', () => {
    // Not denied: an approved model and BreakGlass may still be denied by a request naming the protected tag key (may deny), as for any role.
    const touched = new Set(report.findings.filter((f) => f.change !== 'may-deny').map((f) => f.exampleEventId));
    expect(report.unmapped).toEqual([]);
    for (const decoy of ['breakGlassCredential', 'managementCredential', 'serviceLinkedRole', 'tls12', 'approvedUsProfile', 'serviceIntoLogArchive']) expect(touched.has(PLANTED[decoy]!.exampleEventId), decoy).toBe(false);
  });

  it('counts what was denied already, by control', () => {
    expect(report.alreadyDenied).toEqual({ events: 11, shapes: 2, byControl: [{ control: 'tls-minimum', events: 6 }, { control: 'allowed-regions', events: 5 }] });
  });

  it('says "may deny" where CloudTrail lacks the key the new statement reads, naming it', () => {
    const may = report.findings.filter((f) => f.change === 'may-deny');
    const createTags = may.find((f) => f.action === 'ec2:CreateTags')!;
    expect(createTags.controls.map((c) => c.control)).toEqual(['only-org-principals']);
    expect(createTags.unknownKeys).toEqual(['aws:TagKeys']);
    expect(report.findings.some((f) => f.change === 'newly-allowed')).toBe(false);
  });
});
