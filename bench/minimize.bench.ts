/** Minimization: characters in and out, time, and the equivalence proof over the whole action universe. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SourceIndex } from '../src/diagnostics/index.js';
import { clearCompactionCache, compile, LEVEL_NAMES, minimizePolicy, minimizeStatements, proofInputs, proofOutputs, proveEquivalence } from '../src/compile/index.js';
import { findIntentFiles, loadIntent } from '../src/intent/index.js';
import { parseJsonWithPositions, quotaProfile, readPolicyDocument } from '../src/policy/index.js';
import { loadFromDirectory } from '../src/reference/index.js';
import { PREPROCESSOR_EXAMPLES, PROJECT_ROOT, SNAPSHOT_2026 } from '../test/support/paths.js';
import { median, type Figure } from './harness.js';

export async function benchMinimize(): Promise<Figure[]> {
  const { index: ref, manifest } = await loadFromDirectory(SNAPSHOT_2026);
  const figures: Figure[] = [];
  const file = path.join(PREPROCESSOR_EXAMPLES, 'example.json');
  const text = fs.readFileSync(file, 'utf8');
  const charsIn = JSON.stringify(JSON.parse(text)).length;
  // The levels: readable by default (level 1, escalating only while the quota is missed, here forced by
  // fewer free slots), --aggressive (today's smallest), --exact (level 1, no wildcard the input does not have).
  const runs = [
    ['aws-legacy', 'readable', undefined],
    ['aws-legacy', 'readable', 3],
    ['aws-legacy', 'readable', 2],
    ['aws-legacy', 'readable', 1],
    ['aws-legacy', 'aggressive', undefined],
    ['aws-2026-05', 'readable', undefined],
    ['aws-legacy', 'exact', undefined],
  ] as const;
  for (const [profile, mode, slots] of runs) {
    const quota = quotaProfile(profile)!.scp;
    const maxPerTarget = slots ?? quota.maxPerTarget;
    let r: ReturnType<typeof minimizePolicy> | undefined;
    const ms = await median(3, () => {
      clearCompactionCache(ref);
      const sources = new SourceIndex();
      const doc = readPolicyDocument(parseJsonWithPositions(file, text, sources).value, sources, { ignoreKeys: ['Comment', 'Comments'] }).document!;
      r = minimizePolicy(doc, sources, ref, { type: 'scp', maxChars: quota.maxChars, maxPerTarget, keepSids: false, mode });
      if (!r.ok) throw new Error('example.json does not minimize');
    });
    const out = r!.policies.reduce((n, p) => n + p.chars, 0);
    const policies = r!.policies.length;
    const sizes = r!.policies.map((p) => p.chars.toLocaleString('en-US')).join(' + ');
    const wildcards = r!.policies.reduce((n, p) => n + p.statements.reduce((m, s) => m + s.introduced.length, 0), 0);
    const label = `minimize example.json, ${profile}${mode === 'readable' ? '' : ` --${mode}`}${slots ? ` --slots ${slots}` : ''}`;
    const why = r!.escalatedFor ? `, forced by ${r!.escalatedFor}` : '';
    figures.push({
      name: label,
      value: ms,
      unit: 'ms',
      note: `level ${r!.level} (${LEVEL_NAMES[r!.level]}${why}); ${charsIn.toLocaleString('en-US')} -> ${out.toLocaleString('en-US')} characters in ${policies} ${policies === 1 ? 'policy' : 'policies'} (${sizes}), ${maxPerTarget} fit per target; ${wildcards} wildcards introduced; 22 of 22 guardrails kept (proven; pre-processor: 7,425, losing 4)`,
    });
  }

  const files = await findIntentFiles(PROJECT_ROOT);
  for (const mode of ['exact', 'readable'] as const) {
    let written = 0;
    let minimized = 0;
    let atLevel1 = '';
    const ms = await median(3, async () => {
      clearCompactionCache(ref);
      const { intent } = await loadIntent({ cwd: PROJECT_ROOT, files });
      intent!.defaults.wildcards = mode;
      const r = compile({ intent: intent!, reference: ref, referenceManifest: manifest, root: PROJECT_ROOT });
      minimized = r.policies.reduce((n, p) => n + p.chars, 0);
      atLevel1 = `${r.policies.filter((p) => p.level === 1).length} of ${r.policies.length} policies at level 1`;
      written = r.placements.flatMap((p) => p.statements).reduce((n, s) => n + JSON.stringify((s.actions ?? s.notActions)!.text).length, 0);
    });
    figures.push({ name: `compile example organization, ${mode}`, value: ms, unit: 'ms', note: `${minimized.toLocaleString('en-US')} characters in all policies (action lists as expanded: ${written.toLocaleString('en-US')}); ${atLevel1}` });
  }

  // The proof on the example organization, and on a statement that names every action of the universe.
  const { intent } = await loadIntent({ cwd: PROJECT_ROOT, files });
  const result = compile({ intent: intent!, reference: ref, referenceManifest: manifest, root: PROJECT_ROOT });
  const statements = result.policies.flatMap((p) => p.statements);
  const inputs = proofInputs(result.placements, PROJECT_ROOT);
  const outputs = proofOutputs(result.policies);
  const proofOrg = await median(7, () => proveEquivalence(inputs, outputs, ref));
  figures.push({ name: 'proof: example organization', value: proofOrg, unit: 'ms', note: `${statements.length} statements, each expanded against all ${ref.size.toLocaleString('en-US')} actions` });
  const everything = ref.allActions();
  for (let id = 0; id < ref.size; id += 7) everything.delete(id);
  const [big] = minimizeStatements([{ effect: 'Deny', element: 'Action', actions: everything, given: [], maxLevel: 1, resources: ['*'], origin: 0 }], ref, { merge: false, keepSids: false, policyType: 'rcp', level: 4 });
  const bigInput = { effect: 'Deny' as const, element: 'Action' as const, actions: everything, resources: ['*'], scopes: [''], label: 'input' };
  const proofBig = await median(5, () => proveEquivalence([bigInput], [{ scopes: [''], statement: big!.statement, label: 'output' }], ref));
  figures.push({ name: 'proof: one statement of 18,842 actions', value: proofBig, unit: 'ms', note: 'every action of the universe but one in seven, as literals' });
  return figures;
}
