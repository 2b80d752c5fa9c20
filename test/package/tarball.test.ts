/**
 * The package as npm publishes it: `npm pack` of the project (its working tree, copied, so that pack's
 * own scripts build dist/ there as a publish would), installed from the tarball into an empty
 * directory as a user installs it, and run there with the network cut: --version, then compile,
 * simulate and diff on the example organization with no service-reference-cache/ in that directory
 * (the reference shipped inside the package is the default). The install resolves the dependencies
 * from the local npm cache, else the registry.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

const VERSION = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Whether commands can run cut off from the network here (root, or unprivileged user namespaces). */
function offlineRunner(): string[] | undefined {
  for (const prefix of [['unshare', '-n'], ['unshare', '-rn']]) {
    if (spawnSync(prefix[0]!, [...prefix.slice(1), 'true']).status === 0) return prefix;
  }
  return undefined;
}

/** The environment without what an enclosing `npm test` sets for its own package (npm_config_*, npm_package_*). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, NO_COLOR: '1', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', ...extra };
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 120_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}

interface PackedFile {
  path: string;
  size: number;
}

describe('the npm package', () => {
  let packed: { filename: string; size: number; files: PackedFile[] };
  let tarball: string;
  let user: string;
  const seconds: Record<string, number> = {};
  const timed = <T>(what: string, f: () => T): T => {
    const started = performance.now();
    try {
      return f();
    } finally {
      seconds[what] = Math.round(performance.now() - started) / 1000;
    }
  };

  beforeAll(async () => {
    const parent = await tempDir('guardrails-pack-');
    // The working tree as git sees it (tracked and new files, nothing ignored), with the installed node_modules for the build.
    const source = path.join(parent, 'guardrails');
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
    for (const f of files) {
      if (!fs.existsSync(path.join(PROJECT_ROOT, f))) continue;
      fs.mkdirSync(path.dirname(path.join(source, f)), { recursive: true });
      fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(source, f));
    }
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(source, 'node_modules'));
    const out = path.join(parent, 'packed');
    fs.mkdirSync(out);
    const pack = timed('pack', () => run('npm', ['pack', '--json', '--pack-destination', out], source, cleanEnv()));
    expect(pack.status, pack.stderr).toBe(0);
    packed = (JSON.parse(pack.stdout) as (typeof packed)[])[0]!;
    tarball = path.join(out, packed.filename);

    user = path.join(parent, 'user');
    fs.mkdirSync(user);
    fs.writeFileSync(path.join(user, 'package.json'), `${JSON.stringify({ name: 'a-security-team', private: true }, null, 2)}\n`);
    const install = timed('install', () => run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], user, cleanEnv(), 170_000));
    expect(install.status, install.stderr).toBe(0);
  }, 300_000);

  it('holds what runs and nothing of the development: no tests, fixtures, bench, .ci, out/ or source maps', () => {
    const names = packed.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'LICENSE',
      'npm-shrinkwrap.json',
      'bin/guardrails.js',
      'dist/src/cli/run.js',
      'dist/src/reference/load-worker.js',
      'dist/src/intent/intent.schema.json',
      'dist/src/reference/regions.json',
      'src/report/templates/notify.md.hbs',
      'src/report/templates/notify.txt.hbs',
      'service-reference-cache/manifest.json',
    ]) {
      expect(names, needed).toContain(needed);
    }
    // Every JSON file the code imports, beside it in dist/.
    for (const json of execFileSync('git', ['ls-files', 'src/**/*.json'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean)) {
      expect(names, json).toContain(`dist/${json}`);
    }
    expect(names.filter((n) => /^(test|bench|\.ci|out|dist\/(test|bench))\/|fixtures|\.map$|\.ts$/.test(n))).toEqual([]);
    // The shipped reference is most of it.
    expect(packed.size).toBeLessThan(4 << 20);
  });

  it('runs --version, init, compile, simulate and diff from the installed tarball, and the shipped reference where a directory has none, with no network', () => {
    // The organization as `guardrails org export` writes it (examples/new-organization.json is not in the package).
    fs.copyFileSync(path.join(PROJECT_ROOT, 'examples', 'new-organization.json'), path.join(user, 'org.json'));
    expect(fs.existsSync(path.join(user, 'service-reference-cache'))).toBe(false);
    expect(fs.existsSync(path.join(user, 'node_modules', 'guardrails', 'test'))).toBe(false);

    const offline = offlineRunner();
    if (process.env.CI === 'true') expect(offline, 'unshare -n is needed to run the package offline').toBeDefined();
    const env = cleanEnv({ HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', npm_config_offline: 'true' });
    const npx = (...args: string[]) => {
      const argv = [...(offline ?? []), 'npx', '--no-install', 'guardrails', ...args];
      return timed(args[0]!, () => run(argv[0]!, argv.slice(1), user, env));
    };

    const version = npx('--version');
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);

    // init scaffolds the intent from the snapshot and copies the shipped reference in, to be committed.
    const init = npx('init', '--org', 'org.json');
    expect(init.status, init.stderr).toBe(0);
    expect(fs.existsSync(path.join(user, 'guardrails', 'organization.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(user, 'service-reference-cache', 'manifest.json'))).toBe(true);

    const compile = npx('compile');
    expect(compile.status, compile.stderr).toBe(0);
    expect(compile.stdout).toMatch(/\(reference [0-9a-f]{16} of 2026-08-22, quotas /);
    expect(fs.existsSync(path.join(user, 'out', 'manifest.json'))).toBe(true);

    const simulate = npx('simulate');
    expect(simulate.status, simulate.stderr).toBe(0);
    expect(simulate.stdout).toMatch(/^(\d+) of \1 scenarios pass/m);

    const diff = npx('diff', '--org', 'guardrails/org-snapshot.json');
    expect(diff.status, diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/to create, \d+ to update/);

    // Without a cache of its own, the directory compiles against the copy inside the package, and says so.
    fs.rmSync(path.join(user, 'service-reference-cache'), { recursive: true });
    const shipped = npx('compile');
    expect(shipped.status, shipped.stderr).toBe(0);
    expect(shipped.stdout).toMatch(new RegExp(`\\(reference [0-9a-f]{16} of 2026-08-22 shipped with guardrails ${VERSION.replaceAll('.', '\\.')}, quotas `));
    expect(fs.existsSync(path.join(user, 'service-reference-cache')), 'no cache written into the directory').toBe(false);

    for (const r of [version, init, compile, simulate, diff, shipped]) expect(r.stderr).not.toMatch(/no-reference|sync first|NodeVersionSupportWarning|error internal/);
    // How long each step took (pack builds dist/ first; install resolves from the npm cache), for whoever reads the log.
    console.log(`npm package: ${(packed.size / 1e6).toFixed(1)} MB packed, ${packed.files.length} files; seconds ${JSON.stringify(seconds)}`);
  }, 150_000);
});

describe("the README's install", () => {
  it('names the version of this package in npx guardrails@VERSION', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const pinned = [...readme.matchAll(/npx guardrails@(\S+)/g)].map((m) => m[1]);
    expect(pinned.length).toBeGreaterThan(0);
    expect(new Set(pinned)).toEqual(new Set([VERSION]));
  });
});
