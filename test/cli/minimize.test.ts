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
  const example = () => path.join(PREPROCESSOR_EXAMPLES, 'example.json');
  const total = (stdout: string) => (JSON.parse(stdout) as unknown[]).reduce((n: number, p) => n + JSON.stringify(p).length, 0);

  it('prints the policies as a JSON array, names as written when they fit the quota, with a summary on stderr', async () => {
    const r = await runCli(['minimize', example(), '--type', 'scp', '--quota', 'aws-legacy', '--cache', cache]);
    expect(r.code).toBe(0);
    const policies = JSON.parse(r.stdout) as { Version: string; Statement: { Action?: string[] }[] }[];
    expect(policies).toHaveLength(4);
    for (const p of policies) expect(JSON.stringify(p).length).toBeLessThanOrEqual(5120);
    expect(r.stderr).toMatch(/minimized .*example\.json as SCP \(aws-legacy: 5,120 characters, 5 per target\): 22 statements -> 19, 10,727 characters -> 19,901 in 4 policies \(5,088 \+ 5,080 \+ 5,119 \+ 4,614\); 0 wildcards introduced; level 1, exact names, as written; proven equivalent in \d+ ms\n/);
    // The first statement, plain IAM, comes out as written (sorted): its patterns and nothing new.
    const written = (JSON.parse(fs.readFileSync(example(), 'utf8')) as { Statement: { Sid: string; Action: string[] }[] }).Statement[0]!.Action;
    expect(policies.flatMap((p) => p.Statement).some((s) => JSON.stringify(s.Action) === JSON.stringify([...written].sort()))).toBe(true);
    expect(r.stderr).not.toContain('unreadable-minimization');
    // The upstream example misspells two exclusions; they stay denied, and the user hears about it.
    expect(r.stderr).toContain("hint: did you mean 'iam:ListGroupsForUser'?");
  });

  // A target that already holds other policies has fewer slots: each escalates one level, no further.
  it.each([
    { slots: '3', policies: 2, line: 'level 2, word-boundary prefixes, forced by the per-target quota: 4 policies at level 1, 3 fit' },
    { slots: '2', policies: 2, line: 'level 2, word-boundary prefixes, forced by the per-target quota: 4 policies at level 1, 2 fit' },
  ])('--slots $slots: $line', async ({ slots, policies, line }) => {
    const r = await runCli(['minimize', example(), '--type', 'scp', '--quota', 'aws-legacy', '--slots', slots, '--cache', cache]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(policies);
    expect(r.stderr).toContain(`(aws-legacy: 5,120 characters, 5 per target, ${slots} free)`);
    expect(r.stderr).toContain(`; ${line}; proven equivalent`);
    expect(r.stderr).not.toContain('unreadable-minimization');
    expect(r.stderr).not.toContain('exceed');
  });

  it('when no readable level fits the slots, writes the smallest readable output and says --aggressive may shorten further', async () => {
    const r = await runCli(['minimize', example(), '--type', 'scp', '--quota', 'aws-legacy', '--slots', '1', '--cache', cache]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(2);
    expect(r.stderr).toContain('warning unreadable-minimization: the policy needed level 3 (substring wildcards) to fit, forced by the per-target quota: 2 policies at level 2, 1 fit;');
    expect(r.stderr).toMatch(/\nwarning: 2 policies exceed the 1 that one target can still take \(--slots\), at level 3 \(substring wildcards\), the highest tried; --aggressive may shorten further: \d+ statements reach every principal and stayed at level 2\n/);
  });

  it('--aggressive writes the smallest output at once: under the pre-processor\'s 7,425 characters', async () => {
    const r = await runCli(['minimize', example(), '--type', 'scp', '--quota', 'aws-legacy', '--aggressive', '--cache', cache]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(2);
    expect(total(r.stdout)).toBeLessThan(7425);
    expect(r.stderr).toMatch(/; [1-9]\d* wildcards introduced; level 3, substring wildcards, as --aggressive asks; proven/);
    expect(r.stderr).not.toContain('unreadable-minimization');
    const readable = await runCli(['minimize', example(), '--type', 'scp', '--quota', 'aws-legacy', '--slots', '2', '--cache', cache]);
    expect(total(r.stdout)).toBeLessThan(total(readable.stdout));
  });

  it.each([
    { args: ['--aggressive', '--exact'], message: '--exact and --aggressive contradict each other' },
    { args: ['--slots', '6'], message: '--slots must be a whole number from 1 to 5 (aws-legacy: 5 SCPs per target), not "6"' },
    { args: ['--slots', '0'], message: '--slots must be a whole number from 1 to 5' },
    { args: ['--slots', '2x'], message: '--slots must be a whole number from 1 to 5' },
  ])('refuses $args as a usage error', async ({ args, message }) => {
    const r = await runCli(['minimize', example(), '--type', 'scp', '--quota', 'aws-legacy', ...args, '--cache', cache]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
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

  it('rewrites an Action list as NotAction (drift: it denies what AWS adds later) only with --aggressive, and reports it', async () => {
    const dir = await tempDir();
    fs.writeFileSync(path.join(dir, 'p.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*","iam:{Exclude:GetUser}"],"Resource":"*"}]}');
    const r = await runCli(['minimize', 'p.json', '--type', 'scp', '--aggressive', '--cache', cache], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)[0].Statement[0].NotAction).toBe('iam:GetUser');
    expect(r.stderr).toContain('; 1 Action list rewritten as NotAction (it denies every action AWS adds later); level 4, NotAction complement, as --aggressive asks;');
    // By default the Deny, which reaches every principal, stops at word-boundary patterns (svc:* here).
    const readable = await runCli(['minimize', 'p.json', '--type', 'scp', '--cache', cache], { cwd: dir });
    expect(readable.code).toBe(0);
    const statement = JSON.parse(readable.stdout)[0].Statement[0];
    expect(statement.NotAction).toBeUndefined();
    expect(statement.Action).toContain('s3:*');
    expect(readable.stderr).toMatch(/; level 2, word-boundary prefixes, forced by the per-target quota: \d+ policies at level 1, 10 fit;/);
    const exact = await runCli(['minimize', 'p.json', '--type', 'scp', '--exact', '--cache', cache], { cwd: dir });
    expect(exact.code).toBe(0);
    expect(JSON.parse(exact.stdout)[0].Statement[0].NotAction).toBeUndefined();
    expect(exact.stderr).not.toContain('NotAction');
    expect(exact.stderr).toMatch(/\nwarning: \d+ policies exceed the 10 that one target can hold, at level 1 \(exact names\), the highest tried; without --exact, minimize may shorten further\n/);
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
