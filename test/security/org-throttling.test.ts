/**
 * Reading AWS Organizations as CI does, through the real CLI under strace, from an endpoint that
 * throttles every call: the read must stop at the first fatal error, not go on calling AWS for minutes.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HAVE_STRACE, runHostile, type HostileRun } from '../support/hostile.js';

const summary = (r: HostileRun) => `exit ${r.code}${r.timedOut ? ' TIMED OUT' : ''} in ${r.ms} ms\n--- stderr ---\n${r.stderr.slice(0, 3000)}`;

/** What a server says that must reach the log clipped and inert: an OSC 8 link and a screen clear, then 5,000 characters. */
const HOSTILE_MESSAGE = `Rate exceeded \u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007\u001b[2J${'x'.repeat(5000)}`;

interface FakeOrganizations {
  endpoint: string;
  /** Requests received, in order: operation and attempt (the SDK's amz-sdk-request header). */
  requests: { op: string; attempt: number; at: number }[];
  /** When the first call's last attempt was answered with throttling: the error that ends the read. */
  firstFatalAt: number | undefined;
  close(): Promise<void>;
}

/**
 * Organizations (JSON 1.1 over HTTP) with a root holding 40 OUs, where listing anything under an OU
 * is throttled, always. The reader walks the OUs 4 calls at a time; each call retries until it gives up.
 */
async function fakeOrganizations(maxAttempts: number): Promise<FakeOrganizations> {
  const fake: FakeOrganizations = { endpoint: '', requests: [], firstFatalAt: undefined, close: async () => undefined };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const attempt = Number(/attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''))?.[1] ?? 1);
      fake.requests.push({ op, attempt, at: Date.now() });
      const input = JSON.parse(body || '{}') as { ParentId?: string };
      const ok = (value: unknown) => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(value));
      };
      if (op === 'DescribeOrganization') return ok({ Organization: { Id: 'o-abcdefghij', MasterAccountId: '111111111111' } });
      if (op === 'ListRoots') return ok({ Roots: [{ Id: 'r-ab12', Name: 'Root', PolicyTypes: [] }] });
      if (input.ParentId === 'r-ab12') {
        if (op === 'ListOrganizationalUnitsForParent') return ok({ OrganizationalUnits: Array.from({ length: 40 }, (_, i) => ({ Id: `ou-ab12-${String(i).padStart(8, '0')}`, Name: `ou-${i}` })) });
        return ok({ Accounts: [] });
      }
      if (attempt >= maxAttempts && fake.firstFatalAt === undefined) fake.firstFatalAt = Date.now();
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'TooManyRequestsException' });
      res.end(JSON.stringify({ __type: 'TooManyRequestsException', Message: HOSTILE_MESSAGE }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return fake;
}

describe.runIf(HAVE_STRACE)('reading AWS Organizations under persistent throttling', () => {
  it('the first fatal error stops every queued and in-flight call; the command exits 2 with one clear, inert line', async () => {
    const maxAttempts = 3;
    const fake = await fakeOrganizations(maxAttempts);
    try {
      const r = await runHostile({
        args: ['org', 'export', '--concurrency', '4'],
        // The SDK's shared config files would be ~/.aws under the sandbox's HOME, beside the canaries.
        env: { AWS_ENDPOINT_URL: fake.endpoint, AWS_MAX_ATTEMPTS: String(maxAttempts), AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', NODE_NO_WARNINGS: '1' },
        timeoutMs: 60_000,
      });
      const after = fake.requests.filter((q) => fake.firstFatalAt !== undefined && q.at > fake.firstFatalAt);
      const report = `${summary(r)}\n${fake.requests.length} requests, ${after.length} after the first fatal error: ${after.slice(0, 20).map((q) => `${q.op}#${q.attempt}`).join(" ")}`;
      console.log(`org export under throttling: ${report.split('\n')[0]}; ${fake.requests.length} requests, ${after.length} after the first fatal error`);
      expect(r.timedOut, report).toBe(false);
      expect(r.code, report).toBe(2);
      expect(fake.firstFatalAt, report).toBeDefined();
      // At most the calls already on the wire when the first one gave up (fewer than --concurrency).
      expect(after.length, report).toBeLessThan(4);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines, report).toHaveLength(1);
      expect(lines[0]).toMatch(/^error org-access: List(OrganizationalUnits|Accounts)ForParent failed: TooManyRequestsException: Rate exceeded \\x1b\]8;;https:\/\/evil\.example\\x07click.*\(\d+ more characters\) \(throttled even after retries; try --concurrency 1\)$/);
      expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(r.stderr.length).toBeLessThan(1000);
      expect(r.stdout).toBe('');
      expect(r.leaks, report).toEqual([]);
      expect(r.outsideAccess, report).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
