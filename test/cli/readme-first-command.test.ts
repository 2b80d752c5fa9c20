/**
 * The README's first command, as a newcomer runs it: on a fresh clone with no `../shared` beside it and
 * no network. `npm ci` is the one part not run here (the clone borrows this project's installed
 * node_modules and built dist/, which `npm test` has just built from the same commit); every
 * `npx guardrails ...` after it runs as written, in a network namespace with no interface but loopback.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

/** The first line of the README's first `sh` block. */
function firstCommand(readme: string): string {
  const block = /```sh\n([^\n]+)\n/.exec(readme);
  if (!block) throw new Error('the README has no sh block');
  return block[1]!;
}

/** Whether commands can run cut off from the network here (root, or unprivileged user namespaces). */
function offlineRunner(): string[] | undefined {
  for (const prefix of [['unshare', '-n'], ['unshare', '-rn']]) {
    if (spawnSync(prefix[0]!, [...prefix.slice(1), 'true']).status === 0) return prefix;
  }
  return undefined;
}

describe("the README's first command", () => {
  it('runs on a fresh clone with no ../shared and no network', { timeout: 120_000 }, async () => {
    const parent = await tempDir();
    const clone = path.join(parent, 'guardrails');
    execFileSync('git', ['clone', '-q', '--no-hardlinks', PROJECT_ROOT, clone]);
    expect(fs.existsSync(path.join(parent, 'shared'))).toBe(false);
    const readme = fs.readFileSync(path.join(clone, 'README.md'), 'utf8');
    const command = firstCommand(readme);
    expect(command).toMatch(/^npm ci && /);
    expect(command).not.toMatch(/shared|sync/);
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    fs.cpSync(path.join(PROJECT_ROOT, 'dist'), path.join(clone, 'dist'), { recursive: true });

    const offline = offlineRunner();
    // CI has a way to cut the network; elsewhere, proxies that refuse stand in for it.
    if (process.env.CI === 'true') expect(offline, 'unshare -n is needed to run the README command offline').toBeDefined();
    const env = { ...process.env, HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', npm_config_offline: 'true', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', NO_COLOR: '1' };
    const rest = command.replace(/^npm ci && /, '');
    const argv = [...(offline ?? []), 'bash', '-c', rest];
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: clone, env, encoding: 'utf8', timeout: 110_000 });
    expect(r.status, `${rest}\n${r.stderr}`).toBe(0);
    // compile wrote out/, simulate passed every scenario, diff showed the example change.
    const manifest = JSON.parse(fs.readFileSync(path.join(clone, 'out', 'manifest.json'), 'utf8')) as { policies: unknown[] };
    expect(manifest.policies.length).toBeGreaterThan(3);
    expect(r.stdout).toMatch(/^(\d+) of \1 scenarios pass/m);
    expect(r.stdout).toMatch(/to create, \d+ to update/);
    expect(r.stderr).not.toMatch(/no-reference|run guardrails sync first/);
  });
});
