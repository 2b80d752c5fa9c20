/**
 * The shape of AWS's service reference files (REFERENCE.md section 3) and the checks a downloaded file
 * must pass before it may enter the cache. Schema versions v1.1..v1.4 coexist in one snapshot, so every
 * key newer than v1.1 is optional; unknown keys are tolerated because AWS adds them without notice.
 */
import { quoteUntrusted } from '../diagnostics/untrusted.js';
import { parseStrictJson } from './strict-json.js';

export interface ServiceListEntry {
  service: string;
  url: string;
}

export interface RawActionProperties {
  IsList?: boolean;
  IsPermissionManagement?: boolean;
  IsTaggingOnly?: boolean;
  IsWrite?: boolean;
}

export interface RawAction {
  Name: string;
  ActionConditionKeys?: string[];
  Annotations?: { Properties?: RawActionProperties };
  Resources?: { Name: string }[];
  SupportedBy?: Record<string, boolean>;
}

export interface RawResource {
  Name: string;
  ARNFormats?: string[];
  ConditionKeys?: string[];
}

export interface RawConditionKey {
  Name: string;
  Types?: string[];
}

export interface RawServiceFile {
  Name: string;
  Version?: string;
  Actions: RawAction[];
  Resources?: RawResource[];
  ConditionKeys?: RawConditionKey[];
  Operations?: unknown[];
}

/** Service prefixes as AWS uses them; anything else in a service list could be a path traversal. */
const SERVICE_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * IAM's names, as every service of the 2025-08-30 and 2026-08-22 snapshots writes them (a little wider
 * where it costs nothing: `_` and `.`). Anything else (markup, control characters, quotes, wildcards)
 * has no meaning to IAM and would end up in policies, reports and terminals.
 *   actions: `CreateAccessKey`, `AssociateViaAWSService-EventsAndStates`
 *   resource types: `bucket`, `listener-rule/app`, `evaluation_job`, `stream group` (one inner space)
 *   condition keys: `s3:RequestObjectTag/<key>`, `aws:RequestTag/${TagKey}`, `kms:EncryptionContext:${EncryptionContextKey}`,
 *     `github.com/enterprises/${EnterpriseName}:actor` (a `:` after the first character, `${Name}` and `<name>` placeholders)
 *   condition key types: `ArrayOfString`; schema versions: `v1.4`
 */
export const ACTION_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const RESOURCE_TYPE_NAME = /^(?=.{1,128}$)[A-Za-z0-9](?:[A-Za-z0-9_./-]| (?=[A-Za-z0-9]))*$/;
const CONDITION_KEY_NAME = /^(?=.{1,256}$)(?=[^:]+:)(?:[A-Za-z0-9_.:/-]|\$\{[A-Za-z0-9_]+\}|<[A-Za-z0-9_]+>)+$/;
const CONDITION_KEY_TYPE = /^[A-Za-z0-9]{1,64}$/;
/** ARN formats hold `${Placeholders}`, `*` and `+`: printable ASCII without spaces, quotes or markup. */
const ARN_FORMAT = /^arn:[!#-&(-;=?-[\]-_a-~]{1,2048}$/;
const SCHEMA_VERSION = /^v?[0-9]{1,4}(?:\.[0-9]{1,4}){0,3}$/;

/** Far more services than AWS has (466 in 2026) and far fewer than would exhaust a CI runner. */
export const MAX_SERVICES = 10_000;

export function isSchemaVersion(s: string): boolean {
  return SCHEMA_VERSION.test(s);
}

export function isValidServiceName(name: string): boolean {
  return SERVICE_NAME.test(name) && !name.includes('..');
}

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** A mirror's or the cache's JSON, strictly (see strict-json.ts); the error names the place, never the content. */
export function parseJson(bytes: Uint8Array | string): unknown {
  const parsed = parseStrictJson(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  if (!parsed.ok) throw new ShapeError(`${parsed.message} (${bytes.length} bytes)`);
  return parsed.value;
}

export function checkServiceList(value: unknown): ServiceListEntry[] {
  if (!Array.isArray(value)) throw new ShapeError('service list is not a JSON array');
  if (value.length === 0) throw new ShapeError('service list is empty');
  if (value.length > MAX_SERVICES) throw new ShapeError(`service list names ${value.length} services; at most ${MAX_SERVICES} are read`);
  const seen = new Set<string>();
  return value.map((entry, i) => {
    if (!isObject(entry)) throw new ShapeError(`service list entry ${i} is not an object`);
    const { service, url } = entry;
    if (typeof service !== 'string' || !isValidServiceName(service)) {
      throw new ShapeError(`service list entry ${i} has an invalid "service": ${quoteUntrusted(JSON.stringify(service) ?? String(service), 80)}`);
    }
    if (typeof url !== 'string' || url.length === 0) throw new ShapeError(`service list entry ${i} (${service}) has no "url"`);
    if (seen.has(service)) throw new ShapeError(`service list names "${service}" twice`);
    seen.add(service);
    return { service, url };
  });
}

export function checkServiceFile(value: unknown, expectedService: string): RawServiceFile {
  if (!isObject(value)) throw new ShapeError('service file is not a JSON object');
  if (value.Name !== expectedService) {
    throw new ShapeError(`"Name" is ${quoteUntrusted(JSON.stringify(value.Name) ?? 'missing', 80)}, expected "${expectedService}"`);
  }
  if (value.Version !== undefined && (typeof value.Version !== 'string' || !SCHEMA_VERSION.test(value.Version))) {
    throw new ShapeError(`"Version" is ${typeof value.Version === 'string' ? `${quoteUntrusted(JSON.stringify(value.Version), 40)}, not a schema version like "v1.4"` : 'not a string'}`);
  }
  if (!Array.isArray(value.Actions)) throw new ShapeError('"Actions" is missing or not an array');
  value.Actions.forEach((a: unknown, i: number) => {
    if (!isObject(a)) throw new ShapeError(`Actions[${i}] is not an object`);
    checkName(a.Name, `Actions[${i}]`, ACTION_NAME, 'an action name');
    stringArray(a.ActionConditionKeys, `Actions[${i}].ActionConditionKeys`, CONDITION_KEY_NAME, 'a condition key');
    if (a.Resources !== undefined) namedArray(a.Resources, `Actions[${i}].Resources`, RESOURCE_TYPE_NAME, 'a resource type');
    if (a.Annotations !== undefined) checkAnnotations(a.Annotations, `Actions[${i}].Annotations`);
  });
  if (value.Resources !== undefined) {
    namedArray(value.Resources, 'Resources', RESOURCE_TYPE_NAME, 'a resource type').forEach((r, i) => {
      stringArray(r.ARNFormats, `Resources[${i}].ARNFormats`, ARN_FORMAT, 'an ARN format');
      stringArray(r.ConditionKeys, `Resources[${i}].ConditionKeys`, CONDITION_KEY_NAME, 'a condition key');
    });
  }
  if (value.ConditionKeys !== undefined) {
    namedArray(value.ConditionKeys, 'ConditionKeys', CONDITION_KEY_NAME, 'a condition key').forEach((k, i) =>
      stringArray(k.Types, `ConditionKeys[${i}].Types`, CONDITION_KEY_TYPE, 'a condition key type'),
    );
  }
  return value as unknown as RawServiceFile;
}

const ACCESS_FLAGS = ['IsList', 'IsPermissionManagement', 'IsTaggingOnly', 'IsWrite'] as const;

/** The flags the access level is read from are booleans: a string "false" would read as true. */
function checkAnnotations(v: unknown, where: string): void {
  if (!isObject(v)) throw new ShapeError(`${where} is not an object`);
  if (v.Properties === undefined) return;
  if (!isObject(v.Properties)) throw new ShapeError(`${where}.Properties is not an object`);
  for (const flag of ACCESS_FLAGS) {
    const value = v.Properties[flag];
    if (value !== undefined && typeof value !== 'boolean') throw new ShapeError(`${where}.Properties.${flag} is not true or false`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function namedArray(v: unknown, where: string, pattern: RegExp, what: string): Record<string, unknown>[] {
  if (!Array.isArray(v)) throw new ShapeError(`${where} is not an array`);
  v.forEach((item, i) => {
    if (!isObject(item)) throw new ShapeError(`${where}[${i}] is not an object`);
    checkName(item.Name, `${where}[${i}]`, pattern, what);
  });
  return v as Record<string, unknown>[];
}

function checkName(name: unknown, where: string, pattern: RegExp, what: string): asserts name is string {
  if (name === undefined) throw new ShapeError(`${where} has no "Name"`);
  if (typeof name !== 'string') throw new ShapeError(`${where}.Name is ${name === null ? 'null' : Array.isArray(name) ? 'a list' : `a ${typeof name}`}, not a string`);
  if (name === '') throw new ShapeError(`${where} has an empty "Name"`);
  if (!pattern.test(name)) throw new ShapeError(`${where}.Name ${quoteUntrusted(JSON.stringify(name), 80)} is not ${what} IAM uses (characters outside its set)`);
}

function stringArray(v: unknown, where: string, pattern: RegExp, what: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new ShapeError(`${where} is not an array of strings`);
  v.forEach((s: string, i) => {
    if (!pattern.test(s)) throw new ShapeError(`${where}[${i}] ${quoteUntrusted(JSON.stringify(s), 80)} is not ${what} IAM uses (characters outside its set)`);
  });
}
