/**
 * Tree drift, snapshot-file-backed: OUs and accounts that exist in the organization diffed against but
 * not in the tree the policies were compiled for (written in organization.tree, or read from the org
 * snapshot organization.treeFrom names), or under another parent, make diff and plan exit 1, listed with
 * the command that fixes it. The example organization's identity perimeter is pushed down beside
 * PublicData, so an account vended under Root is outside it: before this check, exit 0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DiffReport, TreeDrift } from '../../src/plan/index.js';
import type { OrgState, OrgStateOu } from '../../src/org/index.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';

let dir: string;
let cli: ExampleRepo['cli'];

const VENDED = '345678901234';
const EXPERIMENT = '345678901235';
const WEB_DEV = '333333333334';

/** The example snapshot after a month of account vending: one account under Root, an OU with an account under Workloads, web-dev moved to Sandbox. */
function drifted(): OrgState {
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'guardrails', 'org-snapshot.json'), 'utf8')) as OrgState;
  const ou = (name: string, from: OrgStateOu = state.root): OrgStateOu => from.ous.find((o) => o.name === name)!;
  state.root.accounts.push({ id: VENDED, name: 'vended-1' });
  ou('Workloads').ous.push({ id: 'ou-ex12-experim1', name: 'Experiments', ous: [], accounts: [{ id: EXPERIMENT, name: 'experiment-1' }] });
  const nonProd = ou('NonProd', ou('Workloads'));
  const webDev = nonProd.accounts.find((a) => a.id === WEB_DEV)!;
  nonProd.accounts = nonProd.accounts.filter((a) => a !== webDev);
  ou('Sandbox').accounts.push(webDev);
  // AWS attaches the full-access policies to every new OU and account.
  for (const p of state.policies) if (p.awsManaged) p.targets.push(VENDED, EXPERIMENT, 'ou-ex12-experim1');
  state.readAt = '2026-12-05T09:00:00.000Z';
  return state;
}

const write = (name: string, state: OrgState) => fs.writeFileSync(path.join(dir, name), JSON.stringify(state, null, 2));

beforeAll(async () => {
  ({ dir, cli } = await compiledExampleRepo());
  write('drifted.json', drifted());
});

describe('tree drift against organization.tree', () => {
  it('diff lists every new and moved account and OU with its id, name and parent, the fix, and exits 1', async () => {
    const r = await cli(['diff', '--org', 'drifted.json']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^DRIFT: 3 accounts and 1 OU in AWS are not where organization\.tree has them; /);
    expect(r.stdout).toContain(`  new   account ${VENDED} (vended-1) under Root, not in the tree\n`);
    expect(r.stdout).toContain('  new   OU      ou-ex12-experim1 (Experiments) under Root/Workloads, not in the tree\n');
    expect(r.stdout).toContain(`  new   account ${EXPERIMENT} (experiment-1) under Root/Workloads/Experiments, not in the tree\n`);
    expect(r.stdout).toContain(`  moved account ${WEB_DEV} (web-dev) under Root/Sandbox, compiled under Root/Workloads/NonProd\n`);
    expect(r.stdout).toContain('to fix:\n  1. add each OU and account to organization.tree where AWS has it, or take the tree from a snapshot: guardrails org export --out guardrails/org-snapshot.json, and organization.treeFrom: org-snapshot.json in place of tree\n  2. guardrails compile\n');
    // The diff itself is still there below.
    expect(r.stdout).toMatch(/\d+ to create, \d+ to update/);
  });

  it('diff --json carries the drift; --markdown a table of it', async () => {
    const json = await cli(['diff', '--org', 'drifted.json', '--json']);
    expect(json.code).toBe(1);
    const drift = (JSON.parse(json.stdout) as DiffReport).treeDrift;
    expect(drift.compiledFor).toBe('organization.tree');
    expect(drift.entries).toEqual([
      { change: 'new', kind: 'account', id: VENDED, name: 'vended-1', parent: 'Root' },
      { change: 'moved', kind: 'account', id: WEB_DEV, name: 'web-dev', parent: 'Root/Sandbox', compiledParent: 'Root/Workloads/NonProd' },
      { change: 'new', kind: 'ou', id: 'ou-ex12-experim1', name: 'Experiments', parent: 'Root/Workloads' },
      { change: 'new', kind: 'account', id: EXPERIMENT, name: 'experiment-1', parent: 'Root/Workloads/Experiments' },
    ]);
    const md = await cli(['diff', '--org', 'drifted.json', '--markdown']);
    expect(md.code).toBe(1);
    expect(md.stdout).toContain('### Drift: 3 accounts and 1 OU not in the tree the policies were compiled for\n');
    expect(md.stdout).toContain(`| new | account | \`${VENDED}\` | vended-1 | \`Root\` | not in the tree |`);
    expect(md.stdout).toContain(`| moved | account | \`${WEB_DEV}\` | web-dev | \`Root/Sandbox\` | \`Root/Workloads/NonProd\` |`);
  });

  it('the snapshot the tree matches is no drift: exit 0 and no drift section', async () => {
    const r = await cli(['diff', '--org', 'guardrails/org-snapshot.json', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as DiffReport).treeDrift.entries).toEqual([]);
  });

  it('plan shows the drift and the plan, exits 1, and never saves a plan for the wrong tree', async () => {
    const r = await cli(['plan', '--org', 'drifted.json', '--save', 'plan.json']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^DRIFT: 3 accounts and 1 OU in AWS/);
    expect(r.stdout).toMatch(/\nwave canary: /);
    expect(r.stderr).toContain('plan not saved to plan.json: the organization has drifted from the tree it was compiled for');
    expect(r.stderr).toContain('plan found drift: the organization is not organization.tree (4 listed above)');
    expect(fs.existsSync(path.join(dir, 'plan.json'))).toBe(false);
    const json = await cli(['plan', '--org', 'drifted.json', '--json']);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { treeDrift: TreeDrift }).treeDrift.entries.map((e) => e.id)).toEqual([VENDED, WEB_DEV, 'ou-ex12-experim1', EXPERIMENT]);
  });

  it('an OU the tree writes without an id is matched by its path', async () => {
    const file = path.join(dir, 'guardrails', 'organization.yaml');
    const original = fs.readFileSync(file, 'utf8');
    try {
      fs.writeFileSync(file, original.replace('        id: ou-ex12-sandbox1\n', ''));
      expect((await cli(['compile'])).code).toBe(0);
      const r = await cli(['diff', '--org', 'guardrails/org-snapshot.json', '--json']);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      fs.writeFileSync(file, original);
      expect((await cli(['compile'])).code).toBe(0);
    }
  });
});

describe('tree drift against organization.treeFrom', () => {
  it('compiles against the snapshot, names the export that fixes drift, and is clean once it is run', async () => {
    const file = path.join(dir, 'guardrails', 'organization.yaml');
    const original = fs.readFileSync(file, 'utf8');
    const snapshot = path.join(dir, 'guardrails', 'org-snapshot.json');
    const exported = fs.readFileSync(snapshot, 'utf8');
    try {
      const tree = original.slice(original.indexOf('  tree:\n'), original.indexOf('\nquotas:'));
      fs.writeFileSync(file, original.replace(tree, '  treeFrom: org-snapshot.json\n'));
      const compiled = await cli(['compile']);
      expect(compiled.code, compiled.stderr).toBe(0);
      expect((await cli(['diff', '--org', 'guardrails/org-snapshot.json'])).code).toBe(0);

      const r = await cli(['diff', '--org', 'drifted.json']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^DRIFT: 3 accounts and 1 OU in AWS are not where the org snapshot guardrails\/org-snapshot\.json \(read 2026-11-20T09:00:00\.000Z\) has them/);
      expect(r.stdout).toContain('to fix:\n  1. guardrails org export --out guardrails/org-snapshot.json\n  2. guardrails compile\n  3. commit guardrails/org-snapshot.json and out/ with the intent\n');

      // What `org export --out guardrails/org-snapshot.json` would write, then compile: no drift, and the
      // vended account is inside the identity perimeter now (its RCP reaches it).
      fs.writeFileSync(snapshot, fs.readFileSync(path.join(dir, 'drifted.json')));
      expect((await cli(['compile'])).code).toBe(0);
      const fixed = await cli(['diff', '--org', 'drifted.json', '--json']);
      expect(fixed.code, fixed.stderr).toBe(0);
      const report = JSON.parse(fixed.stdout) as DiffReport;
      expect(report.treeDrift.entries).toEqual([]);
      const perimeter = report.structural.policies.find((p) => p.name === 'guardrails-rcp-only-org-principals')!;
      expect(perimeter.targets.map((t) => t.id)).toContain(VENDED);
    } finally {
      fs.writeFileSync(file, original);
      fs.writeFileSync(snapshot, exported);
      expect((await cli(['compile'])).code).toBe(0);
    }
  });
});
