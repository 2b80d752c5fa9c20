/**
 * One defect per intent: each file (or directory of files) under fixtures/malformed-intents/ names the
 * diagnostic it must produce in its first line, `# expect: CODE at FILE:LINE:COL`; exactly that one
 * diagnostic, nothing else, must come out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateFiles } from '../support/intent.js';

const DIR = path.join(import.meta.dirname, '..', 'fixtures', 'malformed-intents');

const cases = fs.readdirSync(DIR).sort().map((name) => {
  const full = path.join(DIR, name);
  const files = fs.statSync(full).isDirectory()
    ? fs.readdirSync(full).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(full, f))
    : [full];
  const header = fs.readFileSync(files[0]!, 'utf8').split('\n')[0]!;
  const m = /^# expect: ([a-z-]+) at ([^:]+):(\d+):(\d+)$/.exec(header);
  if (!m) throw new Error(`${name}: first line must be "# expect: CODE at FILE:LINE:COL", found ${header}`);
  return { name, files, code: m[1]!, file: m[2]!, line: Number(m[3]), col: Number(m[4]) };
});

describe('malformed intents: one defect, one diagnostic at its place', () => {
  it('has at least 30 cases with distinct defects', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.code)).size).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name -> $code', async (c) => {
    const { diagnostics } = await validateFiles(c.files);
    expect(diagnostics.map((d) => `${d.severity} ${d.code} at ${path.basename(d.location?.file ?? '?')}:${d.location?.line}:${d.location?.col}: ${d.message}`)).toHaveLength(1);
    const d = diagnostics[0]!;
    expect(d.severity).toBe('error');
    expect(d.code).toBe(c.code);
    expect(path.basename(d.location!.file)).toBe(c.file);
    expect([d.location!.line, d.location!.col]).toEqual([c.line, c.col]);
    expect(d.message.length).toBeGreaterThan(10);
  });
});
