/**
 * DateEquals, DateNotEquals, DateLessThan(Equals), DateGreaterThan(Equals): ISO 8601 (W3C profile) or
 * epoch seconds ("Date condition operators", IAM User Guide). A date that does not exist
 * (`2024-02-30`, which JavaScript would roll over to March 1) or a time out of range is malformed: in
 * the policy and in the request it is an error, never a comparison.
 */
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH = /^\d+$/;

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function parseDate(value: string): number | undefined {
  const v = value.trim();
  if (EPOCH.test(v)) return Number(v) * 1000;
  const m = ISO.exec(v);
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

export const dateFamily: OperatorFamily<number> = {
  parse(value) {
    const t = parseDate(value);
    if (t === undefined) throw new EvaluationError(`"${value}" is not a date (ISO 8601 or epoch seconds)`);
    return t;
  },
  matches(base, v, p) {
    const t = parseDate(v);
    if (t === undefined) throw new EvaluationError(`the request value "${v}" is not a date (ISO 8601 or epoch seconds)`);
    switch (base) {
      case 'DateLessThan':
        return t < p;
      case 'DateLessThanEquals':
        return t <= p;
      case 'DateGreaterThan':
        return t > p;
      case 'DateGreaterThanEquals':
        return t >= p;
      default:
        return t === p;
    }
  },
};
