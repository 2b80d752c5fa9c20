import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli } from '../support/cli.js';
import { PREPROCESSOR_EXAMPLES, SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

let cache: string;
beforeAll(async () => {
  cache = path.join(await tempDir(), 'cache');
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
});

describe('guardrails minimize', () => {
  it('prints the smallest equivalent policies as a JSON array, with a summary on stderr', async () => {
    const r = await runCli(['minimize', path.join(PREPROCESSOR_EXAMPLES, 'example.json'), '--type', 'scp', '--quota', 'aws-legacy', '--cache', cache]);
    expect(r.code).toBe(0);
    const policies = JSON.parse(r.stdout) as { Version: string; Statement: unknown[] }[];
    expect(policies).toHaveLength(2);
    for (const p of policies) expect(JSON.stringify(p).length).toBeLessThanOrEqual(5120);
    expect(r.stderr).toMatch(/minimized .*example\.json as SCP \(aws-legacy: 5,120 characters, 5 per target\): 22 statements -> 19, 10,727 characters -> [\d,]+ in 2 policies/);
    // The upstream example misspells two exclusions; they stay denied, and the user hears about it.
    expect(r.stderr).toContain("hint: did you mean 'iam:ListGroupsForUser'?");
  });

  it('writes the policies as files with --out', async () => {
    const out = path.join(await tempDir(), 'min');
    const r = await runCli(['minimize', path.join(PREPROCESSOR_EXAMPLES, 'blog.json'), '--type', 'scp', '--out', out, '--cache', cache]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(out)).toEqual(['blog-1.json']);
  });

  it('fails clearly on a name it cannot resolve, never dropping the statement', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'p.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:GetObject","s3:GetObjekt"],"Resource":"*"}]}');
    const r = await runCli(['minimize', 'p.json', '--type', 'scp', '--cache', cache], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^p\.json:1:\d+: error unknown-action: statement 1: "s3:GetObjekt" matches nothing/);
    expect(r.stderr).toContain('minimize failed: nothing written');
  });

  it('reports an Action list rewritten as NotAction (drift: it denies what AWS adds later), and never does it with --exact', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'p.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*","iam:{Exclude:GetUser}"],"Resource":"*"}]}');
    const r = await runCli(['minimize', 'p.json', '--type', 'scp', '--cache', cache], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].Statement[0].NotAction).toBe('iam:GetUser');
    expect(r.stderr).toContain('; 1 Action list rewritten as NotAction (it denies every action AWS adds later);');
    const exact = await runCli(['minimize', 'p.json', '--type', 'scp', '--exact', '--cache', cache], { cwd: dir });
    expect(exact.code).toBe(0);
    expect(JSON.parse(exact.stdout)[0].Statement[0].NotAction).toBeUndefined();
    expect(exact.stderr).not.toContain('NotAction');
  });

  it('rejects what the policy type does not allow, and a bad --type', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'p.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sns:Publish","Resource":"*"}]}');
    const r = await runCli(['minimize', 'p.json', '--type', 'rcp', '--cache', cache], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error rcp-principal');
    expect(r.stderr).toContain('error rcp-unsupported-service');
    const bad = await runCli(['minimize', 'p.json', '--type', 'xyz', '--cache', cache], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--type must be scp or rcp');
  });

  it('refuses condition values and resource ARNs compile refuses, at the value', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'p.json'), '{"Version":"2012-10-17","Statement":[\n{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"maybe"}}},\n{"Effect":"Deny","Action":"s3:PutObject","Resource":"arn:aws:s3"}]}');
    const r = await runCli(['minimize', 'p.json', '--type', 'scp', '--cache', cache], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('p.json:2:100: error bad-condition-value: statement 1: condition Bool aws:SecureTransport: "maybe" is not a boolean (true or false)');
    expect(r.stderr).toMatch(/p\.json:3:53: error bad-resource-arn: statement 2: "arn:aws:s3" has 3 of the six components/);
    expect(r.stderr).toContain('minimize failed: nothing written');
  });

  it('reads its input through the gate: text that is not UTF-8 is refused at its line and column', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'p.json'), Buffer.concat([Buffer.from('{"Version":"2012-10-17",\n"Statement":"'), Buffer.from([0xff]), Buffer.from('"}')]));
    const r = await runCli(['minimize', 'p.json', '--type', 'scp', '--cache', cache], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^p\.json:2:14: error not-utf8: policy file .*p\.json is not UTF-8 text: byte 0xff at line 2, column 14/);
  });
});
