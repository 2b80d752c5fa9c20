/**
 * Notifications: comparing the two real snapshots (2025-08-30 -> 2026-08-22) and the impact on the
 * example organization compiled against the older one, recompiled against the newer; and rendering the
 * markdown of an issue within its limit.
 */
import { compile } from '../src/compile/index.js';
import { loadIntent } from '../src/intent/index.js';
import { analyzeImpact, compareReferences, notify } from '../src/notify/index.js';
import { loadFromDirectory } from '../src/reference/index.js';
import { MARKDOWN_MAX_LENGTH, renderNotify } from '../src/report/index.js';
import { PROJECT_ROOT, SNAPSHOT_2025, SNAPSHOT_2026 } from '../test/support/paths.js';
import { median, type Figure } from './harness.js';

export async function benchNotify(): Promise<Figure[]> {
  const from = await loadFromDirectory(SNAPSHOT_2025);
  const to = await loadFromDirectory(SNAPSHOT_2026);
  const { intent } = await loadIntent({ cwd: PROJECT_ROOT });
  const old = compile({ intent: intent!, reference: from.index, referenceManifest: from.manifest, root: PROJECT_ROOT });
  const out = { manifest: old.manifest!, texts: new Map(old.policies.map((p) => [p.name, p.text])) };
  const compareMs = await median(5, () => compareReferences(from.index, to.index));
  const changes = compareReferences(from.index, to.index);
  const recompileMs = await median(5, () => compile({ intent: intent!, reference: to.index, referenceManifest: to.manifest, root: PROJECT_ROOT, previous: out.manifest }));
  const recompiled = compile({ intent: intent!, reference: to.index, referenceManifest: to.manifest, root: PROJECT_ROOT, previous: out.manifest });
  const impactMs = await median(5, () => analyzeImpact(changes, to.index, out, recompiled));
  let result = notify(from, to, out, recompiled);
  const totalMs = await median(5, () => {
    const again = compile({ intent: intent!, reference: to.index, referenceManifest: to.manifest, root: PROJECT_ROOT, previous: out.manifest });
    result = notify(from, to, out, again);
  });
  const length = (maxLength?: number) => {
    const r = renderNotify(result, 'markdown', maxLength ? { maxLength } : {});
    return r.ok ? r.text.length : NaN;
  };
  const renderMs = await median(5, () => renderNotify(result, 'markdown', { maxLength: MARKDOWN_MAX_LENGTH }));
  return [
    { name: 'notify: compare two full snapshots', value: compareMs, unit: 'ms', note: `${from.manifest.totals.services} -> ${to.manifest.totals.services} services: +${changes.actionsAdded.length} -${changes.actionsRemoved.length} actions, ${changes.accessLevelChanges.length} access-level changes` },
    { name: 'notify: recompile the example against the newer', value: recompileMs, unit: 'ms' },
    { name: 'notify: impact on the example organization', value: impactMs, unit: 'ms', note: `${result.impact.length} findings on ${result.summary.touchedControls.length} controls` },
    { name: 'notify: compare + recompile + impact', value: totalMs, unit: 'ms', note: 'snapshots already loaded' },
    { name: 'notify: markdown within 60,000 characters', value: renderMs, unit: 'ms', note: `${length().toLocaleString('en-US')} characters in full, ${length(MARKDOWN_MAX_LENGTH).toLocaleString('en-US')} shortened` },
  ];
}
