/**
 * Writes N CloudTrail events of the example organization (test/support/cloudtrail-traffic.ts) for the
 * impact benchmark: the same record format, layout and planted cases as the tests' month, with files
 * sized as CloudTrail's busier deliveries (about 450 records, some 40 KB gzipped, per file).
 *
 * As a command: `node dist/bench/cloudtrail-month.js DIR [EVENTS] [SEED]` writes DIR/AWSLogs/... and
 * prints what it wrote and how long it took.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCloudTrail, type TrafficResult } from '../test/support/cloudtrail-traffic.js';

/** Records per delivered file the bench aims at. */
const RECORDS_PER_FILE = 450;
/** Account-and-Region folders of the example organization's background traffic (10 accounts x 2 Regions). */
const BACKGROUND_SLOTS = 20;

export interface MonthOptions {
  seed?: number;
  days?: number;
  /** gzip level: 1 by default here (writing is not what the bench measures). */
  gzipLevel?: number;
}

/** Writes about `events` background records over `days` days (30), plus the planted cases, under `dir`. */
export async function writeCloudTrailEvents(dir: string, events: number, options: MonthOptions = {}): Promise<TrafficResult> {
  const days = options.days ?? 30;
  const eventsPerDay = Math.max(1, Math.round(events / days));
  const filesPerDay = Math.max(4, Math.round(eventsPerDay / BACKGROUND_SLOTS / RECORDS_PER_FILE));
  return generateCloudTrail(dir, { seed: options.seed ?? 1, days, eventsPerDay, filesPerDay, gzipLevel: options.gzipLevel ?? 1 });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, events = '1000000', seed = '1'] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write('usage: node dist/bench/cloudtrail-month.js DIR [EVENTS] [SEED]\n');
    process.exit(2);
  }
  const t0 = performance.now();
  const r = await writeCloudTrailEvents(dir, Number(events), { seed: Number(seed) });
  const s = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`${r.totals.records} records in ${r.files.length} files (${r.digestFiles.length} digests) under ${dir} in ${s} s\n`);
}
