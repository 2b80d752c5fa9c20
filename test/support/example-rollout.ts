/**
 * The example organization in a real moto_server behind the fault proxy, with version 1 of its policies
 * deployed and version 2 (one control tightened, one loosened, one added, one removed) compiled in a
 * repository of its own: the starting point of every rollout test. `reset()` builds it again from
 * nothing (the intent is rewritten with moto's ids), so each case starts the same way.
 *
 * moto is seeded at each reset, so it gives the same ids every time and the intent is rewritten to the
 * same text: the CLI calls that prepare versions 1 and 2 (compile, plan, compile: seconds of each
 * reset) are then memoized on exactly what they read (the repository's intent files, and the exported
 * organization for the plan), and a reset whose inputs differ in any byte runs them again.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { findIntentFiles, loadIntent } from '../../src/intent/index.js';
import { applyOperations, readOrganization, type OrgOperation, type OrgState } from '../../src/org/index.js';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli, type CliRun } from './cli.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { buildOrganization, copyIntentWithIds, startMoto, type IdMap, type Moto } from './moto.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from './paths.js';
import { tempDir } from './temp.js';

export interface ExampleRollout {
  moto: Moto;
  proxy: FaultProxy;
  /** The repository: guardrails/, out/, service-reference-cache/ (its own), rollouts/. */
  dir: string;
  ids: IdMap;
  /** The environment a rollout runs with: Organizations through the proxy, STS straight to moto. */
  env: NodeJS.ProcessEnv;
  /**
   * Builds the organization again, deploys version 1 and compiles version 2. `atVersion1` runs with
   * version 1 compiled and deployed, before version 2 is written (to commit it, say).
   */
  reset(options?: { atVersion1?: () => void | Promise<void> }): Promise<void>;
  /** The CLI in this process (no kill possible). */
  cli(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun>;
  /** The CLI as a child process, which a test can kill. */
  spawnCli(args: string[]): { exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>; kill(signal?: NodeJS.Signals): void; pid: number };
  read(): Promise<OrgState>;
  stop(): Promise<void>;
}

const BIN = path.join(PROJECT_ROOT, 'bin', 'guardrails.js');
/** Any fixed number: moto's ids are then the same at every reset. */
const MOTO_SEED = 14;

export async function startExampleRollout(): Promise<ExampleRollout> {
  const moto = await startMoto();
  const proxy = await startFaultProxy(moto.endpoint);
  const root = await tempDir();
  const dir = path.join(root, 'repo');
  const cache = path.join(dir, 'service-reference-cache');
  fs.mkdirSync(path.join(dir, 'guardrails'), { recursive: true });
  fs.mkdirSync(path.join(dir, '.git'), { recursive: true });
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  const files = await findIntentFiles(PROJECT_ROOT);
  const env: NodeJS.ProcessEnv = { ...proxy.env, CI: 'true', GUARDRAILS_RATE_SCALE: '1000', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_STS: moto.endpoint, AWS_ENDPOINT_URL_IAM: moto.endpoint };
  /** Outputs of the CLI calls that prepare a reset, by what they read. */
  const memo = new Map<string, string>();
  const outFiles = new Map<string, Map<string, Buffer>>();
  const digestOf = (folder: string) => {
    const hash = createHash('sha256');
    if (!fs.existsSync(folder)) return 'none';
    for (const f of fs.readdirSync(folder, { recursive: true, encoding: 'utf8' }).sort()) {
      const file = path.join(folder, f);
      if (fs.statSync(file).isFile()) hash.update(`${f}\0`).update(fs.readFileSync(file)).update('\0');
    }
    return hash.digest('hex');
  };
  const intentDigest = () => digestOf(path.join(dir, 'guardrails'));
  /**
   * `guardrails compile`, or out/ as the same compile wrote it before from the same intent files and
   * the same out/ before it (compile keeps the previous packing where it can).
   */
  const compileMemoized = async (fresh = false) => {
    const key = `${intentDigest()} ${digestOf(path.join(dir, 'out'))}`;
    const out = path.join(dir, 'out');
    const known = fresh ? undefined : outFiles.get(key);
    if (known) {
      fs.rmSync(out, { recursive: true, force: true });
      for (const [f, bytes] of known) {
        fs.mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
        fs.writeFileSync(path.join(out, f), bytes);
      }
      return;
    }
    const compiled = await fixture.cli(['compile']);
    expect(compiled.code, compiled.stderr).toBe(0);
    const files = new Map<string, Buffer>();
    for (const f of fs.readdirSync(out, { recursive: true, encoding: 'utf8' })) {
      if (fs.statSync(path.join(out, f)).isFile()) files.set(f, fs.readFileSync(path.join(out, f)));
    }
    outFiles.set(key, files);
  };
  const fixture: ExampleRollout = {
    moto,
    proxy,
    dir,
    ids: new Map(),
    env,
    cli: (args, extra) => runCli(args, { cwd: dir, env: { ...env, ...extra } }),
    spawnCli(args) {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
      return { exit, kill: (signal = 'SIGKILL') => child.kill(signal), pid: child.pid! };
    },
    read: async () => (await readOrganization(moto.client())).state,
    async reset(options = {}) {
      await moto.reset({ seed: MOTO_SEED });
      proxy.reset();
      const { intent } = await loadIntent({ cwd: PROJECT_ROOT, files });
      fixture.ids = await buildOrganization(moto.client(), intent!.tree!, intent!.organization);
      fs.rmSync(path.join(dir, 'guardrails'), { recursive: true, force: true });
      fs.rmSync(path.join(dir, 'out'), { recursive: true, force: true });
      fs.rmSync(path.join(dir, 'rollouts'), { recursive: true, force: true });
      fs.mkdirSync(path.join(dir, 'guardrails'));
      copyIntentWithIds(files, path.join(dir, 'guardrails'), fixture.ids);
      // Version 1, deployed straight to moto (the rollout under test starts from it).
      await compileMemoized();
      fs.writeFileSync(path.join(dir, 'org.json'), (await fixture.cli(['org', 'export'], { AWS_ENDPOINT_URL_ORGANIZATIONS: moto.endpoint })).stdout);
      const orgRead = JSON.parse(fs.readFileSync(path.join(dir, 'org.json'), 'utf8')) as { readAt?: string };
      delete orgRead.readAt;
      const planKey = `plan ${intentDigest()} ${JSON.stringify(orgRead)}`;
      let planText = memo.get(planKey);
      if (planText === undefined) {
        const planned = await fixture.cli(['plan', '--org', 'org.json', '--json']);
        expect(planned.code, planned.stderr).toBe(0);
        memo.set(planKey, (planText = planned.stdout));
      }
      const plan = JSON.parse(planText) as { waves: { steps: { op: OrgOperation }[] }[] };
      // Every wave's steps in one call: applyOperations follows the ids it creates and renames, so the
      // organization is read once, not again before each wave.
      await applyOperations(moto.client(), await fixture.read(), plan.waves.flatMap((wave) => wave.steps.map((s) => s.op)));
      await options.atVersion1?.();
      writeVersion2(dir);
      // atVersion1 may change what compile reads beyond the intent (a git commit): compiled afresh then.
      await compileMemoized(options.atVersion1 !== undefined);
      fs.rmSync(path.join(dir, 'org.json'));
      proxy.reset();
      proxy.auditor.clear();
    },
    async stop() {
      await proxy.stop();
      await moto.stop();
    },
  };
  return fixture;
}

/** The change of test/plan/rollout-moto.test.ts: tighten, remove, add, loosen. */
export function writeVersion2(dir: string): void {
  const baseline = path.join(dir, 'guardrails', 'baseline.yaml');
  const perimeter = path.join(dir, 'guardrails', 'data-perimeter.yaml');
  let text = fs.readFileSync(baseline, 'utf8');
  text = text.replace('      - iam:CreateAccessKey\n', '      - iam:CreateAccessKey\n      - iam:UpdateAccessKey\n');
  text = text.replace(/  stay-in-organization:\n    kind: deny-actions\n    actions: \[organizations:LeaveOrganization\]\n    attach: \[Root\]\n/, '');
  text += '\n  no-ram-shares:\n    kind: deny-actions\n    actions: [ram:CreateResourceShare]\n    attach: [Workloads]\n';
  fs.writeFileSync(baseline, text);
  const p = fs.readFileSync(perimeter, 'utf8');
  fs.writeFileSync(perimeter, p.replace('dynamodb, logs, ecr]', 'dynamodb, logs]'));
}
