/**
 * From `git clone` to a first guardrail: the time a newcomer waits between cloning the project and
 * `npx guardrails compile` finishing, as the README's first command runs them: `git clone`, `npm ci`
 * (dependencies from the local npm cache: --offline, else --prefer-offline when the cache lacks one;
 * `prepare` builds dist/), then the first compile of the example organization against the reference
 * shipped in service-reference-cache/, cold. One run: each step is seconds long and its parts are
 * reported.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../test/support/paths.js';
import type { Figure } from './harness.js';

export async function benchFirstCompile(): Promise<Figure[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-bench-clone-'));
  // The enclosing `npm run bench` sets npm_config_* for this project; the clone's npm reads its own.
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))), NO_COLOR: '1' };
  const step = (cmd: string, args: string[], cwd: string): { seconds: number; ok: boolean; stderr: string } => {
    const started = performance.now();
    const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
    return { seconds: (performance.now() - started) / 1000, ok: r.status === 0, stderr: r.stderr };
  };
  try {
    const clone = path.join(root, 'guardrails');
    const cloned = step('git', ['clone', '-q', '--no-hardlinks', PROJECT_ROOT, clone], root);
    if (!cloned.ok) throw new Error(`git clone failed: ${cloned.stderr}`);
    let install = step('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], clone);
    let from = 'the npm cache alone (--offline)';
    if (!install.ok) {
      const offline = install.seconds;
      install = step('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], clone);
      install.seconds += offline;
      from = 'the npm cache and the registry (--prefer-offline: the cache lacked a package)';
    }
    if (!install.ok) throw new Error(`npm ci failed: ${install.stderr}`);
    const compile = step('npx', ['guardrails', 'compile'], clone);
    if (!compile.ok) throw new Error(`compile failed: ${compile.stderr}`);
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: clone, encoding: 'utf8' }).trim();
    const total = cloned.seconds + install.seconds + compile.seconds;
    return [
      { name: 'clone to first compile', value: total, unit: 's', note: `git clone, npm ci and npx guardrails compile of the example, commit ${commit}` },
      { name: '  git clone', value: cloned.seconds, unit: 's' },
      { name: '  npm ci (with prepare: the build)', value: install.seconds, unit: 's', note: `from ${from}` },
      { name: '  first npx guardrails compile', value: compile.seconds, unit: 's', note: 'cold, the shipped reference, no sync' },
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
