/**
 * `node dist/bench/write-scale-org.js DIR CONTROLS [spread|layered|selectors]`: writes the repository the
 * compile-at-scale benchmark compiles, to time commands on it from outside (`/usr/bin/time -v`), or to
 * compile it with another version of guardrails.
 */
import { loadFromDirectory } from '../src/reference/index.js';
import { SNAPSHOT_2026 } from '../test/support/paths.js';
import { SCALE_MIXES, writeScaleRepository, type ScaleMix } from './scale-intent.js';

const [dir, count, mix = 'spread'] = process.argv.slice(2);
const controls = Number(count);
if (!dir || !Number.isInteger(controls) || controls < 1 || !SCALE_MIXES.includes(mix as ScaleMix)) {
  process.stderr.write('usage: node dist/bench/write-scale-org.js DIR CONTROLS [spread|layered|selectors]\n');
  process.exit(2);
}
const { index } = await loadFromDirectory(SNAPSHOT_2026);
writeScaleRepository(dir, controls, mix as ScaleMix, index);
process.stdout.write(`${dir}: guardrails/organization.yaml (2,010 OUs, 10,000 accounts) and guardrails/controls.yaml (${controls} controls, ${mix})\n`);
