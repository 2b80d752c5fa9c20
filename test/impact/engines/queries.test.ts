/** The query texts' parameters, the window's bounds, and the Athena table's DDL with its checks. */
import { expect, test } from 'vitest';
import { athenaReductionQuery, athenaTableDdl, checkIdentifier, duckdbReductionQuery, SqlInputError, windowBounds, windowLiterals } from '../../../src/impact/sql/queries.js';
import type { Projection } from '../../../src/impact/types.js';

const NONE: Projection = { sourceIp: false, vpcEndpoint: false, userAgent: false, tlsVersion: false, mfa: false, objectKeys: false, session: false };

test('parameters come in the order the text holds them', () => {
  expect(duckdbReductionQuery(NONE).parameters).toEqual(['files', 'since', 'until']);
  const athena = athenaReductionQuery({ database: 'security', table: 'guardrails_cloudtrail', projection: NONE });
  expect(athena.parameters).toEqual(['partition_from', 'partition_to', 'since', 'until']);
  expect(athena.sql).toContain('FROM "security"."guardrails_cloudtrail"');
  const bounds = windowBounds({ since: new Date('2026-10-07T00:00:00.001Z'), until: new Date('2026-11-06T00:00:00Z') });
  expect(bounds).toEqual({ since: '2026-10-07T00:00:01Z', until: '2026-11-06T00:00:00Z', partition_from: '2026/10/07', partition_to: '2026/11/07' });
  expect(windowLiterals(athena, bounds)).toEqual(["'2026/10/07'", "'2026/11/07'", "'2026-10-07T00:00:01Z'", "'2026-11-06T00:00:00Z'"]);
  expect(() => windowBounds({ since: new Date('2026-11-07'), until: new Date('2026-11-06') })).toThrow(SqlInputError);
});

test('the projection decides which fields the query keeps', () => {
  const none = duckdbReductionQuery(NONE).sql;
  const all = duckdbReductionQuery({ sourceIp: true, vpcEndpoint: true, userAgent: true, tlsVersion: true, mfa: true, objectKeys: true, session: true }).sql;
  expect(none).toContain('CAST(NULL AS VARCHAR) END AS source_ip');
  expect(all).not.toContain('CAST(NULL AS VARCHAR) END AS source_ip');
  expect(none).toContain("regexp_replace(x, '^(arn:[^:]+:s3:::[^/]+/).+$', '\\1*')");
  expect(all).not.toContain('regexp_replace(x');
});

test('identifiers are checked before they are written', () => {
  for (const bad of ['a"b', 'x; DROP TABLE y', '1abc', '', 'a'.repeat(129), 'naïve']) expect(() => checkIdentifier('table', bad)).toThrow(SqlInputError);
  expect(checkIdentifier('table', 'cloudtrail_logs_pp')).toBe('cloudtrail_logs_pp');
});

test("AWS's partition-projection DDL over an organization trail", () => {
  const ddl = athenaTableDdl({ bucket: 'org-trail-logs', orgId: 'o-exampleorg1', accounts: ['111111111111', '222222222222'], regions: ['us-east-1', 'eu-west-1'], database: 'security', prefix: 'trail' });
  expect(ddl).toMatch(/^CREATE EXTERNAL TABLE `security`\.`guardrails_cloudtrail`\(/);
  expect(ddl).toContain("PARTITIONED BY (account string, region string, `timestamp` string)");
  expect(ddl).toContain("LOCATION 's3://org-trail-logs/trail/AWSLogs/o-exampleorg1/'");
  expect(ddl).toContain("'projection.account.values'='111111111111,222222222222'");
  expect(ddl).toContain("'projection.region.values'='us-east-1,eu-west-1'");
  expect(ddl).toContain("'storage.location.template'='s3://org-trail-logs/trail/AWSLogs/o-exampleorg1/${account}/CloudTrail/${region}/${timestamp}'");
  // Every column the reduction reads is declared.
  for (const column of ['eventtime', 'eventtype', 'eventcategory', 'eventsource', 'eventname', 'awsregion', 'recipientaccountid', 'eventid', 'sourceipaddress', 'useragent', 'vpcendpointid', 'vpcendpointaccountid', 'errorcode', 'errormessage', 'requestparameters', 'additionaleventdata', 'resources', 'tlsdetails'])
    expect(ddl).toMatch(new RegExp(`\\n    ${column} `));
  const good = { bucket: 'org-trail-logs', orgId: 'o-exampleorg1', accounts: ['111111111111'], regions: ['us-east-1'] };
  for (const bad of [{ bucket: "logs'; DROP" }, { orgId: 'o-x' }, { accounts: ["1111'"] }, { accounts: [] }, { regions: ["us-east-1'"] }, { prefix: '../x' }, { prefix: "a'b" }, { table: 'a-b' }, { rangeStart: "2020'" }])
    expect(() => athenaTableDdl({ ...good, ...bad })).toThrow(SqlInputError);
});
