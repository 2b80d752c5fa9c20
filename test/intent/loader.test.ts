import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SourceIndex } from '../../src/diagnostics/index.js';
import { loadIntent } from '../../src/intent/index.js';
import { loadYaml } from '../../src/intent/yaml-loader.js';
import { validateFiles, validateText } from '../support/intent.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

const EXAMPLE = fs.readdirSync(path.join(PROJECT_ROOT, 'guardrails')).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(PROJECT_ROOT, 'guardrails', f));

describe('the example organization in guardrails/', () => {
  it('validates without errors; its one warning is the exclusion of PublicData', async () => {
    const { intent, diagnostics } = await validateFiles(EXAMPLE);
    expect(diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['warning exclusion-pushes-down']);
    expect(intent!.files).toHaveLength(EXAMPLE.length);
  });

  it('merges several files into one organization that uses every control the mission names', async () => {
    const { intent } = await validateFiles(EXAMPLE);
    expect(EXAMPLE.length).toBeGreaterThan(1);
    const kinds = new Set(intent!.controls.map((c) => c.kind));
    for (const k of ['identity-perimeter', 'tls-minimum', 'bedrock-model-allowlist', 'deny-actions', 'region-deny']) expect(kinds).toContain(k);
    const perimeter = intent!.controls.find((c) => c.kind === 'identity-perimeter');
    expect(perimeter && 'partnerExceptions' in perimeter && perimeter.partnerExceptions?.length).toBeGreaterThan(0);
    expect(intent!.tree!.accounts.length).toBeGreaterThan(5);
    expect(intent!.waves.length).toBeGreaterThan(1);
    expect(intent!.tests.length).toBeGreaterThan(5);
    // Each control remembers the file that declared it.
    expect(path.basename(perimeter!.intentFile)).toBe('data-perimeter.yaml');
  });
});

describe('YAML loading with positions', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });

  it('keeps unquoted 12-digit account ids as written, leading zeros included', async () => {
    const sources = new SourceIndex();
    const { documents, diagnostics } = await loadYaml('a.yaml', 'accounts: [012345678901, 123456789012]\ncount: 12\n', sources);
    expect(diagnostics).toEqual([]);
    expect(documents[0]!.value).toEqual({ accounts: ['012345678901', '123456789012'], count: 12 });
  });

  it("reads IAM's Null operator written plainly as a key named Null, not YAML's null; an empty or ~ key stays an error", async () => {
    const { documents, diagnostics } = await loadYaml('a.yaml', 'conditions:\n  Null: { "aws:RequestTag/owner": "true" }\n  null: { a: "false" }\n', new SourceIndex());
    expect(diagnostics).toEqual([]);
    expect(documents[0]!.value).toEqual({ conditions: { Null: { 'aws:RequestTag/owner': 'true' }, null: { a: 'false' } } });
    for (const text of ['~: 1\n', ': 1\n']) expect((await loadYaml('b.yaml', text, new SourceIndex())).diagnostics[0], text).toMatchObject({ code: 'yaml-syntax', location: { line: 1, col: 1 } });
  });

  it('locates values, keys and list items, through anchors and merge keys', async () => {
    const sources = new SourceIndex();
    const text = 'base: &base\n  attach: [Root]\nx:\n  <<: *base\n  kind: deny-actions\n  actions:\n    - s3:GetObject\n    - "s3:PutObject"\n';
    const value = (await loadYaml('a.yaml', text, sources)).documents[0]!.value as Record<string, Record<string, unknown>>;
    const x = value.x!;
    expect(x.attach).toEqual(['Root']);
    expect(sources.locate(x, 'kind')).toEqual({ file: 'a.yaml', line: 5, col: 9 });
    expect(sources.locateKey(x, 'actions')).toEqual({ file: 'a.yaml', line: 6, col: 3 });
    expect(sources.locate(x.actions as object, 1)).toEqual({ file: 'a.yaml', line: 8, col: 7 });
    expect(sources.locatePointer(value, '/x/actions/0')).toEqual({ file: 'a.yaml', line: 7, col: 7 });
  });

  it('reports a syntax error as a diagnostic with a position, never a stack trace', async () => {
    const { documents, diagnostics } = await loadYaml('a.yaml', 'a: [1, 2\nb: 3\n', new SourceIndex());
    expect(documents).toEqual([]);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'yaml-syntax', location: { file: 'a.yaml' } });
  });

  it('reads several documents of one file as parts of the organization', async () => {
    const file = path.join(dir, 'multi.yaml');
    fs.writeFileSync(file, 'version: 1\norganization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: {} } }\n---\nversion: 1\ncontrols:\n  c: { kind: deny-actions, actions: [s3:GetObject], attach: [Root] }\n');
    const { intent, diagnostics } = await loadIntent({ cwd: dir, files: [file] });
    expect(diagnostics).toEqual([]);
    expect(intent!.controls.map((c) => c.id)).toEqual(['c']);
  });
});

describe('semantic warnings', () => {
  it('warns when a control targets the management account, which organization policies do not affect', async () => {
    const { diagnostics } = await validateText(
      `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  tree:
    Root:
      accounts: ["111111111111"]
      Dev: { accounts: ["222222222222"] }
controls:
  c: { kind: deny-actions, actions: [s3:DeleteBucket], attach: ["111111111111", Dev] }
`,
      await tempDir(),
    );
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'warning', code: 'management-account-target', location: { line: 10, col: 65 } });
  });

  it('rejects a condition operator in another casing (AWS would evaluate it; guardrails asks for IAM\'s spelling), at the operator', async () => {
    const { diagnostics } = await validateText(
      `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  tree:
    Root:
      accounts: ["111111111111"]
      Dev: { accounts: ["222222222222"] }
controls:
  c:
    kind: deny-actions
    actions: [iam:CreateUser]
    conditions:
      ForAnyValue:Stringlike: { "aws:TagKeys": ["team*"] }
    attach: [Dev]
`,
      await tempDir(),
    );
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'unknown-operator', location: { line: 14, col: 7 }, hint: "did you mean 'ForAnyValue:StringLike'?" });
    expect(diagnostics[0]!.message).toContain("is not IAM's spelling of the operator ForAnyValue:StringLike: AWS evaluates operator names case-insensitively");
  });

  it('warns about a plain operator on a multivalued key, where the condition is written', async () => {
    const { diagnostics } = await validateText(
      `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  tree:
    Root:
      accounts: ["111111111111"]
      Dev: { accounts: ["222222222222"] }
controls:
  c:
    kind: deny-actions
    actions: [iam:TagRole]
    conditions:
      StringNotEquals: { "aws:TagKeys": ["team"] }
    attach: [Dev]
`,
      await tempDir(),
    );
    expect(diagnostics.map((d) => [d.severity, d.code, d.location?.line, d.location?.col])).toEqual([['warning', 'multivalued-key-without-set-operator', 14, 26]]);
  });

  it('warns about an exclusion outside every attached subtree; an exclusion that never matches is an error', async () => {
    const { diagnostics } = await validateText(
      `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  tree:
    Root:
      Dev: { accounts: ["222222222222"] }
      Prod: { accounts: ["333333333333"] }
controls:
  c:
    kind: deny-actions
    actions: ["iam:*User*", "iam:{Exclude:ListUserz}"]
    attach: [Dev]
    exclude: [Prod]
`,
      await tempDir(),
    );
    expect(diagnostics.map((d) => [d.severity, d.code, d.location?.line])).toEqual([
      ['error', 'unknown-exclusion', 12],
      ['warning', 'exclude-outside-attach', 14],
    ]);
    expect(diagnostics[0]!.hint).toContain('iam:ListUsers');
  });

  it('a key unknown to the reference is an error in a Deny whatever the operator: the Deny never applies or applies to every request', async () => {
    const check = async (effect: string, op: string, key: string) => {
      const { diagnostics } = await validateText(
        `version: 1
organization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: {} } }
controls:
  c: { kind: custom, type: scp, statements: [{ Effect: ${effect}, Action: "s3:GetObject", Resource: "*", Condition: { "${op}": { "${key}": x } } }], attach: [Root] }
`,
        await tempDir(),
      );
      return diagnostics.map((d) => `${d.severity} ${d.code}${d.severity === 'error' ? (d.message.includes('(deny-all)') ? ' deny-all' : d.message.includes('(a no-op guardrail)') ? ' no-op' : '') : ''}`);
    };
    expect(await check('Deny', 'StringNotEquals', 'aws:PrincipleOrgID')).toEqual(['error unknown-condition-key deny-all']);
    expect(await check('Deny', 'ForAllValues:StringEquals', 'aws:TagKey')).toEqual(['error unknown-condition-key deny-all']);
    expect(await check('Deny', 'StringNotEquals', 's3:TlsVersio')).toEqual(['error unknown-condition-key deny-all']);
    // IfExists is true when the key is absent: the data-perimeter idiom with a typo denies everything.
    expect(await check('Deny', 'StringNotEqualsIfExists', 'aws:PrincipleOrgID')).toEqual(['error unknown-condition-key deny-all']);
    expect(await check('Deny', 'StringEqualsIfExists', 'aws:PrincipleOrgID')).toEqual(['error unknown-condition-key deny-all']);
    // ForAnyValue and positive operators are false when the key is absent: the Deny never applies.
    expect(await check('Deny', 'ForAnyValue:StringNotEquals', 'aws:TagKey')).toEqual(['error unknown-condition-key no-op']);
    expect(await check('Deny', 'StringEquals', 'aws:PrincipleOrgID')).toEqual(['error unknown-condition-key no-op']);
    expect(await check('Allow', 'StringNotEquals', 'aws:PrincipleOrgID')).toEqual(['warning unknown-condition-key']);
    // An identity provider's key is not in the reference and does not claim to be AWS's.
    expect(await check('Deny', 'StringNotEquals', 'accounts.google.com:sub')).toEqual(['warning unknown-condition-key']);
  });

  it('warns that excluding a child pushes the policies down: OUs created later under the parents are not covered', async () => {
    const { diagnostics } = await validateText(
      `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  tree:
    Root:
      Workloads:
        Prod: { accounts: ["222222222222"] }
        Dev: { accounts: ["333333333333"] }
      Sandbox: { accounts: ["444444444444"] }
controls:
  c: { kind: deny-actions, actions: [iam:CreateUser], attach: [Root], exclude: [Workloads/Dev] }
`,
      await tempDir(),
    );
    expect(diagnostics.map((d) => `${d.severity} ${d.code} ${d.location?.line}`)).toEqual(['warning exclusion-pushes-down 12']);
    expect(diagnostics[0]!.message).toContain('under Workloads or root Root');
    expect(diagnostics[0]!.message).toContain('created later');
  });

  it('leaves RCP-unsupported services the control skips to compile, which warns once per service', async () => {
    const { diagnostics } = await validateText(
      `version: 1
organization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: {} } }
controls:
  p: { kind: identity-perimeter, services: [s3, lambda], skipUnsupportedServices: true, attach: [Root] }
`,
      await tempDir(),
    );
    expect(diagnostics).toEqual([]);
  });
});

describe('files that hold no intent, or not the intent expected', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  const where = (d: { severity: string; code: string; location?: { file: string; line: number; col: number } }) =>
    `${d.severity} ${d.code} at ${d.location ? `${path.basename(d.location.file)}:${d.location.line}:${d.location.col}` : '?'}`;

  it('warns about an empty or comment-only file, and fails when no file defines the organization', async () => {
    for (const [name, text] of [['empty.yaml', ''], ['comments.yaml', '# nothing yet\n# still nothing\n']] as const) {
      const { intent, diagnostics } = await validateText(text, dir, name);
      expect(intent).toBeUndefined();
      expect(diagnostics.map(where)).toEqual([`warning empty-file at ${name}:1:1`, `error missing-organization at ${name}:1:1`]);
    }
  });

  it('locates a file that is a plain scalar where its content starts', async () => {
    const { diagnostics } = await validateText('# a comment\nhello\n', dir, 'scalar.yaml');
    expect(diagnostics.map(where)).toEqual(['error wrong-type at scalar.yaml:2:1']);
    expect(diagnostics[0]!.message).toBe('the file must be a mapping, not string "hello"');
  });

  it('locates a missing file at the file itself and does not count it as read', async () => {
    const missing = path.join(dir, 'missing.yaml');
    const result = await loadIntent({ cwd: dir, files: [missing] });
    expect(result.diagnostics).toEqual([{ severity: 'error', code: 'file-not-found', message: `intent file ${missing} does not exist`, location: { file: missing, line: 1, col: 1 } }]);
    expect(result.read).toEqual([]);
  });

  it('says that the version must be 1 when YAML reads it as a number out of range', async () => {
    const { diagnostics } = await validateText('version: 1e400\norganization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: {} } }\n', dir, 'version.yaml');
    expect(diagnostics.map(where)).toEqual(['error bad-value at version.yaml:1:10']);
    expect(diagnostics[0]!.message).toBe('version is Infinity (a number out of range); expected 1');
  });

  it('keeps a key named __proto__: an OU of that name works, a control of that name is a bad name', async () => {
    const { intent, diagnostics } = await validateText(
      `version: 1
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  tree:
    Root:
      __proto__: { accounts: ["222222222222"] }
controls:
  __proto__: { kind: deny-actions, actions: [iam:CreateUser], attach: [Root] }
  ok: { kind: deny-actions, actions: [iam:CreateUser], attach: [__proto__] }
`,
      dir,
      'proto.yaml',
    );
    expect(diagnostics.map(where)).toEqual(['error bad-name at proto.yaml:9:3']);
    expect(diagnostics[0]!.message).toContain('"__proto__" is not a valid name here (a letter or digit, then');
    const ou = intent!.tree!.resolve('__proto__');
    expect(ou.ok && ou.node.path).toBe('Root/__proto__');
    expect(intent!.tree!.accounts.map((a) => a.id)).toEqual(['222222222222']);
  });
});

describe('a control id defined twice', () => {
  it('is reported, and both definitions are checked', async () => {
    const dir = await tempDir();
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    fs.writeFileSync(a, 'version: 1\norganization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: { Dev: {} } } }\ncontrols:\n  c: { kind: deny-actions, actions: [s3:GetObjekt], attach: [Dev] }\n');
    fs.writeFileSync(b, 'version: 1\ncontrols:\n  c: { kind: deny-actions, actions: [iam:CreateUserz], attach: [Devv] }\n');
    const { intent, diagnostics } = await validateFiles([a, b]);
    expect(diagnostics.map((d) => `${d.code} at ${path.basename(d.location!.file)}:${d.location!.line}:${d.location!.col}`)).toEqual([
      'unknown-action at a.yaml:4:38',
      'duplicate-id at b.yaml:3:3',
      'unknown-action at b.yaml:3:38',
      'unknown-target at b.yaml:3:65',
    ]);
    // Only the first definition is the control.
    expect(intent!.controls).toHaveLength(1);
    expect(path.basename(intent!.controls[0]!.intentFile)).toBe('a.yaml');
  });
});
