/** DateEquals, DateNotEquals, DateLessThan(Equals), DateGreaterThan(Equals): ISO 8601 or epoch seconds. */
import { EvaluationError } from '../errors.js';
import type { OperatorFamily } from './family.js';

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH = /^\d+$/;

export function parseDate(value: string): number | undefined {
  const v = value.trim();
  if (EPOCH.test(v)) return Number(v) * 1000;
  if (!ISO.test(v)) return undefined;
  const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v}Z`);
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
    if (t === undefined) return false;
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
