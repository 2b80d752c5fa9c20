/**
 * The CloudTrail traffic generator (test/support/cloudtrail-traffic.ts): AWS's layout and file names,
 * records carrying the fields impact reads, planted counts that are what the files hold (counted back
 * here by reading them), and the same bytes for the same seed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCloudTrail, MALFORMED, PLANTED, exampleOrganization, type PlantedCase, type TrafficResult } from '../../support/cloudtrail-traffic.js';
import { tempDir } from '../../support/temp.js';

/** "Finding your CloudTrail log files": AccountID_CloudTrail_RegionName_YYYYMMDDTHHmmZ_UniqueString.json.gz under AWSLogs/<o-id>/<account>/CloudTrail/<region>/YYYY/MM/DD/. */
const LOG_FILE = /^AWSLogs\/(o-[a-z0-9]{10,32})\/(\d{12})\/CloudTrail\/([a-z]{2}(?:-[a-z]+)+-\d)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{12})_CloudTrail_([a-z]{2}(?:-[a-z]+)+-\d)_(\d{8})T(\d{4})Z_([A-Za-z0-9]{16})\.json\.gz$/;
/** "CloudTrail digest file structure": AccountID_CloudTrail-Digest_RegionName_TrailName_HomeRegion_YYYYMMDDTHHmmssZ.json.gz. */
const DIGEST_FILE = /^AWSLogs\/o-[a-z0-9]{10,32}\/\d{12}\/CloudTrail-Digest\/[a-z0-9-]+\/\d{4}\/\d{2}\/\d{2}\/\d{12}_CloudTrail-Digest_[a-z0-9-]+_[A-Za-z0-9-]+_[a-z0-9-]+_\d{8}T\d{6}Z\.json\.gz$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

let month: TrafficResult;
let records: { file: string; record: unknown }[];

function readRecords(r: TrafficResult): { file: string; record: unknown }[] {
  const out: { file: string; record: unknown }[] = [];
  for (const file of r.files) {
    const body = JSON.parse(gunzipSync(fs.readFileSync(path.join(r.dir, file))).toString('utf8')) as { Records: unknown[] };
    for (const record of body.Records) out.push({ file, record });
  }
  return out;
}

// A month at a third of the default background (1,330 a day, ~40,000 records): the layout, the fields
// and the planted cases are the same, the file reads back in a third of the time.
beforeAll(async () => {
  month = await generateCloudTrail(await tempDir(), { eventsPerDay: 450 });
  records = readRecords(month);
});

type Rec = Record<string, any>;
const isRecord = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);
const wellFormed = () => records.map((r) => r.record).filter((r): r is Rec => isRecord(r) && typeof r.eventTime === 'string' && isRecord(r.userIdentity) && typeof r.eventName === 'string' && (r.resources === undefined || Array.isArray(r.resources)));

/** Does a record belong to a planted case? Read from the record as a reader would, independently of the generator. */
function belongs(c: PlantedCase, r: Rec): boolean {
  if (r.recipientAccountId !== c.account || r.eventName !== c.eventName || r.eventSource !== c.eventSource || r.awsRegion !== c.region) return false;
  const u = r.userIdentity;
  const arn = u.sessionContext?.sessionIssuer?.arn ?? u.arn ?? null;
  if (arn !== c.principalArn || u.type !== c.principalType) return false;
  if (c.principalArn === null && c.principalAccount !== null && u.accountId !== c.principalAccount) return false;
  if (c.match?.tlsVersion && !c.match.tlsVersion.includes(r.tlsDetails?.tlsVersion)) return false;
  if (c.match?.modelId && !c.match.modelId.includes(r.requestParameters?.modelId)) return false;
  return true;
}

describe('layout', () => {
  it('names every log file as CloudTrail does, in the folder of its account, Region and delivery day', () => {
    expect(month.files.length).toBeGreaterThan(1500);
    for (const file of month.files) {
      const m = LOG_FILE.exec(file);
      expect(m, file).not.toBeNull();
      const [, orgId, account, region, y, mo, d, nameAccount, nameRegion, day] = m!;
      expect(orgId).toBe('o-exmpl12345');
      expect(nameAccount).toBe(account);
      expect(nameRegion).toBe(region);
      expect(day).toBe(`${y}${mo}${d}`);
    }
    const accounts = new Set(month.files.map((f) => f.split('/')[2]));
    expect([...accounts].sort()).toEqual(exampleOrganization().accounts.map((a) => a.id));
  });

  it('writes digests beside the logs, under CloudTrail-Digest/, and lists them apart', () => {
    expect(month.digestFiles.length).toBe(30 * 10);
    for (const f of month.digestFiles) {
      expect(f).toMatch(DIGEST_FILE);
      expect(fs.existsSync(path.join(month.dir, f))).toBe(true);
    }
    expect(month.files.some((f) => f.includes('Digest'))).toBe(false);
  });

  it('holds {"Records": [...]} in each file, every record of it before its delivery time, in its folder\'s account and Region', () => {
    const misplaced: string[] = [];
    for (const { file, record } of records) {
      if (!isRecord(record) || typeof record.eventTime !== 'string') continue;
      const [, , account, region] = LOG_FILE.exec(file)!;
      const stamp = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(file)!;
      const delivered = `${stamp[1]}-${stamp[2]}-${stamp[3]}T${stamp[4]}:${stamp[5]}:00Z`;
      if (record.recipientAccountId !== account || record.awsRegion !== region || !(record.eventTime < delivered)) misplaced.push(`${file}: ${record.eventID}`);
    }
    expect(misplaced).toEqual([]);
    // Some days' last files are delivered in the next day's folder, as CloudTrail's are.
    expect(month.files.some((f) => /\/2026\/11\/06\//.test(f))).toBe(true);
  });

  it('keeps to the window it says, and writes only the accounts asked for', async () => {
    expect(month.window).toEqual({ since: '2026-10-07T00:00:00Z', until: '2026-11-06T00:00:00Z' });
    expect(wellFormed().filter((r) => !(r.eventTime >= month.window.since && r.eventTime < month.window.until))).toEqual([]);
    const one = await generateCloudTrail(await tempDir(), { days: 3, eventsPerDay: 200, accounts: ['333333333301'] });
    expect(new Set(one.files.map((f) => f.split('/')[2]))).toEqual(new Set(['333333333301']));
    expect(one.planted.find((p) => p.case.id === 'unapproved-model-genai-lab')!.events).toBe(0);
    expect(one.planted.find((p) => p.case.id === 'tls-1.1-legacy-etl-payments-prod')!.events).toBe(18);
    // The management account's copy of its cross-account TagQueue is not written; the owner's is.
    const tag = one.planted.find((p) => p.case.id === 'management-tags-member-queue')!;
    expect([tag.events, tag.records, tag.decidingRecords]).toEqual([3, 3, 3]);
  });
});

describe('records', () => {
  it('carry the fields impact reads, of the types AWS gives them', () => {
    const all = wellFormed();
    expect(all.length).toBe(month.totals.records - month.totals.malformed);
    const types = new Set<string>();
    const problems: string[] = [];
    // One assertion over every record (an expect per field per record is most of a second per 10,000).
    const check = (ok: boolean, what: string, r: Rec) => {
      if (!ok && problems.length < 20) problems.push(`${what}: ${JSON.stringify(r).slice(0, 300)}`);
    };
    for (const r of all) {
      check(r.eventVersion === '1.11', 'eventVersion', r);
      check(ISO.test(r.eventTime), 'eventTime', r);
      check(/^[a-z0-9-]+\.amazonaws\.com$/.test(r.eventSource), 'eventSource', r);
      check(typeof r.awsRegion === 'string', 'awsRegion', r);
      check(/^\d{12}$/.test(r.recipientAccountId), 'recipientAccountId', r);
      check(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/.test(r.eventID), 'eventID', r);
      check(['AwsApiCall', 'AwsConsoleSignIn', 'AwsServiceEvent'].includes(r.eventType), 'eventType', r);
      check(['Management', 'Data'].includes(r.eventCategory), 'eventCategory', r);
      check(r.managementEvent === (r.eventCategory === 'Management'), 'managementEvent', r);
      check(typeof r.readOnly === 'boolean', 'readOnly', r);
      check(typeof r.sourceIPAddress === 'string', 'sourceIPAddress', r);
      const u = r.userIdentity;
      types.add(u.type);
      if (u.type === 'AssumedRole') {
        const issuer = u.sessionContext?.sessionIssuer;
        check(/^arn:aws:sts::\d{12}:assumed-role\/[^/]+\/.+$/.test(u.arn), 'session arn', r);
        check(/^arn:aws:iam::\d{12}:role\/(.+\/)?[^/]+$/.test(issuer?.arn) && issuer.arn.endsWith(`/${issuer.userName}`), 'sessionIssuer', r);
        check(u.principalId.startsWith(`${issuer?.principalId}:`), 'principalId', r);
        check(['true', 'false'].includes(u.sessionContext.attributes.mfaAuthenticated), 'mfaAuthenticated', r);
      }
      if (u.type === 'AWSService') check(/\.amazonaws\.com$/.test(u.invokedBy), 'invokedBy', r);
      if (u.type === 'AWSAccount') check(u.arn === undefined && /^\d{12}$/.test(u.accountId), 'AWSAccount', r);
      if (r.tlsDetails) check(/^TLSv1(\.[123])?$/.test(r.tlsDetails.tlsVersion) && typeof r.tlsDetails.clientProvidedHostHeader === 'string', 'tlsDetails', r);
      else check(r.eventType === 'AwsServiceEvent', 'no tlsDetails', r);
      if (r.resources) check(r.resources.every((x: Rec) => /^arn:aws:/.test(x.ARN) && typeof x.type === 'string'), 'resources', r);
      if (r.sharedEventID) check(/^[0-9a-f-]{36}$/.test(r.sharedEventID), 'sharedEventID', r);
    }
    expect(problems).toEqual([]);
    expect([...types].sort()).toEqual(['AWSAccount', 'AWSService', 'AssumedRole', 'IAMUser', 'Root']);
  });

  it('include SSO roles with their path, TLS 1.0 to 1.3, Bedrock through every profile prefix, object ARNs and cross-account pairs', () => {
    const all = wellFormed();
    const issuers = all.map((r) => r.userIdentity.sessionContext?.sessionIssuer?.arn).filter(Boolean);
    expect(issuers.some((a) => /:role\/aws-reserved\/sso\.amazonaws\.com\/AWSReservedSSO_ReadOnlyAccess_[0-9a-f]+$/.test(a))).toBe(true);
    expect(new Set(all.map((r) => r.tlsDetails?.tlsVersion).filter(Boolean))).toEqual(new Set(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']));
    const models = new Set(all.filter((r) => r.eventName === 'InvokeModel').map((r) => `${r.requestParameters.modelId.split('.')[0]}:${r.additionalEventData?.inferenceRegion ?? '-'}`));
    expect(models).toEqual(new Set(['meta:-', 'anthropic:-', 'amazon:-', 'apac:ap-northeast-1', 'us:us-west-2', 'eu:eu-central-1']));
    expect(all.some((r) => r.eventCategory === 'Data' && r.resources?.some((x: Rec) => x.type === 'AWS::S3::Object' && /^arn:aws:s3:::[^/]+\/.+/.test(x.ARN)))).toBe(true);
    const shared = new Map<string, Rec[]>();
    for (const r of all) if (r.sharedEventID) shared.set(r.sharedEventID, [...(shared.get(r.sharedEventID) ?? []), r]);
    expect(shared.size).toBeGreaterThan(50);
    for (const pair of shared.values()) {
      expect(pair.length).toBe(2);
      expect(new Set(pair.map((r) => r.recipientAccountId)).size).toBe(2);
      expect(new Set(pair.map((r) => r.eventID)).size).toBe(2);
      // The caller's copy names the caller; the owner's names only its account.
      const caller = pair.find((r) => r.recipientAccountId === r.userIdentity.accountId)!;
      const owner = pair.find((r) => r !== caller)!;
      expect(caller.userIdentity.type).toBe('AssumedRole');
      expect(owner.userIdentity).toMatchObject({ type: 'AWSAccount', accountId: caller.userIdentity.accountId });
    }
  });

  it('count what is not an authorization event, the data events and the malformed records, as the totals say', () => {
    const all = wellFormed();
    expect(all.filter((r) => r.eventType !== 'AwsApiCall').length).toBe(month.totals.notAuthorization);
    expect(all.filter((r) => r.eventCategory === 'Data').length).toBe(month.totals.dataEvents);
    expect(all.some((r) => r.eventType === 'AwsConsoleSignIn' && r.eventSource === 'signin.amazonaws.com')).toBe(true);
    expect(records.length).toBe(month.totals.records);
    // Background: 450 requests a day, a few of them cross-account with two copies; then the planted and the malformed.
    const background = month.totals.records - month.planted.reduce((n, p) => n + p.records, 0) - month.totals.malformed;
    expect(background).toBeGreaterThanOrEqual(30 * 450);
    expect(background).toBeLessThan(30 * 450 * 1.1);
    // The malformed ones: each kind as many times as reported, each with its field of the wrong type.
    const bad = records.map((r) => r.record).filter((r) => !isRecord(r) || typeof r.eventTime !== 'string' || !isRecord(r.userIdentity) || typeof r.eventName !== 'string' || (r.resources !== undefined && !Array.isArray(r.resources)));
    expect(bad.length).toBe(month.totals.malformed);
    expect(month.malformed.map((m) => m.records)).toEqual(MALFORMED.map((m) => 30 * m.perDay));
    expect(bad.filter((r) => r === null).length).toBe(30);
    expect(bad.filter((r) => isRecord(r) && typeof r.eventTime === 'number').length).toBe(30);
  });
});

describe('planted cases', () => {
  it('hold, in the files, exactly the events the generator reports for each case', () => {
    const all = wellFormed();
    for (const p of month.planted) {
      const found = all.filter((r) => belongs(p.case, r));
      expect(found.length, p.case.id).toBe(p.decidingRecords);
      expect(p.decidingRecords, p.case.id).toBe(p.events);
      expect(p.events, p.case.id).toBeGreaterThan(0);
      const times = found.map((r) => r.eventTime).sort();
      expect([times[0], times.at(-1)], p.case.id).toEqual([p.firstSeen, p.lastSeen]);
    }
  });

  it('are told apart from each other and from the background: no record belongs to two cases', () => {
    expect(wellFormed().filter((r) => PLANTED.filter((c) => belongs(c, r)).length > 1)).toEqual([]);
  });

  it('give the counts of the month the design names', () => {
    const events = Object.fromEntries(month.planted.map((p) => [p.case.id, p.events]));
    expect(events).toMatchObject({
      'tls-1.1-legacy-etl-payments-prod': 180,
      'tls-1.1-trusted-partner-into-log-archive': 90,
      'unapproved-model-genai-lab': 120,
      'apac-profile-from-ap-southeast-2': 30,
      'service-specific-credential-web-dev': 5,
      'service-specific-credential-pathed-breakglass': 3,
      'put-bucket-tagging-payments-dev': 10,
      'management-tags-member-queue': 30,
    });
    // The cross-account TagQueue: two copies a request, the owner's decides.
    const tag = month.planted.find((p) => p.case.id === 'management-tags-member-queue')!;
    expect(tag.records).toBe(60);
    const newly = month.planted.filter((p) => p.case.verdict === 'newly-denied');
    expect(new Set(newly.map((p) => p.case.control))).toEqual(new Set(['tls-minimum', 'approved-bedrock-models', 'allowed-regions', 'no-long-term-credentials', 'only-org-principals']));
  });
});

describe('determinism', () => {
  it('writes the same bytes for the same seed, and other bytes for another', async () => {
    const options = { days: 2, eventsPerDay: 300 };
    const [a, b, c] = [await generateCloudTrail(await tempDir(), options), await generateCloudTrail(await tempDir(), options), await generateCloudTrail(await tempDir(), { ...options, seed: 2 })];
    expect(b.files).toEqual(a.files);
    for (const f of [...a.files, ...a.digestFiles]) expect(fs.readFileSync(path.join(b.dir, f)).equals(fs.readFileSync(path.join(a.dir, f))), f).toBe(true);
    expect(c.files).not.toEqual(a.files);
  });
});
