/**
 * Where `org export --out FILE` writes: a path named inside the repository stays inside it whatever a
 * committed symlink says (refused before any call to AWS), and a file that cannot be written is an
 * error naming it (exit 2), not an internal error.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

/** Organizations (JSON 1.1) with a root and nothing else, counting the calls it answers. */
let server: http.Server;
let endpoint: string;
let calls = 0;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    calls++;
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1];
    const answers: Record<string, unknown> = {
      DescribeOrganization: { Organization: { Id: 'o-abcdefghij', MasterAccountId: '111111111111' } },
      ListRoots: { Roots: [{ Id: 'r-ab12', Name: 'Root' }] },
      ListOrganizationalUnitsForParent: { OrganizationalUnits: [] },
      ListAccountsForParent: { Accounts: [{ Id: '111111111111', Name: 'management' }] },
      ListPolicies: { Policies: [] },
    };
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answers[op ?? ''] ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const exportTo = (cwd: string, out: string) =>
  runCli(['org', 'export', '--out', out], { cwd, env: { CI: 'true', AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } });

describe('org export --out', () => {
  it('writes the snapshot where it is named', async () => {
    const repo = await tempDir();
    const r = await exportTo(repo, 'org-snapshot.json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(repo, 'org-snapshot.json'), 'utf8')).root.id).toBe('r-ab12');
  });

  it('refuses, before any call, a path in the repository that a committed symlink leads out of it', async () => {
    const repo = await tempDir();
    const outside = await tempDir();
    fs.symlinkSync(outside, path.join(repo, 'snapshots'));
    const before = calls;
    const r = await exportTo(repo, 'snapshots/org.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error org-export-outside-repository: ${path.join(repo, 'snapshots', 'org.json')} is in ${outside}, outside the repository ${repo}; a path in the repository must not lead out of it\n`);
    expect(calls).toBe(before);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('a file that cannot be written is an error naming it, and leaves nothing behind', async () => {
    const repo = await tempDir();
    fs.mkdirSync(path.join(repo, 'taken'));
    fs.writeFileSync(path.join(repo, 'taken', 'keep'), 'x');
    const r = await exportTo(repo, 'taken');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error org-export-not-written: cannot write ${path.join(repo, 'taken')}: it is a directory \\(EISDIR\\)\\n$`));
    expect(fs.readdirSync(repo)).toEqual(['taken']);
  });
});
