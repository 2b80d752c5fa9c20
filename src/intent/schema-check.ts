/**
 * Checks one intent file against the JSON Schema (the contract) and turns ajv's errors into
 * diagnostics with stable codes, positions and hints.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { closestNames, didYouMean, error, type Diagnostic } from '../diagnostics/index.js';
import schema from './intent.schema.json' with { type: 'json' };
import { FORMATS } from './formats.js';
import type { SourceIndex } from '../diagnostics/source-index.js';
// ajv's code for intent.schema.json, generated ahead (schema-standalone.ts): compiling the schema at
// every start cost each command about 0.15 s.
import { validate as generated } from './intent-schema.validator.js';


export const CONTROL_KINDS: readonly string[] = schema.definitions.control.oneOf.map((b) => b.properties.kind.const);

/**
 * Problems listed per document. A list of 100,000 numbers where strings belong is 100,000 problems,
 * each printed with its line (gigabytes of CI log for a file of 200 KB); past this many, one more
 * diagnostic says how many were left out.
 */
export const MAX_SCHEMA_PROBLEMS = 100;

export function checkSchema(value: unknown, sources: SourceIndex): Diagnostic[] {
  const validate = generated as ValidateFunction;
  if (validate(value)) return [];
  const errors = dedupe(validate.errors ?? []);
  const listed = errors.slice(0, MAX_SCHEMA_PROBLEMS).map((e) => toDiagnostic(e, value, sources)).filter((d): d is Diagnostic => d !== undefined);
  if (errors.length <= MAX_SCHEMA_PROBLEMS) return listed;
  const unlisted = errors.length - MAX_SCHEMA_PROBLEMS;
  const hidden = `${unlisted.toLocaleString('en-US')} more problem${unlisted === 1 ? '' : 's'} with the schema ${unlisted === 1 ? 'is' : 'are'} not listed`;
  return [...listed, error('too-many-problems', hidden, sources.locatePointer(value, errors[MAX_SCHEMA_PROBLEMS]!.instancePath), 'fix the ones listed and validate again')];
}

/**
 * One mistake, one diagnostic: ajv reports a missing `kind` twice (required and discriminator), and a
 * misspelled required property both as unknown and as missing; the unknown one, with its
 * "did you mean", says it all. Linear in the errors (a file can make a hundred thousand).
 */
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const missingKind = new Set<string>();
  const unknownAt = new Map<string, string[]>();
  for (const e of errors) {
    if (e.keyword === 'required' && e.params.missingProperty === 'kind') missingKind.add(e.instancePath);
    if (e.keyword !== 'additionalProperties') continue;
    const at = unknownAt.get(e.instancePath);
    if (at) at.push(e.params.additionalProperty as string);
    else unknownAt.set(e.instancePath, [e.params.additionalProperty as string]);
  }
  const misspelled = (e: ErrorObject) => e.keyword === 'required' && (unknownAt.get(e.instancePath) ?? []).some((unknown) => closestNames(unknown, [e.params.missingProperty as string]).length > 0);
  return errors.filter((e) => !(e.keyword === 'discriminator' && e.params.error === 'tag' && missingKind.has(e.instancePath)) && !misspelled(e));
}

function toDiagnostic(e: ErrorObject, root: unknown, sources: SourceIndex): Diagnostic | undefined {
  const where = label(e.instancePath);
  const at = (keyOnly = false) => sources.locatePointer(root, e.instancePath, keyOnly);
  const data = e.data;
  switch (e.keyword) {
    case 'required':
      return error('missing-property', `${where} needs "${e.params.missingProperty}"`, at(true), requiredHint(e.params.missingProperty as string));
    case 'additionalProperties': {
      const prop = e.params.additionalProperty as string;
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const container = resolvePointer(root, e.instancePath) as object | undefined;
      const hint = didYouMean(closestNames(prop, allowed)) ?? (allowed.length ? `allowed here: ${allowed.join(', ')}` : undefined);
      return error('unknown-property', `${where} has no property "${prop}"`, sources.locateKey(container, prop), hint);
    }
    case 'discriminator': {
      const value = e.params.tagValue;
      return error(
        'unknown-control-kind',
        `${where}: unknown control kind ${JSON.stringify(value)}`,
        sources.locatePointer(root, `${e.instancePath}/kind`),
        didYouMean(closestNames(String(value), CONTROL_KINDS)) ?? `known kinds: ${CONTROL_KINDS.join(', ')}`,
      );
    }
    case 'format':
      return formatDiagnostic(e.params.format as string, where, data, at());
    case 'type': {
      const expected = String(e.params.type).replace(',', ' or ');
      const format = (e.parentSchema as { format?: string })?.format;
      if (format && typeof data === 'number') return formatDiagnostic(format, where, data, at());
      return error('wrong-type', `${where} must be ${article(expected)}, not ${describeType(data)}`, at());
    }
    case 'enum':
    case 'const': {
      const allowed = e.keyword === 'enum' ? (e.params.allowedValues as unknown[]) : [e.params.allowedValue];
      const shown = allowed.map((v) => JSON.stringify(v));
      return error('bad-value', `${where} is ${written(data)}; expected ${shown.length > 1 ? 'one of ' : ''}${shown.join(', ')}`, at(), didYouMean(closestNames(String(data), allowed.map(String))));
    }
    case 'minItems':
      return error('empty-list', `${where} must not be empty`, at());
    case 'minLength':
      return error('empty-value', `${where} must not be empty`, at());
    case 'uniqueItems': {
      const j = e.params.j as number;
      const i = e.params.i as number;
      return error('duplicate-item', `${where} lists ${JSON.stringify((data as unknown[])[i])} twice`, sources.locatePointer(root, `${e.instancePath}/${Math.max(i, j)}`));
    }
    case 'minProperties':
    case 'maxProperties':
      if (e.instancePath === '/organization/tree') return error('bad-tree', 'organization.tree must have exactly one key: the root (usually Root)', at());
      return error('empty-value', `${where} must not be empty`, at());
    case 'propertyNames':
      return undefined; // reported by the nested 'pattern' error, which names the property
    case 'pattern': {
      const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
      if (propertyName !== undefined) {
        const container = resolvePointer(root, e.instancePath) as object | undefined;
        return error('bad-name', `${where}: "${propertyName}" is not a valid name here (a letter or digit, then letters, digits, . _ -; at most 64 characters)`, sources.locateKey(container, propertyName));
      }
      return error('bad-value', `${where} is ${JSON.stringify(data)}, which is not well-formed`, at());
    }
    default:
      return error('schema', `${where} ${e.message ?? 'is invalid'}`, at());
  }
}

function formatDiagnostic(format: string, where: string, data: unknown, location: ReturnType<SourceIndex['locate']>): Diagnostic {
  const f = FORMATS[format];
  const shown = JSON.stringify(data);
  if (!f) return error('bad-value', `${where} is ${shown}, which is not well-formed`, location);
  const numberHint = typeof data === 'number' ? 'YAML read this as a number; quote account ids ("012345678901")' : undefined;
  return error(f.code, `${where}: ${shown} is not ${f.what}`, location, numberHint ?? f.hint);
}

function requiredHint(prop: string): string | undefined {
  if (prop === 'attach') return 'attach names where the control applies, e.g. attach: [Root]';
  if (prop === 'version') return 'start each intent file with "version: 1"';
  return undefined;
}

/** `/controls/only-org/attach/0` -> `controls.only-org.attach[0]` */
export function label(pointer: string): string {
  if (pointer === '') return 'the file';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += (out ? '.' : '') + seg;
  }
  return out;
}

function resolvePointer(root: unknown, pointer: string): unknown {
  let v = root;
  if (pointer === '') return v;
  for (const seg of pointer.slice(1).split('/')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[seg.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

function describeType(v: unknown): string {
  if (v === null) return 'empty';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${written(v)}`;
}

/** A value as the user would recognize it: JSON writes a number YAML could not hold (1e400) as null. */
function written(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : `${v} (a number out of range)`;
  return JSON.stringify(v);
}

function article(t: string): string {
  return t
    .split(' or ')
    .map((x) => (x === 'object' ? 'a mapping' : x === 'array' ? 'a list' : x === 'integer' ? 'an integer' : `a ${x}`))
    .join(' or ');
}
