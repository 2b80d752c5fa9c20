/**
 * The one GROUP BY query that reduces CloudTrail records to ShapeRows, for DuckDB (a list of local
 * `.json.gz` files) and for Amazon Athena (AWS's CloudTrail table with organization-wide partition
 * projection, `athenaTableDdl`). Both return the columns of RESULT_COLUMNS (columns.ts); rows.ts reads
 * them back. Identifiers (database, table) are checked before they are written; every value (the window,
 * the file list) is a parameter: DuckDB's prepared-statement values, Athena's ExecutionParameters (which
 * Athena substitutes as literals: `windowLiterals` writes them, each checked and quoted).
 */
import type { Projection } from '../types.js';
import { classification, countColumns, dialect, duckdbRecordFields, duckdbRecordStructure, shapeColumns, sqlString, trinoRecordFields, type DialectName } from './columns.js';

/** A query and the names of its parameters in the order they must be given. */
export interface SqlQuery {
  dialect: DialectName;
  sql: string;
  parameters: string[];
}

export class SqlInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlInputError';
  }
}

/** Athena database and table names (Glue: lower case, digits, underscore; we also allow upper case, which Athena folds). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export function checkIdentifier(kind: string, value: string): string {
  if (!IDENTIFIER.test(value)) throw new SqlInputError(`${kind} ${JSON.stringify(value.slice(0, 200))} is not an identifier (letters, digits and _, starting with a letter or _, at most 128)`);
  return value;
}

/** A DuckDB file holds one JSON object (`{"Records": [...]}`); a bigger one is refused as malformed. */
export const MAX_LOG_FILE_BYTES = 512 * 1024 * 1024;

function assemble(name: DialectName, projection: Projection, recordsFrom: (d: ReturnType<typeof dialect>) => string): SqlQuery {
  const parameters: string[] = [];
  const d = dialect(name, parameters);
  const records = recordsFrom(d);
  const kind = classification(d, d.param('since'), d.param('until'));
  const shape = shapeColumns(d, projection);
  const groups = Array.from({ length: shape.length + 1 }, (_, i) => i + 1).join(', ');
  const sql = [
    'WITH records AS (',
    records,
    '), classified AS (',
    `  SELECT *, ${kind} AS kind`,
    '  FROM records',
    ')',
    `SELECT kind,\n  ${[...shape, ...countColumns()].join(',\n  ')}`,
    'FROM classified',
    `GROUP BY ${groups}`,
  ].join('\n');
  return { dialect: name, sql, parameters };
}

/**
 * DuckDB over `$files` (a VARCHAR[] of .json.gz paths; never empty: DuckDB refuses a list that matches
 * no file), read with an explicit column (`Records` as JSON, so that no record's shape can fail the
 * file), each record read once into JSON values (columns.ts). `$since`/`$until` are the window's bounds
 * (`windowBounds`).
 */
export function duckdbReductionQuery(projection: Projection): SqlQuery {
  return assemble('duckdb', projection, (d) =>
    [
      `  SELECT\n    ${duckdbRecordFields()}`,
      `  FROM (SELECT json_transform(r, ${sqlString(duckdbRecordStructure())}) AS j, r, no_records FROM (`,
      `    SELECT unnest(CASE WHEN coalesce(json_type(Records), '') = 'ARRAY' THEN CAST(Records AS JSON[]) ELSE [NULL::JSON] END) AS r,`,
      `      coalesce(json_type(Records), '') <> 'ARRAY' AS no_records`,
      `    FROM read_json(${d.param('files')}, columns = {Records: 'JSON'}, format = 'unstructured', records = 'true', compression = 'gzip', maximum_object_size = ${MAX_LOG_FILE_BYTES})))`,
    ].join('\n'),
  );
}

/**
 * Athena (Trino) over AWS's CloudTrail table partitioned by account, region and day (`athenaTableDdl`):
 * the day partitions of the window are read (`partition_from`, `partition_to`: `YYYY/MM/DD`, one day
 * after `until` since delivery lags the event), and the window itself is applied to eventTime.
 */
export function athenaReductionQuery(options: { database: string; table: string; projection: Projection }): SqlQuery {
  const database = checkIdentifier('database', options.database);
  const table = checkIdentifier('table', options.table);
  return assemble('trino', options.projection, (d) =>
    [`  SELECT\n    ${trinoRecordFields()}`, `  FROM "${database}"."${table}"`, `  WHERE "timestamp" BETWEEN ${d.param('partition_from')} AND ${d.param('partition_to')}`].join('\n'),
  );
}

/** The window's bounds as the query compares them: eventTime strings, and the day partitions to read. */
export interface WindowBounds {
  since: string;
  until: string;
  partition_from: string;
  partition_to: string;
}

const DAY_MS = 86_400_000;

/**
 * `[since, until)` as CloudTrail's eventTime text. Both are rounded up to the second: eventTime has no
 * fraction, so `t >= ceil(since)` and `t < ceil(until)` select the same records as the exact bounds.
 */
export function windowBounds(window: { since: Date; until: Date }): WindowBounds {
  const since = window.since.getTime();
  const until = window.until.getTime();
  if (!Number.isFinite(since) || !Number.isFinite(until)) throw new SqlInputError('the window needs valid since and until dates');
  if (since > until) throw new SqlInputError('the window starts after it ends');
  const text = (ms: number) => new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '/');
  return { since: text(since), until: text(until), partition_from: day(since), partition_to: day(until + DAY_MS) };
}

/** Athena's ExecutionParameters for `query`: each bound, in the query's order, as a quoted literal. */
export function windowLiterals(query: SqlQuery, bounds: WindowBounds): string[] {
  return query.parameters.map((name) => {
    const value = (bounds as unknown as Record<string, unknown>)[name];
    if (typeof value !== 'string' || !/^[0-9TZ:/-]+$/.test(value)) throw new SqlInputError(`no literal for the query's parameter ${name}`);
    return sqlString(value);
  });
}


/** AWS's partition-projection DDL for CloudTrail (Athena user guide, create-cloudtrail-table-partition-projection), over an organization trail. */
export interface AthenaTableOptions {
  bucket: string;
  /** The organization id (`o-...`): an organization trail delivers under AWSLogs/<o-id>/. */
  orgId: string;
  /** The accounts and Regions the partitions enumerate (the org snapshot's accounts, the reference's Regions). */
  accounts: readonly string[];
  regions: readonly string[];
  database?: string;
  table?: string;
  /** The trail's S3 key prefix, when it has one (before AWSLogs/). */
  prefix?: string;
  /** The first day projected, `YYYY/MM/DD` (default 2020/01/01, as AWS's example). */
  rangeStart?: string;
}

const BUCKET = /^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

export function athenaTableDdl(options: AthenaTableOptions): string {
  const check = (ok: boolean, what: string, value: string) => {
    if (!ok) throw new SqlInputError(`${what} ${JSON.stringify(value.slice(0, 200))} is not valid`);
  };
  check(BUCKET.test(options.bucket), 'bucket', options.bucket);
  check(ORG_ID.test(options.orgId), 'organization id', options.orgId);
  if (options.accounts.length === 0 || options.regions.length === 0) throw new SqlInputError('the table needs at least one account and one Region to project');
  for (const a of options.accounts) check(ACCOUNT.test(a), 'account', a);
  for (const r of options.regions) check(REGION.test(r), 'Region', r);
  if (options.prefix !== undefined) check(PREFIX.test(options.prefix) && !options.prefix.split('/').some((s) => s === '.' || s === '..'), 'prefix', options.prefix);
  const rangeStart = options.rangeStart ?? '2020/01/01';
  check(/^\d{4}\/\d{2}\/\d{2}$/.test(rangeStart), 'range start', rangeStart);
  const table = [options.database, options.table ?? 'guardrails_cloudtrail'].filter((x): x is string => x !== undefined).map((x) => `\`${checkIdentifier('name', x)}\``).join('.');
  const location = `s3://${options.bucket}/${options.prefix ? `${options.prefix}/` : ''}AWSLogs/${options.orgId}/`;
  return `CREATE EXTERNAL TABLE ${table}(
    eventversion STRING,
    useridentity STRUCT<
        type: STRING,
        principalid: STRING,
        arn: STRING,
        accountid: STRING,
        invokedby: STRING,
        accesskeyid: STRING,
        username: STRING,
        onbehalfof: STRUCT<
             userid: STRING,
             identitystorearn: STRING>,
        sessioncontext: STRUCT<
            attributes: STRUCT<
                mfaauthenticated: STRING,
                creationdate: STRING>,
            sessionissuer: STRUCT<
                type: STRING,
                principalid: STRING,
                arn: STRING,
                accountid: STRING,
                username: STRING>,
            ec2roledelivery:string,
            webidfederationdata: STRUCT<
                federatedprovider: STRING,
                attributes: map<string,string>>
        >
    >,
    eventtime STRING,
    eventsource STRING,
    eventname STRING,
    awsregion STRING,
    sourceipaddress STRING,
    useragent STRING,
    errorcode STRING,
    errormessage STRING,
    requestparameters STRING,
    responseelements STRING,
    additionaleventdata STRING,
    requestid STRING,
    eventid STRING,
    readonly STRING,
    resources ARRAY<STRUCT<
        arn: STRING,
        accountid: STRING,
        type: STRING>>,
    eventtype STRING,
    apiversion STRING,
    recipientaccountid STRING,
    serviceeventdetails STRING,
    sharedeventid STRING,
    vpcendpointid STRING,
    vpcendpointaccountid STRING,
    eventcategory STRING,
    addendum STRUCT<
      reason:STRING,
      updatedfields:STRING,
      originalrequestid:STRING,
      originaleventid:STRING>,
    sessioncredentialfromconsole STRING,
    edgedevicedetails STRING,
    tlsdetails STRUCT<
      tlsversion:STRING,
      ciphersuite:STRING,
      clientprovidedhostheader:STRING>
  )
PARTITIONED BY (account string, region string, \`timestamp\` string)
ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'
STORED AS INPUTFORMAT 'com.amazon.emr.cloudtrail.CloudTrailInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION '${location}'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.account.type'='enum',
  'projection.account.values'='${options.accounts.join(',')}',
  'projection.region.type'='enum',
  'projection.region.values'='${options.regions.join(',')}',
  'projection.timestamp.format'='yyyy/MM/dd',
  'projection.timestamp.interval'='1',
  'projection.timestamp.interval.unit'='DAYS',
  'projection.timestamp.range'='${rangeStart},NOW',
  'projection.timestamp.type'='date',
  'storage.location.template'='${location}\${account}/CloudTrail/\${region}/\${timestamp}'
)
`;
}
