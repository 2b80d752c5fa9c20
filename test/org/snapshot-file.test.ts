/**
 * The org snapshot (`--org FILE`) as diff and plan read it: a file a pull request can commit. Its shape
 * is checked without recursion, its deployed policies must be ones the engine can evaluate, and any
 * problem is an error at its line and column (exit 2), never an internal error or a silent no-effect.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readStateFile } from '../../src/org/index.js';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli } from '../support/cli.js';
import { PROJECT_ROOT, SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

let dir: string;
let cache: string;
const cli = (args: string[]) => runCli([...args, '--cache', cache], { cwd: dir });
const snapshot = () => JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'guardrails', 'org-snapshot.json'), 'utf8')) as { root: Ou; policies: { name: string; content: string }[] };
interface Ou {
  id: string;
  name: string;
  ous: Ou[];
  accounts: { id: string; name: string }[];
}

beforeAll(async () => {
  const root = await tempDir();
  cache = path.join(root, 'cache');
  dir = path.join(root, 'repo');
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
  fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(dir, 'guardrails'), { recursive: true });
  const compiled = await cli(['compile']);
  if (compiled.code !== 0) throw new Error(compiled.stderr);
});

/** `line:col` of the `"content"` value of the policy named `name` in the JSON text. */
function contentPosition(text: string, name: string): string {
  const at = text.indexOf(`"content"`, text.indexOf(`"name": ${JSON.stringify(name)}`));
  const value = text.indexOf('"', at + `"content":`.length);
  const before = text.slice(0, value);
  return `${before.split('\n').length}:${value - before.lastIndexOf('\n')}`;
}

describe('deployed policies diff and plan cannot evaluate', () => {
  const cases: [string, string][] = [
    ['not JSON', 'Deny everything (trust me)'],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' })],
    ['"Effect": "deny"', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'deny', Action: 's3:*', Resource: '*' }] })],
    ['an unknown operator', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringEqualz: { 'aws:PrincipalArn': 'x' } } }] })],
  ];
  it.each(cases)('a foreign root SCP with %s stops diff and plan (exit 2) with an error at its content', async (_, content) => {
    const s = snapshot();
    s.policies.find((p) => p.name === 'aws-guardrails-kRqVtm')!.content = content;
    const text = JSON.stringify(s, null, 2);
    fs.writeFileSync(path.join(dir, 'malformed.json'), text);
    for (const command of ['diff', 'plan']) {
      const r = await cli([command, '--org', 'malformed.json']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`malformed.json:${contentPosition(text, 'aws-guardrails-kRqVtm')}: error deployed-policy-invalid: the deployed SCP aws-guardrails-kRqVtm (`);
      expect(r.stderr).not.toContain('internal');
      expect(r.stdout).toBe('');
    }
  });
});

describe('the snapshot file', () => {
  it('OUs nested deeper than AWS allows are an error at the OU that is too deep; a hostile depth never overflows the stack', async () => {
    const s = snapshot();
    const chain = (depth: number): Ou[] => {
      const top: Ou = { id: 'ou-deep-0', name: 'deep-0', ous: [], accounts: [] };
      let at = top;
      for (let i = 1; i < depth; i++) {
        const next: Ou = { id: `ou-deep-${i}`, name: `deep-${i}`, ous: [], accounts: [] };
        at.ous.push(next);
        at = next;
      }
      return [top];
    };
    s.root.ous.push(...chain(6));
    fs.writeFileSync(path.join(dir, 'six-levels.json'), JSON.stringify(s, null, 2));
    const six = await readStateFile(path.join(dir, 'six-levels.json'));
    expect(six.state).toBeUndefined();
    expect(six.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([expect.stringMatching(/^org-snapshot-shape root\.ous\[\d+\](\.ous\[0\]){4}\.ous: OUs nested more than 5 levels below the root/)]);

    // Written as text: JSON.stringify itself would overflow the stack on it.
    const deep = snapshot() as unknown as { root: { ous: unknown[] } };
    deep.root.ous.push('DEEP');
    const n = 20_000;
    const nested = Array.from({ length: n }, (_, i) => `{"id":"ou-deep-${i}","name":"deep-${i}","accounts":[],"ous":[`).join('') + ']}'.repeat(n);
    fs.writeFileSync(path.join(dir, 'deep.json'), JSON.stringify(deep).replace('"DEEP"', nested));
    const r = await cli(['diff', '--org', 'deep.json']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/deep\.json:1:\d+: error org-snapshot-shape: the org snapshot nests deeper than 32 levels/);
    expect(r.stderr).not.toContain('internal');
  });

  it('is read through the gate: a committed snapshot that is a symlink out of the repository is refused', async () => {
    const secret = path.join(path.dirname(dir), 'secret.json');
    fs.writeFileSync(secret, JSON.stringify(snapshot()));
    fs.symlinkSync(secret, path.join(dir, 'guardrails', 'linked-snapshot.json'));
    const r = await cli(['diff', '--org', 'guardrails/linked-snapshot.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error outside-repository: org snapshot ${path.join(dir, 'guardrails', 'linked-snapshot.json')} is outside the repository`);
    // Named on the command line outside the repository, it is the workflow author's choice.
    expect((await cli(['diff', '--org', secret])).code).toBe(0);
  });
});
