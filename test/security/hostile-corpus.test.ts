/**
 * The hostile corpus (test/fixtures/hostile/README.md): every case is an attack a pull request, a mirror
 * or an org snapshot could make, run through the real CLI in its own process.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { HAVE_STRACE, runHostile, type HostileCase } from '../support/hostile.js';

const DIR = path.join(import.meta.dirname, '..', 'fixtures', 'hostile');

interface CorpusCase extends HostileCase {
  name: string;
  finding: string;
  expect: { exit: number; stderr?: string[]; stdout?: string[]; maxStderrBytes?: number; maxStdoutBytes?: number };
}

function readBase(name: string): Record<string, string> {
  const root = path.join(DIR, '_base', name);
  const files: Record<string, string> = {};
  const visit = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) visit(full);
      else files[path.relative(root, full)] = fs.readFileSync(full, 'utf8');
    }
  };
  visit(root);
  return files;
}

function loadCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const visit = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '_base') visit(full);
      } else if (e.name.endsWith('.yaml')) {
        const raw = parse(fs.readFileSync(full, 'utf8')) as Omit<CorpusCase, 'name'> & { base?: string };
        if (!raw?.finding || !Array.isArray(raw.args) || typeof raw.expect?.exit !== 'number') throw new Error(`${full}: a case needs finding, args and expect.exit`);
        const files = { ...(raw.base ? readBase(raw.base) : {}), ...(raw.files ?? {}) };
        cases.push({ ...raw, files, name: path.relative(DIR, full) });
      }
    }
  };
  visit(DIR);
  return cases;
}

function matches(text: string, pattern: string): boolean {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  return re ? new RegExp(re[1]!, re[2]).test(text) : text.includes(pattern);
}

const cases = loadCases();

describe.runIf(HAVE_STRACE)('hostile corpus', () => {
  it.concurrent.each(cases)('$name', async (c) => {
    const r = await runHostile(c);
    const summary = `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' TIMED OUT' : ''} in ${r.ms} ms\n--- stderr ---\n${r.stderr.slice(0, 3000)}\n--- stdout ---\n${r.stdout.slice(-3000)}`;
    expect(r.timedOut, summary).toBe(false);
    expect(r.leaks, summary).toEqual([]);
    expect(r.outsideAccess, summary).toEqual([]);
    expect(r.code, summary).toBe(c.expect.exit);
    for (const p of c.expect.stderr ?? []) expect(matches(r.stderr, p), `stderr should contain ${p}\n${summary}`).toBe(true);
    for (const p of c.expect.stdout ?? []) expect(matches(r.stdout, p), `stdout should contain ${p}\n${summary}`).toBe(true);
    if (c.expect.maxStderrBytes !== undefined) expect(r.stderrBytes, summary).toBeLessThanOrEqual(c.expect.maxStderrBytes);
    if (c.expect.maxStdoutBytes !== undefined) expect(r.stdoutBytes, summary).toBeLessThanOrEqual(c.expect.maxStdoutBytes);
  });
});

describe('hostile corpus harness', () => {
  it('has strace, so reads outside the repository are seen by the kernel and not by our own code', () => {
    expect(HAVE_STRACE).toBe(true);
  });
});
