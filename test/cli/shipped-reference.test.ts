/**
 * The service reference shipped with guardrails: the default of every command that reads the reference
 * when the repository has no service-reference-cache/ and --cache names none, said where it matters;
 * a repository's own cache (synced, or anything at that path) and a cache --cache names come first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/files/package-version.js';
import { runCli } from '../support/cli.js';
import { PROJECT_ROOT, SNAPSHOT_2025 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

const SHIPPED = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'service-reference-cache', 'manifest.json'), 'utf8')) as { snapshotId: string; history: { snapshotId: string }[] };
const SHIPPED_WITH = `shipped with guardrails ${packageVersion()}`;

/** A repository holding the example organization's intent and nothing else. */
async function exampleRepository(): Promise<string> {
  const dir = await tempDir();
  fs.cpSync(path.join(PROJECT_ROOT, 'guardrails'), path.join(dir, 'guardrails'), { recursive: true });
  return dir;
}

describe('the service reference shipped with guardrails', () => {
  it('is what compile reads in a repository without a cache, named in its summary', async () => {
    const dir = await exampleRepository();
    const r = await runCli(['compile'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\\(reference ${SHIPPED.snapshotId} of \\d{4}-\\d\\d-\\d\\d ${SHIPPED_WITH.replaceAll('.', '\\.')}, quotas `));
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'manifest.json'), 'utf8')) as { reference: { snapshotId: string } };
    expect(manifest.reference.snapshotId).toBe(SHIPPED.snapshotId);
    expect(fs.existsSync(path.join(dir, 'service-reference-cache')), 'nothing is written into the repository but out/').toBe(false);
  });

  it('serves validate, simulate and diff as well, with no error about a missing reference', async () => {
    const dir = await exampleRepository();
    for (const args of [['validate'], ['compile'], ['simulate'], ['diff', '--org', 'guardrails/org-snapshot.json']]) {
      const r = await runCli(args, { cwd: dir });
      expect([0, 1], `${args.join(' ')}: ${r.stderr}`).toContain(r.code);
      expect(r.stderr).not.toMatch(/no-reference|sync first|cannot be used/);
    }
  });

  it("gives notify the two snapshots it holds, and says they are guardrails' own", async () => {
    expect(SHIPPED.history.length).toBeGreaterThanOrEqual(2);
    const dir = await exampleRepository();
    const r = await runCli(['notify', '--json'], { cwd: dir });
    expect([0, 1], r.stderr).toContain(r.code);
    expect(JSON.parse(r.stdout)).toMatchObject({ from: { snapshotId: SHIPPED.history[0]!.snapshotId }, to: { snapshotId: SHIPPED.snapshotId } });
    expect(r.stderr).toContain(`the snapshots compared are the ones ${SHIPPED_WITH}; guardrails sync adds AWS's current reference`);
  });

  it("gives way to the repository's own cache once sync has written it", async () => {
    const dir = await exampleRepository();
    const synced = await runCli(['sync', '--from', SNAPSHOT_2025], { cwd: dir });
    expect(synced.code, synced.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'service-reference-cache', 'manifest.json')), 'sync writes the repository its own cache').toBe(true);
    const own = JSON.parse(fs.readFileSync(path.join(dir, 'service-reference-cache', 'manifest.json'), 'utf8')) as { snapshotId: string };
    expect(own.snapshotId).not.toBe(SHIPPED.snapshotId);
    const r = await runCli(['compile'], { cwd: dir });
    expect(r.stdout).toContain(`(reference ${own.snapshotId} of `);
    expect(r.stdout).not.toContain('shipped with');
  });

  // Whatever the repository holds at service-reference-cache is what is read or refused, never passed over.
  it.each([
    ['an empty directory', (p: string) => fs.mkdirSync(p), 'error no-reference: actions and services were not checked: no service reference cache in'],
    ['a file', (p: string) => fs.writeFileSync(p, 'x'), 'error cache-unreadable:'],
    ['a symlink that leads nowhere', (p: string) => fs.symlinkSync(path.join(path.dirname(p), 'gone'), p), 'which does not exist'],
  ])('is not read when the repository holds %s at service-reference-cache', async (_what, make, error) => {
    const dir = await exampleRepository();
    make(path.join(dir, 'service-reference-cache'));
    const r = await runCli(['compile'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(error);
    expect(r.stdout).not.toContain('shipped with');
    expect(fs.existsSync(path.join(dir, 'out')), 'nothing compiled').toBe(false);
  });

  it('is not read when --cache names a cache, even the default path with nothing there', async () => {
    const dir = await exampleRepository();
    const r = await runCli(['validate', '--cache', 'service-reference-cache'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error no-reference: actions and services were not checked: no service reference cache in');
  });
});
