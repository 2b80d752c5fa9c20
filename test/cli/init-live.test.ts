/**
 * `guardrails init --live`: the organization read from AWS Organizations (a real moto_server, through
 * the reader `org export` uses) into guardrails/org-snapshot.json, and the intent's tree taken from it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIntent } from '../../src/intent/index.js';
import type { OrgTree } from '../../src/model/org-tree.js';
import { readStateFile, treeOfState } from '../../src/org/index.js';
import { runCli } from '../support/cli.js';
import { buildOrganization, startMoto, type Moto } from '../support/moto.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

let moto: Moto;

beforeAll(async () => {
  moto = await startMoto();
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe('guardrails init --live (moto)', () => {
  it('reads the organization into the snapshot its intent takes the tree from', { timeout: 60_000 }, async () => {
    const small = await loadIntent({ cwd: PROJECT_ROOT, files: ['examples/deny-actions/intent.yaml'] });
    const ids = await buildOrganization(moto.client(), small.intent!.tree!, small.intent!.organization);
    const dir = await tempDir();
    const r = await runCli(['init', '--live'], { cwd: dir, env: moto.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/guardrails\/org-snapshot\.json +read from AWS Organizations/);

    const snapshot = (await readStateFile(path.join(dir, 'guardrails', 'org-snapshot.json'))).state!;
    expect(snapshot.organization.id).toBe(ids.get('o-exmpl12345'));
    const loaded = await loadIntent({ cwd: dir });
    expect(loaded.diagnostics).toEqual([]);
    const shape = (t: OrgTree | undefined) => t!.nodes.map((n) => `${n.kind} ${n.path} ${n.id}`).sort();
    expect(shape(loaded.intent!.tree)).toEqual(shape(treeOfState(snapshot)));
    // The accounts moto created under Workloads, by their names.
    expect(loaded.intent!.tree!.nodes.filter((n) => n.kind === 'account').map((n) => n.path).sort()).toEqual(expect.arrayContaining(['Root/Workloads/app-dev', 'Root/Workloads/app-prod']));
    // The tests name a member account of this organization: the intent validates against the reference.
    const validate = await runCli(['validate'], { cwd: dir, env: moto.env });
    expect(validate.code, validate.stderr).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'guardrails', 'controls.yaml'), 'utf8')).toContain(`arn:aws:iam::${ids.get('333333333333')}:role/developer`);
  });
});
