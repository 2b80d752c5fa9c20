/**
 * Files an intent names (`import file:`, `template:`) are read only inside the repository, as regular
 * UTF-8 files within LIMITS.policyFile; every refusal is an error at the name in the intent that says
 * which file and why, and nothing of a file outside the repository is quoted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileControls, type Compiled } from '../support/compile.js';

const errors = (c: Compiled) =>
  c.result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} at ${path.relative(c.dir, d.location!.file)}:${d.location!.line}:${d.location!.col}: ${d.message}`);

const importing = (file: string) => `  imp:\n    kind: import\n    type: scp\n    file: ${file}\n    attach: [Prod]\n`;
const templating = (file: string) => `  tpl:\n    kind: custom\n    type: scp\n    template: ${file}\n    attach: [Prod]\n`;

/** The intent's own line of `file:` / `template:` in compileControls' intent.yaml (after ORG_HEADER). */
const AT_FILE = 'intent.yaml:25:11';

describe('a file named by the intent', () => {
  const secret = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrails-outside-'));
  fs.writeFileSync(path.join(secret, 'secret.json'), '{"Version":"2012-10-17","Statement":[],"x":"outside-canary"}');

  it('outside the repository, absolute or by ../, is refused and never quoted', async () => {
    for (const named of [path.join(secret, 'secret.json'), `../${path.basename(secret)}/secret.json`]) {
      const c = await compileControls(importing(named));
      expect(errors(c)).toEqual([`outside-repository at ${AT_FILE}: control imp: import file: file ${path.join(secret, 'secret.json')} is outside the repository ${c.dir}; files named by the intent or committed in the repository must resolve inside it`]);
      expect(JSON.stringify(c.result.diagnostics)).not.toContain('outside-canary');
    }
  });

  it('a committed symlink that leads out of the repository is refused, for imports and templates', async () => {
    const c = await compileControls(importing('policies/p.json') + templating('templates/t.hbs'));
    fs.mkdirSync(path.join(c.dir, 'policies'));
    fs.mkdirSync(path.join(c.dir, 'templates'));
    // compileControls wrote the intent already: build the links, then compile the same directory again.
    fs.symlinkSync(path.join(secret, 'secret.json'), path.join(c.dir, 'policies', 'p.json'));
    fs.symlinkSync('/proc/self/environ', path.join(c.dir, 'templates', 't.hbs'));
    const again = await recompile(c.dir);
    expect(again).toEqual([
      expect.stringMatching(/^outside-repository at intent\.yaml:25:11: control imp: import file: file .*p\.json is outside the repository .* \(it resolves to .*secret\.json\)/),
      expect.stringMatching(/^outside-repository at intent\.yaml:30:15: control tpl: template: file .*t\.hbs is outside the repository .* \(it resolves to \/proc\/self\/environ\)/),
    ]);
  });

  it('that is not UTF-8 is an error saying where the invalid byte is', async () => {
    const latin1 = Buffer.concat([Buffer.from('{"Version":"2012-10-17",\n "Statement":[{"Sid":"caf'), Buffer.from([0xe9]), Buffer.from('","Effect":"Deny","Action":"s3:*","Resource":"*"}]}')]);
    const c = await compileControls(importing('p.json'));
    fs.writeFileSync(path.join(c.dir, 'p.json'), latin1);
    fs.writeFileSync(path.join(c.dir, 't.hbs'), latin1);
    fs.appendFileSync(path.join(c.dir, 'intent.yaml'), templating('t.hbs'));
    expect(await recompile(c.dir)).toEqual([
      `not-utf8 at ${AT_FILE}: control imp: import file: file ${path.join(c.dir, 'p.json')} is not UTF-8 text: byte 0xe9 at line 2, column 26 is not valid UTF-8`,
      `not-utf8 at intent.yaml:30:15: control tpl: template: file ${path.join(c.dir, 't.hbs')} is not UTF-8 text: byte 0xe9 at line 2, column 26 is not valid UTF-8`,
    ]);
  });

  it('whose JSON nests without bound is an error at the bracket in that file', async () => {
    const c = await compileControls(importing('deep.json'), { 'deep.json': `{"Version":"2012-10-17",\n "Statement":${'['.repeat(100_000)}` });
    expect(errors(c)).toEqual(['json-too-deep at deep.json:2:77: control imp: arrays and objects nest more than 64 levels deep here']);
  });

  it('that renders JSON nesting without bound is an error in the rendered text', async () => {
    const c = await compileControls(templating('t.hbs'), { 't.hbs': `${'['.repeat(70)}${']'.repeat(70)}` });
    expect(errors(c)).toEqual(['json-too-deep at t.hbs (rendered):1:65: control tpl: the rendered template is not JSON: arrays and objects nest more than 64 levels deep here']);
  });

  it('inside the repository is read', async () => {
    const c = await compileControls(templating('t.hbs'), { 't.hbs': '[{"Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]' });
    expect(errors(c)).toEqual([]);
  });
});

/** Compiles the intent.yaml of a directory compileControls made, after the test changed its files. */
async function recompile(dir: string): Promise<string[]> {
  const { loadIntent } = await import('../../src/intent/index.js');
  const { compile } = await import('../../src/compile/index.js');
  const { reference2026 } = await import('../support/reference.js');
  const { intent, diagnostics } = await loadIntent({ cwd: dir, files: [path.join(dir, 'intent.yaml')] });
  const ref = await reference2026();
  const result = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: dir });
  return [...diagnostics, ...result.diagnostics].filter((d) => d.severity === 'error').map((d) => `${d.code} at ${path.relative(dir, d.location!.file)}:${d.location!.line}:${d.location!.col}: ${d.message}`);
}
