/**
 * A whole workspace at scale, as a security team's repository and organization are on the day of a pull
 * request: the intent of scale-intent.ts (N controls on the synthetic tree), and the organization's
 * snapshot (`org-snapshot.json`, as `guardrails org export` writes it) where the same tree has
 * FullAWSAccess and RCPFullAWSAccess everywhere and the policies of the intent's first nine controls in
 * ten already deployed: the pull request adds the last tenth, so diff and plan have real work, policies
 * to update, create and attach, on every part of the tree.
 *
 * Up to 10,000 accounts the tree is written out in organization.yaml, as the figures were taken;
 * beyond, an organization takes it from its snapshot (`organization.treeFrom`): a written tree of 50,000
 * accounts is past what an intent file may hold (yaml-too-large), and no team writes one by hand.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compile } from '../src/compile/index.js';
import { loadIntent } from '../src/intent/index.js';
import { renderStateFile, type DeployedPolicy } from '../src/org/index.js';
import type { LoadedSnapshot } from '../src/reference/index.js';
import { syntheticState } from './synthetic-org.js';
import { writeScaleRepository, type ScaleMix } from './scale-intent.js';

export interface ScaleWorkspace {
  controls: number;
  mix: ScaleMix;
  accounts?: number;
  /** Where the intent's tree is: written out in organization.yaml, or read from the snapshot. Default: by size, as above. */
  tree?: 'written' | 'snapshot';
}

const TREE_FROM = `../org-snapshot.json`;

export const SNAPSHOT_FILE = 'org-snapshot.json';

/** Writes the repository (guardrails/) and its org snapshot into `dir`. */
export async function writeScaleWorkspace(dir: string, spec: ScaleWorkspace, reference: LoadedSnapshot): Promise<void> {
  const accounts = spec.accounts ?? 10_000;
  const treeFrom = (spec.tree ?? (accounts > 10_000 ? 'snapshot' : 'written')) === 'snapshot' ? TREE_FROM : undefined;
  writeScaleRepository(dir, spec.controls, spec.mix, reference.index, accounts, treeFrom);
  const deployed = await deployedBefore(spec, reference, treeFrom);
  fs.writeFileSync(path.join(dir, SNAPSHOT_FILE), renderStateFile(stateWith(deployed, accounts)));
}

function stateWith(deployed: DeployedPolicy[], accounts: number) {
  return syntheticState((all) => [
    { id: 'p-FullAWSAccess', name: 'FullAWSAccess', type: 'scp', description: 'Allows access to every operation', awsManaged: true, tags: {}, content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }), targets: all },
    { id: 'p-RCPFullAWSAccess', name: 'RCPFullAWSAccess', type: 'rcp', description: 'Allows access to every operation', awsManaged: true, tags: {}, content: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }), targets: all },
    ...deployed,
  ], accounts);
}

/** The policies the intent's first nine controls in ten compile to, as a rollout would have deployed them. */
async function deployedBefore(spec: ScaleWorkspace, reference: LoadedSnapshot, treeFrom: string | undefined): Promise<DeployedPolicy[]> {
  const earlier = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-scale-before-'));
  try {
    const accounts = spec.accounts ?? 10_000;
    writeScaleRepository(earlier, spec.controls - Math.ceil(spec.controls / 10), spec.mix, reference.index, accounts, treeFrom);
    if (treeFrom) fs.writeFileSync(path.join(earlier, SNAPSHOT_FILE), renderStateFile(stateWith([], accounts)));
    const { intent } = await loadIntent({ cwd: earlier });
    if (!intent) throw new Error('the earlier scale intent did not load');
    const result = compile({ intent, reference: reference.index, referenceManifest: reference.manifest, root: earlier });
    if (!result.ok) throw new Error(`the earlier scale intent did not compile: ${result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).slice(0, 3).join('; ')}`);
    return result.policies.map((p, i) => ({
      id: `p-${String(i).padStart(8, '0')}`,
      name: p.name,
      type: p.type,
      description: '',
      awsManaged: false,
      tags: { 'managed-by': 'guardrails', 'guardrails:controls': p.controls.join(' ') },
      content: p.text,
      targets: p.targets.map((t) => t.id!),
    }));
  } finally {
    fs.rmSync(earlier, { recursive: true, force: true });
  }
}
