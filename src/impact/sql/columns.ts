/**
 * The columns of the reduction query, in two dialects: DuckDB (over the raw JSON of each record) and
 * Trino (Amazon Athena, over AWS's CloudTrail table, whose SerDe has typed the fields already). One
 * column spec serves both, so that the rules of types.ts hold identically in every engine:
 *
 * - stage 1 (`recordFields`, per dialect) reads each record into the same flat, string-typed columns;
 * - stage 2 (`classification`, `shapeColumns`, dialect-neutral but for a few functions) decides what a
 *   record is (a shape, not an authorization event, outside the window, or malformed and why) and
 *   derives each ShapeRow field from the flat columns, following the Projection;
 * - stage 3 (queries.ts) groups by the kind and the shape columns and counts.
 *
 * Every value written into SQL is a constant of this file or a parameter placeholder: nothing from a
 * record, a Projection or a caller is spliced into the text.
 */
import type { Projection, ShapeKeyFields } from '../types.js';

/** A string longer than this (in characters) makes its record malformed (`too-long`): records are untrusted. */
export const MAX_FIELD_CHARS = 4096;
/** More resources than this make a record malformed (`resources`). */
export const MAX_RESOURCES = 128;

/** CloudTrail writes eventTime as `YYYY-MM-DDTHH:MM:SSZ`: in that form, string order is time order. */
export const EVENT_TIME_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$';

const V4_SEG = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const V4 = `(?:${V4_SEG}\\.){3}${V4_SEG}`;
const V6_SEG = '(?:[0-9a-fA-F]{1,4})';
/**
 * An IP literal, as Node's net.isIP decides it (the same construction as its IPv4/IPv6 patterns), so that
 * `sourceIPAddress` is an IP in SQL exactly when it is one for the Node reducer; a DNS name
 * (`signin.amazonaws.com`) or `AWS Internal` is not.
 */
export const IP_LITERAL_PATTERN =
  `^(?:${V4}|(?:` +
  `(?:${V6_SEG}:){7}(?:${V6_SEG}|:)|` +
  `(?:${V6_SEG}:){6}(?:${V4}|:${V6_SEG}|:)|` +
  `(?:${V6_SEG}:){5}(?::${V4}|(?::${V6_SEG}){1,2}|:)|` +
  `(?:${V6_SEG}:){4}(?:(?::${V6_SEG}){0,1}:${V4}|(?::${V6_SEG}){1,3}|:)|` +
  `(?:${V6_SEG}:){3}(?:(?::${V6_SEG}){0,2}:${V4}|(?::${V6_SEG}){1,4}|:)|` +
  `(?:${V6_SEG}:){2}(?:(?::${V6_SEG}){0,3}:${V4}|(?::${V6_SEG}){1,5}|:)|` +
  `(?:${V6_SEG}:){1}(?:(?::${V6_SEG}){0,4}:${V4}|(?::${V6_SEG}){1,6}|:)|` +
  `(?::(?:(?::${V6_SEG}){0,5}:${V4}|(?::${V6_SEG}){1,7}|:))` +
  `)(?:%[0-9a-zA-Z.:-]{1,})?)$`;

/**
 * An SCP or RCP denial in an errorMessage (IAM User Guide, troubleshoot_access-denied; design 1.4): group 1
 * is the policy type's words, group 2 the policy id when AWS named the policy's ARN. The first mention
 * decides, as a JavaScript `exec` of the same pattern does.
 */
export const DENIED_BY_PATTERN =
  'with an explicit deny in an? (service control|resource control) policy(?::\\s*arn:aws[a-z-]*:organizations::[0-9]{12}:policy/o-[a-z0-9]{10,32}/(?:service|resource)_control_policy/(p-[a-z0-9]{8,128}))?';

/** An S3 object ARN; group 1 is its bucket part, kept with `*` for the key unless projection.objectKeys. */
export const S3_OBJECT_ARN_PATTERN = '^(arn:[^:]+:s3:::[^/]+/).+$';

/** The result's columns in order: the record's kind, the shape's fields, then the counting columns. */
export const KIND_COLUMN = 'kind';
export const SHAPE_COLUMNS = [
  ['event_source', 'eventSource'],
  ['event_name', 'eventName'],
  ['event_type', 'eventType'],
  ['event_category', 'eventCategory'],
  ['aws_region', 'awsRegion'],
  ['recipient_account_id', 'recipientAccountId'],
  ['principal_type', 'principalType'],
  ['principal_arn', 'principalArn'],
  ['principal_account', 'principalAccount'],
  ['principal_id', 'principalId'],
  ['session_arn', 'sessionArn'],
  ['invoked_by', 'invokedBy'],
  ['source_ip', 'sourceIp'],
  ['vpc_endpoint_id', 'vpcEndpointId'],
  ['vpc_endpoint_account_id', 'vpcEndpointAccountId'],
  ['tls_version', 'tlsVersion'],
  ['user_agent', 'userAgent'],
  ['mfa_authenticated', 'mfaAuthenticated'],
  ['resource_arns', 'resourceArns'],
  ['resource_account', 'resourceAccount'],
  ['model_id', 'modelId'],
  ['inference_region', 'inferenceRegion'],
  ['passed_role_arn', 'passedRoleArn'],
  ['error_code', 'errorCode'],
  ['denied_by', 'deniedBy'],
  ['denied_by_policy', 'deniedByPolicy'],
] as const satisfies readonly (readonly [string, keyof ShapeKeyFields])[];
export const COUNT_COLUMNS = ['events', 'first_seen', 'last_seen', 'example_event_id'] as const;
export const RESULT_COLUMNS: readonly string[] = [KIND_COLUMN, ...SHAPE_COLUMNS.map(([column]) => column), ...COUNT_COLUMNS];

/**
 * The flat columns stage 1 gives (all VARCHAR but `resource_arns_raw`, a list of strings without nulls,
 * and `resource_count`), in the order both dialects write them.
 */
const STRING_FIELDS = [
  // [column, the record's field as DuckDB's JSON path keys, Trino's column expression]
  ['event_time', ['eventTime'], 'eventtime'],
  ['event_type_raw', ['eventType'], 'eventtype'],
  ['event_category_raw', ['eventCategory'], 'eventcategory'],
  ['event_source_raw', ['eventSource'], 'eventsource'],
  ['event_name_raw', ['eventName'], 'eventname'],
  ['aws_region_raw', ['awsRegion'], 'awsregion'],
  ['recipient_account_raw', ['recipientAccountId'], 'recipientaccountid'],
  ['event_id', ['eventID'], 'eventid'],
  ['identity_type', ['userIdentity', 'type'], 'useridentity.type'],
  ['identity_arn', ['userIdentity', 'arn'], 'useridentity.arn'],
  ['identity_account', ['userIdentity', 'accountId'], 'useridentity.accountid'],
  ['identity_principal_id', ['userIdentity', 'principalId'], 'useridentity.principalid'],
  ['identity_invoked_by', ['userIdentity', 'invokedBy'], 'useridentity.invokedby'],
  ['issuer_arn', ['userIdentity', 'sessionContext', 'sessionIssuer', 'arn'], 'useridentity.sessioncontext.sessionissuer.arn'],
  ['mfa_raw', ['userIdentity', 'sessionContext', 'attributes', 'mfaAuthenticated'], 'useridentity.sessioncontext.attributes.mfaauthenticated'],
  ['source_ip_address', ['sourceIPAddress'], 'sourceipaddress'],
  ['user_agent_raw', ['userAgent'], 'useragent'],
  ['vpce_raw', ['vpcEndpointId'], 'vpcendpointid'],
  ['vpce_account_raw', ['vpcEndpointAccountId'], 'vpcendpointaccountid'],
  ['tls_version_raw', ['tlsDetails', 'tlsVersion'], 'tlsdetails.tlsversion'],
  ['error_code_raw', ['errorCode'], 'errorcode'],
  ['error_message', ['errorMessage'], 'errormessage'],
] as const;

/** Fields of a JSON document column read only "when a string" (types.ts): never make a record malformed. */
const DOCUMENT_STRINGS = [
  ['model_id_raw', 'requestParameters', 'modelId', 'requestparameters'],
  ['inference_region_raw', 'additionalEventData', 'inferenceRegion', 'additionaleventdata'],
  ['role_arn_raw', 'requestParameters', 'roleArn', 'requestparameters'],
  ['role_raw', 'requestParameters', 'role', 'requestparameters'],
] as const;

/** Stage-1 string columns whose length is capped (errorMessage is only searched, never kept). */
const CAPPED = STRING_FIELDS.map(([column]) => column).filter((c) => c !== 'error_message');

/** A required field: a record without it is malformed, named by the field. */
const REQUIRED: readonly (readonly [column: string, field: string])[] = [
  ['event_source_raw', 'eventSource'],
  ['event_name_raw', 'eventName'],
  ['aws_region_raw', 'awsRegion'],
  ['recipient_account_raw', 'recipientAccountId'],
  ['identity_type', 'userIdentity.type'],
  ['event_id', 'eventID'],
];

export type DialectName = 'duckdb' | 'trino';

/** What differs between the dialects in stage 2 and 3. */
export interface Dialect {
  name: DialectName;
  /** A parameter placeholder; `names` records the order they appear in (Athena's are positional). */
  param(name: string): string;
  matches(value: string, pattern: string): string;
  /** The group's text, or NULL when the pattern does not match or the group did not take part. */
  extract(value: string, pattern: string, group: number): string;
  /** `value` with `pattern` replaced by group 1 followed by `*`. */
  replaceWithGroup1Star(value: string, pattern: string): string;
  /** A list of strings, de-duplicated and sorted, as JSON text (`[]` when empty). */
  sortedDistinctJson(list: string): string;
  /** The list with `fn` (a template over `x`) applied to each element. */
  transform(list: string, fn: (x: string) => string): string;
}

/** A SQL string literal: single quotes doubled (neither dialect gives backslashes a meaning in literals). */
export function sqlString(value: string): string {
  if (value.includes('\0')) throw new Error('a SQL literal cannot hold NUL');
  return `'${value.replaceAll("'", "''")}'`;
}

export function dialect(name: DialectName, names: string[]): Dialect {
  const common = {
    name,
    param(param: string) {
      names.push(param);
      return name === 'duckdb' ? `$${param}` : '?';
    },
  };
  if (name === 'duckdb')
    return {
      ...common,
      matches: (v, p) => `regexp_matches(${v}, ${sqlString(p)})`,
      extract: (v, p, g) => `NULLIF(regexp_extract(${v}, ${sqlString(p)}, ${g}), '')`,
      replaceWithGroup1Star: (v, p) => `regexp_replace(${v}, ${sqlString(p)}, '\\1*')`,
      sortedDistinctJson: (l) => `CAST(to_json(list_sort(list_distinct(${l}))) AS VARCHAR)`,
      transform: (l, fn) => `list_transform(${l}, lambda x: ${fn('x')})`,
    };
  return {
    ...common,
    matches: (v, p) => `regexp_like(${v}, ${sqlString(p)})`,
    extract: (v, p, g) => `NULLIF(regexp_extract(${v}, ${sqlString(p)}, ${g}), '')`,
    replaceWithGroup1Star: (v, p) => `regexp_replace(${v}, ${sqlString(p)}, '$1*')`,
    sortedDistinctJson: (l) => `json_format(CAST(array_sort(array_distinct(${l})) AS JSON))`,
    transform: (l, fn) => `transform(${l}, x -> ${fn('x')})`,
  };
}

/**
 * Stage 1 for DuckDB, over a column `r` holding one record as JSON: the record is read once into a
 * struct of JSON values (json_transform), and each value is a string only when the record holds a JSON
 * string there. A value of another type makes the record malformed, named by the field's path
 * (`type_error`), as does a record that is not an object or a `resources` that is not a list of objects
 * whose ARN and accountId are strings.
 */
export function duckdbRecordFields(): string {
  const value = (keys: readonly string[]) => `j.${keys.map((k) => `"${k}"`).join('.')}`;
  const str = (v: string) => `CASE WHEN json_type(${v}) = 'VARCHAR' THEN json_extract_string(${v}, '$') END`;
  const wrongType = (v: string) => `coalesce(json_type(${v}) NOT IN ('VARCHAR', 'NULL'), false)`;
  // Cast only a list: DuckDB evaluates the branches of a CASE or an OR on every row, so a guard outside the cast does not keep `{"ARN": ...}` from failing the whole query.
  const list = `CAST(CASE WHEN json_type(j."resources") = 'ARRAY' THEN j."resources" ELSE '[]'::JSON END AS JSON[])`;
  const resourcesPresent = `coalesce(json_type(j."resources") <> 'NULL', false)`;
  const badResource = `list_bool_or(list_transform(${list}, lambda x: x IS NULL OR json_type(x) <> 'OBJECT' OR ${wrongType("json_extract(x, '$.ARN')")} OR ${wrongType("json_extract(x, '$.accountId')")}))`;
  const typeErrors = [
    `WHEN r IS NULL THEN 'Records'`,
    `WHEN json_type(r) <> 'OBJECT' THEN 'record'`,
    ...STRING_FIELDS.map(([, keys]) => `WHEN ${wrongType(value(keys))} THEN ${sqlString(keys.join('.'))}`),
    `WHEN ${resourcesPresent} AND (json_type(j."resources") <> 'ARRAY' OR coalesce(${badResource}, false)) THEN 'resources'`,
  ];
  const resourceStrings = (key: string) => `list_filter(list_transform(${list}, lambda x: json_extract_string(x, '$.${key}')), lambda a: a IS NOT NULL)`;
  return [
    ...STRING_FIELDS.map(([column, keys]) => `${str(value(keys))} AS ${column}`),
    ...DOCUMENT_STRINGS.map(([column, doc, key]) => `${str(value([doc, key]))} AS ${column}`),
    `CASE WHEN ${resourcesPresent} THEN ${resourceStrings('ARN')} ELSE []::VARCHAR[] END AS resource_arns_raw`,
    `CASE WHEN ${resourcesPresent} THEN ${resourceStrings('accountId')}[1] END AS resource_account_raw`,
    `CASE WHEN ${resourcesPresent} THEN len(${list}) ELSE 0 END AS resource_count`,
    `CASE ${typeErrors.join(' ')} END AS type_error`,
  ].join(',\n    ');
}

/** The json_transform structure stage 1 reads a DuckDB record into (a JSON value at every leaf it reads). */
export function duckdbRecordStructure(): string {
  const tree: Record<string, unknown> = {};
  const put = (keys: readonly string[]) => {
    let node = tree;
    for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1]!] = 'JSON';
  };
  for (const [, keys] of STRING_FIELDS) put(keys);
  for (const [, doc, key] of DOCUMENT_STRINGS) put([doc, key]);
  put(['resources']);
  return JSON.stringify(tree);
}

/**
 * Stage 1 for Trino over AWS's CloudTrail table: its SerDe has typed the columns (STRING, STRUCT, ARRAY
 * of STRUCT), so there is no type error to find; the JSON document columns (requestparameters,
 * additionaleventdata) are searched for a string value only.
 */
export function trinoRecordFields(): string {
  const docString = (doc: string, key: string) => `CASE WHEN substr(json_format(json_extract(${doc}, '$.${key}')), 1, 1) = '"' THEN json_extract_scalar(${doc}, '$.${key}') END`;
  return [
    ...STRING_FIELDS.map(([column, , trino]) => `${trino} AS ${column}`),
    ...DOCUMENT_STRINGS.map(([column, , key, trino]) => `${docString(trino, key)} AS ${column}`),
    `coalesce(filter(transform(resources, x -> x.arn), a -> a IS NOT NULL), CAST(ARRAY[] AS ARRAY(VARCHAR))) AS resource_arns_raw`,
    `element_at(filter(transform(resources, x -> x.accountid), a -> a IS NOT NULL), 1) AS resource_account_raw`,
    `coalesce(cardinality(resources), 0) AS resource_count`,
    `CAST(NULL AS VARCHAR) AS type_error`,
  ].join(',\n    ');
}

/**
 * Stage 2a: what the record is. The first rule that holds decides: a type error; an eventTime not in
 * CloudTrail's form; an eventType other than AwsApiCall (not an authorization event); outside the
 * window [since, until); a required field missing; a string over MAX_FIELD_CHARS or more than
 * MAX_RESOURCES resources; otherwise a shape.
 */
export function classification(d: Dialect, since: string, until: string): string {
  const rules = [
    `WHEN type_error IS NOT NULL THEN 'malformed:' || type_error`,
    `WHEN event_time IS NULL OR NOT ${d.matches('event_time', EVENT_TIME_PATTERN)} THEN 'malformed:eventTime'`,
    `WHEN event_type_raw IS NOT NULL AND event_type_raw <> 'AwsApiCall' THEN 'not-authorization'`,
    `WHEN event_time < ${since} OR event_time >= ${until} THEN 'outside-window'`,
    ...REQUIRED.map(([column, field]) => `WHEN ${column} IS NULL THEN ${sqlString(`malformed:${field}`)}`),
    `WHEN ${CAPPED.map((c) => `coalesce(length(${c}), 0) > ${MAX_FIELD_CHARS}`).join(' OR ')} OR ${DOCUMENT_STRINGS.map(([c]) => `coalesce(length(${c}), 0) > ${MAX_FIELD_CHARS}`).join(' OR ')} THEN 'malformed:too-long'`,
    `WHEN resource_count > ${MAX_RESOURCES} THEN 'malformed:resources'`,
    `ELSE 'shape'`,
  ];
  return `CASE ${rules.join('\n      ')} END`;
}

/**
 * Stage 2b: each ShapeRow field from the flat columns, NULL for every record that is not a shape (so
 * that totals group on the kind alone). The Projection turns a dropped field into a NULL constant.
 */
export function shapeColumns(d: Dialect, projection: Projection): string[] {
  const keep = (on: boolean, expr: string) => (on ? expr : 'CAST(NULL AS VARCHAR)');
  const arns = projection.objectKeys ? 'resource_arns_raw' : d.transform('resource_arns_raw', (x) => d.replaceWithGroup1Star(x, S3_OBJECT_ARN_PATTERN));
  const expressions: Record<(typeof SHAPE_COLUMNS)[number][0], string> = {
    event_source: 'event_source_raw',
    event_name: 'event_name_raw',
    event_type: 'event_type_raw',
    event_category: 'event_category_raw',
    aws_region: 'aws_region_raw',
    recipient_account_id: 'recipient_account_raw',
    principal_type: 'identity_type',
    principal_arn: `CASE WHEN identity_type IN ('AWSAccount', 'AWSService') THEN CAST(NULL AS VARCHAR) ELSE coalesce(issuer_arn, identity_arn) END`,
    principal_account: 'identity_account',
    principal_id: keep(projection.session, 'identity_principal_id'),
    // The session's ARN is the identity's ARN when an issuer stands for the principal.
    session_arn: keep(projection.session, 'CASE WHEN issuer_arn IS NOT NULL THEN identity_arn END'),
    invoked_by: 'identity_invoked_by',
    source_ip: keep(projection.sourceIp, `CASE WHEN ${d.matches('source_ip_address', IP_LITERAL_PATTERN)} THEN source_ip_address END`),
    vpc_endpoint_id: keep(projection.vpcEndpoint, 'vpce_raw'),
    vpc_endpoint_account_id: keep(projection.vpcEndpoint, 'vpce_account_raw'),
    // As record.ts reads it: `TLSv1` is TLS 1.0 (OpenSSL's name, which CloudTrail writes), `TLSv1.2` is 1.2, anything else null.
    tls_version: keep(projection.tlsVersion, `CASE WHEN tls_version_raw = 'TLSv1' THEN '1.0' WHEN ${d.matches('tls_version_raw', '^TLSv[0-9][.][0-9]$')} THEN substr(tls_version_raw, 5) END`),
    user_agent: keep(projection.userAgent, 'user_agent_raw'),
    mfa_authenticated: keep(projection.mfa, 'mfa_raw'),
    resource_arns: d.sortedDistinctJson(arns),
    resource_account: 'resource_account_raw',
    model_id: 'model_id_raw',
    inference_region: 'inference_region_raw',
    passed_role_arn: `CASE WHEN substr(role_arn_raw, 1, 4) = 'arn:' THEN role_arn_raw WHEN substr(role_raw, 1, 4) = 'arn:' THEN role_raw END`,
    error_code: 'error_code_raw',
    denied_by: `CASE ${d.extract('error_message', DENIED_BY_PATTERN, 1)} WHEN 'service control' THEN 'scp' WHEN 'resource control' THEN 'rcp' END`,
    denied_by_policy: d.extract('error_message', DENIED_BY_PATTERN, 2),
  };
  return SHAPE_COLUMNS.map(([column]) => `CASE WHEN kind = 'shape' THEN ${expressions[column]} END AS ${column}`);
}

/** Stage 3's counting columns (min and max of eventTime are time order: EVENT_TIME_PATTERN). */
export function countColumns(): string[] {
  return ['count(*) AS events', 'min(event_time) AS first_seen', 'max(event_time) AS last_seen', 'min(event_id) AS example_event_id'];
}
