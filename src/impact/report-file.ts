/**
 * A report `guardrails impact --json` wrote, read back (by `diff --impact`). The file is untrusted: it
 * comes from another job's artifact, and its strings from CloudTrail records. Every field is checked
 * for its type, strings and lists are capped, and the first thing wrong is said with its JSON path; the
 * strings stay as they are (the renderers escape them).
 */
import type { Diagnostic } from '../diagnostics/index.js';
import type { ImpactReport } from './report-types.js';

export const IMPACT_REPORT_LIMITS = { bytes: 64 * 1024 * 1024, stringChars: 4096, listItems: 200_000, count: 1e15 } as const;

export type ImpactReportRead = { ok: true; report: ImpactReport } | { ok: false; problem: string };

/** Thrown inside the checks only, caught by readImpactReport: where the value is wrong and how. */
class Wrong extends Error {}

type Check<T> = (v: unknown, at: string) => T;

const fail = (at: string, what: string): never => {
  throw new Wrong(`${at}: ${what}`);
};

const str: Check<string> = (v, at) => (typeof v !== 'string' ? fail(at, 'must be a string') : v.length > IMPACT_REPORT_LIMITS.stringChars ? fail(at, `is longer than ${IMPACT_REPORT_LIMITS.stringChars} characters`) : v);
const count: Check<number> = (v, at) => (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > IMPACT_REPORT_LIMITS.count ? fail(at, 'must be a whole number, 0 or more') : v);
const bool: Check<boolean> = (v, at) => (typeof v !== 'boolean' ? fail(at, 'must be true or false') : v);
const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (v, at) =>
    v === null ? null : check(v, at);
const optional =
  <T>(check: Check<T>): Check<T | undefined> =>
  (v, at) =>
    v === undefined ? undefined : check(v, at);
const oneOf =
  <T extends string>(...values: T[]): Check<T> =>
  (v, at) =>
    values.includes(v as T) ? (v as T) : fail(at, `must be one of ${values.join(', ')}`);
const list =
  <T>(check: Check<T>): Check<T[]> =>
  (v, at) => {
    if (!Array.isArray(v)) return fail(at, 'must be a list');
    if (v.length > IMPACT_REPORT_LIMITS.listItems) return fail(at, `has more than ${IMPACT_REPORT_LIMITS.listItems} items`);
    return v.map((x, i) => check(x, `${at}[${i}]`));
  };

/** An object of exactly these fields (an optional one may be absent; none other is kept). */
function object<T>(fields: { [K in keyof T]: Check<T[K]> }): Check<T> {
  return (v, at) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return fail(at, 'must be an object');
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(fields) as [string, Check<unknown>][]) {
      const value = check(Object.hasOwn(o, k) ? o[k] : undefined, `${at}.${k}`);
      if (value !== undefined) out[k] = value;
    }
    return out as T;
  };
}

const countsByName: Check<Record<string, number>> = (v, at) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return fail(at, 'must be an object');
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > 1000) fail(at, 'has more than 1000 entries');
  const out: Record<string, number> = {};
  for (const [k, n] of entries) out[str(k, `${at} key`)] = count(n, `${at}.${k.slice(0, 64)}`);
  return out;
};

const location = object({ file: str, line: count, col: count });

const diagnostic: Check<Diagnostic> = object<Diagnostic>({
  severity: oneOf('error', 'warning'),
  code: str,
  message: str,
  location: optional(location),
  hint: optional(str),
});

const finding = object<ImpactReport['findings'][number]>({
  change: oneOf('newly-denied', 'newly-allowed', 'may-deny'),
  controls: list(object({ control: str, location: optional(location) })),
  statements: list(object({ type: oneOf('scp', 'rcp'), policy: str, sid: optional(str), implicit: optional(bool) })),
  action: str,
  operation: object({ eventSource: str, eventName: str }),
  principal: object({ arn: nullable(str), type: str, account: nullable(str) }),
  account: object({ id: str, name: optional(str), path: optional(str) }),
  resource: object({ arns: list(str), account: nullable(str) }),
  regions: list(str),
  unknownKeys: list(str),
  events: count,
  shapes: count,
  firstSeen: str,
  lastSeen: str,
  exampleEventId: str,
  alreadyFailing: count,
});

const report = object<ImpactReport>({
  format: (v, at) => (v === 1 ? 1 : fail(at, 'must be 1 (a report of this version of guardrails impact --json)')),
  window: object({ since: nullable(str), until: nullable(str), source: str, location: str }),
  inputs: object({
    policies: optional((v, at) => (typeof v === 'string' && /^sha256:[0-9a-f]{64}$/.test(v) ? v : fail(at, 'must be "sha256:" and 64 hex digits'))),
    orgSnapshot: object({ source: str, readAt: str }),
    reference: str,
  }),
  totals: object({
    records: count,
    authorizationEvents: count,
    notAuthorization: count,
    outsideWindow: count,
    malformed: countsByName,
    files: count,
    shapes: count,
    unmapped: count,
    newlyDenied: count,
    mayDeny: count,
    newlyAllowed: count,
    dataEvents: bool,
  }),
  unmapped: list(object({ eventSource: str, events: count, eventNames: list(object({ name: str, events: count })) })),
  findings: list(finding),
  alreadyDenied: object({ events: count, shapes: count, byControl: list(object({ control: str, events: count })) }),
  byControl: list(
    object({
      control: str,
      newlyDenied: object({ events: count, accounts: list(str), principals: count }),
      mayDeny: object({ events: count, keys: list(str) }),
      newlyAllowed: object({ events: count }),
    }),
  ),
  warnings: list(diagnostic),
});

/** The report in `text` (the file's contents), or the first thing wrong with it. */
export function readImpactReport(text: string): ImpactReportRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, problem: `not JSON (${(e as Error).message.slice(0, 200)})` };
  }
  try {
    return { ok: true, report: report(value, '$') };
  } catch (e) {
    if (e instanceof Wrong) return { ok: false, problem: e.message };
    if (e instanceof RangeError) return { ok: false, problem: 'nested too deeply' };
    throw e;
  }
}
