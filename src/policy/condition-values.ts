/**
 * What each condition operator family accepts as a policy value. One checker for everything that
 * reads a policy (compile, custom and imported controls, minimize, deployed policies), and the parsers
 * the evaluation engine compares with, so that a value one of them refuses none of them accepts.
 *
 * A value holding a policy variable (`${aws:username}`) is only known per request: it is not checked
 * here (the engine parses it once resolved).
 */
import { isIP } from 'node:net';
import { parseOperator, type OperatorFamily } from './condition-operators.js';
import { splitArn } from './arn.js';
import type { Condition } from './model.js';

/** Bool and Null: "true" or "false", in any case. */
export function parseBoolValue(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumberValue(value: string): number | undefined {
  return NUMBER.test(value.trim()) ? Number(value) : undefined;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH = /^\d+$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * ISO 8601 (W3C profile) or epoch seconds ("Date condition operators", IAM User Guide), as milliseconds.
 * A date that does not exist (`2024-02-30`, which JavaScript would roll over to March 1) or a time out
 * of range is malformed.
 */
export function parseDateValue(value: string): number | undefined {
  const v = value.trim();
  if (EPOCH.test(v)) return Number(v) * 1000;
  const m = ISO_DATE.exec(v);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? 0 : Number(x))) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const [zh, zm] = [Number(zone.slice(1, 3)), Number(zone.slice(-2))];
    if (zh > 23 || zm > 59) return undefined;
  }
  const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : zone ? v : `${v}Z`);
  return Number.isNaN(t) ? undefined : t;
}

export interface IpRange {
  version: 4 | 6;
  bits: bigint;
  prefix: number;
}

function addressBits(address: string, version: 4 | 6): bigint {
  if (version === 4) return address.split('.').reduce((n, octet) => (n << 8n) | BigInt(Number(octet)), 0n);
  let text = address;
  // An IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = addressBits(v4[1]!, 4);
    text = text.slice(0, -v4[1]!.length) + `${((n >> 16n) & 0xffffn).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** IpAddress: an IPv4 or IPv6 address (a full-length range) or `address/prefix`, one slash, a decimal prefix in range. */
export function parseIpRange(value: string): IpRange | undefined {
  const parts = value.trim().split('/');
  if (parts.length > 2) return undefined;
  const [address, prefixText] = parts;
  const version = isIP(address ?? '');
  if (version !== 4 && version !== 6) return undefined;
  const width = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (prefix > width) return undefined;
  return { version, bits: addressBits(address!, version), prefix };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** BinaryEquals: base64, as the bytes in hex. */
export function parseBase64Value(value: string): string | undefined {
  const v = value.trim();
  return BASE64.test(v) && v.length % 4 === 0 ? Buffer.from(v, 'base64').toString('hex') : undefined;
}

/**
 * Why a policy value cannot be compared by operators of this family, or undefined when it can. ARN
 * operators compare "each of the six colon-delimited components of the ARN separately" (IAM User
 * Guide, condition operators): a value is `*` or an ARN of six components.
 */
export function conditionValueProblem(family: OperatorFamily, value: string): string | undefined {
  switch (family) {
    case 'Bool':
    case 'Null':
      return parseBoolValue(value) === undefined ? `"${value}" is not a boolean (true or false)` : undefined;
    case 'Numeric':
      return parseNumberValue(value) === undefined ? `"${value}" is not a number` : undefined;
    case 'Date':
      return parseDateValue(value) === undefined ? `"${value}" is not a date (ISO 8601 or epoch seconds)` : undefined;
    case 'IpAddress':
      return parseIpRange(value) === undefined ? `"${value}" is not an IP address or CIDR range` : undefined;
    case 'Binary':
      return parseBase64Value(value) === undefined ? `"${value}" is not base64` : undefined;
    case 'Arn':
      return value === '*' || splitArn(value) ? undefined : `"${value}" is not an ARN (arn:partition:service:region:account:resource, six components compared one by one)`;
    default:
      return undefined;
  }
}

export interface ConditionValueProblem {
  /** The operator as written. */
  operator: string;
  key: string;
  /** The value's position in the key's list. */
  index: number;
  message: string;
}

/** Every value of a Condition element its operator cannot compare (unknown operators are someone else's finding). */
export function conditionValueProblems(condition: Condition | undefined): ConditionValueProblem[] {
  const problems: ConditionValueProblem[] = [];
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    const parsed = parseOperator(operator);
    if (!parsed.ok) continue;
    for (const [key, values] of Object.entries(keys)) {
      values.forEach((value, index) => {
        // Null is never resolved per request (the engine reads its values as they are).
        if (value.includes('${') && parsed.operator.family !== 'Null') return;
        const message = conditionValueProblem(parsed.operator.family, value);
        if (message) problems.push({ operator, key, index, message: `condition ${operator} ${key}: ${message}` });
      });
    }
  }
  return problems;
}
