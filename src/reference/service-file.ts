/**
 * The shape of AWS's service reference files (REFERENCE.md section 3) and the checks a downloaded file
 * must pass before it may enter the cache. Schema versions v1.1..v1.4 coexist in one snapshot, so every
 * key newer than v1.1 is optional; unknown keys are tolerated because AWS adds them without notice.
 */

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

export function isValidServiceName(name: string): boolean {
  return SERVICE_NAME.test(name) && !name.includes('..');
}

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

export function parseJson(bytes: Uint8Array | string): unknown {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ShapeError(`invalid JSON (${(e as Error).message}; ${text.length} bytes received)`);
  }
}

export function checkServiceList(value: unknown): ServiceListEntry[] {
  if (!Array.isArray(value)) throw new ShapeError('service list is not a JSON array');
  if (value.length === 0) throw new ShapeError('service list is empty');
  const seen = new Set<string>();
  return value.map((entry, i) => {
    if (!isObject(entry)) throw new ShapeError(`service list entry ${i} is not an object`);
    const { service, url } = entry;
    if (typeof service !== 'string' || !isValidServiceName(service)) {
      throw new ShapeError(`service list entry ${i} has an invalid "service": ${JSON.stringify(service)}`);
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
    throw new ShapeError(`"Name" is ${JSON.stringify(value.Name)}, expected "${expectedService}"`);
  }
  if (value.Version !== undefined && typeof value.Version !== 'string') throw new ShapeError('"Version" is not a string');
  if (!Array.isArray(value.Actions)) throw new ShapeError('"Actions" is missing or not an array');
  value.Actions.forEach((a: unknown, i: number) => {
    if (!isObject(a)) throw new ShapeError(`Actions[${i}] is not an object`);
    checkName(a.Name, `Actions[${i}]`);
    if (a.Name === '') throw new ShapeError(`Actions[${i}] has an empty "Name"`);
    optionalStringArray(a.ActionConditionKeys, `Actions[${i}].ActionConditionKeys`);
    if (a.Resources !== undefined) namedArray(a.Resources, `Actions[${i}].Resources`);
    if (a.Annotations !== undefined && !isObject(a.Annotations)) throw new ShapeError(`Actions[${i}].Annotations is not an object`);
  });
  if (value.Resources !== undefined) {
    namedArray(value.Resources, 'Resources').forEach((r, i) => {
      optionalStringArray(r.ARNFormats, `Resources[${i}].ARNFormats`);
      optionalStringArray(r.ConditionKeys, `Resources[${i}].ConditionKeys`);
    });
  }
  if (value.ConditionKeys !== undefined) {
    namedArray(value.ConditionKeys, 'ConditionKeys').forEach((k, i) => optionalStringArray(k.Types, `ConditionKeys[${i}].Types`));
  }
  return value as unknown as RawServiceFile;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function namedArray(v: unknown, where: string): Record<string, unknown>[] {
  if (!Array.isArray(v)) throw new ShapeError(`${where} is not an array`);
  v.forEach((item, i) => {
    if (!isObject(item)) throw new ShapeError(`${where}[${i}] is not an object`);
    checkName(item.Name, `${where}[${i}]`);
  });
  return v as Record<string, unknown>[];
}

function checkName(name: unknown, where: string): asserts name is string {
  if (name === undefined) throw new ShapeError(`${where} has no "Name"`);
  if (typeof name !== 'string') throw new ShapeError(`${where}.Name is ${name === null ? 'null' : Array.isArray(name) ? 'a list' : `a ${typeof name}`}, not a string`);
}

function optionalStringArray(v: unknown, where: string): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new ShapeError(`${where} is not an array of strings`);
}
