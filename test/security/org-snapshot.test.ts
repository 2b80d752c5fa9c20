/**
 * A committed org snapshot, as CI reads it through the real CLI under strace: one that is a symlink to
 * the CI environment is refused without being opened.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_STRACE, makeSandbox, runHostile, type HostileRun } from '../support/hostile.js';

const ORG_YAML = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'hostile', '_base', 'minimal', 'guardrails', 'org.yaml'), 'utf8');
const summary = (r: HostileRun) => `exit ${r.code}${r.timedOut ? ' TIMED OUT' : ''} in ${r.ms} ms\n--- stderr ---\n${r.stderr.slice(0, 3000)}`;

describe.runIf(HAVE_STRACE)('a committed org snapshot', () => {
  it('linked to /proc/self/environ is refused without being opened (exit 2, located in no secret)', async () => {
    const box = await makeSandbox({ files: { 'guardrails/org.yaml': ORG_YAML } });
    const compiled = await runHostile({ args: ['compile', '--cache', '{cache}'] }, box);
    expect(compiled.code, summary(compiled)).toBe(0);
    fs.symlinkSync('/proc/self/environ', path.join(box.repo, 'guardrails', 'org-snapshot.json'));
    const r = await runHostile({ args: ['diff', '--org', 'guardrails/org-snapshot.json', '--cache', '{cache}'] }, box);
    expect(r.timedOut, summary(r)).toBe(false);
    expect(r.code, summary(r)).toBe(2);
    expect(r.stderr).toContain(`error outside-repository: org snapshot ${path.join(box.repo, 'guardrails', 'org-snapshot.json')} is outside the repository`);
    expect(r.leaks, summary(r)).toEqual([]);
    expect(r.outsideAccess, summary(r)).toEqual([]);
  });
});
