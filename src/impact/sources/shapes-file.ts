/**
 * `--cloudtrail shapes:FILE`: request shapes already reduced (by another run's --save-shapes, a query,
 * a test), one ShapeRow as JSON per line. The file is untrusted: every field is checked for its type
 * and capped in length and count, and the first bad line is an error naming its number.
 */
import type { Reduction, ShapeRow } from '../types.js';

export const SHAPES_FILE_LIMITS = { lineChars: 65_536, rows: 1_000_000, stringChars: 2048, resourceArns: 100, events: 1e12 } as const;

const NULLABLE_STRINGS = ['eventType', 'eventCategory', 'principalArn', 'principalAccount', 'principalId', 'sessionArn', 'invokedBy', 'sourceIp', 'vpcEndpointId', 'vpcEndpointAccountId', 'tlsVersion', 'userAgent', 'mfaAuthenticated', 'resourceAccount', 'modelId', 'inferenceRegion', 'passedRoleArn', 'errorCode', 'deniedByPolicy'] as const;
const STRINGS = ['eventSource', 'eventName', 'awsRegion', 'recipientAccountId', 'principalType', 'exampleEventId'] as const;
const TIMES = ['firstSeen', 'lastSeen'] as const;
const FIELDS = new Set<string>([...NULLABLE_STRINGS, ...STRINGS, ...TIMES, 'resourceArns', 'deniedBy', 'events']);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

export type ShapesFileRead = { ok: true; reduction: Reduction } | { ok: false; line: number; problem: string };

export function readShapesFile(text: string): ShapesFileRead {
  const shapes: ShapeRow[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const fail = (problem: string): ShapesFileRead => ({ ok: false, line: i + 1, problem });
    if (line.length > SHAPES_FILE_LIMITS.lineChars) return fail(`longer than ${SHAPES_FILE_LIMITS.lineChars} characters`);
    if (shapes.length >= SHAPES_FILE_LIMITS.rows) return fail(`more than ${SHAPES_FILE_LIMITS.rows} shapes`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return fail('not JSON');
    }
    const row = shapeRowOf(value);
    if (typeof row === 'string') return fail(row);
    shapes.push(row);
  }
  const events = shapes.reduce((n, s) => n + s.events, 0);
  return { ok: true, reduction: { shapes, totals: { records: events, authorizationEvents: events, notAuthorization: 0, outsideWindow: 0, malformed: {}, files: 1 } } };
}

/** A ShapeRow, or what is wrong with the value. */
export function shapeRowOf(value: unknown): ShapeRow | string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not an object';
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FIELDS.has(k)) return `unknown field ${JSON.stringify(k.slice(0, 64))}`;
  const str = (k: string, v: unknown): string | undefined => (typeof v !== 'string' ? `${k} must be a string` : v.length > SHAPES_FILE_LIMITS.stringChars ? `${k} is longer than ${SHAPES_FILE_LIMITS.stringChars} characters` : undefined);
  for (const k of STRINGS) {
    const bad = str(k, o[k]) ?? (o[k] === '' ? `${k} is empty` : undefined);
    if (bad) return bad;
  }
  for (const k of NULLABLE_STRINGS) {
    if (o[k] === undefined) o[k] = null;
    if (o[k] !== null) {
      const bad = str(k, o[k]);
      if (bad) return `${bad} or null`;
    }
  }
  for (const k of TIMES) if (typeof o[k] !== 'string' || !ISO_TIME.test(o[k] as string)) return `${k} must be an ISO 8601 UTC time`;
  if ((o.firstSeen as string) > (o.lastSeen as string)) return 'firstSeen is after lastSeen';
  if (o.deniedBy === undefined) o.deniedBy = null;
  if (o.deniedBy !== null && o.deniedBy !== 'scp' && o.deniedBy !== 'rcp') return 'deniedBy must be "scp", "rcp" or null';
  if (!Number.isInteger(o.events) || (o.events as number) < 1 || (o.events as number) > SHAPES_FILE_LIMITS.events) return `events must be a whole number from 1 to ${SHAPES_FILE_LIMITS.events}`;
  const arns = o.resourceArns ?? [];
  if (!Array.isArray(arns)) return 'resourceArns must be a list of strings';
  if (arns.length > SHAPES_FILE_LIMITS.resourceArns) return `resourceArns has more than ${SHAPES_FILE_LIMITS.resourceArns} entries`;
  for (const a of arns) {
    const bad = str('resourceArns[]', a);
    if (bad) return bad;
  }
  o.resourceArns = [...new Set(arns as string[])].sort();
  return o as unknown as ShapeRow;
}
