/**
 * `node dist/bench/write-scale-org.js DIR CONTROLS [spread|layered|selectors] [ACCOUNTS]`: writes the
 * workspace the scale benchmarks run commands on (scale-workspace.ts: guardrails/ and org-snapshot.json),
 * to time commands on it from outside (`/usr/bin/time -v`), or to run them with another version of guardrails.
 */
import { loadFromDirectory } from '../src/reference/index.js';
import { SNAPSHOT_2026 } from '../test/support/paths.js';
import { SCALE_MIXES, type ScaleMix } from './scale-intent.js';
import { SNAPSHOT_FILE, writeScaleWorkspace } from './scale-workspace.js';

const [dir, count, mix = 'spread', accountCount = '10000'] = process.argv.slice(2);
const controls = Number(count);
const accounts = Number(accountCount);
if (!dir || !Number.isInteger(controls) || controls < 1 || !SCALE_MIXES.includes(mix as ScaleMix) || !Number.isInteger(accounts) || accounts < 1) {
  process.stderr.write('usage: node dist/bench/write-scale-org.js DIR CONTROLS [spread|layered|selectors] [ACCOUNTS]\n');
  process.exit(2);
}
const reference = await loadFromDirectory(SNAPSHOT_2026);
await writeScaleWorkspace(dir, { controls, mix: mix as ScaleMix, accounts }, reference);
process.stdout.write(`${dir}: guardrails/organization.yaml (2,010 OUs, ${accounts.toLocaleString('en-US')} accounts), guardrails/controls.yaml (${controls} controls, ${mix}) and ${SNAPSHOT_FILE}\n`);
