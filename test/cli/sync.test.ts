import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { SNAPSHOT_2025, SNAPSHOT_2026 } from '../support/paths.js';
import { startReferenceServer, type ReferenceServer } from '../support/reference-server.js';
import { tempDir } from '../support/temp.js';
import { treeHash } from '../support/tree-hash.js';

describe('guardrails sync', () => {
  let server: ReferenceServer;
  beforeAll(async () => {
    server = await startReferenceServer(SNAPSHOT_2026);
  });
  afterAll(() => server.close());

  it('syncs from a directory given with --from and reports the snapshot', async () => {
    const dir = await tempDir();
    const r = await runCli(['sync', '--from', SNAPSHOT_2025, '--cache', 'cache'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('synced 436 services, ');
    expect(r.stdout).toContain('(first snapshot)');
    expect(fs.existsSync(path.join(dir, 'cache', 'manifest.json'))).toBe(true);
  });

  it('takes the mirror from GUARDRAILS_REFERENCE_URL, and prints JSON with --json', async () => {
    const dir = await tempDir();
    const r = await runCli(['sync', '--json'], { cwd: dir, env: { CI: 'true', GUARDRAILS_REFERENCE_URL: server.url } });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.totals).toMatchObject({ services: 466, actions: 21983 });
    expect(out.source).toBe(`${server.url}v1/`);
    expect(fs.existsSync(path.join(dir, 'service-reference-cache', 'manifest.json'))).toBe(true);
    // No progress lines in CI logs.
    expect(r.stderr).toBe('');
  });

  it('exits 2 naming the failing service and URL, and leaves the cache as it was', async () => {
    const dir = await tempDir();
    await runCli(['sync', '--from', SNAPSHOT_2025, '--cache', 'cache'], { cwd: dir });
    const before = await treeHash(path.join(dir, 'cache'));
    server.inject('/v1/kms/kms.json', { kind: 'status', status: 500, times: Infinity });
    try {
      const r = await runCli(['sync', '--from', server.url, '--cache', 'cache', '--retries', '1'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error sync-failed: service kms at ${server.url}v1/kms/kms.json: HTTP 500`);
      expect(r.stderr).toContain('the cache in cache is unchanged');
      expect(await treeHash(path.join(dir, 'cache'))).toBe(before);
    } finally {
      server.clearFaults();
    }
  });

  it('says what is wrong, without a stack trace, when --cache names a file', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'somefile'), 'kept');
    const r = await runCli(['sync', '--from', SNAPSHOT_2025, '--cache', 'somefile'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error sync-failed: cannot read ${path.join(dir, 'somefile', 'manifest.json')}: ${path.join(dir, 'somefile')} is not a directory`);
    expect(fs.readFileSync(path.join(dir, 'somefile'), 'utf8')).toBe('kept');
  });

  it('rejects a URL scheme it cannot read as a usage error naming it, instead of reading a directory', async () => {
    const dir = await tempDir();
    const r = await runCli(['sync', '--from', 'ftp://x', '--cache', 'cache'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error usage: --from ftp://x: sync reads http and https URLs and directories, not ftp:// URLs\n');
    const env = await runCli(['sync', '--cache', 'cache'], { cwd: dir, env: { CI: 'true', GUARDRAILS_REFERENCE_URL: 'sftp://mirror/aws/' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('error usage: GUARDRAILS_REFERENCE_URL sftp://mirror/aws/: ');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('takes the mirror as the full URL of its service list', async () => {
    const dir = await tempDir();
    const r = await runCli(['sync', '--from', `${server.url}v1/service-list.json`, '--cache', 'cache', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.source).toBe(`${server.url}v1/`);
    expect(out.totals.services).toBe(466);
  });

  it('replaces a cache whose manifest fails its checks, and says that its history starts anew', async () => {
    const dir = await tempDir();
    await runCli(['sync', '--from', SNAPSHOT_2025, '--cache', 'cache'], { cwd: dir });
    const manifest = path.join(dir, 'cache', 'manifest.json');
    fs.writeFileSync(manifest, fs.readFileSync(manifest, 'utf8').replace('"totals": {', '"totals": {\n  "services": 1,'));
    const r = await runCli(['sync', '--from', SNAPSHOT_2026, '--cache', 'cache'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^note: the previous manifest was not used \(.*manifest\.json: the key "services" appears twice in one object, the second time at line \d+, column 3\); the history starts with this snapshot\n$/);
    expect(r.stdout).toContain('(first snapshot)');
    expect((await runCli(['sync', '--from', SNAPSHOT_2026, '--cache', 'cache'], { cwd: dir })).stderr).toBe('');
  });

  it('rejects bad flag values as usage errors', async () => {
    const r = await runCli(['sync', '--concurrency', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected a positive integer');
  });
});

describe('guardrails sync progress', () => {
  it('shows progress on an interactive terminal, and never in CI', async () => {
    const { main } = await import('../../src/cli/main.js');
    const run = async (env: NodeJS.ProcessEnv) => {
      let stderr = '';
      const code = await main(['sync', '--from', SNAPSHOT_2025, '--cache', 'cache'], {
        stdout: { write: () => true },
        stderr: { write: (s: string) => (stderr += s), isTTY: true },
        env,
        cwd: await tempDir(),
      });
      return { code, stderr };
    };
    const tty = await run({});
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/\rsync|\r\x1b\[2Ksync \d+\/436 /);
    expect(tty.stderr).toContain('sync 436/436');
    const ci = await run({ CI: 'true' });
    expect(ci.stderr).toBe('');
    // CI=false, 0 or empty says "not CI".
    for (const CI of ['false', '0', '']) expect((await run({ CI })).stderr).toContain('sync 436/436');
  });
});
