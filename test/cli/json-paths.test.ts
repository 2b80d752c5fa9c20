/**
 * Machine-readable output names files relative to the repository: a CI log, an uploaded report or an
 * artifact never carries the runner's absolute path, and the same path reads the same on every checkout.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonText } from '../../src/cli/json-output.js';
import { runCli } from '../support/cli.js';
import { compiledExampleRepo, type ExampleRepo } from '../support/example-repo.js';
import { SNAPSHOT_2026 } from '../support/paths.js';

let dir: string;
let cli: ExampleRepo['cli'];

beforeAll(async () => {
  ({ dir, cli } = await compiledExampleRepo());
  // A git work tree, as in CI: the repository is found from .git, above the working directory.
  fs.mkdirSync(path.join(dir, '.git'));
});

describe('every --json output of the example', () => {
  const commands: [string, string[], number][] = [
    ['validate', ['validate', '--json'], 0],
    ['validate without a cache, whose message names the missing directory', ['validate', '--json', '--cache', 'no-cache-here'], 2],
    ['compile', ['compile', '--json'], 0],
    ['simulate', ['simulate', '--json'], 0],
    ['diff', ['diff', '--org', 'guardrails/org-snapshot.json', '--json'], 0],
    ['plan', ['plan', '--org', 'guardrails/org-snapshot.json', '--json'], 0],
    ['explain', ['explain', 'out/guardrails-rcp-tls-minimum.json', '--json'], 0],
    ['sync into a cache inside the repository', ['sync', '--from', SNAPSHOT_2026, '--json', '--cache', 'inner-cache'], 0],
  ];

  it.each(commands)('%s: no absolute path of the repository', async (_, args, code) => {
    // A command given its own cache runs without the example's (the last --cache would win).
    const r = args.includes('--cache') ? await runCli(args, { cwd: dir }) : await cli(args);
    expect(r.code, r.stderr).toBe(code);
    const json = JSON.parse(r.stdout) as unknown;
    expect(r.stdout).not.toContain(dir);
    expect(r.stdout).not.toContain(fs.realpathSync(dir));
    expect(json).toBeTruthy();
  });

  it('names intent files and diagnostic locations relative to the repository', async () => {
    const r = await cli(['validate', '--json']);
    const json = JSON.parse(r.stdout) as { files: string[]; diagnostics: { location?: { file: string } }[] };
    expect(json.files).toContain('guardrails/baseline.yaml');
    expect(json.diagnostics.length).toBeGreaterThan(0);
    for (const d of json.diagnostics) if (d.location) expect(d.location.file).toMatch(/^guardrails\/[a-z-]+\.yaml$/);
    const missing = JSON.parse((await runCli(['validate', '--json', '--cache', 'no-cache-here'], { cwd: dir })).stdout) as { diagnostics: { code: string; message: string }[] };
    expect(missing.diagnostics.find((d) => d.code === 'no-reference')?.message).toContain('no service reference cache in no-cache-here');
  });

  it('simulate --json locates each scenario where it is written', async () => {
    const json = JSON.parse((await cli(['simulate', '--json'])).stdout) as { results: { origin: string; location: { file: string; line: number } | null }[] };
    for (const r of json.results) expect(r.location?.file).toMatch(/^guardrails\/[a-z-]+\.yaml$/);
  });
});

describe('jsonText', () => {
  it('writes the repository paths relative to it in any string, alone or inside a message, and leaves other paths alone', () => {
    const cwd = path.resolve('/tmp/not-a-repository-of-guardrails');
    const value = { file: path.join(cwd, 'guardrails', 'a.yaml'), message: `cannot read ${path.join(cwd, 'out')}/x.json`, root: cwd, sibling: `${cwd}-2/file`, elsewhere: '/etc/hosts' };
    expect(JSON.parse(jsonText(value, cwd))).toEqual({ file: 'guardrails/a.yaml', message: 'cannot read out/x.json', root: '.', sibling: `${cwd}-2/file`, elsewhere: '/etc/hosts' });
  });
});
