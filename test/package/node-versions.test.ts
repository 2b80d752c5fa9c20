/**
 * The Node versions guardrails says it runs on (package.json's engines) are ones that every locked
 * dependency it installs with says it runs on, the AWS SDK first; and the SDK's notice that its future
 * releases will need a newer Node never reaches the terminal of someone running guardrails.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/paths.js';

type Version = [number, number, number];

/** The least version a `>=X`, `>=X.Y` or `>=X.Y.Z` range allows (the only forms the lock holds today). */
function leastOf(range: string): Version {
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!m) throw new Error(`engines range "${range}" is not of a form this test reads: teach leastOf it`);
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

const atLeast = (a: Version, b: Version) => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] > b[1] : a[2] >= b[2];
const versionOf = (v: string): Version => v.replace(/^v/, '').split('.').map(Number) as Version;

const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; version?: string; engines?: { node?: string } }> };

describe('Node versions', () => {
  it("engines asks for no Node older than any locked runtime dependency's engines (the AWS SDK's among them)", () => {
    const least = leastOf(pkg.engines.node);
    const runtime = Object.entries(lock.packages).filter(([where, p]) => where !== '' && !p.dev);
    const sdk = runtime.filter(([where]) => where.startsWith('node_modules/@aws-sdk/'));
    expect(sdk.length, 'the lock holds the AWS SDK').toBeGreaterThan(0);
    const tooOld = runtime.filter(([, p]) => p.engines?.node !== undefined && !atLeast(least, leastOf(p.engines.node))).map(([where, p]) => `${where} ${p.version}: node ${p.engines!.node}`);
    expect(tooOld, `engines ${pkg.engines.node} allows Node versions these do not run on`).toEqual([]);
  });

  it('runs on this Node, which engines allows', () => {
    expect(atLeast(versionOf(process.version), leastOf(pkg.engines.node)), `${process.version} against engines ${pkg.engines.node}`).toBe(true);
  });

  it("keeps the AWS SDK's notice about its future Node requirement off stderr of a command that makes an SDK client", () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_ACCESS_KEY_ID: 'AKIATESTTESTTESTTEST', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true' };
    // The same client made without guardrails: on Node before 22 the SDK warns, so the assertion below can fail.
    const bare = spawnSync(process.execPath, ['--input-type=module', '-e', "const { OrganizationsClient } = await import('@aws-sdk/client-organizations'); new OrganizationsClient({});"], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
    expect(bare.status, bare.stderr).toBe(0);
    expect(bare.stderr.includes('NodeVersionSupportWarning'), bare.stderr).toBe(versionOf(process.version)[0] < 22);

    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'guardrails.js'), 'org', 'export'], { cwd: PROJECT_ROOT, env, encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr, 'the command reached the SDK').toContain('error org-access: DescribeOrganization failed');
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
    expect(r.stderr).not.toMatch(/\(node:\d+\) Warning/);
  });
});
