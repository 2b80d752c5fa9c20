/**
 * The input digest out/manifest.json records: it changes with every byte compile reads (intent files,
 * the org snapshot of treeFrom, files controls name, the reference snapshot), and with nothing else:
 * not with where the repository is checked out.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { compileInputsOf } from '../../src/compile/input-digest.js';
import type { Intent } from '../../src/intent/index.js';

interface Inputs {
  root?: string;
  intent?: Record<string, string>;
  tree?: string;
  named?: Record<string, string>;
  snapshotId?: string;
}

function digestOf(inputs: Inputs): string {
  const root = inputs.root ?? '/repo';
  const sources = new SourceIndex();
  const files = Object.entries(inputs.intent ?? { 'guardrails/org.yaml': 'version: 1\n', 'guardrails/controls.yaml': 'controls: {}\n' }).map(([f, text]) => {
    sources.addText(path.join(root, f), text);
    return path.join(root, f);
  });
  const treeFile = path.join(root, 'org-snapshot.json');
  if (inputs.tree !== undefined) sources.addText(treeFile, inputs.tree);
  const intent = { files, sources, ...(inputs.tree !== undefined ? { treeSource: { kind: 'snapshot', file: treeFile, written: 'org-snapshot.json', readAt: 'x' } } : {}) } as unknown as Intent;
  const read = Object.entries(inputs.named ?? {}).map(([f, text]) => ({ file: path.join(root, f), text }));
  return compileInputsOf({ intent, root, referenceManifest: { snapshotId: inputs.snapshotId ?? 'bcc65be016e9c1d7' } }, read).digest;
}

describe('the input digest', () => {
  const base: Inputs = { tree: '{"organization":{}}', named: { 'guardrails/policies/p.json': '{"Statement":[]}' } };

  it('is the same for the same inputs, wherever the repository is', () => {
    expect(digestOf(base)).toBe(digestOf({ ...base }));
    expect(digestOf({ ...base, root: '/elsewhere/checkout' })).toBe(digestOf(base));
  });

  it('changes with an intent file, the org snapshot, a named file and the reference', () => {
    const digests = [
      digestOf(base),
      digestOf({ ...base, intent: { 'guardrails/org.yaml': 'version: 1\n# reviewed\n', 'guardrails/controls.yaml': 'controls: {}\n' } }),
      digestOf({ ...base, tree: '{"organization": {}}' }),
      digestOf({ ...base, tree: undefined }),
      digestOf({ ...base, named: { 'guardrails/policies/p.json': '{"Statement": []}' } }),
      digestOf({ ...base, named: {} }),
      digestOf({ ...base, snapshotId: '0123456789abcdef' }),
      // A file renamed, or text moved from one file to the next, is another input too.
      digestOf({ ...base, intent: { 'guardrails/org2.yaml': 'version: 1\n', 'guardrails/controls.yaml': 'controls: {}\n' } }),
      digestOf({ ...base, intent: { 'guardrails/org.yaml': 'version: 1\ncontrols: {}\n', 'guardrails/controls.yaml': '' } }),
    ];
    expect(new Set(digests).size).toBe(digests.length);
  });
});
