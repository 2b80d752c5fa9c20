/**
 * A real moto_server (the machine image's Python ships moto 5.2.1) on a random loopback port, and the
 * example organization built in it through the real @aws-sdk/client-organizations (REFERENCE.md 5).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { findIntentFiles, loadIntent } from '../../src/intent/index.js';
import type { OrgNode, OrgTree } from '../../src/model/org-tree.js';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from './paths.js';
import { tempDir } from './temp.js';

export interface Moto {
  endpoint: string;
  env: NodeJS.ProcessEnv;
  client(): OrganizationsClient;
  /** Forgets every resource; `seed` then makes the ids moto gives next the same on every reset. */
  reset(options?: { seed?: number }): Promise<void>;
  stop(): Promise<void>;
}

/** moto_server without its per-request access log and directory listing (see the script). */
const LAUNCHER = fileURLToPath(new URL('./moto_server.py', import.meta.url));

export async function startMoto(): Promise<Moto> {
  try {
    return await startWith('python3', [LAUNCHER]);
  } catch (e) {
    // The image's Python has moto either way; python3 may just not be on PATH under that name.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    return startWith('moto_server', []);
  }
}

async function startWith(command: string, prefix: string[]): Promise<Moto> {
  const child: ChildProcess = spawn(command, [...prefix, '-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`moto_server did not start: ${seen}`)), 30_000);
    const onData = (d: Buffer) => {
      seen += d.toString();
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moto_server exited with ${code}: ${seen}`));
    });
  });
  const env = { CI: 'true', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_ENDPOINT_URL_ORGANIZATIONS: endpoint };
  return {
    endpoint,
    env,
    client: () => new OrganizationsClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } }),
    reset: async (options = {}) => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (options.seed !== undefined) await fetch(`${endpoint}/moto-api/seed?a=${options.seed}`, { method: 'POST' });
    },
    stop: async () => {
      child.removeAllListeners('exit');
      child.kill();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Intent ids (organization, root, OUs, accounts) to the ids moto gave the same things. */
export type IdMap = Map<string, string>;

/**
 * Builds the intent's tree in moto: the organization (moto's management account stands for the
 * intent's), both policy types enabled, every OU, and every account moved to its OU.
 */
export async function buildOrganization(client: OrganizationsClient, tree: OrgTree, intent: { id: string; managementAccount: string }): Promise<IdMap> {
  const ids: IdMap = new Map();
  const org = await client.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  ids.set(intent.id, org.Organization!.Id!);
  ids.set(intent.managementAccount, org.Organization!.MasterAccountId!);
  const root = (await client.send(new ListRootsCommand({}))).Roots![0]!;
  if (tree.root.id) ids.set(tree.root.id, root.Id!);
  for (const type of ['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY'] as const) await client.send(new EnablePolicyTypeCommand({ RootId: root.Id!, PolicyType: type }));
  const build = async (node: OrgNode, awsId: string) => {
    for (const child of node.children) {
      if (child.kind === 'ou') {
        const ou = await client.send(new CreateOrganizationalUnitCommand({ ParentId: awsId, Name: child.name }));
        if (child.id) ids.set(child.id, ou.OrganizationalUnit!.Id!);
        await build(child, ou.OrganizationalUnit!.Id!);
      } else if (child.id !== intent.managementAccount) {
        const created = await client.send(new CreateAccountCommand({ AccountName: child.name, Email: `${child.name}@example.com` }));
        const accountId = created.CreateAccountStatus!.AccountId!;
        ids.set(child.id!, accountId);
        await client.send(new MoveAccountCommand({ AccountId: accountId, SourceParentId: root.Id!, DestinationParentId: awsId }));
      }
    }
  };
  await build(tree.root, root.Id!);
  return ids;
}

/** Copies intent files into `dir`, every id replaced by moto's (quoted and unquoted occurrences alike). */
export function copyIntentWithIds(files: readonly string[], dir: string, ids: IdMap): string[] {
  const out: string[] = [];
  const pairs = [...ids].sort((a, b) => b[0].length - a[0].length);
  for (const f of files) {
    let text = fs.readFileSync(f, 'utf8');
    for (const [from, to] of pairs) text = text.split(from).join(to);
    const target = path.join(dir, path.basename(f));
    fs.writeFileSync(target, text);
    out.push(target);
  }
  return out;
}

/**
 * A repository of the example intent in a fresh temporary directory, with moto's ids in place of the
 * example's, the example organization built in `moto`, and a reference cache of the 2026 snapshot.
 */
export async function exampleRepoInMoto(moto: Moto): Promise<{ dir: string; cache: string; ids: IdMap }> {
  const root = await tempDir();
  const cache = path.join(root, 'cache');
  const dir = path.join(root, 'repo');
  fs.mkdirSync(path.join(dir, 'guardrails'), { recursive: true });
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  const files = await findIntentFiles(PROJECT_ROOT);
  const { intent } = await loadIntent({ cwd: PROJECT_ROOT, files });
  const ids = await buildOrganization(moto.client(), intent!.tree!, intent!.organization);
  copyIntentWithIds(files, path.join(dir, 'guardrails'), ids);
  return { dir, cache, ids };
}

