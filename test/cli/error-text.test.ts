/**
 * Error text from outside: an endpoint the CLI talks to can answer anything (an error message as long
 * as it likes, with escape sequences, or filled with the request's own headers), and an argument can
 * hold anything. The CLI quotes such text on one inert, bounded line.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectorySource, syncReference } from '../../src/reference/index.js';
import { runCli } from '../support/cli.js';
import { SNAPSHOT_2026 } from '../support/paths.js';
import { tempDir } from '../support/temp.js';

let server: http.Server;
let url: string;
let cache: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n');
    const message = `denied\u001b[2J\u001b]0;pwned\u0007\r\n${headers}\r\n${'padding '.repeat(20_000)}`;
    res.writeHead(400, { 'content-type': 'text/xml' });
    res.end(`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>InvalidInput</Code><Message>${message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cache = path.join(await tempDir(), 'cache');
  await syncReference({ cacheDir: cache, source: new DirectorySource(SNAPSHOT_2026) });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('an error message from the IAM endpoint', () => {
  it('is printed on one bounded line without its escape sequences', async () => {
    const r = await runCli(['simulate', '--engine', 'aws', '--cache', cache], { env: { CI: 'true', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_ENDPOINT_URL_IAM: url } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error aws-engine: IAM SimulateCustomPolicy failed: InvalidInput\w*: denied\\x1b\[2J\\x1b\]0;pwned\\x07\\n.*more characters\)\n$/);
    expect(r.stderr.length).toBeLessThan(1200);
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });
});

describe('a usage error', () => {
  it('quotes the argument it names inert', async () => {
    const r = await runCli(['notify', '--format', `md\u001b[2J${'x'.repeat(3000)}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error usage: --format must be one of markdown, text, slack, json, not "md\\x1b\[2Jxxx.*more characters\)\n$/);
    expect(r.stderr.length).toBeLessThan(1200);
  });
});
