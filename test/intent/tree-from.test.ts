/**
 * organization.treeFrom: the tree the intent compiles against, read from an org snapshot instead of
 * written by hand. OUs are named by path or unique name, accounts by id, as with a written tree.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { OrgTree } from '../../src/model/org-tree.js';
import { renderStateFile } from '../../src/org/state-file.js';
import { validateText } from '../support/intent.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

const HEADER = 'version: 1\norganization:\n  id: o-exmpl12345\n  managementAccount: "111111111111"\n  treeFrom: org-snapshot.json\n';
const EXAMPLE_SNAPSHOT = path.join(PROJECT_ROOT, 'guardrails', 'org-snapshot.json');

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});

const errors = (ds: { severity: string; code: string }[]) => ds.filter((d) => d.severity === 'error');

describe('organization.treeFrom', () => {
  it('reads the tree from the snapshot beside the intent file, with every id', async () => {
    fs.copyFileSync(EXAMPLE_SNAPSHOT, path.join(dir, 'org-snapshot.json'));
    const { intent, diagnostics } = await validateText(
      HEADER + 'controls:\n  c:\n    kind: deny-actions\n    actions: [s3:DeleteBucket]\n    attach: [Root/Workloads/Prod, Workloads/NonProd, Sandbox, "444444444401"]\n',
      dir,
    );
    expect(errors(diagnostics)).toEqual([]);
    const tree = intent!.tree!;
    expect(tree.root.id).toBe('r-ex12');
    expect(tree.resolve('Root/Workloads/Prod')).toMatchObject({ ok: true, node: { kind: 'ou', id: 'ou-ex12-prod0001' } });
    expect(tree.account('333333333302')?.parent?.path).toBe('Root/Workloads/Prod');
    expect(intent!.treeSource).toMatchObject({ kind: 'snapshot', written: 'org-snapshot.json', readAt: '2026-11-20T09:00:00.000Z' });
  });

  it('resolves the path relative to the intent file that names it, not the working directory', async () => {
    fs.mkdirSync(path.join(dir, 'guardrails', 'state'), { recursive: true });
    fs.copyFileSync(EXAMPLE_SNAPSHOT, path.join(dir, 'guardrails', 'state', 'org.json'));
    const { diagnostics } = await validateText(HEADER.replace('org-snapshot.json', 'state/org.json'), path.join(dir, 'guardrails'));
    expect(errors(diagnostics)).toEqual([]);
  });

  it('asks for a path where two OUs of the snapshot share a name, and takes the path', async () => {
    const ou = (id: string, name: string, ous: object[], accounts: string[]) => ({ id, name, ous, accounts: accounts.map((a) => ({ id: a, name: `acct-${a}` })) });
    const root = ou('r-ex12', 'Root', [ou('ou-ex12-work', 'Workloads', [ou('ou-ex12-wprod', 'Prod', [], ['333333333301'])], []), ou('ou-ex12-data', 'Data', [ou('ou-ex12-dprod', 'Prod', [], ['333333333302'])], [])], ['111111111111']);
    const state = { format: 1, source: 'test', readAt: '2026-12-01T00:00:00.000Z', organization: { id: 'o-exmpl12345', managementAccount: '111111111111' }, root, policies: [] };
    fs.writeFileSync(path.join(dir, 'org-snapshot.json'), renderStateFile(state as never));
    const ambiguous = await validateText(HEADER + 'controls:\n  c: { kind: deny-actions, actions: [s3:DeleteBucket], attach: [Prod] }\n', dir);
    expect(errors(ambiguous.diagnostics)).toMatchObject([{ code: 'ambiguous-target', hint: 'write a path: Data/Prod or Workloads/Prod', location: { line: 7 } }]);
    const byPath = await validateText(HEADER + 'controls:\n  c: { kind: deny-actions, actions: [s3:DeleteBucket], attach: [Root/Data/Prod] }\n', dir);
    expect(errors(byPath.diagnostics)).toEqual([]);
    const prod = byPath.intent!.tree!.byAwsId('ou-ex12-dprod')!;
    expect(OrgTree.accountsUnder(prod).map((a) => a.id)).toEqual(['333333333302']);
  });

  it('refuses a snapshot committed as a symlink out of the repository, at treeFrom, without reading it', async () => {
    const repo = path.join(dir, 'repo');
    fs.mkdirSync(path.join(repo, '.git'), { recursive: true });
    fs.copyFileSync(EXAMPLE_SNAPSHOT, path.join(dir, 'secret.json'));
    fs.symlinkSync(path.join(dir, 'secret.json'), path.join(repo, 'org-snapshot.json'));
    const { intent, diagnostics } = await validateText(HEADER, repo);
    expect(diagnostics).toMatchObject([{ severity: 'error', code: 'outside-repository', location: { line: 5, col: 13 } }]);
    expect(intent!.tree).toBeUndefined();
  });

  it('refuses an organization with neither tree nor treeFrom, where organization is written', async () => {
    const { diagnostics } = await validateText('version: 1\norganization:\n  id: o-exmpl12345\n  managementAccount: "111111111111"\n', dir);
    expect(diagnostics).toMatchObject([{ severity: 'error', code: 'missing-tree', location: { line: 2, col: 1 } }]);
  });

  it('refuses a snapshot whose management account is not the intent\'s, at the intent\'s key', async () => {
    const text = fs.readFileSync(EXAMPLE_SNAPSHOT, 'utf8').replace('"managementAccount": "111111111111"', '"managementAccount": "999999999999"');
    fs.writeFileSync(path.join(dir, 'org-snapshot.json'), text);
    const { diagnostics } = await validateText(HEADER, dir);
    expect(diagnostics).toMatchObject([{ severity: 'error', code: 'org-mismatch', location: { line: 4, col: 22 } }]);
    expect(diagnostics[0]!.message).toContain('999999999999');
  });
});
