/**
 * The IAM policy model: a document read from JSON (untyped) becomes a normalized, typed document whose
 * statements keep a link to their source for diagnostics. Lists are always arrays here; condition
 * values are strings (IAM compares them as strings; JSON booleans and numbers are accepted on input).
 */
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceIndex } from '../diagnostics/source-index.js';

export type PolicyType = 'scp' | 'rcp';
export const POLICY_VERSION = '2012-10-17';

export type Principal = '*' | Record<string, string[]>;
export type Condition = Record<string, Record<string, string[]>>;

export interface Statement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  principal?: Principal;
  notPrincipal?: Principal;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  condition?: Condition;
  /** The object the statement was read from, for locating problems (absent for generated statements). */
  origin?: object;
}

export interface PolicyDocument {
  version: string;
  id?: string;
  statements: Statement[];
  origin?: object;
}

const STATEMENT_KEYS = ['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];

export interface ReadOptions {
  /** Keys to drop from statements instead of rejecting them (the SCP pre-processor's Comment). */
  ignoreKeys?: readonly string[];
}

/** Reads an untyped value (parsed JSON) as a policy document; problems are located through `sources`. */
export function readPolicyDocument(value: unknown, sources: SourceIndex | undefined, options: ReadOptions = {}): { document: PolicyDocument | undefined; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const at = (holder: object | undefined, key?: string | number) => sources?.locate(holder, key);
  const atKey = (holder: object | undefined, key: string) => sources?.locateKey(holder, key);
  if (!isObject(value)) {
    diagnostics.push(error('policy-shape', 'a policy document must be a JSON object', at(value as object)));
    return { document: undefined, diagnostics };
  }
  for (const key of Object.keys(value)) {
    if (!['Version', 'Id', 'Statement'].includes(key)) diagnostics.push(error('policy-shape', `unknown top-level element "${key}"`, atKey(value, key), 'a policy has Version, Statement and optionally Id'));
  }
  if (value.Version === undefined) diagnostics.push(error('missing-version', 'the policy has no "Version"', at(value), `add "Version": "${POLICY_VERSION}"`));
  else if (value.Version !== POLICY_VERSION) diagnostics.push(error('bad-version', `"Version" must be "${POLICY_VERSION}", not ${JSON.stringify(value.Version)}`, at(value, 'Version')));
  const raw = value.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (raw === undefined) diagnostics.push(error('policy-shape', 'the policy has no "Statement"', at(value)));
  const statements: Statement[] = [];
  list.forEach((s, i) => {
    const where = Array.isArray(raw) ? at(raw, i) : at(value, 'Statement');
    if (!isObject(s)) {
      diagnostics.push(error('policy-shape', `statement ${i + 1} is not an object`, where));
      return;
    }
    const st = readStatement(s, i, diagnostics, at, atKey, options);
    if (st) statements.push(st);
  });
  const document: PolicyDocument = { version: typeof value.Version === 'string' ? value.Version : POLICY_VERSION, statements, origin: value };
  if (typeof value.Id === 'string') document.id = value.Id;
  return { document, diagnostics };
}

type Locate = (holder: object | undefined, key?: string | number) => ReturnType<SourceIndex['locate']>;
type LocateKey = (holder: object | undefined, key: string) => ReturnType<SourceIndex['locate']>;

function readStatement(s: Record<string, unknown>, i: number, out: Diagnostic[], at: Locate, atKey: LocateKey, options: ReadOptions): Statement | undefined {
  const label = typeof s.Sid === 'string' ? `statement ${s.Sid}` : `statement ${i + 1}`;
  let ok = true;
  for (const key of Object.keys(s)) {
    if (STATEMENT_KEYS.includes(key) || options.ignoreKeys?.includes(key)) continue;
    out.push(error('policy-shape', `${label}: unknown element "${key}"`, atKey(s, key), `statement elements are ${STATEMENT_KEYS.join(', ')}`));
    ok = false;
  }
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
    out.push(error('bad-effect', `${label}: "Effect" must be "Allow" or "Deny"${s.Effect === undefined ? '' : `, not ${JSON.stringify(s.Effect)}`}`, s.Effect === undefined ? at(s) : at(s, 'Effect')));
    ok = false;
  }
  const st: Statement = { effect: s.Effect === 'Allow' ? 'Allow' : 'Deny', origin: s };
  if (s.Sid !== undefined) {
    if (typeof s.Sid !== 'string') {
      out.push(error('policy-shape', `${label}: "Sid" must be a string`, at(s, 'Sid')));
      ok = false;
    } else st.sid = s.Sid;
  }
  for (const [key, field] of [
    ['Action', 'action'],
    ['NotAction', 'notAction'],
    ['Resource', 'resource'],
    ['NotResource', 'notResource'],
  ] as const) {
    if (s[key] === undefined) continue;
    const list = stringList(s[key]);
    if (!list) {
      out.push(error('policy-shape', `${label}: "${key}" must be a string or a list of strings`, at(s, key)));
      ok = false;
      continue;
    }
    if (list.length === 0) {
      out.push(error('policy-shape', `${label}: "${key}" is empty`, at(s, key)));
      ok = false;
    }
    st[field] = list;
  }
  for (const [key, field] of [
    ['Principal', 'principal'],
    ['NotPrincipal', 'notPrincipal'],
  ] as const) {
    if (s[key] === undefined) continue;
    const p = readPrincipal(s[key]);
    if (!p) {
      out.push(error('policy-shape', `${label}: "${key}" must be "*" or a map like {"AWS": [...]}`, at(s, key)));
      ok = false;
    } else st[field] = p;
  }
  if (s.Condition !== undefined) {
    const c = readCondition(s.Condition);
    if (typeof c === 'string') {
      out.push(error('policy-shape', `${label}: ${c}`, at(s, 'Condition')));
      ok = false;
    } else st.condition = c;
  }
  return ok ? st : undefined;
}

function stringList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
}

function readPrincipal(v: unknown): Principal | undefined {
  if (v === '*') return '*';
  if (!isObject(v)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, x] of Object.entries(v)) {
    const list = stringList(x);
    if (!list) return undefined;
    out[k] = list;
  }
  return out;
}

function readCondition(v: unknown): Condition | string {
  if (!isObject(v)) return '"Condition" must be an object: operator -> key -> value(s)';
  const out: Condition = {};
  for (const [op, keys] of Object.entries(v)) {
    if (!isObject(keys)) return `condition operator "${op}" must map condition keys to values`;
    const block: Record<string, string[]> = {};
    for (const [key, raw] of Object.entries(keys)) {
      const values = (Array.isArray(raw) ? raw : [raw]).map((x) => (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : undefined));
      if (values.some((x) => x === undefined)) return `condition ${op} ${key}: values must be strings, numbers or booleans`;
      block[key] = values as string[];
    }
    out[op] = block;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
