/**
 * The reference shipped with guardrails is the default only where a repository has no cache, and it is
 * found from where the running guardrails is installed: run through the real CLI as CI would run it on a
 * pull request, nothing a repository holds (a package named guardrails of its own, NODE_PATH) or sets
 * points the default at another cache, and nothing outside what the command may read is opened.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HAVE_STRACE, makeSandbox, runHostile, type HostileRun } from '../support/hostile.js';
import { PROJECT_ROOT } from '../support/paths.js';

const MINIMAL_ORG = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'hostile', '_base', 'minimal', 'guardrails', 'org.yaml'), 'utf8');
const DENY_IAM_WRITES = `version: 1
controls:
  no-iam-writes:
    kind: deny-actions
    actions: ["iam:{Write}"]
    attach: [Workloads]
`;
const INTENT = { 'guardrails/org.yaml': MINIMAL_ORG, 'guardrails/deny.yaml': DENY_IAM_WRITES };
const SHIPPED_ID = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'service-reference-cache', 'manifest.json'), 'utf8')) as { snapshotId: string }).snapshotId;
const VERSION = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function summaryOf(r: HostileRun): string {
  return `exit ${r.code}${r.timedOut ? ' TIMED OUT' : ''} in ${r.ms} ms\n--- stderr ---\n${r.stderr.slice(0, 3000)}\n--- stdout ---\n${r.stdout.slice(0, 1000)}`;
}

describe.runIf(HAVE_STRACE)('the reference shipped with guardrails', () => {
  it('is read where the repository has no cache, and named', async () => {
    const box = await makeSandbox({ files: INTENT });
    const r = await runHostile({ args: ['compile'] }, box);
    const summary = summaryOf(r);
    expect(r.code, summary).toBe(0);
    expect(r.stdout, summary).toContain(`(reference ${SHIPPED_ID} of `);
    expect(r.stdout, summary).toContain(`shipped with guardrails ${VERSION}, quotas`);
    expect(r.outsideAccess, summary).toEqual([]);
  });

  it("is not replaced by a package named guardrails in the repository, reached through NODE_PATH, whose cache leads out of it", async () => {
    const box = await makeSandbox({ files: { ...INTENT, 'node_modules/guardrails/package.json': JSON.stringify({ name: 'guardrails', version: '9.9.9' }) } });
    fs.mkdirSync(path.join(box.outside, 'cache'));
    fs.writeFileSync(path.join(box.outside, 'cache', 'manifest.json'), fs.readFileSync(path.join(box.outside, 'secret.json')));
    fs.symlinkSync(path.join(box.outside, 'cache'), path.join(box.repo, 'node_modules', 'guardrails', 'service-reference-cache'));
    const r = await runHostile({ args: ['compile'], env: { NODE_PATH: path.join(box.repo, 'node_modules'), npm_package_json: path.join(box.repo, 'node_modules', 'guardrails', 'package.json') } }, box);
    const summary = summaryOf(r);
    expect(r.code, summary).toBe(0);
    expect(r.stdout, summary).toContain(`(reference ${SHIPPED_ID} of `);
    expect(r.stdout, summary).toContain(`shipped with guardrails ${VERSION}, quotas`);
    expect(r.outsideAccess, summary).toEqual([]);
    expect(r.leaks, summary).toEqual([]);
  });
});
