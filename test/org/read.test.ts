/**
 * Reading the deployed state: against a real moto_server through the real client (a three-level OU
 * tree with accounts and policies built first); the snapshot file it is exported to.
 */
import { getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { readOrganization, readStateFile, treeOfState, type OrgState } from '../../src/org/index.js';
import { formatDiagnostic } from '../../src/cli/format.js';
import { runCli } from '../support/cli.js';
import { startMoto, type Moto } from '../support/moto.js';
import { tempDir } from '../support/temp.js';

let moto: Moto;
let built: { root: string; workloads: string; prod: string; team: string; accounts: Record<string, string>; policies: Record<string, string> };

const DENY = (a: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: a, Resource: '*' }] });

beforeAll(async () => {
  moto = await startMoto();
  const c = moto.client();
  await c.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const root = (await c.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  for (const t of ['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY'] as const) await c.send(new EnablePolicyTypeCommand({ RootId: root, PolicyType: t }));
  const ou = async (parent: string, name: string) => (await c.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name }))).OrganizationalUnit!.Id!;
  const workloads = await ou(root, 'Workloads');
  const prod = await ou(workloads, 'Prod');
  const team = await ou(prod, 'Team');
  const accounts: Record<string, string> = {};
  for (const [name, parent] of [['payments', team], ['web', prod], ['tools', workloads]] as const) {
    const id = (await c.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }))).CreateAccountStatus!.AccountId!;
    await c.send(new MoveAccountCommand({ AccountId: id, SourceParentId: root, DestinationParentId: parent }));
    accounts[name] = id;
  }
  const policy = async (name: string, type: 'SERVICE_CONTROL_POLICY' | 'RESOURCE_CONTROL_POLICY', content: string, tags: Record<string, string>, targets: string[]) => {
    const id = (await c.send(new CreatePolicyCommand({ Name: name, Type: type, Content: content, Description: name, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }))).Policy!.PolicySummary!.Id!;
    for (const t of targets) await c.send(new AttachPolicyCommand({ PolicyId: id, TargetId: t }));
    return id;
  };
  const rcp = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*', Condition: { BoolIfExists: { 'aws:SecureTransport': 'false' } } }] });
  const policies = {
    ours: await policy('guardrails-scp-baseline', 'SERVICE_CONTROL_POLICY', DENY('iam:CreateUser'), { 'managed-by': 'guardrails', 'guardrails:controls': 'baseline' }, [root]),
    tagless: await policy('guardrails-scp-lookalike', 'SERVICE_CONTROL_POLICY', DENY('ec2:*'), {}, [prod]),
    controlTower: await policy('aws-guardrails-abcdef', 'SERVICE_CONTROL_POLICY', DENY('cloudtrail:StopLogging'), { 'managed-by': 'guardrails' }, [workloads, accounts.payments!]),
    rcp: await policy('guardrails-rcp-tls', 'RESOURCE_CONTROL_POLICY', rcp, { 'managed-by': 'guardrails' }, [team]),
  };
  built = { root, workloads, prod, team, accounts, policies };
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

describe('reading AWS Organizations (moto)', () => {
  let state: OrgState;
  let calls: Record<string, number>;

  it('reads the three-level tree, the accounts in their OUs, and every policy with its content and targets', async () => {
    ({ state, calls } = await readOrganization(moto.client()));
    const tree = treeOfState(state);
    expect(tree.root.id).toBe(built.root);
    expect(tree.nodes.filter((n) => n.kind !== 'account').map((n) => n.path).sort()).toEqual(['Root', 'Root/Workloads', 'Root/Workloads/Prod', 'Root/Workloads/Prod/Team']);
    expect(tree.account(built.accounts.payments!)!.parent!.id).toBe(built.team);
    expect(tree.account(built.accounts.web!)!.parent!.id).toBe(built.prod);
    expect(tree.account(built.accounts.tools!)!.parent!.id).toBe(built.workloads);
    expect(tree.account(state.organization.managementAccount)!.parent).toBe(tree.root);

    const byName = new Map(state.policies.map((p) => [p.name, p]));
    expect([...byName.keys()].sort()).toEqual(['FullAWSAccess', 'RCPFullAWSAccess', 'aws-guardrails-abcdef', 'guardrails-rcp-tls', 'guardrails-scp-baseline', 'guardrails-scp-lookalike']);
    expect(byName.get('guardrails-scp-baseline')).toMatchObject({ type: 'scp', awsManaged: false, targets: [built.root], tags: { 'managed-by': 'guardrails', 'guardrails:controls': 'baseline' }, content: DENY('iam:CreateUser') });
    expect(byName.get('aws-guardrails-abcdef')!.targets).toEqual([built.accounts.payments, built.workloads].sort());
    // Tags are read only where the name could be ours: a foreign name is foreign whatever its tags.
    expect(byName.get('aws-guardrails-abcdef')!.tags).toEqual({});
    expect(byName.get('guardrails-rcp-tls')).toMatchObject({ type: 'rcp', targets: [built.team] });
    expect(JSON.parse(byName.get('FullAWSAccess')!.content)).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    expect(byName.get('FullAWSAccess')!.targets.length).toBe(tree.nodes.length);
  });

  it('makes calls per policy and per parent, never per target', () => {
    const policies = state.policies.length;
    const parents = 4;
    expect(calls).toEqual({
      DescribeOrganization: 1,
      ListRoots: 1,
      ListOrganizationalUnitsForParent: parents,
      ListAccountsForParent: parents,
      ListPolicies: 2,
      DescribePolicy: policies,
      ListTargetsForPolicy: policies,
      ListTagsForResource: state.policies.filter((p) => p.name.startsWith('guardrails-')).length,
    });
  });

  it('keeps many calls in flight on one stop signal without a listener-leak warning, and leaves no call listening on it', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      for (const concurrency of [4, 12]) {
        const stop = new AbortController();
        await readOrganization(moto.client(), { concurrency, stop });
        // The SDK removes its HTTP listener when the request's socket closes, just after the answer.
        await new Promise((r) => setTimeout(r, 50));
        // Only the limiter's own listener stays: every call removed its listeners once it was answered.
        expect(getEventListeners(stop.signal, 'abort').length, `concurrency ${concurrency}`).toBeLessThanOrEqual(1);
      }
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('exports to a file that reads back to the same state, byte for byte the same on a second export', async () => {
    const dir = await tempDir();
    const first = await runCli(['org', 'export', '--out', 'org.json'], { cwd: dir, env: moto.env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^organization o-\w+: 3 OUs, 4 accounts, 4 SCPs, 2 RCPs; \d+ API calls; written to org\.json\n$/);
    const back = await readStateFile(path.join(dir, 'org.json'));
    expect(back.diagnostics).toEqual([]);
    expect({ ...back.state, readAt: '', source: '' }).toEqual({ ...state, readAt: '', source: '' });
    const second = await runCli(['org', 'export'], { cwd: dir, env: moto.env });
    const strip = (s: string) => s.replace(/"readAt": "[^"]+"/, '');
    expect(strip(second.stdout)).toBe(strip(fs.readFileSync(path.join(dir, 'org.json'), 'utf8')));
  });

});

/**
 * Credentials come from the SDK's default provider chain, which reads the process environment: these
 * tests set it (and never let the chain reach the instance metadata service, which would wait on a
 * network that has none).
 */
describe('credentials (the SDK default provider chain)', () => {
  let home: string;
  beforeEach(async () => {
    home = await tempDir();
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_ROLE_ARN', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN']) vi.stubEnv(k, undefined);
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    vi.stubEnv('HOME', home);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', path.join(home, 'no-credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', path.join(home, 'no-config'));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const exportWith = (env: NodeJS.ProcessEnv) => runCli(['org', 'export'], { cwd: home, env: { CI: 'true', AWS_ENDPOINT_URL_ORGANIZATIONS: moto.endpoint, ...env } });

  it('needs credentials, and says so at the first call, without waiting', async () => {
    const started = Date.now();
    const r = await exportWith({});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error org-access: reading AWS Organizations needs credentials of the management account or a delegated administrator \(.*\); none could be loaded: .+\n$/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('takes the default profile of the shared credentials file', async () => {
    const file = path.join(home, 'credentials');
    fs.writeFileSync(file, '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', file);
    const r = await exportWith({});
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).root.id).toBe(built.root);
  });

  it("takes a container's credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)", async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ AccessKeyId: 'testing', SecretAccessKey: 'testing', Token: 'token', Expiration: new Date(Date.now() + 3_600_000).toISOString() }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      vi.stubEnv('AWS_CONTAINER_CREDENTIALS_FULL_URI', `http://127.0.0.1:${(server.address() as AddressInfo).port}/credentials`);
      const r = await exportWith({});
      expect(r.code, r.stderr).toBe(0);
      expect(requests).toContain('/credentials');
    } finally {
      server.close();
    }
  });
});

describe('the org snapshot file', () => {
  it('reports a syntax error and a wrong shape at their line and column', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'bad.json'), '{\n  "format": 1,\n  "root": [\n');
    const syntax = await readStateFile(path.join(dir, 'bad.json'));
    expect(syntax.diagnostics[0]).toMatchObject({ code: 'json-syntax', location: { line: 4, col: 1 } });
    fs.writeFileSync(path.join(dir, 'shape.json'), JSON.stringify({ format: 1, source: 's', readAt: 't', organization: { id: 'o-1', managementAccount: '1' }, root: { id: 'r-1', name: 'Root', ous: [{ id: 'ou-1', name: 'A', ous: [], accounts: [{ id: 5 }] }], accounts: [] }, policies: [] }, null, 2));
    const shape = await readStateFile(path.join(dir, 'shape.json'));
    expect(shape.diagnostics.map((d) => [d.code, d.message, d.location?.line])).toEqual([
      // The id where it is wrong; the missing name at the object that lacks it.
      ['org-snapshot-shape', 'root.ous[0].accounts[0].id must be a non-empty string', 19],
      ['org-snapshot-shape', 'root.ous[0].accounts[0].name must be a non-empty string', 18],
    ]);
    // The location names the file whose text was read, so the line itself is shown.
    const printed = formatDiagnostic(shape.diagnostics[0]!, { get: (f) => shape.sources.text(f) }, dir);
    expect(printed).toBe(`shape.json:19:19: error org-snapshot-shape: root.ous[0].accounts[0].id must be a non-empty string\n  19 |             "id": 5\n     |                   ^\n  hint: export the state again with guardrails org export\n`);
  });

  /** A valid snapshot's text with `edit` applied, read back: [message, the text of the line it points at]. */
  async function problems(edit: (state: OrgState) => void): Promise<[string, string][]> {
    const state: OrgState = {
      format: 1,
      source: 's',
      readAt: 't',
      organization: { id: 'o-1', managementAccount: '111111111111' },
      root: { id: 'r-1', name: 'Root', ous: [{ id: 'ou-1', name: 'A', ous: [], accounts: [{ id: '222222222222', name: 'a' }] }, { id: 'ou-2', name: 'B', ous: [], accounts: [] }], accounts: [{ id: '111111111111', name: 'm' }] },
      policies: [{ id: 'p-1', name: 'FullAWSAccess', type: 'scp', description: '', awsManaged: true, tags: {}, content: '{}', targets: ['r-1', 'ou-1', 'ou-2', '111111111111', '222222222222'] }],
    };
    edit(state);
    const dir = await tempDir();
    const file = path.join(dir, 'org.json');
    fs.writeFileSync(file, JSON.stringify(state, null, 2));
    const read = await readStateFile(file);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    return read.diagnostics.map((d) => {
      expect(d).toMatchObject({ severity: 'error', code: 'org-snapshot-shape', location: { file } });
      return [d.message, lines[d.location!.line - 1]!.trim()];
    });
  }

  it.each<[string, (s: OrgState) => void, [string, string][]]>([
    ['a valid snapshot', () => {}, []],
    ['an OU id twice', (s) => ((s.root.ous[1]!.id = 'ou-1'), (s.policies[0]!.targets = s.policies[0]!.targets.filter((t) => t !== 'ou-2'))), [['root.ous[1].id: OU ou-1 appears twice in the tree (first at root.ous[0])', '"id": "ou-1",']]],
    ['an account id twice', (s) => s.root.ous[1]!.accounts.push({ id: '222222222222', name: 'again' }), [['root.ous[1].accounts[0].id: account 222222222222 appears twice in the tree (first at root.ous[0].accounts[0])', '"id": "222222222222",']]],
    ['an OU with the id of an account', (s) => ((s.root.ous[1]!.id = '111111111111'), (s.policies[0]!.targets = s.policies[0]!.targets.filter((t) => t !== 'ou-2'))), [['root.ous[1].id: OU 111111111111 appears twice in the tree (first at root.accounts[0])', '"id": "111111111111",']]],
    ['a policy target not in the tree', (s) => s.policies[0]!.targets.push('ou-gone'), [['policies[0].targets[5]: ou-gone is not the root, an OU or an account of the tree', '"ou-gone"']]],
    ['a policy id twice', (s) => s.policies.push({ ...s.policies[0]!, name: 'Other', targets: [] }), [['policies[1].id: policy p-1 appears twice (first at policies[0])', '"id": "p-1",']]],
    ['a bad element of a list points at the element', (s) => ((s.policies[0]!.targets as unknown[])[2] = 7), [['policies[0].targets[2] must be a target id (a string)', '7,']]],
    ['a bad tag value points at the value', (s) => (s.policies[0]!.tags = { owner: 1 as unknown as string }), [['policies[0].tags.owner must be a string', '"owner": 1']]],
    ['a bad policy type in the list', (s) => (s.enabledPolicyTypes = ['scp', 'tag' as 'scp']), [['enabledPolicyTypes[1] must be "scp" or "rcp"', '"tag"']]],
  ])('%s', async (_, edit, expected) => {
    expect(await problems(edit)).toEqual(expected);
  });
});
