/**
 * out/<policy>.json is laid out for review (one action per line, keys in reading order, two-space
 * indent, a trailing newline), while the size that counts against the quota, and the manifest's
 * `chars`, stay the canonical minified text that is sent to AWS. The manifest also says how large the
 * file is (`fileBytes`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOutManifest, writeOut } from '../../src/compile/index.js';
import { readablePolicyText, renderPolicy, renderPolicyFile } from '../../src/policy/index.js';
import { compileControls, errorsOf, ORG_HEADER } from '../support/compile.js';

describe('out/<policy>.json', () => {
  it('is the canonical policy indented by two spaces, one action per line, keys in reading order, with a trailing newline', async () => {
    const c = await compileControls(
      `  keys:\n    kind: deny-actions\n    actions: [iam:CreateUser, iam:CreateAccessKey, s3:DeleteBucket]\n    attach: [Prod]\n`,
    );
    expect(errorsOf(c)).toEqual([]);
    const p = c.result.policies[0]!;
    expect(p.fileText).toBe(
      [
        '{',
        '  "Version": "2012-10-17",',
        '  "Statement": [',
        '    {',
        '      "Sid": "Keys",',
        '      "Effect": "Deny",',
        '      "Action": [',
        '        "iam:CreateAccessKey",',
        '        "iam:CreateUser",',
        '        "s3:DeleteBucket"',
        '      ],',
        '      "Resource": "*"',
        '    }',
        '  ]',
        '}',
        '',
      ].join('\n'),
    );
    expect(p.text).toBe('{"Version":"2012-10-17","Statement":[{"Sid":"Keys","Effect":"Deny","Action":["iam:CreateAccessKey","iam:CreateUser","s3:DeleteBucket"],"Resource":"*"}]}');
  });

  it('orders Resource before Principal and Condition last, and parses to the same policy as the text sent', () => {
    const statements = [
      {
        sid: 'Tls',
        effect: 'Deny' as const,
        principal: '*' as const,
        action: ['s3:*'],
        resource: ['*'],
        condition: { NumericLessThan: { 's3:TlsVersion': ['1.2'] }, BoolIfExists: { 'aws:PrincipalIsAWSService': ['false'] } },
      },
    ];
    const file = renderPolicyFile(statements);
    const parsed = JSON.parse(file) as { Statement: Record<string, unknown>[] };
    expect(Object.keys(parsed)).toEqual(['Version', 'Statement']);
    expect(Object.keys(parsed.Statement[0]!)).toEqual(['Sid', 'Effect', 'Action', 'Resource', 'Principal', 'Condition']);
    // Condition operators and keys sorted, as in the minified text.
    expect(Object.keys(parsed.Statement[0]!.Condition as object)).toEqual(['BoolIfExists', 'NumericLessThan']);
    expect(parsed).toEqual(JSON.parse(renderPolicy(statements)));
    expect(file.endsWith('}\n')).toBe(true);
    expect(file.endsWith('\n\n')).toBe(false);
    // The diff shows deployed and compiled policies in the same layout as the file.
    expect(readablePolicyText(renderPolicy(statements)) + '\n').toBe(file);
    expect(readablePolicyText(JSON.stringify(JSON.parse(file), null, 4)) + '\n').toBe(file);
  });

  it('puts every action of every statement of the example-sized policies on a line of its own', async () => {
    const c = await compileControls(
      `  writes: { kind: deny-actions, actions: ["ec2:{Write}{*Delete*}"], attach: [Prod] }\n  regions: { kind: region-deny, allowedRegions: [us-east-1, eu-west-1], attach: [Dev] }\n`,
    );
    expect(errorsOf(c)).toEqual([]);
    for (const p of c.result.policies) {
      const lines = p.fileText.split('\n');
      const doc = JSON.parse(p.text) as { Statement: { Action?: string | string[]; NotAction?: string | string[] }[] };
      const actions = doc.Statement.flatMap((s) => [s.Action ?? [], s.NotAction ?? []].flat());
      expect(actions.length).toBeGreaterThan(1);
      for (const a of actions) expect(lines.filter((l) => l.trim().replace(/,$/, '') === JSON.stringify(a))).toHaveLength(actions.filter((x) => x === a).length);
      expect(lines.at(-1)).toBe('');
      for (const l of lines.slice(0, -1)) expect(l).toMatch(/^( {2})*\S/);
    }
  });
});

describe('size accounting', () => {
  it('counts the minified text against the quota: a policy whose file is over maxChars still fits when its minified text does', async () => {
    const header = ORG_HEADER.replace('defaults:', 'quotas: { profile: aws-2026-05, scp: { maxChars: 300 } }\ndefaults:');
    const actions = ['iam:CreateUser', 'iam:CreateAccessKey', 'iam:DeleteUser', 'iam:UpdateUser', 'iam:CreateLoginProfile', 'iam:AttachUserPolicy', 'iam:PutUserPolicy'];
    const c = await compileControls(`  users: { kind: deny-actions, actions: [${actions.join(', ')}], attach: [Prod] }\n`, {}, header);
    expect(errorsOf(c)).toEqual([]);
    const p = c.result.policies[0]!;
    expect(p.chars).toBe(p.text.length);
    expect(p.chars).toBeLessThanOrEqual(300);
    expect(p.fileText.length).toBeGreaterThan(300);
    const entry = c.result.manifest!.policies[0]!;
    expect(entry).toMatchObject({ chars: p.text.length, maxChars: 300, fileBytes: Buffer.byteLength(p.fileText) });
  });

  it('records in the manifest the bytes of the file written to out/, and the characters of the text sent', async () => {
    const c = await compileControls(`  a: { kind: deny-actions, actions: [iam:CreateUser, s3:DeleteBucket], attach: [Prod] }\n  b: { kind: tls-minimum, minVersion: "1.2", attach: [Root] }\n`);
    expect(errorsOf(c)).toEqual([]);
    const out = path.join(c.dir, 'out');
    expect((await writeOut(out, c.result.policies, c.result.manifest!)).ok).toBe(true);
    const manifest = (await readOutManifest(out))!;
    expect(manifest.policies).toHaveLength(2);
    for (const entry of manifest.policies) {
      const onDisk = fs.readFileSync(path.join(out, entry.file), 'utf8');
      const compiled = c.result.policies.find((p) => p.name === entry.name)!;
      expect(onDisk).toBe(compiled.fileText);
      expect(entry.fileBytes).toBe(fs.statSync(path.join(out, entry.file)).size);
      expect(entry.chars).toBe(renderPolicy(compiled.statements.map((s) => s.statement)).length);
      expect(entry.fileBytes!).toBeGreaterThan(entry.chars);
    }
  });

  it('reads a manifest written before fileBytes existed', async () => {
    const c = await compileControls(`  a: { kind: deny-actions, actions: [iam:CreateUser], attach: [Prod] }\n`);
    const out = path.join(c.dir, 'out');
    expect((await writeOut(out, c.result.policies, c.result.manifest!)).ok).toBe(true);
    const file = path.join(out, 'manifest.json');
    const older = JSON.parse(fs.readFileSync(file, 'utf8')) as { policies: Record<string, unknown>[] };
    for (const p of older.policies) delete p.fileBytes;
    fs.writeFileSync(file, JSON.stringify(older, null, 2));
    const diagnostics: unknown[] = [];
    const read = await readOutManifest(out, { diagnostics: diagnostics as never[] });
    expect(diagnostics).toEqual([]);
    expect(read?.policies[0]?.fileBytes).toBeUndefined();
    expect(read?.policies[0]?.chars).toBe(c.result.policies[0]!.chars);
  });
});
