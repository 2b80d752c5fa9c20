/**
 * Every property of every control of the example organization, given a value of the wrong shape (null,
 * a string where a list belongs, a number, a list of objects...), is a diagnostic and never a crash:
 * neither validate's checks nor compile may assume the schema held. The random edits of
 * loader-fuzz.test.ts found two such crashes with fresh seeds (tlsVersion(null), exceptPrincipals as a
 * string); this goes through every property with every shape instead of waiting for a seed to.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, isMap, isScalar, type YAMLMap } from 'yaml';
import { compile } from '../../src/compile/index.js';
import { checkIntent, loadIntent } from '../../src/intent/index.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { reference2026 } from '../support/reference.js';
import { tempDir } from '../support/temp.js';

const WRONG_SHAPES: unknown[] = [null, 'x', 7, true, [], {}, ['x'], [7], [null], [{}], [['x']], { a: 'x' }];

interface Case {
  file: string;
  control: string;
  property: string;
}

const EXAMPLE_DIR = path.join(PROJECT_ROOT, 'guardrails');
/** The kinds the example does not use, beside it. */
const MORE_KINDS = `version: 1
controls:
  raw:
    kind: custom
    type: scp
    statements:
      - { Effect: Deny, Action: ["s3:DeleteBucket"], Resource: "*", Condition: { StringNotEquals: { "aws:PrincipalOrgID": o-exmpl12345 } } }
    attach: [Workloads]
  templated:
    kind: custom
    type: scp
    template: no-delete.json.hbs
    parameters: { action: s3:DeleteBucket }
    attach: [Workloads]
  legacy: { kind: import, type: scp, file: legacy.json, attach: [Workloads] }
  partner:
    kind: partner-tag-exception
    tag: { key: vendor-access, value: acme }
    accounts: ["121212121212"]
    adminRoles: ["arn:aws:iam::*:role/SecurityAdmin"]
    actions: ["sqs:SendMessage"]
    attach: [Workloads]
`;
const SIDE_FILES: Record<string, string> = {
  'more-kinds.yaml': MORE_KINDS,
  'no-delete.json.hbs': '{ "Version": "2012-10-17", "Statement": [{ "Effect": "Deny", "Action": "{{action}}", "Resource": "*" }] }',
  'legacy.json': '{ "Version": "2012-10-17", "Statement": [{ "Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*" }] }',
};
const textOf = (file: string) => SIDE_FILES[file] ?? fs.readFileSync(path.join(EXAMPLE_DIR, file), 'utf8');
const files = [...fs.readdirSync(EXAMPLE_DIR).filter((f) => f.endsWith('.yaml')).sort(), 'more-kinds.yaml'];

function casesOf(): Case[] {
  const out: Case[] = [];
  for (const file of files) {
    const doc = parseDocument(textOf(file));
    const controls = doc.get('controls');
    if (!isMap(controls)) continue;
    for (const pair of (controls as YAMLMap).items) {
      const id = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (!id || !isMap(pair.value)) continue;
      for (const p of (pair.value as YAMLMap).items) {
        const property = isScalar(p.key) ? String(p.key.value) : undefined;
        if (property && property !== 'kind') out.push({ file, control: id, property });
      }
    }
  }
  return out;
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir('guardrails-shapes-');
  fs.cpSync(EXAMPLE_DIR, path.join(dir, 'guardrails'), { recursive: true });
  for (const [name, text] of Object.entries(SIDE_FILES)) fs.writeFileSync(path.join(dir, 'guardrails', name), text);
});

describe('a control property of the wrong shape', () => {
  const cases = casesOf();

  it('covers every control of the example and the kinds it does not use', () => {
    expect(new Set(cases.map((c) => c.control)).size).toBeGreaterThanOrEqual(11);
  });

  it.each(cases.map((c) => [`${c.control}.${c.property} (${c.file})`, c] as const))('%s: every wrong shape is reported, never thrown', async (_, { file, control, property }) => {
    const ref = await reference2026();
    const target = path.join(dir, 'guardrails', file);
    const original = textOf(file);
    try {
      for (const value of WRONG_SHAPES) {
        const doc = parseDocument(original);
        doc.setIn(['controls', control, property], value);
        fs.writeFileSync(target, doc.toString());
        const label = `${control}.${property} = ${JSON.stringify(value)}`;
        const { intent, diagnostics } = await loadIntent({ cwd: dir, files: [] });
        expect(intent, label).toBeDefined();
        // validate checks an intent the schema refused too (to name every problem in one run)...
        const checked = checkIntent(intent!, ref.index);
        // ...and compiles only one it accepted, as the CLI does.
        if (diagnostics.some((d) => d.severity === 'error')) continue;
        const compiled = compile({ intent: intent!, reference: ref.index, referenceManifest: ref.manifest, root: dir });
        expect(compiled.diagnostics.filter((d) => d.code === 'internal-error'), label).toEqual([]);
        if (!compiled.ok) expect([...checked, ...compiled.diagnostics].some((d) => d.severity === 'error'), label).toBe(true);
      }
    } finally {
      fs.writeFileSync(target, original);
    }
  });
});
