/**
 * A file can make the schema check find a problem per value: a list of 100,000 numbers where strings
 * belong. Each would be printed with its line (gigabytes of CI log for a file of 200 KB), so a document
 * lists its first MAX_SCHEMA_PROBLEMS and one more diagnostic says how many were left out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadIntent } from '../../src/intent/index.js';
import { MAX_SCHEMA_PROBLEMS } from '../../src/intent/schema-check.js';
import { tempDir } from '../support/temp.js';

const ORG = 'version: 1\norganization: { id: o-abcdefghij, managementAccount: "111111111111", tree: { Root: {} } }\n';
let dir: string;
beforeAll(async () => {
  dir = await tempDir();
});

async function load(text: string) {
  const file = path.join(dir, 'x.yaml');
  fs.writeFileSync(file, text);
  return (await loadIntent({ cwd: dir, files: [file] })).diagnostics;
}

describe('schema problems of one document', () => {
  it(`are listed up to ${MAX_SCHEMA_PROBLEMS}, then counted at the first one left out`, async () => {
    const diagnostics = await load(`${ORG}controls:\n  c:\n    kind: deny-actions\n    attach: [Root]\n    actions: [${Array(100_000).fill('1').join(',')}]\n`);
    expect(diagnostics).toHaveLength(MAX_SCHEMA_PROBLEMS + 1);
    expect(diagnostics.slice(0, MAX_SCHEMA_PROBLEMS).every((d) => d.code === 'wrong-type')).toBe(true);
    expect(diagnostics[MAX_SCHEMA_PROBLEMS]).toMatchObject({
      code: 'too-many-problems',
      message: '99,900 more problems with the schema are not listed',
      location: { line: 7, col: 15 + 2 * MAX_SCHEMA_PROBLEMS },
    });
  });

  it('are found in a time linear in their number: 10,000 controls missing what they need', async () => {
    const controls = Array.from({ length: 10_000 }, (_, i) => `  c${i}: { kind: deny-actions, atach: [Root] }`).join('\n');
    const diagnostics = await load(`${ORG}controls:\n${controls}\n`);
    expect(diagnostics).toHaveLength(MAX_SCHEMA_PROBLEMS + 1);
    expect(diagnostics.filter((d) => d.code === 'unknown-property' && d.hint === "did you mean 'attach'?").length).toBeGreaterThan(10);
    expect(diagnostics.some((d) => d.code === 'missing-property' && d.message.includes('"attach"'))).toBe(false);
  });

  it('a few are all listed', async () => {
    const diagnostics = await load(`${ORG}controls:\n  c: { kind: deny-actions, attach: [Root], actions: [1, 2] }\n`);
    expect(diagnostics.map((d) => d.code)).toEqual(['wrong-type', 'wrong-type']);
  });
});
