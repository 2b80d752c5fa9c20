/**
 * Tree drift against a real moto_server: the example organization built through the real client, then
 * an account vended under Root, an OU created under Workloads and an account moved, as account vending
 * and a person in the console do. `diff --live` and `plan --live` must list each and exit 1; the fix they
 * name (export the organization, take the tree from that snapshot, compile) must leave no drift.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateAccountCommand, CreateOrganizationalUnitCommand, MoveAccountCommand } from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiffReport } from '../../src/plan/index.js';
import { runCli } from '../support/cli.js';
import { exampleRepoInMoto, startMoto, type IdMap, type Moto } from '../support/moto.js';

let moto: Moto;
let dir: string;
let cache: string;
let ids: IdMap;

const cli = (args: string[]) => runCli(args[0] === 'org' ? args : [...args, '--cache', cache], { cwd: dir, env: moto.env });

beforeAll(async () => {
  moto = await startMoto();
  ({ dir, cache, ids } = await exampleRepoInMoto(moto));
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

describe('tree drift against the live organization (moto)', () => {
  let vended: string;
  let experiments: string;

  it('is none while AWS holds exactly organization.tree', async () => {
    const compiled = await cli(['compile']);
    expect(compiled.code, compiled.stderr).toBe(0);
    const r = await cli(['diff', '--live', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as DiffReport).treeDrift.entries).toEqual([]);
  });

  it('lists an account vended under Root, a new OU and a moved account, and exits 1 in diff and plan', async () => {
    const client = moto.client();
    vended = (await client.send(new CreateAccountCommand({ AccountName: 'vended-1', Email: 'vended-1@example.com' }))).CreateAccountStatus!.AccountId!;
    experiments = (await client.send(new CreateOrganizationalUnitCommand({ ParentId: ids.get('ou-ex12-workload1')!, Name: 'Experiments' }))).OrganizationalUnit!.Id!;
    await client.send(new MoveAccountCommand({ AccountId: ids.get('333333333334')!, SourceParentId: ids.get('ou-ex12-nonprod1')!, DestinationParentId: ids.get('ou-ex12-sandbox1')! }));

    const r = await cli(['diff', '--live', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const drift = (JSON.parse(r.stdout) as DiffReport).treeDrift;
    expect(drift.entries).toEqual([
      { change: 'new', kind: 'account', id: vended, name: 'vended-1', parent: 'Root' },
      { change: 'moved', kind: 'account', id: ids.get('333333333334'), name: 'web-dev', parent: 'Root/Sandbox', compiledParent: 'Root/Workloads/NonProd' },
      { change: 'new', kind: 'ou', id: experiments, name: 'Experiments', parent: 'Root/Workloads' },
    ]);
    expect(drift.fix[0]).toContain('add each OU and account to organization.tree');

    const text = await cli(['diff', '--live']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`  new   account ${vended} (vended-1) under Root, not in the tree\n`);
    const plan = await cli(['plan', '--live']);
    expect(plan.code, plan.stderr).toBe(1);
    expect(plan.stdout).toContain(`  new   OU      ${experiments} (Experiments) under Root/Workloads, not in the tree\n`);
  });

  it('a forward rollout refuses to place the policies for the drifted tree', async () => {
    const env = { ...moto.env, AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_STS: moto.endpoint, AWS_ENDPOINT_URL_IAM: moto.endpoint, GUARDRAILS_RATE_SCALE: '1000' };
    const r = await runCli(['rollout', '--live', '--dry-run', '--cache', cache], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('refused before any write (exit 2)');
    expect(r.stdout).toContain(`  - the organization is not organization.tree: account ${vended} (vended-1) under Root, not in the tree; `);
    expect(r.stdout).toContain('; to fix: add each OU and account to organization.tree');
  });

  it('is none again once the tree is exported, taken from the snapshot and compiled', async () => {
    const exported = await cli(['org', 'export', '--out', 'guardrails/org-snapshot.json']);
    expect(exported.code, exported.stderr).toBe(0);
    const file = path.join(dir, 'guardrails', 'organization.yaml');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace(text.slice(text.indexOf('  tree:\n'), text.indexOf('\nquotas:')), '  treeFrom: org-snapshot.json\n'));
    const compiled = await cli(['compile']);
    expect(compiled.code, compiled.stderr).toBe(0);
    const r = await cli(['diff', '--live', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as DiffReport;
    expect(report.treeDrift.entries).toEqual([]);
    // The vended account is inside the identity perimeter now: its RCP is attached to it directly.
    expect(report.structural.policies.find((p) => p.name === 'guardrails-rcp-only-org-principals')!.targets.map((t) => t.id)).toContain(vended);
  });
});
