/**
 * One CloudTrail log file (`{"Records":[...]}`, gzip) -> its records, or why not. The file is untrusted:
 * it is inflated with a cap on what it may inflate to (a gzip bomb stops there), decoded as strict
 * UTF-8, scanned for nesting before JSON.parse (a file of 100,000 `[` never reaches a parser), and must
 * hold a `Records` array. Never throws on what the file holds.
 */
import { gunzipSync } from 'node:zlib';
import { jsonNestingOver } from '../../files/json-depth.js';

/**
 * CloudTrail delivers files every ~5 minutes per account and Region, a few MB at the most; 256 MiB
 * inflated is far above that and within what one thread can hold.
 */
export const MAX_INFLATED_BYTES = 256 * 1024 * 1024;
/** requestParameters and responseElements nest a few levels, rarely more than 20. */
export const MAX_NESTING = 128;

export type LogFileRecords = { ok: true; records: unknown[] } | { ok: false; reason: 'not-gzip' | 'inflates-too-large' | 'not-utf8' | 'nesting-too-deep' | 'not-json' | 'no-records-array' };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function recordsOfLogFile(gz: Uint8Array, maxInflated = MAX_INFLATED_BYTES): LogFileRecords {
  let bytes: Buffer;
  try {
    bytes = gunzipSync(gz, { maxOutputLength: maxInflated });
  } catch (e) {
    return { ok: false, reason: (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError ? 'inflates-too-large' : 'not-gzip' };
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false, reason: 'not-utf8' };
  }
  if (jsonNestingOver(text, MAX_NESTING) !== undefined) return { ok: false, reason: 'nesting-too-deep' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not-json' };
  }
  const records = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { Records?: unknown }).Records : undefined;
  return Array.isArray(records) ? { ok: true, records } : { ok: false, reason: 'no-records-array' };
}
